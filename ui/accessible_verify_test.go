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
	}
	svc := Real(RealOptions{AWS: app.AWSOptions{EndpointURL: fake.URL}})
	verify, runs := svc.Verify, 0
	svc.Verify = func(ctx context.Context, p *model.Project) (*VerifyReport, error) {
		// The first run cannot read the thing group; the second can.
		runs++
		if runs == 1 {
			fake.Deny("iot:DescribeThingGroup", "*")
		} else {
			fake.ClearDenies()
		}
		return verify(ctx, p)
	}
	p := app.NewProject(filepath.Join(dir, model.DefaultFile))
	var out strings.Builder
	err := RunAccessible(AccessibleOptions{In: strings.NewReader(strings.Join(answers, "\n") + "\n"), Out: &out, Services: svc, Project: p})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{"FAIL  thing group: could not check", "fix: fix the AWS access", "PASS  claim policy",
		"1 of 15 checks failed.", "or r to verify again", "All 15 checks passed.", "Done. Start the build"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if runs != 2 {
		t.Errorf("verify ran %d times, want 2", runs)
	}
}
