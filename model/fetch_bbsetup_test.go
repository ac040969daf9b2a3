package model

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
)

// In a bitbake-setup folder whose configuration lacks meta-openembedded and
// meta-aws, `layers fetch` clones them into layers/, beside bitbake,
// openembedded-core and meta-yocto, with its lock there and no sources/;
// discovery then finds them there, `layers lock` pins them as layers/...,
// and the paths generate writes before the fetch are where they landed.
func TestFetchIntoBBSetupLayers(t *testing.T) {
	mirror := mirrorFor(t, "wrynose")
	t.Setenv(GitMirrorEnv, mirror)
	setup := t.TempDir()
	layertree.Write(t, setup, layertree.BBSetup("wrynose", "2.18"))
	for _, repo := range []string{"meta-openembedded", "meta-aws"} {
		if err := os.RemoveAll(filepath.Join(setup, "layers", repo)); err != nil {
			t.Fatal(err)
		}
	}
	for _, repo := range []string{"bitbake", "openembedded-core", "meta-yocto"} {
		gitInit(t, filepath.Join(setup, "layers", repo))
	}
	p := projectIn(t, setup)
	res := resolveIn(t, p)
	if len(res.NotOnDisk) == 0 {
		t.Fatal("meta-aws and meta-openembedded should not be on disk")
	}
	// What generate writes into bblayers.conf for a layer not fetched yet.
	promised := map[string]string{}
	for _, l := range res.NotOnDisk {
		if !strings.HasPrefix(l.Path, filepath.Join(setup, "layers")+string(filepath.Separator)) {
			t.Errorf("layer %s would be at %s, outside layers/", l.Name, l.Path)
		}
		promised[l.Name] = l.Path
	}
	sum, err := Fetch(context.Background(), p, res, FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Cloned != 2 || sum.Failed != 0 {
		t.Fatalf("summary %+v, want 2 clones (meta-openembedded, meta-aws)", sum)
	}
	if _, err := os.Stat(filepath.Join(setup, "sources")); !os.IsNotExist(err) {
		t.Fatalf("sources/ was created in a bitbake-setup folder (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(setup, "layers", LockName)); err != nil {
		t.Fatalf("the fetch lock is not in layers/: %v", err)
	}
	w, err := Discover(p.SourceRoots()...)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Problems) > 0 {
		t.Fatalf("problems: %v", w.Problems)
	}
	res2, err := Resolve(p, w)
	if err != nil || len(res2.NotOnDisk) != 0 {
		t.Fatalf("after fetch: %v, not on disk %v", err, res2.NotOnDisk)
	}
	for _, l := range res2.Layers {
		if want, ok := promised[l.Name]; ok && l.Path != want {
			t.Errorf("layer %s found at %s, generate was told %s", l.Name, l.Path, want)
		}
	}
	pins, err := Lock(context.Background(), p, res2)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range pins {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if got := strings.Join(keys, " "); got != "layers/bitbake layers/meta-aws layers/meta-openembedded layers/meta-yocto layers/openembedded-core" {
		t.Fatalf("pins %s", got)
	}
}

// A fetch that only returns a checkout outside sources/ to its pin (poky
// beside the project file) leaves no sources/ behind.
func TestFetchRestoreOnlyMakesNoSources(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	layertree.Write(t, dir, layertree.Standard("scarthgap", true))
	for _, repo := range []string{"poky", "meta-openembedded", "meta-aws"} {
		gitInit(t, filepath.Join(dir, repo))
	}
	p := projectIn(t, dir)
	pins, err := Lock(context.Background(), p, resolveIn(t, p))
	if err != nil {
		t.Fatal(err)
	}
	p.Pins = pins
	poky := filepath.Join(dir, "poky")
	pin := headOf(t, poky)
	move := exec.Command("git", "-C", poky, "commit", "-q", "--allow-empty", "-m", "local work")
	move.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
	if out, err := move.CombinedOutput(); err != nil || headOf(t, poky) == pin {
		t.Fatalf("poky did not move off its pin: %v %s", err, out)
	}
	sum, err := Fetch(context.Background(), p, resolveIn(t, p), FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Restored != 1 || sum.Cloned != 0 {
		t.Fatalf("summary %+v, want poky restored only", sum)
	}
	if got := headOf(t, poky); got != pin {
		t.Fatalf("poky at %s, want its pin %s", got, pin)
	}
	if _, err := os.Stat(filepath.Join(dir, "sources")); !os.IsNotExist(err) {
		t.Fatalf("a restore-only fetch created sources/ (%v)", err)
	}
}

// Discovery searches where fetch clones, whatever `sources` says: a
// bitbake-setup folder's layers/, also from a project file below it, and a
// sources/ that an older fetch filled.
func TestSourceRootsSearchFetchFolders(t *testing.T) {
	setup := t.TempDir()
	layertree.Write(t, setup, layertree.BBSetup("wrynose", "2.18"))
	layers, sources := filepath.Join(setup, "layers"), filepath.Join(setup, "sources")
	if err := os.MkdirAll(filepath.Join(sources, "meta-extra"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := projectIn(t, setup)
	p.Sources = []string{"config"} // neither fetch folder
	if got := p.SourceRoots(); !slices.Contains(got, layers) || !slices.Contains(got, sources) {
		t.Errorf("explicit sources: roots %v lack %s or %s", got, layers, sources)
	}
	below := projectIn(t, filepath.Join(setup, "build"))
	if got := FetchDir(below); got != layers {
		t.Errorf("project in build/: FetchDir %s, want %s", got, layers)
	}
	if got := below.SourceRoots(); !slices.Contains(got, layers) {
		t.Errorf("project in build/: roots %v lack %s", got, layers)
	}
}
