package model

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

//go:embed catalog.toml
var catalogTOML string

// CatalogRepo is one git repository of the built-in catalog.
type CatalogRepo struct {
	Name     string
	GitURL   string
	Branches map[string]string // Yocto release -> branch to clone
	Requires []string          // other repositories needed with this one (openembedded-core needs bitbake)
	Layers   []string          // layer names (folder names) it holds
}

// Branch returns the branch to clone for a release, and whether the
// repository has one.
func (r CatalogRepo) Branch(release string) (string, bool) {
	b, ok := r.Branches[release]
	return b, ok
}

// GitMirrorEnv names a folder holding <repo>.git bare repositories used
// instead of the catalog URLs (tests, air-gapped build servers).
const GitMirrorEnv = "FLEETBAKE_GIT_MIRROR"

// CloneURL is where `layers fetch` clones the repository from: the catalog
// URL, or file://$FLEETBAKE_GIT_MIRROR/<name>.git when that variable is set
// (a file:// URL, since git ignores --depth for plain local paths).
func (r CatalogRepo) CloneURL() string {
	if m := os.Getenv(GitMirrorEnv); m != "" {
		if strings.Contains(m, "://") {
			return strings.TrimSuffix(m, "/") + "/" + r.Name + ".git"
		}
		if a, err := filepath.Abs(m); err == nil {
			m = a
		}
		return "file://" + filepath.ToSlash(filepath.Join(m, r.Name+".git"))
	}
	return r.GitURL
}

type catalogFile struct {
	Repo []struct {
		Name     string            `toml:"name"`
		URL      string            `toml:"url"`
		Branches map[string]string `toml:"branches"`
		Requires []string          `toml:"requires"`
		Layer    []struct {
			Name       string   `toml:"name"`
			Subdir     string   `toml:"subdir"`
			Collection string   `toml:"collection"`
			Priority   int      `toml:"priority"`
			Version    string   `toml:"version"`
			Depends    []string `toml:"depends"`
			Recommends []string `toml:"recommends"`
			Images     []string `toml:"images"`
			// Release holds what differs on one release's branch (its
			// conf/layer.conf): a list given here replaces the layer's.
			Release map[string]struct {
				Collection string    `toml:"collection"`
				Depends    *[]string `toml:"depends"`
				Recommends *[]string `toml:"recommends"`
			} `toml:"release"`
			Distros  []string `toml:"distros"`
			Machines []struct {
				Name        string `toml:"name"`
				Description string `toml:"description"`
			} `toml:"machines"`
		} `toml:"layer"`
	} `toml:"repo"`
}

var (
	catalogOnce   sync.Once
	catalogLayers []*Layer
	catalogRepos  []CatalogRepo
	// catalogByRelease: repo + "/" + layer name -> release -> the layer's
	// LAYERDEPENDS and LAYERRECOMMENDS on that release's branch, where they
	// differ from the layer's own lists.
	catalogByRelease = map[string]map[string]releaseLists{}
)

// releaseLists is what one release's branch of a layer says differently.
type releaseLists struct {
	collection                string // "" when the same
	depends, recommends       []Dependency
	hasDepends, hasRecommends bool
}

// loadCatalog parses the embedded catalog once. The file is part of the
// program, so a parse error is a programming error and panics (a test
// catches it).
func loadCatalog() {
	var f catalogFile
	if _, err := toml.Decode(catalogTOML, &f); err != nil {
		panic(fmt.Sprintf("model: built-in catalog.toml: %v", err))
	}
	for _, r := range f.Repo {
		repo := CatalogRepo{Name: r.Name, GitURL: r.URL, Branches: r.Branches, Requires: r.Requires}
		var compat []string
		for rel := range r.Branches {
			compat = append(compat, rel)
		}
		sort.Slice(compat, func(i, j int) bool { return releaseIndex(compat[i]) < releaseIndex(compat[j]) })
		for _, l := range r.Layer {
			layer := &Layer{
				Name: l.Name, Collection: l.Collection, Priority: l.Priority, Version: l.Version,
				SeriesCompat: compat, Distros: l.Distros, Images: l.Images,
				GitURL: r.URL, Subdir: l.Subdir, Repo: r.Name,
			}
			var err error
			if layer.Depends, err = parseDepends(joinFields(l.Depends)); err != nil {
				panic(fmt.Sprintf("model: catalog.toml %s: %v", l.Name, err))
			}
			if layer.Recommends, err = parseDepends(joinFields(l.Recommends)); err != nil {
				panic(fmt.Sprintf("model: catalog.toml %s: %v", l.Name, err))
			}
			for rel, o := range l.Release {
				if releaseIndex(rel) == len(KnownReleases) {
					panic(fmt.Sprintf("model: catalog.toml %s: unknown release %q", l.Name, rel))
				}
				rl := releaseLists{collection: o.Collection}
				if o.Depends != nil {
					rl.hasDepends = true
					if rl.depends, err = parseDepends(joinFields(*o.Depends)); err != nil {
						panic(fmt.Sprintf("model: catalog.toml %s %s: %v", l.Name, rel, err))
					}
				}
				if o.Recommends != nil {
					rl.hasRecommends = true
					if rl.recommends, err = parseDepends(joinFields(*o.Recommends)); err != nil {
						panic(fmt.Sprintf("model: catalog.toml %s %s: %v", l.Name, rel, err))
					}
				}
				key := r.Name + "/" + l.Name
				if catalogByRelease[key] == nil {
					catalogByRelease[key] = map[string]releaseLists{}
				}
				catalogByRelease[key][rel] = rl
			}
			for _, m := range l.Machines {
				layer.Machines = append(layer.Machines, Machine{Name: m.Name, Description: m.Description, Layer: l.Name})
			}
			catalogLayers = append(catalogLayers, layer)
			repo.Layers = append(repo.Layers, l.Name)
		}
		catalogRepos = append(catalogRepos, repo)
	}
}

func joinFields(f []string) string {
	s := ""
	for _, x := range f {
		s = joinSpace(s, x)
	}
	return s
}

// forRelease returns l (a fresh copy from Catalog) with the collection name
// and dependency lists of its release branch, where the catalog records them
// as different.
func forRelease(l *Layer, release string) *Layer {
	rl, ok := catalogByRelease[l.Repo+"/"+l.Name][release]
	if !ok {
		return l
	}
	if rl.collection != "" {
		l.Collection = rl.collection
	}
	if rl.hasDepends {
		l.Depends = slices.Clone(rl.depends)
	}
	if rl.hasRecommends {
		l.Recommends = slices.Clone(rl.recommends)
	}
	return l
}

// Catalog returns the built-in catalog's layers (OnDisk false, Path ""), in
// catalog order, with the dependency lists of their newest branch (see
// CatalogLayer for a given release). The same collection may appear twice (core in poky and in
// openembedded-core); CatalogLayer picks by release. Each call returns fresh
// copies the caller may change.
func Catalog() []*Layer {
	catalogOnce.Do(loadCatalog)
	out := make([]*Layer, len(catalogLayers))
	for i, l := range catalogLayers {
		c := *l
		out[i] = &c
	}
	return out
}

// CatalogRepos returns the catalog's repositories in catalog order.
func CatalogRepos() []CatalogRepo {
	catalogOnce.Do(loadCatalog)
	return append([]CatalogRepo(nil), catalogRepos...)
}

// CatalogRepoNamed returns the repository with that name.
func CatalogRepoNamed(name string) (CatalogRepo, bool) {
	for _, r := range CatalogRepos() {
		if r.Name == name {
			return r, true
		}
	}
	return CatalogRepo{}, false
}

// CatalogLayer finds a catalog layer by Name or Collection for a release:
// the first repository with a branch for that release wins, with the
// LAYERDEPENDS and LAYERRECOMMENDS of that branch; with release "" or no
// repository having it, the first match is returned as Catalog has it. nil
// when the catalog does not know the layer.
func CatalogLayer(nameOrCollection, release string) *Layer {
	var first *Layer
	for _, l := range Catalog() {
		if l.Name != nameOrCollection && l.Collection != nameOrCollection {
			continue
		}
		if first == nil {
			first = l
		}
		if release == "" {
			return l
		}
		if r, ok := CatalogRepoNamed(l.Repo); ok {
			if _, ok := r.Branch(release); ok {
				return forRelease(l, release)
			}
		}
	}
	return first
}
