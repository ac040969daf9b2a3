package model

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
)

// mirrorFor makes bare repositories poky, meta-openembedded and meta-aws with
// a branch for release, as the catalog names them.
func mirrorFor(t *testing.T, release string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	mirror := t.TempDir()
	layertree.BareRepo(t, mirror, "poky", release, layertree.Spec{Layers: layertree.Rebase("poky", layertree.Poky(release))})
	layertree.BareRepo(t, mirror, "meta-openembedded", release, layertree.Spec{Layers: layertree.Rebase("meta-openembedded", layertree.MetaOE(release))})
	// meta-aws has its layer at the repository root.
	layertree.BareRepo(t, mirror, "meta-aws", release, layertree.Spec{Layers: layertree.Rebase("meta-aws", []layertree.Layer{layertree.MetaAWS(release, true)})})
	return mirror
}

func TestFetchLayersClonesMissingRepos(t *testing.T) {
	mirror := mirrorFor(t, "scarthgap")
	t.Setenv(GitMirrorEnv, mirror)
	dir := t.TempDir()
	p := projectIn(t, dir)
	p.Release = "scarthgap"
	w, err := Discover(p.SourceRoots()...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Resolve(p, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.NotOnDisk) != len(res.Layers) {
		t.Fatalf("expected every layer from the catalog: %d of %d", len(res.NotOnDisk), len(res.Layers))
	}
	var out bytes.Buffer
	if err := FetchLayers(context.Background(), p, res, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, repo := range []string{"poky", "meta-openembedded", "meta-aws"} {
		dest := filepath.Join(dir, "sources", repo)
		// A real clone at the release branch, shallow.
		branch, err := exec.Command("git", "-C", dest, "rev-parse", "--abbrev-ref", "HEAD").Output()
		if err != nil || strings.TrimSpace(string(branch)) != "scarthgap" {
			t.Fatalf("%s: branch %q err %v", repo, branch, err)
		}
		if _, err := os.Stat(filepath.Join(dest, ".git", "shallow")); err != nil {
			t.Errorf("%s: not a depth-1 clone", repo)
		}
	}
	// Every layer Resolve promised is now where it said.
	for _, l := range res.NotOnDisk {
		if _, err := os.Stat(filepath.Join(l.Path, "conf", "layer.conf")); err != nil {
			t.Errorf("layer %s not at %s", l.Name, l.Path)
		}
	}
	w, _ = Discover(p.SourceRoots()...)
	res2, err := Resolve(p, w)
	if err != nil || len(res2.NotOnDisk) != 0 || w.Generation != GenerationNew || w.Release != "scarthgap" {
		t.Fatalf("after fetch: err %v not on disk %d generation %s", err, len(res2.NotOnDisk), w.Generation)
	}
	// A second run finds nothing to do.
	out.Reset()
	if err := FetchLayers(context.Background(), p, res2, &out); err != nil || !strings.Contains(out.String(), "nothing to fetch") {
		t.Fatalf("second run: %v %s", err, out.String())
	}
	// Running with the old resolution skips existing folders.
	out.Reset()
	if err := FetchLayers(context.Background(), p, res, &out); err != nil || strings.Count(out.String(), "already exists") != 3 {
		t.Fatalf("existing folders: %v\n%s", err, out.String())
	}
}

func TestFetchLayersReportsEveryFailureAndLeavesNoHalfClone(t *testing.T) {
	mirror := mirrorFor(t, "scarthgap")
	t.Setenv(GitMirrorEnv, mirror)
	dir := t.TempDir()
	p := projectIn(t, dir)
	p.Release = "scarthgap"
	p.Machine = "raspberrypi4-64" // catalog has it, the mirror does not
	res, err := Resolve(p, &Workspace{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = FetchLayers(context.Background(), p, res, &out)
	if err == nil || !strings.Contains(err.Error(), "meta-raspberrypi: cloning file://"+mirror+"/meta-raspberrypi.git (branch scarthgap): git clone: fatal: ") {
		t.Fatalf("want a clone failure naming meta-raspberrypi, got %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sources", "meta-raspberrypi")); !os.IsNotExist(err) {
		t.Fatal("a failed clone must leave nothing behind")
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "sources"))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".clone-") {
			t.Errorf("temporary clone folder left: %s", e.Name())
		}
	}
	// The others were fetched anyway.
	if _, err := os.Stat(filepath.Join(dir, "sources", "meta-aws", "conf", "layer.conf")); err != nil {
		t.Fatal("meta-aws should have been fetched despite the other failure")
	}
	// A release the repository has no branch for is named as such
	// (meta-sunxi has no whinlatter branch).
	p.Release, p.Machine = "whinlatter", "pine64-plus"
	res, _ = Resolve(p, &Workspace{})
	err = FetchLayers(context.Background(), p, res, &out)
	if err == nil || !strings.Contains(err.Error(), "meta-sunxi: no branch for whinlatter") {
		t.Fatalf("got %v", err)
	}
}

func TestFetchPlanAddsRequiredRepos(t *testing.T) {
	p := projectIn(t, t.TempDir())
	p.Release = "wrynose"
	res, err := Resolve(p, &Workspace{})
	if err != nil {
		t.Fatal(err)
	}
	repos, err := FetchPlan(res)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range repos {
		names = append(names, r.Name)
	}
	got := strings.Join(names, " ")
	for _, want := range []string{"openembedded-core", "bitbake", "meta-yocto", "meta-openembedded", "meta-aws"} {
		if !strings.Contains(got, want) {
			t.Errorf("plan %q lacks %s", got, want)
		}
	}
}
