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
)

// Workspace is what discovery found under the source roots.
type Workspace struct {
	Roots      []string
	Layers     []*Layer   // on disk, sorted by Name then Path
	Release    string     // from oe-core (LAYERSERIES_CORENAMES, else LAYERSERIES_COMPAT_core); "" if none
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
// dir itself and its sources/, layers/ and poky/ if present. Since discovery
// walks dir whole, the sub-folders matter only when they are symlinks, which
// the walk does not follow.
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
	if len(p.Sources) == 0 {
		return DefaultSourceRoots(p.Dir())
	}
	var out []string
	for _, s := range p.Sources {
		a := p.Abs(s)
		if abs, err := filepath.Abs(a); err == nil {
			a = abs
		}
		out = append(out, a)
	}
	// `layers fetch` clones into <project dir>/sources: always search it.
	fetched := filepath.Join(p.Dir(), "sources")
	if a, err := filepath.Abs(fetched); err == nil {
		fetched = a
	}
	if fi, err := os.Stat(fetched); err == nil && fi.IsDir() && !containsString(out, fetched) {
		out = append(out, fetched)
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

// Folders of a layer that hold recipes, files or code, never nested layers.
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
// sstate-cache, nor into a layer's recipes-*, files or classes folders. A
// missing root is an error; a malformed layer.conf is a Problem.
func Discover(roots ...string) (*Workspace, error) {
	w := &Workspace{}
	var clean []string
	for _, r := range roots {
		a, err := filepath.Abs(r)
		if err != nil {
			return nil, err
		}
		fi, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("source folder %s: %w", r, err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("source folder %s is not a folder", r)
		}
		clean = append(clean, a)
	}
	w.Roots = clean
	// A root inside another root is walked once, as part of the outer one,
	// unless it is reached through a symlink (the walk follows none).
	var walkRoots []string
	for _, r := range clean {
		inside := false
		for _, o := range clean {
			if o != r && isWithin(r, o) && realpathEqual(r, o) {
				inside = true
				break
			}
		}
		if !inside && !containsString(walkRoots, r) {
			walkRoots = append(walkRoots, r)
		}
	}

	d := &discoverer{sem: make(chan struct{}, workers())}
	for _, r := range walkRoots {
		d.wg.Add(1)
		go func(r string) {
			defer d.wg.Done()
			d.walk(r, false)
		}(r)
	}
	d.wg.Wait()

	// The same folder reached from two roots is one layer.
	seen := map[string]bool{}
	for _, l := range d.layers {
		key := l.Path + "\x00" + l.Collection
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
			if names := strings.Fields(d.coreNames[l.Path]); len(names) > 0 {
				w.Release = names[len(names)-1]
			} else if len(l.SeriesCompat) > 0 {
				w.Release = l.SeriesCompat[len(l.SeriesCompat)-1]
			}
			break
		}
	}
	for _, l := range w.Layers {
		if l.Collection == "meta-aws" {
			w.Generation = metaAWSGeneration(l.Path)
			break
		}
	}
	return w, nil
}

// isWithin reports whether path is dir or below it.
func isWithin(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// realpathEqual reports whether inner, resolved through symlinks, is still
// inside outer: only then does walking outer cover inner.
func realpathEqual(inner, outer string) bool {
	ri, err1 := filepath.EvalSymlinks(inner)
	ro, err2 := filepath.EvalSymlinks(outer)
	if err1 != nil || err2 != nil {
		return false
	}
	return isWithin(ri, ro)
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
}

func (d *discoverer) problem(err error) {
	d.mu.Lock()
	d.problems = append(d.problems, err)
	d.mu.Unlock()
}

// walk visits dir; inLayer tells that dir is a layer or lies inside one.
func (d *discoverer) walk(dir string, inLayer bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			d.problem(fmt.Errorf("cannot read %s: %w", dir, err))
		}
		return
	}
	isLayer := false
	for _, e := range entries {
		if e.Name() != "conf" || !e.IsDir() {
			continue
		}
		conf, err := os.ReadDir(filepath.Join(dir, "conf"))
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
			isLayer = true
			d.readLayer(dir, conf, entries)
		}
	}
	inLayer = inLayer || isLayer
	for _, e := range entries {
		if !e.IsDir() {
			continue // files and symlinks: the walk follows no symlink
		}
		name := e.Name()
		if skipNames[name] || strings.HasPrefix(name, "build") {
			continue
		}
		if inLayer && skipInLayer(name) {
			continue
		}
		if name == "conf" {
			continue // read above when it matters
		}
		sub := filepath.Join(dir, name)
		select {
		case d.sem <- struct{}{}:
			d.wg.Add(1)
			go func() {
				defer func() { <-d.sem; d.wg.Done() }()
				d.walk(sub, inLayer)
			}()
		default:
			d.walk(sub, inLayer)
		}
	}
}

// readLayer parses dir/conf/layer.conf and collects the layer's machines,
// distros and images.
func (d *discoverer) readLayer(dir string, conf, entries []os.DirEntry) {
	file := filepath.Join(dir, "conf", "layer.conf")
	data, err := ReadRegularFile(file, MaxConfFileSize)
	if err != nil {
		d.problem(fmt.Errorf("cannot read %s: %w", file, err))
		return
	}
	vars, errs := parseConf(file, data)
	layers, lerrs := layersFromConf(file, dir, filepath.Base(dir), vars)
	if len(layers) > 0 || len(errs) == 0 {
		// "no BBFILE_COLLECTIONS" after a syntax error only repeats it.
		errs = append(errs, lerrs...)
	}
	if len(layers) > 0 {
		var machines []Machine
		var distros []string
		for _, c := range conf {
			if !c.IsDir() {
				continue
			}
			switch c.Name() {
			case "machine":
				machines = readMachines(filepath.Join(dir, "conf", "machine"), filepath.Base(dir))
			case "distro":
				distros = confNames(filepath.Join(dir, "conf", "distro"))
			}
		}
		images := findImages(dir, entries)
		for _, l := range layers {
			l.Machines, l.Distros, l.Images = machines, distroNames(l.Collection, distros), images
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.layers = append(d.layers, layers...)
	d.problems = append(d.problems, errs...)
	for _, l := range layers {
		if l.Collection == "core" {
			if d.coreNames == nil {
				d.coreNames = map[string]string{}
			}
			d.coreNames[dir] = vars["LAYERSERIES_CORENAMES"]
		}
	}
}

// confNames lists the <name> of each <name>.conf in dir.
func confNames(dir string) []string {
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range es {
		if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".conf") {
			out = append(out, strings.TrimSuffix(n, ".conf"))
		}
	}
	return out
}

// distroNames are the DISTRO values a layer offers: its conf/distro/*.conf,
// except for oe-core (collection core), whose conf/distro holds only
// defaultsetup.conf, which bitbake.conf includes for every distro and which
// is no DISTRO to choose; oe-core's own DISTRO is "nodistro" (bitbake.conf:
// DISTRO ??= "nodistro"), which has no file.
func distroNames(collection string, names []string) []string {
	if collection != "core" {
		return names
	}
	var out []string
	for _, n := range names {
		if n != "defaultsetup" {
			out = append(out, n)
		}
	}
	if !containsString(out, "nodistro") {
		out = append(out, "nodistro")
	}
	return out
}

// readMachines reads the #@NAME and #@DESCRIPTION header of each machine.
func readMachines(dir, layer string) []Machine {
	var out []Machine
	for _, n := range confNames(dir) {
		m := Machine{Name: n, Layer: layer}
		name, desc := readMachineHeader(filepath.Join(dir, n+".conf"))
		m.Description = desc
		if m.Description == "" {
			m.Description = name
		}
		out = append(out, m)
	}
	return out
}

// readMachineHeader reads only the first few KB: the #@ lines come first.
func readMachineHeader(path string) (name, desc string) {
	buf, err := ReadRegularFile(path, MaxConfFileSize) // a FIFO here would hang discovery
	if err != nil {
		return "", ""
	}
	buf = buf[:min(len(buf), 4096)]
	for _, line := range strings.Split(string(buf), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "#@NAME:"):
			name = strings.TrimSpace(strings.TrimPrefix(line, "#@NAME:"))
		case strings.HasPrefix(line, "#@DESCRIPTION:"):
			desc = strings.TrimSpace(strings.TrimPrefix(line, "#@DESCRIPTION:"))
		}
	}
	return name, desc
}

// findImages lists recipes-*/images/*.bb that inherit core-image or image.
func findImages(dir string, entries []os.DirEntry) []string {
	var out []string
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "recipes-") {
			continue
		}
		idir := filepath.Join(dir, e.Name(), "images")
		es, err := os.ReadDir(idir)
		if err != nil {
			continue
		}
		for _, f := range es {
			n := f.Name()
			if f.IsDir() || !strings.HasSuffix(n, ".bb") {
				continue
			}
			if inheritsImage(filepath.Join(idir, n)) {
				// The recipe name is the file name before _<version>.
				name, _, _ := strings.Cut(strings.TrimSuffix(n, ".bb"), "_")
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// inheritsImage reports whether a recipe inherits core-image or image, or
// requires another image recipe (core-image-minimal-dev.bb does).
func inheritsImage(path string) bool {
	data, err := ReadRegularFile(path, MaxConfFileSize)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "inherit":
			for _, c := range f[1:] {
				if c == "core-image" || c == "image" {
					return true
				}
			}
		case "require", "include":
			if strings.Contains(f[1], "images/") || strings.HasPrefix(f[1], "core-image") {
				return true
			}
		}
	}
	return false
}

// metaAWSGeneration tells which fleet provisioning variables a meta-aws
// checkout reads: the greengrass-plugin-fleetprovisioning recipe marks the new
// generation.
func metaAWSGeneration(dir string) Generation {
	if m, _ := filepath.Glob(filepath.Join(dir, "recipes-iot", "aws-iot-greengrass", "greengrass-plugin-fleetprovisioning_*.bb")); len(m) > 0 {
		return GenerationNew
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "recipes-*", "*", "greengrass-plugin-fleetprovisioning_*.bb")); len(m) > 0 {
		return GenerationNew
	}
	return GenerationOld
}
