package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/app"
	"fleetbake/internal/awsfake"
	"fleetbake/model"
)

// TestAccessibleWholeWizard answers every plain prompt on the fixture tree
// against the AWS fake, mostly with the defaults: Greengrass is offered on,
// and local.conf ends up with the endpoints AWS returned.
func TestAccessibleWholeWizard(t *testing.T) {
	dir, fake := newWorkspace(t)
	answers := []string{
		"", "", // build folder, release
		"qemuarm64", // machine
		"", "", "",  // layers, image, distro
		"8", "", "", "", "", "", "", "", // shared settings
		"",            // Greengrass on (the default for a new project)
		"", "", "acc", // nucleus, region, prefix
		"", "", "", "", "", "", // group, thing prefix, template, alias, claim key, claim folder
		"y", // write and create
		"",  // on to the build after verify
	}
	p := app.NewProject(filepath.Join(dir, model.DefaultFile))
	var out strings.Builder
	err := RunAccessible(AccessibleOptions{In: strings.NewReader(strings.Join(answers, "\n") + "\n"), Out: &out,
		Services: Real(RealOptions{AWS: app.AWSOptions{EndpointURL: fake.URL}}), Project: p})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Greengrass (on, off) [on]: ") {
		t.Errorf("Greengrass was not offered on for a new project:\n%s", out.String())
	}
	if strings.Contains(out.String(), "+ meta-aws") {
		t.Errorf("the chosen layer is listed as added:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "Found 8 layers and 3 machines on disk") {
		t.Errorf("the summary does not count what is on disk:\n%s", out.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "build", "conf", "local.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"qemuarm64"`) || !strings.Contains(string(data), "IOT_DATA_ENDPOINT") {
		t.Errorf("local.conf lacks the machine or the AWS endpoints:\n%s", data)
	}
	if groups := fake.Resources()[awsfake.KindThingGroup]; len(groups) == 0 || !strings.HasPrefix(groups[0], "acc") {
		t.Errorf("thing groups %v, want one named from the prefix acc", groups)
	}
	saved, err := model.Load(p.Path())
	if err != nil {
		t.Fatal(err)
	}
	if !saved.Greengrass.Enabled || saved.Greengrass.DataEndpoint == "" || saved.Shared.BBNumberThreads != 8 {
		t.Errorf("saved project: greengrass %+v, threads %d", saved.Greengrass, saved.Shared.BBNumberThreads)
	}
}

// Without credentials the plain prompts write the conf files without the
// AWS step when asked, and say which variables stay empty (issue 10, item 5).
func TestAccessibleFilesOnlyWithoutCredentials(t *testing.T) {
	dir, fake := newWorkspace(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	answers := []string{
		"", "", "qemuarm64", "", "", "", // build folder, release, machine, layers, image, distro
		"", "", "", "", "", "", "", "", // shared settings
		"", "", "", "", "", "", "", "", "", "", // Greengrass on, its eight fields, the claim key
		"n", // not the AWS resources
		"y", // the files only
		"",  // on to the build after the checks that need no AWS
	}
	p := app.NewProject(filepath.Join(dir, model.DefaultFile))
	var out strings.Builder
	err := RunAccessible(AccessibleOptions{In: strings.NewReader(strings.Join(answers, "\n") + "\n"), Out: &out,
		Services: Real(RealOptions{AWS: app.AWSOptions{EndpointURL: fake.URL}}), Project: p})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	flat := strings.Join(strings.Fields(out.String()), " ")
	// What to do first, then the way on without AWS, the SDK's text last.
	fix, skip, sdk := strings.Index(flat, "No AWS credentials found: run `aws configure`"), strings.Index(flat, "Or go on without AWS"), strings.Index(flat, "AWS SDK: get AWS credentials")
	if fix < 0 || fix > skip || skip > sdk {
		t.Errorf("the no-credentials message does not start with what to do (fix at %d, skip at %d, SDK at %d):\n%s", fix, skip, sdk, out.String())
	}
	for _, want := range []string{"Empty in local.conf: IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning", "`fleetbake provision apply`", "`fleetbake build`",
		// The checks that need no AWS ran; the others are named, with why.
		"Verifying local.conf, the claim files and the first boot (no AWS", "PASS time sync:",
		`FAIL local.conf: IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning = "" (AWS fills it)`,
		"Not run, because they need the AWS account and the AWS step was skipped: data endpoint, credential endpoint, provisioning template",
		"r to verify again, or b to check the first boot with BitBake:"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the prompts do not say %q:\n%s", want, out.String())
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "build", "conf", "local.conf"))
	if err != nil || !strings.Contains(string(data), `IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning = ""`) {
		t.Errorf("local.conf without the endpoints (%v):\n%s", err, data)
	}
	if n := fake.MutatingCalls(); n != 0 {
		t.Errorf("%d mutating AWS calls", n)
	}
}

// TestAccessibleEmptyFolderFinishes: in a folder with nothing on disk the
// plain prompts take the default release, as init and the full UI do, and
// run to the end (found trying fleetbake as a new user: "release -", then
// "no Yocto release" and exit 1, with no release saved).
func TestAccessibleEmptyFolderFinishes(t *testing.T) {
	dir := t.TempDir()
	p := app.NewProject(filepath.Join(dir, model.DefaultFile))
	var out strings.Builder
	// Enter at every question: Greengrass is on by default; answer no to
	// creating AWS resources, then yes to writing the files only.
	in := strings.NewReader(strings.Repeat("\n", 40))
	err := RunAccessible(AccessibleOptions{In: in, Out: &out, Services: Real(RealOptions{}), Project: p})
	if err != nil && !strings.Contains(err.Error(), "input ended") {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "no Yocto release") {
		t.Fatalf("the prompts stopped for want of a release:\n%s", out.String())
	}
	saved, lerr := model.Load(p.Path())
	if lerr != nil {
		t.Fatal(lerr)
	}
	if saved.Release != model.DefaultRelease {
		t.Errorf("saved release %q, want %q", saved.Release, model.DefaultRelease)
	}
	if !strings.Contains(out.String(), "release "+model.DefaultRelease) {
		t.Errorf("the prompts do not say which release they took:\n%s", out.String())
	}
}
