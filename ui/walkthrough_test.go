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

// runPrompts runs the plain prompts on the fixture tree with these answers
// (one a line) and returns what they wrote; input ending early is fine.
func runPrompts(t *testing.T, dir string, fake *awsfake.Server, answers ...string) string {
	t.Helper()
	p := app.NewProject(filepath.Join(dir, model.DefaultFile))
	var out strings.Builder
	err := RunAccessible(AccessibleOptions{In: strings.NewReader(strings.Join(answers, "\n") + "\n"), Out: &out,
		Services: Real(RealOptions{AWS: app.AWSOptions{EndpointURL: fake.URL}}), Project: p})
	if err != nil && !strings.Contains(err.Error(), "input ended") {
		t.Fatalf("%v\n%s", err, out.String())
	}
	return out.String()
}

// An unknown MACHINE is refused at once in the plain prompts, with the
// closest names, and asked again; given twice it is taken, as the screen's
// second Enter does (found walking through issue 10: it was taken and only
// noted after the Layers step).
func TestAccessibleUnknownMachineAskedAgain(t *testing.T) {
	dir, fake := newWorkspace(t)
	out := runPrompts(t, dir, fake, "", "", "qemuarm46", "qemuarm64")
	_, after, ok := strings.Cut(out, "MACHINE (? lists them)")
	if !ok {
		t.Fatalf("no MACHINE prompt:\n%s", out)
	}
	next, _, _ := strings.Cut(after, "Layers")
	if !strings.Contains(next, "not accepted: qemuarm46 is not found on disk or in the catalog (did you mean qemuarm64") ||
		strings.Count(next, "MACHINE (? lists them)") != 1 {
		t.Errorf("qemuarm46 was not refused and asked again before the layers:\n%s", out)
	}
	p, err := model.Load(filepath.Join(dir, model.DefaultFile))
	if err != nil || p.Machine != "qemuarm64" {
		t.Errorf("saved machine %q (%v), want qemuarm64", p.Machine, err)
	}
	// Given a second time, it is taken.
	dir2, fake2 := newWorkspace(t)
	runPrompts(t, dir2, fake2, "", "", "qemuarm46", "qemuarm46")
	if p, err := model.Load(filepath.Join(dir2, model.DefaultFile)); err != nil || p.Machine != "qemuarm46" {
		t.Errorf("a machine given twice was not taken: %v", err)
	}
}

// The plain prompts show the policy documents apply creates, for the
// account in use, before asking to create them, as the Review screen does.
func TestAccessibleShowsDocumentsBeforeConfirm(t *testing.T) {
	dir, fake := newWorkspace(t)
	answers := make([]string, len(questions)) // every answer as it stands
	out := runPrompts(t, dir, fake, append(answers, "n", "n")...)
	docs := strings.Index(out, "Documents apply creates:")
	ask := strings.Index(out, "Write the files and create the AWS resources?")
	if docs < 0 || ask < 0 || docs > ask {
		t.Fatalf("the documents are not shown before the question (at %d, question at %d):\n%s", docs, ask, out)
	}
	for _, want := range []string{"claim policy (IoT policy of the claim certificate)", "core device policy", "provisioning template body",
		`"iot:Connect"`, "arn:aws:iot:us-east-1:" + awsfake.DefaultAccount + ":"} {
		if !strings.Contains(out[docs:ask], want) {
			t.Errorf("the documents lack %q:\n%s", want, out[docs:ask])
		}
	}
}

// A claim folder whose full path BitBake cannot take is refused where it
// is typed, in the prompts and on the Greengrass screen, not at Review:
// here the project's own folder has a space.
func TestClaimDirRefusedWhereTyped(t *testing.T) {
	dir, fake := newWorkspace(t)
	spaced := filepath.Join(dir, "My Projects")
	if err := os.Mkdir(spaced, 0o755); err != nil {
		t.Fatal(err)
	}
	// The build folder outside it, so that only the claim folder is wrong.
	build := filepath.Join(dir, "build")
	var answers []string
	for _, q := range questions {
		switch q.Key {
		case "build_dir":
			answers = append(answers, build)
		case "greengrass.claim_dir":
			answers = append(answers, "", filepath.Join(dir, "claims")) // the default first
		default:
			answers = append(answers, "")
		}
	}
	var b strings.Builder
	// The review fails later for the layers' own paths (no layers in that
	// folder: the catalog's fetch paths have the space too); what counts
	// here is that the claim folder was refused when it was typed.
	_ = RunAccessible(AccessibleOptions{In: strings.NewReader(strings.Join(answers, "\n") + "\n"), Out: &b,
		Services: Real(RealOptions{AWS: app.AWSOptions{EndpointURL: fake.URL}}), Project: app.NewProject(filepath.Join(spaced, model.DefaultFile))})
	out := b.String()
	_, after, _ := strings.Cut(out, "Claim folder")
	refusal, second, _ := strings.Cut(after, "Claim folder")
	if !strings.Contains(refusal, "not accepted: its full path "+filepath.Join(spaced, "claim-certs")+" contains a space") {
		t.Errorf("the prompts took a claim folder under %q:\n%s", spaced, out)
	}
	if strings.Contains(second, "not accepted") {
		t.Errorf("a claim folder without a space was refused:\n%s", out)
	}

	// The screen: the default claim folder is refused on the Greengrass step.
	p := app.NewProject(filepath.Join(spaced, model.DefaultFile))
	p.BuildDir, p.Release, p.Machine, p.Image, p.Distro, p.Layers = build, "scarthgap", "qemuarm64", "core-image-minimal", "poky", []string{"meta-aws"}
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	f := startFlow(t, spaced, fake)
	f.probe(func(m *Model) { drivenTo(m, StepGreengrass) })
	f.waitStep(StepGreengrass)
	f.keys("enter enter enter enter enter enter enter enter enter enter")
	f.waitText("contains a space")
	f.probe(func(m *Model) {
		s := m.screens[StepGreengrass].(*greengrassScreen)
		if m.Step() != StepGreengrass || s.form.Focused() != s.form.field("greengrass.claim_dir") {
			t.Errorf("step %v, focus on %s", m.Step(), s.form.Focused().Label)
		}
	})
}

// drivenTo jumps to a step, as the step list does on a resumed project.
func drivenTo(m *Model, s Step) { m.step = s; m.active().Enter() }
