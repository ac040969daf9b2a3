package model

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Workspace is what discovery found under the source roots.
type Workspace struct {
	Roots   []string
	Layers  []*Layer // on disk, sorted by Name then Path
	Release string   // from oe-core: the newest known name of CoreNames (else its last); "" if none
	// CoreNames is the core layer's LAYERSERIES_CORENAMES (else its
	// LAYERSERIES_COMPAT_core): the series BitBake accepts layers for.
	// oe-core master lists the last release too ("wrynose blacksail").
	CoreNames  []string
	Generation Generation // meta-aws fleet provisioning generation on disk; "" without meta-aws
	Problems   []error    // malformed layer.conf and the like: reported, not fatal
}

// Layer returns the layer with that Name, else the one with that Collection,
// else nil.
func (w *Workspace) Layer(nameOrCollection string) *Layer {
	if w == nil {
		return nil
	}
	for _, l := range w.Layers {
		if l.Name == nameOrCollection {
			return l
		}
	}
	for _, l := range w.Layers {
		if l.Collection == nameOrCollection {
			return l
		}
	}
	return nil
}

// Machines returns every machine on disk plus those the catalog knows for
// layers not on disk, sorted by name and deduplicated (disk wins).
func (w *Workspace) Machines() []Machine {
	seen := map[string]bool{}
	var out []Machine
	add := func(ms []Machine) {
		for _, m := range ms {
			if !seen[m.Name] {
				seen[m.Name] = true
				out = append(out, m)
			}
		}
	}
	if w != nil {
		for _, l := range w.Layers {
			add(l.Machines)
		}
	}
	for _, l := range Catalog() {
		if w.Layer(l.Collection) == nil {
			add(l.Machines)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// DefaultSourceRoots are the folders searched when the project names none:
// dir itself and its sources/, layers/ and poky/ if present. Discovery walks
// dir whole and follows symlinked folders, so the sub-folders are walked once,
// as part of dir; they are listed so that `layers` shows where it searched.
func DefaultSourceRoots(dir string) []string {
	if a, err := filepath.Abs(dir); err == nil {
		dir = a
	}
	roots := []string{dir}
	for _, sub := range []string{"sources", "layers", "poky"} {
		p := filepath.Join(dir, sub)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			roots = append(roots, p)
		}
	}
	return roots
}

// SourceRoots are the absolute folders discovery searches for this project.
func (p *Project) SourceRoots() []string {
	var out []string
	if len(p.Sources) == 0 {
		out = DefaultSourceRoots(p.Dir())
	}
	for _, s := range p.Sources {
		a := p.Abs(s)
		if abs, err := filepath.Abs(a); err == nil {
			a = abs
		}
		out = append(out, a)
	}
	// `layers fetch` clones into FetchDir, and into <project dir>/sources
	// before it knew bitbake-setup's layers/ (and the hints still name it):
	// always search both (FetchDir is outside the default roots when the
	// project sits below a bitbake-setup folder).
	for _, fetched := range []string{FetchDir(p), filepath.Join(p.Dir(), "sources")} {
		if a, err := filepath.Abs(fetched); err == nil {
			fetched = a
		}
		if fi, err := os.Stat(fetched); err == nil && fi.IsDir() && !containsString(out, fetched) {
			out = append(out, fetched)
		}
	}
	return out
}

// Folder names never walked: version control, BitBake output and caches.
var skipNames = map[string]bool{
	".git": true, ".repo": true, ".svn": true, ".hg": true,
	"tmp": true, "downloads": true, "sstate-cache": true, "cache": true,
	"node_modules": true, "__pycache__": true,
	// BitBake's and OE's own test fixtures hold fake layers (bitbake/lib/
	// layerindexlib/tests/testdata/layer1 claims collection core).
	"tests": true, "testdata": true,
}

// Folders that hold a layer's recipes, files, code or documents, and, outside
// a layer, code and documents (poky's bitbake/lib, scripts, documentation):
// never a layer below them. They are skipped at any depth below a source
// root, as skipNames are: deciding it by name alone lets the walk skip them
// without knowing whether it is inside a layer, and makes the walk the one
// `find` with the same -prune list does (bench/discovery.sh).
func skipInLayer(name string) bool {
	switch name {
	case "conf", "classes", "files", "lib", "scripts", "dynamic-layers", "wic", "licenses", "doc", "docs", "documentation", "templates":
		return true
	}
	return strings.HasPrefix(name, "recipes-") || strings.HasPrefix(name, "classes-")
}

// Discover finds every layer under the roots: each folder holding
// conf/layer.conf, without walking into .git, build folders (a folder whose
// conf/ holds local.conf or bblayers.conf, or named build*), tmp, downloads or
// sstate-cache, nor into folders named as a layer's recipes-*, files,
// classes, lib or scripts folders (skipInLayer). A missing root is an error;
// a malformed layer.conf is a Problem.
//
// A second discovery of unchanged roots reads no recipe, machine or
// layer.conf file again: it takes the result from the discovery cache
// (discover_cache.go) after checking that nothing it read has changed.
// FLEETBAKE_NO_CACHE=1 turns the cache off.
func Discover(roots ...string) (*Workspace, error) {
	return discover(roots, cacheEnabled())
}

// discoverWalks counts the discoveries that walked the tree (a cached
// result does not): the tests tell a cache hit by it.
var discoverWalks atomic.Int64

func discover(roots []string, useCache bool) (*Workspace, error) {
	clean, walkRoots, err := prepareRoots(roots)
	if err != nil {
		return nil, err
	}
	reals := make([]string, len(walkRoots))
	for i, r := range walkRoots {
		if reals[i], err = filepath.EvalSymlinks(r); err != nil {
			return nil, fmt.Errorf("source folder %s: %w", r, err)
		}
	}
	var c *discoveryCache
	if useCache {
		c = openDiscoveryCache(walkRoots, reals)
	}
	w := c.load()
	if w == nil {
		discoverWalks.Add(1)
		d := &discoverer{sem: make(chan struct{}, workers()), real: map[string]string{}}
		if c != nil {
			d.stamps = newStampSet(time.Now())
		}
		w = d.run(walkRoots, reals)
		c.save(w, d.stamps)
	}
	w.Roots = clean
	if w.Release == "" {
		// No oe-core on disk yet: a bitbake-setup folder names it.
		w.Release = bbSetupRelease(clean)
	}
	return w, nil
}

// run walks the roots (reals[i] is walkRoots[i] without symlinks) and
// returns what it found, without Roots and without the bitbake-setup
// fallback for Release, which Discover adds (they are not cached).
func (d *discoverer) run(walkRoots, reals []string) *Workspace {
	w := &Workspace{}
	for i, r := range walkRoots {
		d.wg.Add(1)
		go func(r, real string) {
			defer d.wg.Done()
			d.walk(r, []string{real})
		}(r, reals[i])
	}
	d.wg.Wait()

	// The same folder reached from two roots, or through a symlink and
	// directly, is one layer: the shortest path to it (then the first in
	// name order) names it, so the result does not depend on the walk's
	// timing.
	sort.Slice(d.layers, func(i, j int) bool {
		a, b := d.layers[i].Path, d.layers[j].Path
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		return a < b
	})
	seen := map[string]bool{}
	for _, l := range d.layers {
		key := d.real[l.Path] + "\x00" + l.Collection
		if !seen[key] {
			seen[key] = true
			w.Layers = append(w.Layers, l)
		}
	}
	sort.Slice(w.Layers, func(i, j int) bool {
		if w.Layers[i].Name != w.Layers[j].Name {
			return w.Layers[i].Name < w.Layers[j].Name
		}
		return w.Layers[i].Path < w.Layers[j].Path
	})
	// Two layers with one collection: BitBake refuses to parse such a set.
	byCol := map[string][]string{}
	for _, l := range w.Layers {
		byCol[l.Collection] = append(byCol[l.Collection], l.Path)
	}
	for c, paths := range byCol {
		if len(paths) > 1 {
			d.problems = append(d.problems, fmt.Errorf("collection %q is provided by %d layers: %s; keep one in the source folders (fleetbake uses the first)", c, len(paths), strings.Join(paths, ", ")))
		}
	}
	sort.SliceStable(d.problems, func(i, j int) bool { return d.problems[i].Error() < d.problems[j].Error() })
	w.Problems = d.problems

	for _, l := range w.Layers {
		if l.Collection == "core" {
			w.CoreNames = strings.Fields(d.coreNames[l.Path])
			if len(w.CoreNames) == 0 {
				w.CoreNames = l.SeriesCompat
			}
			w.Release = newestRelease(w.CoreNames)
			break
		}
	}
	for _, l := range w.Layers {
		if l.Collection == "meta-aws" {
			w.Generation = d.metaAWSGeneration(l.Path)
			break
		}
	}
	return w
}

func workers() int {
	n := runtime.GOMAXPROCS(0) * 4
	if n < 8 {
		n = 8
	}
	if n > 64 {
		n = 64
	}
	return n
}

// discoverer walks folders with a bounded number of goroutines: a sub-folder
// gets its own goroutine while a slot is free, else it is walked inline.
type discoverer struct {
	sem       chan struct{}
	wg        sync.WaitGroup
	mu        sync.Mutex
	layers    []*Layer
	problems  []error
	coreNames map[string]string // layer path -> LAYERSERIES_CORENAMES
	real      map[string]string // layer path -> its real path, known from the walk's chain
	stamps    *stampSet         // what the walk read, for the discovery cache; nil without it
}

func (d *discoverer) problem(err error) {
	d.mu.Lock()
	d.problems = append(d.problems, err)
	d.mu.Unlock()
}

// walk visits dir. chain holds the real (symlink-free) paths of the root and
// of each symlinked folder followed to reach dir, the last being dir's own
// real path.
func (d *discoverer) walk(dir string, chain []string) {
	entries, err := d.readDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			d.problem(fmt.Errorf("cannot read %s: %w", dir, err))
		}
		return
	}
	real := chain[len(chain)-1]
	for _, e := range entries {
		if e.Name() != "conf" || !e.IsDir() {
			continue
		}
		conf, err := d.readDir(filepath.Join(dir, "conf"))
		if err != nil {
			d.problem(fmt.Errorf("cannot read %s: %w", filepath.Join(dir, "conf"), err))
			return
		}
		hasLayer := false
		for _, c := range conf {
			switch c.Name() {
			case "local.conf", "bblayers.conf":
				return // a build folder: never walked
			case "layer.conf":
				hasLayer = true
			}
		}
		if hasLayer {
			d.readLayer(dir, real, conf, entries)
		}
	}
	for _, e := range entries {
		name := e.Name()
		// conf/ is read above when it matters.
		if skipNames[name] || strings.HasPrefix(name, "build") || skipInLayer(name) || name == "conf" {
			continue
		}
		sub := filepath.Join(dir, name)
		var subChain []string
		switch {
		case e.IsDir():
			subChain = append(chain[:len(chain)-1:len(chain)-1], filepath.Join(real, name))
		case e.Type()&fs.ModeSymlink != 0:
			// Layers are often symlinked in from a shared checkout
			// (ln -s ~/src/meta-foo): follow a symlinked folder unless
			// it leads back to a folder this path already passed
			// through (a loop) or too many links deep.
			target, ok := d.followable(sub, chain)
			if !ok {
				continue
			}
			subChain = append(chain[:len(chain):len(chain)], target)
		default:
			continue
		}
		select {
		case d.sem <- struct{}{}:
			d.wg.Add(1)
			go func() {
				defer func() { <-d.sem; d.wg.Done() }()
				d.walk(sub, subChain)
			}()
		default:
			d.walk(sub, subChain)
		}
	}
}
