package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/app"
	"fleetbake/model"
)

// Enter on the Review's y/N question answers no, its default, as the plain
// prompts do, and the question says so (found walking through issue 10:
// enter did nothing there).
func TestReviewConfirmEnterIsNo(t *testing.T) {
	svc := fakeServices()
	applied := 0
	svc.WriteFiles = func(*FilePlan) error { applied++; return nil }
	m := at(t, StepReview, svc)
	drive(t, m, press("enter")...)
	f := frame(t, m)
	if !strings.Contains(f, "y/N (enter: no)") || !strings.Contains(f, "n/enter no") {
		t.Fatalf("the question does not show enter's answer:\n%s", f)
	}
	drive(t, m, press("enter")...)
	r := m.screens[StepReview].(*reviewScreen)
	if r.confirming || m.Step() != StepReview || applied != 0 {
		t.Fatalf("after enter: confirming %v, step %v, files written %d", r.confirming, m.Step(), applied)
	}
	if strings.Contains(frame(t, m), "y/N") {
		t.Errorf("the question is still shown after enter:\n%s", frame(t, m))
	}
	drive(t, m, press("enter y")...)
	if m.Step() != StepApply {
		t.Errorf("y after asking again went to %v", m.Step())
	}
}

// Quitting while AWS calls run asks; enter answers no there too.
func TestQuitConfirmEnterIsNo(t *testing.T) {
	m := at(t, StepGreengrass, nil)
	m.ctx.Busy = true
	drive(t, m, press("ctrl+c")...)
	if !m.confirm || !strings.Contains(frame(t, m), "Quit anyway? y/N (enter: no)") {
		t.Fatalf("ctrl+c while busy did not ask:\n%s", frame(t, m))
	}
	drive(t, m, press("enter")...)
	if m.confirm || m.ExitCode() != 0 {
		t.Errorf("enter did not answer no: confirm %v, exit code %d", m.confirm, m.ExitCode())
	}
}

// In the plain prompts enter at the y/N questions is no, and the prompt
// says so: nothing is written and AWS is not called.
func TestAccessibleConfirmEnterIsNo(t *testing.T) {
	dir, fake := newWorkspace(t)
	p := app.NewProject(filepath.Join(dir, model.DefaultFile))
	var out strings.Builder
	answers := strings.Repeat("\n", len(questions)+4) // every question's answer as it stands, then enter at both y/N
	err := RunAccessible(AccessibleOptions{In: strings.NewReader(answers), Out: &out,
		Services: Real(RealOptions{AWS: app.AWSOptions{EndpointURL: fake.URL}}), Project: p})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Write the files and create the AWS resources? (y/N, enter: no)") {
		t.Errorf("the prompt does not say what enter answers:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "build", "conf", "local.conf")); err == nil {
		t.Error("local.conf was written after enter (no)")
	}
	if n := fake.MutatingCalls(); n != 0 {
		t.Errorf("%d mutating AWS calls after enter (no)", n)
	}
}
