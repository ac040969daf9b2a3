package model

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// CatalogMirrorEnv names a folder of <repo>.git clones (bare or not) of the
// catalog's repositories, with their release branches.
const catalogMirrorEnv = "FLEETBAKE_CATALOG_GIT"

// The catalog's facts, checked against the repositories themselves: every
// branch exists; each layer's conf/layer.conf on that branch has the
// catalog's collection, LAYERDEPENDS and LAYERRECOMMENDS for that release
// and lists the release in LAYERSERIES_COMPAT; the bitbake branch meets
// openembedded-core's BB_MIN_VERSION (meta/conf/sanity.conf).
func TestCatalogMatchesMirrors(t *testing.T) {
	dir := os.Getenv(catalogMirrorEnv)
	if dir == "" {
		t.Skip(catalogMirrorEnv + " not set")
	}
	show := func(repo, branch, file string) (string, bool) {
		out, err := exec.Command("git", "-C", filepath.Join(dir, repo+".git"), "show", "refs/heads/"+branch+":"+file).Output()
		return string(out), err == nil
	}
	checked := 0
	for _, r := range CatalogRepos() {
		if _, err := os.Stat(filepath.Join(dir, r.Name+".git")); err != nil {
			t.Logf("no clone of %s: not checked", r.Name)
			continue
		}
		for _, rel := range KnownReleases {
			branch, ok := r.Branch(rel)
			if !ok {
				// A release branch the catalog does not know of.
				if len(r.Layers) > 0 && exec.Command("git", "-C", filepath.Join(dir, r.Name+".git"), "rev-parse", "-q", "--verify", "refs/heads/"+rel).Run() == nil {
					t.Errorf("%s has a %s branch the catalog lacks", r.Name, rel)
				}
				continue
			}
			if err := exec.Command("git", "-C", filepath.Join(dir, r.Name+".git"), "rev-parse", "-q", "--verify", "refs/heads/"+branch).Run(); err != nil {
				t.Errorf("%s: no branch %s (catalog's branch for %s)", r.Name, branch, rel)
				continue
			}
			for _, name := range r.Layers {
				c := catalogLayerOf(t, r.Name, name, rel)
				file := filepath.ToSlash(filepath.Join(c.Subdir, "conf", "layer.conf"))
				data, ok := show(r.Name, branch, file)
				if !ok {
					t.Errorf("%s %s: no %s", r.Name, branch, file)
					continue
				}
				vars, _ := parseConf(file, []byte(data))
				layers, errs := layersFromConf(file, "", name, vars)
				if len(errs) > 0 || len(layers) == 0 {
					t.Errorf("%s %s %s: %v", r.Name, branch, file, errs)
					continue
				}
				d := layers[0]
				checked++
				if d.Collection != c.Collection {
					t.Errorf("%s %s: collection %s, catalog %s", r.Name, branch, d.Collection, c.Collection)
					continue
				}
				if !reflect.DeepEqual(sortedDeps(d.Depends), sortedDeps(c.Depends)) {
					t.Errorf("%s %s %s: LAYERDEPENDS %v, catalog %v", r.Name, branch, name, d.Depends, c.Depends)
				}
				if !reflect.DeepEqual(sortedDeps(d.Recommends), sortedDeps(c.Recommends)) {
					t.Errorf("%s %s %s: LAYERRECOMMENDS %v, catalog %v", r.Name, branch, name, d.Recommends, c.Recommends)
				}
				compat := d.SeriesCompat
				if c.Collection == "core" {
					compat = strings.Fields(vars["LAYERSERIES_CORENAMES"])
				}
				if !slices.Contains(compat, rel) {
					t.Errorf("%s %s %s: LAYERSERIES_COMPAT %v lacks %s", r.Name, branch, name, compat, rel)
				}
			}
		}
	}
	// BitBake's version against what oe-core asks for, per release.
	bb, _ := CatalogRepoNamed("bitbake")
	oe, _ := CatalogRepoNamed("openembedded-core")
	minRe := regexp.MustCompile(`(?m)^BB_MIN_VERSION\s*=\s*"([^"]+)"`)
	verRe := regexp.MustCompile(`(?m)^__version__\s*=\s*"([^"]+)"`)
	for _, rel := range KnownReleases {
		oeBranch, ok1 := oe.Branch(rel)
		bbBranch, ok2 := bb.Branch(rel)
		if !ok1 || !ok2 {
			continue
		}
		sanity, ok1 := show(oe.Name, oeBranch, "meta/conf/sanity.conf")
		init, ok2 := show(bb.Name, bbBranch, "lib/bb/__init__.py")
		if !ok1 || !ok2 {
			t.Logf("%s: no openembedded-core or bitbake clone: BitBake version not checked", rel)
			continue
		}
		need, have := minRe.FindStringSubmatch(sanity), verRe.FindStringSubmatch(init)
		if need == nil || have == nil {
			t.Errorf("%s: BB_MIN_VERSION or __version__ not found", rel)
			continue
		}
		checked++
		if compareVersions(have[1], need[1]) < 0 {
			t.Errorf("%s: bitbake branch %s is %s, openembedded-core %s needs %s (meta/conf/sanity.conf)", rel, bbBranch, have[1], oeBranch, need[1])
		}
	}
	if checked == 0 {
		t.Fatalf("no catalog repository found under %s", dir)
	}
}

// catalogLayerOf is the catalog layer name of repo as CatalogLayer gives it
// for release.
func catalogLayerOf(t *testing.T, repo, name, release string) *Layer {
	for _, l := range Catalog() {
		if l.Repo == repo && l.Name == name {
			return forRelease(l, release)
		}
	}
	t.Fatalf("no catalog layer %s in %s", name, repo)
	return nil
}
