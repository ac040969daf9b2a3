package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/app"
	"fleetbake/model"
)

// After apply, the plain prompts run verify: a failed check is shown with
// its fix and the question to go on or verify again; r runs it again, and
// once every check passes the wizard ends.
func TestAccessibleVerifyAfterApply(t *testing.T) {
	dir, fake := newWorkspace(t)
	answers := []string{
		"", "", "qemuarm64", "", "", "",
		"8", "", "", "", "", "", "", "",
		"", "", "", "accv",
		"", "", "", "", "", "",
		"y", // write and create
		"r", // verify again after the first run failed
		"",  // on to the build
	}
	svc := Real(RealOptions{AWS: app.AWSOptions{EndpointURL: fake.URL}})
	verify, runs := svc.Verify, 0
	svc.Verify = func(ctx context.Context, p *model.Project, r VerifyRequest) (*VerifyReport, error) {
		// The first run cannot read the thing group; the second can.
		runs++
		if runs == 1 {
			fake.Deny("iot:DescribeThingGroup", "*")
		} else {
			fake.ClearDenies()
		}
		return verify(ctx, p, r)
	}
	p := app.NewProject(filepath.Join(dir, model.DefaultFile))
	var out strings.Builder
	err := RunAccessible(AccessibleOptions{In: strings.NewReader(strings.Join(answers, "\n") + "\n"), Out: &out, Services: svc, Project: p})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{"FAIL  thing group: could not check", "fix: fix the AWS access", "PASS  claim policy",
		"1 of 15 checks failed.", "r to verify again, l for the live check, or b to check the first boot with BitBake", "All 15 checks passed.", "Done. Start the build"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if runs != 2 {
		t.Errorf("verify ran %d times, want 2", runs)
	}
}

// The plain prompts offer the live check after the read-only one: l asks
// y/N first, saying that it creates and deletes a test thing; n runs
// nothing, y provisions a device against the fake's MQTT endpoint, shows
// each exchange, and leaves no thing behind.
func TestAccessibleVerifyLiveCheck(t *testing.T) {
	dir, fake := newWorkspace(t)
	addr, err := fake.StartMQTT()
	if err != nil {
		t.Fatal(err)
	}
	answers := []string{
		"", "", "qemuarm64", "", "", "", // build folder, release, machine, layers, image, distro
		"8", "", "", "", "", "", "", "",
		"", "", "", "accl",
		"", "", "", "", "", "",
		"y", // write and create
		"l", // the live check
		"n", // ... not after all
		"l", // the live check
		"y", // yes
		"",  // on to the build
	}
	var reqs []VerifyRequest
	svc := Real(RealOptions{AWS: app.AWSOptions{EndpointURL: fake.URL}})
	svc.Verify = func(ctx context.Context, p *model.Project, r VerifyRequest) (*VerifyReport, error) {
		// Real's verify, with the live check pointed at the fake's MQTT
		// endpoint instead of the account's data endpoint.
		reqs = append(reqs, r)
		return app.VerifyWith(ctx, p, app.VerifyOptions{AWSOptions: app.AWSOptions{EndpointURL: fake.URL}, Register: r.Register, NoAWS: r.NoAWS,
			Live: app.LiveOptions{Addr: addr, RootCAs: fake.MQTTRootCAs()}})
	}
	p := app.NewProject(filepath.Join(dir, model.DefaultFile))
	var out strings.Builder
	err = RunAccessible(AccessibleOptions{In: strings.NewReader(strings.Join(answers, "\n") + "\n"), Out: &out, Services: svc, Project: p})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := out.String()
	if strings.Count(text, "creates a test thing") != 2 || !strings.Contains(text, "then deletes both. Run it? (y/N, enter: no)") {
		t.Errorf("the live check is not asked about twice, saying what it makes:\n%s", text)
	}
	for _, want := range []string{"l for the live check, or b to check the first boot", "PASS  register:", "ok   RegisterThing:", "ok   clean up:", "Done. Start the build"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if len(reqs) != 2 || reqs[0].Register || !reqs[1].Register {
		t.Errorf("verify ran with %+v, want read-only then once live", reqs)
	}
	if th := fake.Things(); len(th) != 0 {
		t.Errorf("the live check left things behind: %v", th)
	}
}
