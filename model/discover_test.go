package model

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"fleetbake/internal/layertree"
)

func layerNames(w *Workspace) []string {
	var out []string
	for _, l := range w.Layers {
		out = append(out, l.Name)
	}
	return out
}

func TestDiscoverStandardTree(t *testing.T) {
	root := t.TempDir()
	layertree.Write(t, root, layertree.Standard("scarthgap", true))
	w, err := Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"meta", "meta-aws", "meta-multimedia", "meta-networking", "meta-oe", "meta-poky", "meta-python", "meta-yocto-bsp"}
	if got := layerNames(w); !reflect.DeepEqual(got, want) {
		t.Fatalf("layers = %v, want %v", got, want)
	}
	if len(w.Problems) > 0 {
		t.Fatalf("problems: %v", w.Problems)
	}
	if w.Release != "scarthgap" || w.Generation != GenerationNew {
		t.Fatalf("release %q generation %q", w.Release, w.Generation)
	}
	py := w.Layer("meta-python")
	if py.Collection != "meta-python" || py.Version != "1" || py.Priority != 5 ||
		!reflect.DeepEqual(py.Depends, []Dependency{{"core", ">= 12"}, {"openembedded-layer", ""}}) ||
		!reflect.DeepEqual(py.SeriesCompat, []string{"scarthgap"}) {
		t.Fatalf("meta-python parsed as %+v", py)
	}
	if w.Layer("openembedded-layer") != w.Layer("meta-oe") {
		t.Fatal("Layer must find by collection too")
	}
	if aws := w.Layer("meta-aws"); aws.Priority != 6 || aws.Path != filepath.Join(root, "meta-aws") || !aws.OnDisk {
		t.Fatalf("meta-aws: %+v", aws)
	}
	core := w.Layer("core")
	if !reflect.DeepEqual(core.Images, []string{"core-image-base", "core-image-minimal"}) || !reflect.DeepEqual(core.Distros, []string{"nodistro"}) {
		t.Fatalf("core images %v distros %v", core.Images, core.Distros)
	}
	var qemu *Machine
	for i := range core.Machines {
		if core.Machines[i].Name == "qemux86-64" {
			qemu = &core.Machines[i]
		}
	}
	if qemu == nil || qemu.Description != "Machine configuration for running an x86-64 system on QEMU" || qemu.Layer != "meta" {
		t.Fatalf("machine: %+v", qemu)
	}
	// Machines() merges disk and catalog, disk first, no duplicates.
	seen := map[string]int{}
	for _, m := range w.Machines() {
		seen[m.Name]++
	}
	if seen["qemux86-64"] != 1 || seen["raspberrypi4-64"] != 1 || seen["genericx86-64"] != 1 {
		t.Fatalf("Machines(): %v", seen)
	}
}

func TestDiscoverGeneration(t *testing.T) {
	for _, c := range []struct {
		release string
		newGen  bool
		want    Generation
	}{
		{"kirkstone", false, GenerationOld},
		{"scarthgap", false, GenerationOld}, // scarthgap checkout from before August 2025
		{"scarthgap", true, GenerationNew},
		{"walnascar", true, GenerationNew},
	} {
		root := t.TempDir()
		layertree.Write(t, root, layertree.Standard(c.release, c.newGen))
		w, err := Discover(root)
		if err != nil {
			t.Fatal(err)
		}
		if w.Generation != c.want || w.Release != c.release {
			t.Errorf("%s new=%v: generation %q release %q", c.release, c.newGen, w.Generation, w.Release)
		}
	}
	// No meta-aws: no generation.
	root := t.TempDir()
	layertree.Write(t, root, layertree.Spec{Layers: layertree.Poky("scarthgap")})
	w, _ := Discover(root)
	if w.Generation != GenerationUnknown {
		t.Fatalf("generation without meta-aws: %q", w.Generation)
	}
}

func TestDiscoverReleaseFromCompatWhenNoCoreNames(t *testing.T) {
	root := t.TempDir()
	layertree.Write(t, root, layertree.Spec{Layers: []layertree.Layer{{Dir: "oe-core/meta", Collection: "core", Compat: []string{"walnascar"}}}})
	w, err := Discover(root)
	if err != nil || w.Release != "walnascar" {
		t.Fatalf("release %q err %v", w.Release, err)
	}
}

func TestDiscoverSkipRules(t *testing.T) {
	root := t.TempDir()
	l := func(dir, col string) layertree.Layer {
		return layertree.Layer{Dir: dir, Collection: col, Compat: []string{"scarthgap"}}
	}
	layertree.Write(t, root, layertree.Spec{
		Layers: []layertree.Layer{
			l("meta-good", "good"),
			l("meta-security", "security"),
			l("meta-security/meta-tpm", "tpm"), // nested layer: found
			l("repo/meta-deep/meta-deeper", "deeper"),
			l(".git/meta-in-git", "ingit"),
			l("build/meta-in-build", "inbuild"),
			l("build-rpi/meta-x", "inbuild2"),
			l("mybuild/meta-y", "inlocalconfbuild"),
			l("tmp/meta-tmp", "intmp"),
			l("downloads/git2/meta-dl", "indownloads"),
			l("sstate-cache/meta-ss", "insstate"),
			l("meta-good/recipes-core/meta-nested", "inrecipes"),
			l("meta-good/files/meta-f", "infiles"),
			l("poky/bitbake/lib/layerindexlib/tests/testdata/layer1", "core"),
			// Code and documents outside any layer (poky's scripts/,
			// documentation/, bitbake/lib/) are not walked either: the
			// layer-folder names are skipped at any depth.
			l("poky/scripts/lib/meta-in-scripts", "inscripts"),
			l("poky/documentation/meta-in-docs", "indocs"),
			l("tools/files/meta-in-files", "infilesoutside"),
		},
		Files: map[string]string{
			"mybuild/conf/local.conf":    "MACHINE = \"qemux86-64\"\n",
			"other/conf/bblayers.conf":   "BBLAYERS = \"\"\n",
			"other/meta-under-build/x":   "",
			"meta-good/README":           "a layer\n",
			"meta-good/conf/machine/a.b": "not a machine\n",
		},
	})
	layertree.Write(t, root, layertree.Spec{Layers: []layertree.Layer{l("other/meta-under-build", "underbuild")}})
	// A symlink to a layer elsewhere is followed (see
	// TestDiscoverFollowsSymlinkedLayers); meta-linked is in want.
	outside := t.TempDir()
	layertree.Write(t, outside, layertree.Spec{Layers: []layertree.Layer{l("meta-linked", "linked")}})
	if err := os.Symlink(filepath.Join(outside, "meta-linked"), filepath.Join(root, "meta-linked")); err != nil {
		t.Fatal(err)
	}
	w, err := Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"meta-deeper", "meta-good", "meta-linked", "meta-security", "meta-tpm"}
	if got := layerNames(w); !reflect.DeepEqual(got, want) {
		t.Fatalf("layers = %v, want %v", got, want)
	}
	if len(w.Problems) > 0 {
		t.Fatalf("problems: %v", w.Problems)
	}
	// Naming the symlinked folder as a root too finds it once.
	w, err = Discover(root, filepath.Join(root, "meta-linked"))
	if err != nil {
		t.Fatal(err)
	}
	if got := layerNames(w); !reflect.DeepEqual(got, want) {
		t.Fatalf("a symlinked root must be walked once: %v", got)
	}
}

// Layers symlinked in from elsewhere, under any folder name, are found;
// symlinks that lead back up (a loop) or into each other are not walked
// again, and a layer reached twice is one layer.
func TestDiscoverFollowsSymlinkedLayers(t *testing.T) {
	root := t.TempDir()
	layertree.Write(t, root, layertree.Standard("scarthgap", true))
	shared := t.TempDir()
	l := func(dir, coll string) layertree.Layer {
		return layertree.Layer{Dir: dir, Conf: "BBFILE_COLLECTIONS += \"" + coll + "\"\nLAYERSERIES_COMPAT_" + coll + " = \"scarthgap\"\n"}
	}
	layertree.Write(t, shared, layertree.Spec{Layers: []layertree.Layer{l("bsp/meta-vendor", "vendor"), l("meta-company", "company")}})
	links := map[string]string{
		"vendor-layers":         filepath.Join(shared, "bsp"),          // a folder of layers, not named sources/ or layers/
		"meta-company":          filepath.Join(shared, "meta-company"), // one layer
		"again":                 filepath.Join(shared, "meta-company"), // the same layer a second way
		"loop":                  root,                                  // back to the root
		"vendor-layers-up":      shared,                                // above another link's target: walked once more, deduplicated
		"dangling":              filepath.Join(shared, "nothing"),
		"build-link":            filepath.Join(shared, "bsp"), // skipped by name like a build folder
		"sources-file-link.txt": filepath.Join(shared, "bsp", "meta-vendor", "conf", "layer.conf"),
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	// A loop between two folders: shared/bsp/meta-vendor/back -> root.
	if err := os.Symlink(root, filepath.Join(shared, "bsp", "meta-vendor", "back")); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var w *Workspace
	var err error
	go func() { w, err = Discover(root); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("discovery did not finish: a symlink loop is walked for ever")
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"vendor", "company"} {
		var paths []string
		for _, x := range w.Layers {
			if x.Collection == c {
				paths = append(paths, x.Path)
			}
		}
		if len(paths) != 1 {
			t.Errorf("collection %s found %d times: %v", c, len(paths), paths)
		}
	}
	if l := w.Layer("vendor"); l == nil || l.Path != filepath.Join(root, "vendor-layers", "meta-vendor") {
		t.Errorf("vendor layer: %+v", l)
	}
	if l := w.Layer("company"); l == nil || l.Path != filepath.Join(root, "again") {
		t.Errorf("company layer (shortest path wins): %+v", l)
	}
	if w.Layer("core") == nil || w.Release != "scarthgap" {
		t.Errorf("the root's own layers: release %q, %v", w.Release, layerNames(w))
	}
	for _, p := range w.Problems {
		if strings.Contains(p.Error(), "provided by") {
			t.Errorf("a layer reached twice is reported as two: %v", p)
		}
	}
}

func TestDiscoverMalformedLayerConfIsAProblem(t *testing.T) {
	root := t.TempDir()
	spec := layertree.Standard("scarthgap", true)
	spec.Layers = append(spec.Layers,
		layertree.Layer{Dir: "meta-broken", Conf: "BBPATH .= \":${LAYERDIR}\"\nBBFILE_COLLECTIONS += \"broken\nLAYERSERIES_COMPAT_broken = \"scarthgap\"\n"},
		layertree.Layer{Dir: "meta-nocoll", Conf: "BBPATH .= \":${LAYERDIR}\"\n"},
		layertree.Layer{Dir: "meta-badprio", Conf: "BBFILE_COLLECTIONS += \"badprio\"\nBBFILE_PRIORITY_badprio = \"high\"\nLAYERSERIES_COMPAT_badprio = \"scarthgap\"\n"},
	)
	layertree.Write(t, root, spec)
	w, err := Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	if w.Layer("meta-aws") == nil || w.Release != "scarthgap" {
		t.Fatal("good layers must still be found")
	}
	msgs := ""
	for _, p := range w.Problems {
		msgs += p.Error() + "\n"
	}
	for _, want := range []string{
		filepath.Join(root, "meta-broken", "conf", "layer.conf") + ":2: unterminated",
		filepath.Join(root, "meta-nocoll", "conf", "layer.conf") + ": no BBFILE_COLLECTIONS",
		"BBFILE_PRIORITY_badprio = \"high\" is not a number",
	} {
		if !strings.Contains(msgs, want) {
			t.Errorf("problems do not mention %q:\n%s", want, msgs)
		}
	}
}

func TestDiscoverDuplicateCollectionIsAProblem(t *testing.T) {
	root := t.TempDir()
	spec := layertree.Standard("scarthgap", true)
	spec.Layers = append(spec.Layers, layertree.Layer{Dir: "old/meta-aws", Collection: "meta-aws", Compat: []string{"kirkstone"}})
	layertree.Write(t, root, spec)
	w, err := Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Problems) != 1 || !strings.Contains(w.Problems[0].Error(), `collection "meta-aws" is provided by 2 layers`) {
		t.Fatalf("problems: %v", w.Problems)
	}
}

func TestDiscoverRootsOverlapAndErrors(t *testing.T) {
	root := t.TempDir()
	layertree.Write(t, root, layertree.Standard("scarthgap", true))
	w, err := Discover(root, filepath.Join(root, "poky"), root)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Layers) != 8 {
		t.Fatalf("overlapping roots gave %d layers: %v", len(w.Layers), layerNames(w))
	}
	if _, err := Discover(filepath.Join(root, "nope")); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("missing root: %v", err)
	}
	f := filepath.Join(root, "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := Discover(f); err == nil {
		t.Fatal("a file as root must be an error")
	}
}

func TestDiscoverUnreadableFolderIsAProblem(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every folder; runs in CI as a normal user")
	}
	root := t.TempDir()
	layertree.Write(t, root, layertree.Standard("scarthgap", true))
	locked := filepath.Join(root, "locked")
	os.Mkdir(locked, 0o000)
	defer os.Chmod(locked, 0o755)
	w, err := Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Layers) != 8 || len(w.Problems) != 1 || !strings.Contains(w.Problems[0].Error(), "locked") {
		t.Fatalf("layers %d problems %v", len(w.Layers), w.Problems)
	}
}

func TestSourceRoots(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "sources"), 0o755)
	os.Mkdir(filepath.Join(dir, "poky"), 0o755)
	p := Default()
	p.SetPath(filepath.Join(dir, DefaultFile))
	if got, want := p.SourceRoots(), []string{dir, filepath.Join(dir, "sources"), filepath.Join(dir, "poky")}; !reflect.DeepEqual(got, want) {
		t.Fatalf("default roots %v, want %v", got, want)
	}
	p.Sources = []string{"/opt/yocto"}
	if got, want := p.SourceRoots(), []string{"/opt/yocto", filepath.Join(dir, "sources")}; !reflect.DeepEqual(got, want) {
		t.Fatalf("explicit roots %v, want %v (sources/ is where fetch clones)", got, want)
	}
}

// BenchmarkDiscover walks the bench tree of 150 layers and 30,000 files
// (bench/discovery.sh compares the whole command against find).
func BenchmarkDiscover(b *testing.B) {
	root := b.TempDir()
	if _, err := layertree.Synthetic(root, 150, 30000, 10); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w, err := Discover(root)
		if err != nil || len(w.Layers) != 150 {
			b.Fatalf("%v %d", err, len(w.Layers))
		}
	}
}

// BenchmarkDiscoverReal walks the real checkouts FLEETBAKE_POKY names
// (poky, meta-openembedded, meta-aws), for profiles of what bench/discovery.sh
// measures as a whole command.
func BenchmarkDiscoverReal(b *testing.B) {
	root := os.Getenv("FLEETBAKE_POKY")
	if root == "" {
		b.Skip("set FLEETBAKE_POKY to a folder with real checkouts")
	}
	for b.Loop() {
		if _, err := Discover(root); err != nil {
			b.Fatal(err)
		}
	}
}
