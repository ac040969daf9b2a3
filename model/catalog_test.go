package model

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestCatalogIsConsistent(t *testing.T) {
	layers := Catalog()
	if len(layers) < 20 {
		t.Fatalf("catalog has only %d layers", len(layers))
	}
	repos := CatalogRepos()
	for _, r := range repos {
		if r.GitURL == "" || len(r.Branches) == 0 {
			t.Errorf("repo %s lacks a URL or branches", r.Name)
		}
		for _, req := range r.Requires {
			if _, ok := CatalogRepoNamed(req); !ok {
				t.Errorf("repo %s requires unknown repo %s", r.Name, req)
			}
		}
	}
	for _, l := range layers {
		if l.Name == "" || l.Collection == "" || l.Repo == "" || l.OnDisk || l.Path != "" {
			t.Errorf("bad catalog layer %+v", l)
		}
		r, _ := CatalogRepoNamed(l.Repo)
		if !slices.Contains(r.Layers, l.Name) {
			t.Errorf("repo %s does not list %s", r.Name, l.Name)
		}
		// Every dependency is in the catalog for every release the layer has.
		for _, rel := range l.SeriesCompat {
			for _, d := range forRelease(Catalog()[slices.IndexFunc(Catalog(), func(c *Layer) bool { return c.Repo == l.Repo && c.Name == l.Name })], rel).Depends {
				if c := CatalogLayer(d.Collection, rel); c == nil || c.Collection != d.Collection {
					t.Errorf("%s (%s) depends on %s, which the catalog lacks", l.Name, rel, d.Collection)
				} else if !SatisfiesConstraint(c.Version, d.Constraint) {
					t.Errorf("%s needs %s (%s) but the catalog has version %q", l.Name, d.Collection, d.Constraint, c.Version)
				}
			}
		}
		for _, m := range l.Machines {
			if err := ValidateField("machine", m.Name); err != nil || m.Description == "" || m.Layer != l.Name {
				t.Errorf("machine %+v of %s: %v", m, l.Name, err)
			}
		}
	}
	// Copies: changing one does not change the catalog.
	layers[0].Path = "/changed"
	if Catalog()[0].Path != "" {
		t.Fatal("Catalog must return copies")
	}
}

// Dependencies differ between branches of one layer: kirkstone's
// meta-filesystems does not need networking-layer (meta-openembedded
// kirkstone:meta-filesystems/conf/layer.conf), scarthgap's does.
func TestCatalogDependsPerRelease(t *testing.T) {
	cols := func(rel string) []string {
		var out []string
		for _, d := range CatalogLayer("filesystems-layer", rel).Depends {
			out = append(out, d.Collection)
		}
		return out
	}
	if got := cols("kirkstone"); slices.Contains(got, "networking-layer") || !slices.Contains(got, "openembedded-layer") {
		t.Errorf("kirkstone meta-filesystems depends on %v", got)
	}
	if got := cols("scarthgap"); !slices.Contains(got, "networking-layer") {
		t.Errorf("scarthgap meta-filesystems depends on %v", got)
	}
	// A kirkstone project choosing meta-filesystems does not pull in meta-networking.
	p := &Project{Release: "kirkstone", Layers: []string{"meta-filesystems"}}
	res, err := Resolve(p, &Workspace{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range res.Layers {
		if l.Collection == "networking-layer" {
			t.Errorf("kirkstone resolution holds meta-networking: %v", res.AddedBy)
		}
	}
	if c := CatalogLayer("meta-sunxi", "kirkstone"); c == nil || c.Collection != "meta-sunxi" {
		t.Errorf("kirkstone meta-sunxi: %+v", c)
	}
	// The per-release copy leaves the catalog's own lists alone.
	if c := CatalogLayer("filesystems-layer", ""); !slices.ContainsFunc(c.Depends, func(d Dependency) bool { return d.Collection == "networking-layer" }) {
		t.Errorf("catalog's meta-filesystems lost networking-layer: %v", c.Depends)
	}
}

func TestCatalogLayerPicksRepoByRelease(t *testing.T) {
	for rel, repo := range map[string]string{"scarthgap": "poky", "walnascar": "poky", "whinlatter": "openembedded-core", "wrynose": "openembedded-core"} {
		if got := CatalogLayer("core", rel); got == nil || got.Repo != repo {
			t.Errorf("core for %s: %+v, want from %s", rel, got, repo)
		}
	}
	if got := CatalogLayer("meta-poky", "wrynose"); got == nil || got.Repo != "meta-yocto" {
		t.Errorf("meta-poky for wrynose: %+v", got)
	}
	if CatalogLayer("no-such-layer", "") != nil {
		t.Error("unknown layer must be nil")
	}
}

// With FLEETBAKE_POKY naming a folder holding poky, meta-openembedded and
// meta-aws clones of one release, the catalog must agree with their layer.conf.
func TestCatalogMatchesRealLayers(t *testing.T) {
	dir := os.Getenv("FLEETBAKE_POKY")
	if dir == "" {
		t.Skip("FLEETBAKE_POKY not set")
	}
	w, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	if w.Release == "" {
		t.Fatalf("no oe-core under %s", dir)
	}
	checked := 0
	for _, c := range Catalog() {
		d := w.Layer(c.Collection)
		if d == nil || d.Name != c.Name {
			continue
		}
		checked++
		if d.Priority != c.Priority {
			t.Errorf("%s: priority %d on disk, %d in catalog", c.Name, d.Priority, c.Priority)
		}
		// LAYERDEPENDS is a set: its order means nothing to BitBake.
		c = forRelease(c, w.Release)
		if !reflect.DeepEqual(sortedDeps(d.Depends), sortedDeps(c.Depends)) {
			t.Errorf("%s: LAYERDEPENDS %v on disk, %v in catalog", c.Name, d.Depends, c.Depends)
		}
		if !slices.Contains(c.SeriesCompat, w.Release) {
			t.Errorf("%s: catalog has no %s branch", c.Name, w.Release)
		}
	}
	if checked < 5 {
		t.Fatalf("only %d catalog layers found under %s", checked, dir)
	}
}

func sortedDeps(ds []Dependency) []Dependency {
	out := slices.Clone(ds)
	slices.SortFunc(out, func(a, b Dependency) int { return strings.Compare(a.Collection, b.Collection) })
	if len(out) == 0 {
		return nil
	}
	return out
}
