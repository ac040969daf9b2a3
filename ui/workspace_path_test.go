package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/app"
)

// A workspace in a folder whose path has a space is refused at the
// Workspace step, with why, instead of failing at BitBake's sanity check;
// an absolute build folder without one goes on.
func TestWorkspaceRefusesABuildPathWithASpace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "My Yocto")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := app.NewProject(filepath.Join(dir, "fleetbake.toml"))
	m := newTestModel(t, fakeServices(), p, false)
	resize(t, m, 100, 30)
	drive(t, m, m.Init())
	drive(t, m, press("enter enter")...)
	if m.Step() != StepWorkspace {
		t.Fatalf("left the Workspace step with build folder %q", filepath.Join(dir, "build"))
	}
	f := strings.Join(strings.Fields(frame(t, m)), " ")
	for _, want := range []string{"contains a space", "sanity.bbclass"} {
		if !strings.Contains(f, want) {
			t.Errorf("screen lacks %q:\n%s", want, frame(t, m))
		}
	}
	other := filepath.Join(t.TempDir(), "build")
	drive(t, m, press("ctrl+u type:"+other+" enter enter")...)
	if m.Step() == StepWorkspace || m.ctx.Project.BuildDir != other {
		t.Fatalf("step %v, build_dir %q", m.Step(), m.ctx.Project.BuildDir)
	}
}
