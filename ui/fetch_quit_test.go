package ui

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
	"fleetbake/model"
)

// q during the Layers step's fetch ends the program, and Close returns only
// once the cancelled fetch has removed its unfinished clones: nothing is
// left in sources/ (a quit used to leave them, hundreds of MB for poky,
// until the next fetch).
func TestFlowQuitDuringFetchLeavesNoClone(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	mirror, rel := t.TempDir(), model.DefaultRelease
	layertree.BareRepo(t, mirror, "poky", rel, layertree.Spec{Layers: layertree.Rebase("poky", layertree.Poky(rel))})
	layertree.BareRepo(t, mirror, "meta-openembedded", rel, layertree.Spec{Layers: layertree.Rebase("meta-openembedded", layertree.MetaOE(rel))})
	layertree.BareRepo(t, mirror, "meta-aws", rel, layertree.Spec{Layers: layertree.Rebase("meta-aws", []layertree.Layer{layertree.MetaAWS(rel, true)})})
	t.Setenv(model.GitMirrorEnv, mirror)
	slow := layertree.NewSlowServer(t, -1) // holds the clones: the quit comes mid-fetch
	t.Setenv("GIT_CONFIG_GLOBAL", slow.Config)

	_, fake := newWorkspace(t)
	dir := t.TempDir()
	f := startFlow(t, dir, fake)
	f.waitStep(StepWorkspace)
	f.waitText("no oe-core on disk")
	f.keys("enter enter")
	f.chooseMachine("qemuarm64")
	f.waitStep(StepLayers)
	f.waitText("not on disk: F fetches them")
	f.keys("F")
	// The "cloning" line is shown before its temporary folder is made
	// (model.Fetch emits it, then cloneItem makes the folder): wait for both.
	f.waitFor("the clones under way and their 3 temporary folders", func(_ *Model, screen string) bool {
		temps, _ := filepath.Glob(filepath.Join(dir, "sources", ".*.clone-*"))
		return strings.Count(screen, ": cloning file://") == 3 && len(temps) == 3
	})
	f.quit()
	if left, _ := filepath.Glob(filepath.Join(dir, "sources", ".*.clone-*")); len(left) != 0 {
		t.Fatalf("quitting mid-fetch left %v", left)
	}
}
