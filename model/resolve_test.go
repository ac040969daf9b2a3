package model

import (
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
)

func projectIn(t *testing.T, dir string) *Project {
	t.Helper()
	p := Default()
	p.SetPath(filepath.Join(dir, DefaultFile))
	return p
}

func resolvedNames(r *Resolution) []string {
	var out []string
	for _, l := range r.Layers {
		out = append(out, l.Name)
	}
	return out
}

// checkOrder fails unless every layer comes after the layers it depends on.
func checkOrder(t *testing.T, r *Resolution) {
	t.Helper()
	pos := map[string]int{}
	for i, l := range r.Layers {
		pos[l.Collection] = i
	}
	if len(r.Layers) > 0 && r.Layers[0].Collection != "core" {
		t.Errorf("core must come first, got %s", r.Layers[0].Name)
	}
	for i, l := range r.Layers {
		for _, d := range l.Depends {
			if j, ok := pos[d.Collection]; ok && j > i {
				t.Errorf("%s comes before its dependency %s", l.Name, d.Collection)
			}
		}
	}
}

func TestResolveStandardTree(t *testing.T) {
	root := t.TempDir()
	layertree.Write(t, root, layertree.Standard("scarthgap", true))
	w, err := Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	p := projectIn(t, root)
	res, err := Resolve(p, w)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"meta", "meta-oe", "meta-poky", "meta-python", "meta-multimedia", "meta-networking", "meta-aws"}
	if got := resolvedNames(res); !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	checkOrder(t, res)
	if res.Release != "scarthgap" || res.Generation != GenerationNew || len(res.NotOnDisk) != 0 {
		t.Fatalf("release %s generation %s not on disk %d", res.Release, res.Generation, len(res.NotOnDisk))
	}
	for name, why := range map[string]string{"meta-aws": "chosen in fleetbake.toml", "meta-python": "needed by meta-aws", "meta-poky": "provides DISTRO poky", "meta": "provides MACHINE qemux86-64"} {
		if res.AddedBy[name] != why {
			t.Errorf("AddedBy[%s] = %q, want %q", name, res.AddedBy[name], why)
		}
	}
	// Same input, same answer: the order is stable.
	for i := 0; i < 20; i++ {
		again, _ := Resolve(p, w)
		if !reflect.DeepEqual(resolvedNames(again), want) {
			t.Fatalf("run %d: order changed to %v", i, resolvedNames(again))
		}
	}
}

func TestResolveByCollectionAndMachineProvider(t *testing.T) {
	root := t.TempDir()
	layertree.Write(t, root, layertree.Standard("scarthgap", true))
	w, _ := Discover(root)
	p := projectIn(t, root)
	p.Layers = []string{"openembedded-layer"}
	p.Machine = "raspberrypi4-64"
	res, err := Resolve(p, w)
	if err != nil {
		t.Fatal(err)
	}
	rpi := res.Layers[slices.IndexFunc(res.Layers, func(l *Layer) bool { return l.Name == "meta-raspberrypi" })]
	if rpi.OnDisk || rpi.Path != filepath.Join(root, "sources", "meta-raspberrypi") || res.AddedBy["meta-raspberrypi"] != "provides MACHINE raspberrypi4-64" {
		t.Fatalf("meta-raspberrypi: %+v added by %q", rpi, res.AddedBy["meta-raspberrypi"])
	}
	if len(res.NotOnDisk) != 1 || res.NotOnDisk[0] != rpi {
		t.Fatalf("NotOnDisk = %v", res.NotOnDisk)
	}
	if res.AddedBy["meta-oe"] != "chosen in fleetbake.toml" {
		t.Fatalf("choosing by collection: %v", res.AddedBy)
	}
	checkOrder(t, res)
}

func TestResolveMissingDependency(t *testing.T) {
	root := t.TempDir()
	spec := layertree.Standard("scarthgap", true)
	// Drop meta-multimedia from disk (the catalog has it) and add a layer
	// that needs a collection nobody provides.
	spec.Layers = slices.DeleteFunc(spec.Layers, func(l layertree.Layer) bool { return l.Collection == "multimedia-layer" })
	spec.Layers = append(spec.Layers, layertree.Layer{Dir: "meta-custom", Collection: "custom", Depends: []string{"core", "unobtainium-layer"}, Compat: []string{"scarthgap"}})
	layertree.Write(t, root, spec)
	w, _ := Discover(root)
	p := projectIn(t, root)
	p.Layers = []string{"meta-aws", "meta-custom", "meta-nonexistent"}
	res, err := Resolve(p, w)
	var re *ResolveError
	if !errors.As(err, &re) {
		t.Fatalf("want *ResolveError, got %v", err)
	}
	if len(res.Missing) != 2 {
		t.Fatalf("missing: %v", res.Missing)
	}
	msg := err.Error()
	for _, want := range []string{
		"meta-custom needs unobtainium-layer: no layer with BBFILE_COLLECTIONS \"unobtainium-layer\"",
		"fleetbake.toml layers needs meta-nonexistent",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q:\n%s", want, msg)
		}
	}
	mm := slices.IndexFunc(res.NotOnDisk, func(l *Layer) bool { return l.Collection == "multimedia-layer" })
	if mm < 0 || res.NotOnDisk[mm].Path != filepath.Join(root, "sources", "meta-openembedded", "meta-multimedia") || res.NotOnDisk[mm].GitURL == "" {
		t.Fatalf("meta-multimedia from the catalog: %v", res.NotOnDisk)
	}
	checkOrder(t, res)
}

// oe-core master says LAYERSERIES_CORENAMES = "wrynose blacksail" and
// LAYERSERIES_COMPAT_core = "blacksail" (openembedded-core master,
// meta/conf/layer.conf): BitBake takes wrynose layers with it, and so must
// fleetbake, whichever of the two names the project gives.
func TestResolveAcceptsAnyCoreSeries(t *testing.T) {
	root := t.TempDir()
	spec := layertree.Standard("wrynose", true)
	for i := range spec.Layers {
		if spec.Layers[i].Collection == "core" {
			spec.Layers[i].Compat = []string{"blacksail"}
			spec.Layers[i].CoreNames = []string{"wrynose", "blacksail"}
		}
	}
	layertree.Write(t, root, spec)
	w, err := Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	if w.Release != "wrynose" || !slices.Equal(w.CoreNames, []string{"wrynose", "blacksail"}) {
		t.Fatalf("release %q core names %v", w.Release, w.CoreNames)
	}
	for _, rel := range []string{"", "wrynose", "blacksail"} {
		p := projectIn(t, root)
		p.Release = rel
		p.Layers = []string{"meta-aws"}
		if res, err := Resolve(p, w); err != nil {
			t.Errorf("release %q: %v", rel, err)
		} else if rel == "" && res.Release != "wrynose" {
			t.Errorf("detected release %q", res.Release)
		}
	}
	// A layer of neither series is refused, and the advice is a branch of
	// that layer, not a release that the core on disk would refuse next.
	spec.Layers[len(spec.Layers)-1].Compat = []string{"whinlatter"}
	layertree.Write(t, root, spec)
	w, _ = Discover(root)
	p := projectIn(t, root)
	p.Layers = []string{"meta-aws"}
	_, err = Resolve(p, w)
	if err == nil || !strings.Contains(err.Error(), "none of wrynose, blacksail that the core layer supports") || strings.Contains(err.Error(), "pick release") {
		t.Fatalf("got %v", err)
	}
}

func TestResolveIncompatibleSeries(t *testing.T) {
	root := t.TempDir()
	spec := layertree.Standard("scarthgap", true)
	spec.Layers[len(spec.Layers)-1].Compat = []string{"kirkstone"} // meta-aws of another branch
	spec.Layers = append(spec.Layers, layertree.Layer{Dir: "meta-nocompat", Collection: "nocompat", Depends: []string{"core"}})
	layertree.Write(t, root, spec)
	w, _ := Discover(root)
	p := projectIn(t, root)
	p.Layers = []string{"meta-aws", "meta-nocompat"}
	res, err := Resolve(p, w)
	if err == nil {
		t.Fatal("want an error")
	}
	// A layer with no LAYERSERIES_COMPAT only gets BitBake's warning
	// (bitbake lib/bb/cookerdata.py); one of another series is refused.
	if len(res.Incompatible) != 1 {
		t.Fatalf("incompatible: %v", res.Incompatible)
	}
	msg := err.Error()
	if !strings.Contains(msg, "layer meta-aws is for kirkstone (LAYERSERIES_COMPAT), none of scarthgap that the core layer supports") ||
		!strings.Contains(msg, "check out its scarthgap branch") || strings.Contains(msg, "pick release") {
		t.Fatalf("message:\n%s", msg)
	}
}

func TestResolveVersionConstraint(t *testing.T) {
	root := t.TempDir()
	spec := layertree.Standard("scarthgap", true)
	spec.Layers[0].Version = "11" // oe-core too old for meta-python's core (>= 12)
	layertree.Write(t, root, spec)
	w, _ := Discover(root)
	res, err := Resolve(projectIn(t, root), w)
	if err == nil || len(res.Missing) != 1 {
		t.Fatalf("err %v missing %v", err, res.Missing)
	}
	m := res.Missing[0]
	if m.Collection != "core" || m.NeededBy != "meta-python" || m.Constraint != ">= 12" || m.Found != "11" {
		t.Fatalf("missing: %+v", m)
	}
	if !strings.Contains(err.Error(), "meta-python needs core (>= 12)") {
		t.Fatal(err)
	}
}

func TestResolveReleaseAndGeneration(t *testing.T) {
	// Nothing on disk, no release: say to set release.
	p := projectIn(t, t.TempDir())
	if _, err := Resolve(p, &Workspace{Roots: []string{"/src"}}); err == nil || !strings.Contains(err.Error(), "set release =") {
		t.Fatalf("no release: %v", err)
	}
	// From the catalog alone, the generation follows the release.
	for rel, gen := range map[string]Generation{"kirkstone": GenerationOld, "styhead": GenerationOld, "scarthgap": GenerationNew,
		"walnascar": GenerationNew, "whinlatter": GenerationNew, "wrynose": GenerationNew} {
		p.Release = rel
		res, err := Resolve(p, &Workspace{})
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if res.Generation != gen {
			t.Errorf("%s: generation %s, want %s", rel, res.Generation, gen)
		}
		if len(res.NotOnDisk) != len(res.Layers) {
			t.Errorf("%s: every layer should be from the catalog", rel)
		}
		checkOrder(t, res)
		core := res.Layers[0]
		wantRepo := "poky"
		if rel == "whinlatter" || rel == "wrynose" {
			wantRepo = "openembedded-core" // poky has no branch after walnascar
		}
		if core.Repo != wantRepo {
			t.Errorf("%s: core from %s, want %s", rel, core.Repo, wantRepo)
		}
	}
	// Disk wins over the release: a scarthgap checkout from before the plugin.
	root := t.TempDir()
	layertree.Write(t, root, layertree.Standard("scarthgap", false))
	w, _ := Discover(root)
	res, err := Resolve(projectIn(t, root), w)
	if err != nil || res.Generation != GenerationOld {
		t.Fatalf("generation %s err %v", res.Generation, err)
	}
	// The project's release wins over the one on disk.
	p2 := projectIn(t, root)
	p2.Release = "walnascar"
	res, err = Resolve(p2, w)
	if res.Release != "walnascar" || err == nil || len(res.Incompatible) == 0 {
		t.Fatalf("release %s err %v", res.Release, err)
	}
}

func TestDependencyOrderBreaksCycles(t *testing.T) {
	a := &Layer{Name: "a", Collection: "a", Depends: []Dependency{{Collection: "b"}}}
	b := &Layer{Name: "b", Collection: "b", Depends: []Dependency{{Collection: "a"}}}
	c := &Layer{Name: "c", Collection: "core"}
	got := dependencyOrder(map[string]*Layer{"a": a, "b": b, "core": c})
	if len(got) != 3 || got[0] != c || got[1] != a || got[2] != b {
		t.Fatalf("got %v %v %v", got[0].Name, got[1].Name, got[2].Name)
	}
}
