package model

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Resolution is the full, ordered layer set of a project.
type Resolution struct {
	Release    string
	Generation Generation // from disk, else from the release (GenerationForRelease)
	// Layers in dependency order: core first, each layer after what it needs,
	// ties by name. A catalog layer not on disk has Path where `fleetbake
	// layers fetch` clones it (FetchDir/<repo>/<subdir>).
	Layers       []*Layer
	AddedBy      map[string]string // layer Name -> why it is in the set
	Missing      []MissingLayer
	Incompatible []SeriesMismatch
	NotOnDisk    []*Layer
	// Notes are what the engineer should know but that does not stop the
	// build yet: a MACHINE that may be in a layer not fetched.
	Notes []string
}

// MissingLayer is a dependency that no layer on disk or in the catalog
// satisfies.
type MissingLayer struct {
	Machine    string // set when the thing missing is the layer of this MACHINE (then Collection is "")
	Collection string // the collection (or name, for a chosen layer) wanted
	NeededBy   string // layer Name that needs it, or "fleetbake.toml layers"
	Constraint string // version constraint from LAYERDEPENDS, e.g. ">= 12"
	Found      string // when a layer exists but fails Constraint: its LAYERVERSION
	Hint       string // what to do
}

func (m MissingLayer) String() string {
	if m.Machine != "" {
		return fmt.Sprintf("MACHINE %s is in no layer: %s", m.Machine, m.Hint)
	}
	if m.Constraint != "" {
		return fmt.Sprintf("%s needs %s (%s): %s", m.NeededBy, m.Collection, m.Constraint, m.Hint)
	}
	return fmt.Sprintf("%s needs %s: %s", m.NeededBy, m.Collection, m.Hint)
}

// SeriesMismatch is a layer BitBake refuses: its LAYERSERIES_COMPAT names
// none of the series the core layer supports.
type SeriesMismatch struct {
	Layer   string
	Compat  []string
	Release string
	// CoreNames is the LAYERSERIES_CORENAMES of the core layer on disk when
	// it supports Release; nil when no core layer is on disk or it is of
	// another release than the project's.
	CoreNames []string
}

func (s SeriesMismatch) String() string {
	if len(s.CoreNames) > 0 {
		// Changing the release would not help: the core layer on disk
		// decides, so only another branch of the layer does.
		return fmt.Sprintf("layer %s is for %s (LAYERSERIES_COMPAT), none of %s that the core layer supports (LAYERSERIES_CORENAMES), so BitBake refuses it; check out its %s branch",
			s.Layer, strings.Join(s.Compat, ", "), strings.Join(s.CoreNames, ", "), s.Release)
	}
	return fmt.Sprintf("layer %s is for %s, not %s (LAYERSERIES_COMPAT); use its %s branch or pick release = %q",
		s.Layer, strings.Join(s.Compat, ", "), s.Release, s.Release, newestRelease(s.Compat))
}

// seriesFor is the set of series names layers are checked against, as
// BitBake does (bitbake lib/bb/cookerdata.py, parseConfigurationFiles: a
// layer passes when its LAYERSERIES_COMPAT shares a name with
// LAYERSERIES_CORENAMES; a layer with no LAYERSERIES_COMPAT only gets a
// warning). The core layer on disk decides when it supports the release;
// otherwise the project's release is the one series, so that a core of
// another release is itself reported.
func seriesFor(release string, w *Workspace) (series, coreNames []string) {
	if slices.Contains(w.CoreNames, release) {
		return w.CoreNames, w.CoreNames
	}
	return []string{release}, nil
}

// ResolveError lists every missing and incompatible layer.
type ResolveError struct {
	Missing      []MissingLayer
	Incompatible []SeriesMismatch
}

func (e *ResolveError) Error() string {
	var lines []string
	for _, m := range e.Missing {
		if m.Machine != "" {
			lines = append(lines, "unknown machine: "+m.String())
			continue
		}
		lines = append(lines, "missing layer: "+m.String())
	}
	for _, s := range e.Incompatible {
		lines = append(lines, "incompatible layer: "+s.String())
	}
	return strings.Join(lines, "\n")
}

// ReleaseOf is the release a project builds: its own Release, else the one
// detected on disk, else an error saying how to set it.
func ReleaseOf(p *Project, w *Workspace) (string, error) {
	if p.Release != "" {
		return p.Release, nil
	}
	if w != nil && w.Release != "" {
		return w.Release, nil
	}
	return "", fmt.Errorf("no Yocto release: no oe-core (poky or openembedded-core) found under %s; set release = \"scarthgap\" (or another of %s) in fleetbake.toml",
		strings.Join(rootsOf(w), ", "), strings.Join(KnownReleases, ", "))
}

func rootsOf(w *Workspace) []string {
	if w == nil || len(w.Roots) == 0 {
		return []string{"the source folders"}
	}
	return w.Roots
}

// FetchPath is where `layers fetch` puts a catalog layer of this project.
func FetchPath(p *Project, l *Layer) string {
	return filepath.Join(FetchDir(p), l.Repo, l.Subdir)
}

// Resolve returns the chosen layers (p.Layers, by Name or Collection), the
// layers providing MACHINE, DISTRO and the image, and the closure of their
// LAYERDEPENDS, in dependency order. Layers on disk win over the catalog;
// catalog layers not on disk are listed in NotOnDisk. The error (a
// *ResolveError) lists every missing dependency and series mismatch; the
// Resolution is returned with it so callers can show what was found.
func Resolve(p *Project, w *Workspace) (*Resolution, error) {
	if w == nil {
		w = &Workspace{}
	}
	release, err := ReleaseOf(p, w)
	if err != nil {
		return nil, err
	}
	res := &Resolution{Release: release, AddedBy: map[string]string{}}
	res.Generation = GenerationForRelease(release)
	if w.Generation != GenerationUnknown {
		res.Generation = w.Generation
	}

	byName := map[string]*Layer{} // resolved, by Name
	byCol := map[string]*Layer{}  // resolved, by Collection
	// find looks a layer up on disk, then in the catalog for the release.
	find := func(key string, byCollection bool) *Layer {
		if l, ok := byCol[key]; ok {
			return l
		}
		if l, ok := byName[key]; ok && !byCollection {
			return l
		}
		var d *Layer
		if byCollection {
			for _, l := range w.Layers {
				if l.Collection == key {
					d = l
					break
				}
			}
		} else {
			d = w.Layer(key)
		}
		if d != nil {
			return d
		}
		c := CatalogLayer(key, release)
		if c == nil || (byCollection && c.Collection != key) {
			return nil
		}
		c.Path = FetchPath(p, c)
		return c
	}
	var queue []*Layer
	add := func(l *Layer, why string) {
		if _, ok := byCol[l.Collection]; ok {
			return
		}
		byCol[l.Collection] = l
		byName[l.Name] = l
		res.AddedBy[l.Name] = why
		queue = append(queue, l)
	}

	for _, name := range p.Layers {
		l := find(name, false)
		if l == nil {
			res.Missing = append(res.Missing, MissingLayer{Collection: name, NeededBy: "fleetbake.toml layers",
				Hint: "no layer of that name or collection on disk or in the built-in catalog; see `fleetbake layers` for the names, or clone it into sources/"})
			continue
		}
		add(l, "chosen in fleetbake.toml")
	}
	// The layers that provide the machine, distro and image are needed too.
	machineFound := false
	for _, want := range []struct{ kind, name string }{{"MACHINE", p.Machine}, {"DISTRO", p.Distro}, {"image", p.Image}} {
		if want.name == "" {
			continue
		}
		if l := provider(w, release, want.kind, want.name, byCol); l != nil {
			if l.Path == "" {
				l.Path = FetchPath(p, l)
			}
			add(l, fmt.Sprintf("provides %s %s", want.kind, want.name))
			machineFound = machineFound || want.kind == "MACHINE"
		}
	}

	for len(queue) > 0 {
		l := queue[0]
		queue = queue[1:]
		for _, d := range l.Depends {
			dep := find(d.Collection, true)
			if dep == nil {
				res.Missing = append(res.Missing, MissingLayer{Collection: d.Collection, NeededBy: l.Name, Constraint: d.Constraint,
					Hint: missingHint(d.Collection)})
				continue
			}
			if !SatisfiesConstraint(dep.Version, d.Constraint) {
				v := dep.Version
				if v == "" {
					v = "none"
				}
				res.Missing = append(res.Missing, MissingLayer{Collection: d.Collection, NeededBy: l.Name, Constraint: d.Constraint, Found: v,
					Hint: fmt.Sprintf("%s at %s has LAYERVERSION %s; use a branch that satisfies %s", dep.Name, dep.Path, v, d.Constraint)})
			}
			add(dep, "needed by "+l.Name)
		}
	}

	res.Layers = dependencyOrder(byCol)
	series, coreNames := seriesFor(release, w)
	for _, l := range res.Layers {
		if !l.OnDisk {
			res.NotOnDisk = append(res.NotOnDisk, l)
		}
		if len(l.SeriesCompat) > 0 && !slices.ContainsFunc(l.SeriesCompat, func(s string) bool { return slices.Contains(series, s) }) {
			res.Incompatible = append(res.Incompatible, SeriesMismatch{Layer: l.Name, Compat: l.SeriesCompat, Release: release, CoreNames: coreNames})
		}
	}
	if p.Machine != "" && !machineFound {
		unknownMachine(p.Machine, w, res)
	}
	if len(res.Missing) > 0 || len(res.Incompatible) > 0 {
		return res, &ResolveError{Missing: res.Missing, Incompatible: res.Incompatible}
	}
	return res, nil
}

// unknownMachine handles a MACHINE that no layer on disk and no catalog
// layer has. Without it BitBake stops at its sanity check ("Please set a
// valid MACHINE in your local.conf", oe-core sanity.bbclass), after the
// conf files were written without any BSP layer. When every layer of the
// set is on disk, the checkout proves the machine absent: it is a missing
// layer, with the closest names. When some are only in the catalog (whose
// machine lists are not complete), the machine may be in one of them once
// fetched: a note, checked again when they are on disk.
func unknownMachine(machine string, w *Workspace, res *Resolution) {
	var names []string
	for _, m := range w.Machines() {
		names = append(names, m.Name)
	}
	suggest := ""
	if m := meanList(Closest(machine, names, 3)); m != "" {
		suggest = " (" + strings.TrimPrefix(m, "; ") + ")"
	}
	if len(res.NotOnDisk) == 0 {
		res.Missing = append(res.Missing, MissingLayer{Machine: machine, NeededBy: "fleetbake.toml machine",
			Hint: fmt.Sprintf("no conf/machine/%s.conf in any layer on disk or in the built-in catalog%s; choose a MACHINE that `fleetbake layers` lists, or clone the BSP layer that has it into sources/ and add it to layers",
				machine, suggest)})
		return
	}
	var fetch []string
	for _, l := range res.NotOnDisk {
		fetch = append(fetch, l.Name)
	}
	res.Notes = append(res.Notes, fmt.Sprintf("MACHINE %s is not found on disk or in the catalog%s; it may be in %s, not fetched yet: after `fleetbake layers fetch` it is checked again (and refused if no layer has it)",
		machine, suggest, strings.Join(fetch, ", ")))
}

func missingHint(collection string) string {
	return fmt.Sprintf("no layer with BBFILE_COLLECTIONS %q on disk or in the built-in catalog; clone the layer that provides it into sources/ and run `fleetbake layers` again", collection)
}

// provider finds the layer holding a machine, distro or image: one already
// resolved first, then on disk, then in the catalog.
func provider(w *Workspace, release, kind, name string, resolved map[string]*Layer) *Layer {
	has := func(l *Layer) bool {
		switch kind {
		case "MACHINE":
			return slices.ContainsFunc(l.Machines, func(m Machine) bool { return m.Name == name })
		case "DISTRO":
			return slices.Contains(l.Distros, name)
		}
		return slices.Contains(l.Images, name)
	}
	cols := make([]string, 0, len(resolved))
	for c := range resolved {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for _, c := range cols {
		if has(resolved[c]) {
			return resolved[c]
		}
	}
	for _, l := range w.Layers {
		if has(l) {
			return l
		}
	}
	for _, l := range Catalog() {
		if has(l) {
			// On disk under another name? Then that copy wins.
			if d := w.Layer(l.Collection); d != nil {
				return d
			}
			return CatalogLayer(l.Collection, release)
		}
	}
	return nil
}

// dependencyOrder sorts layers so each comes after the layers it depends
// on; among layers free to go next, core comes first, then by name. A
// dependency cycle is broken by name order so the result is still stable.
func dependencyOrder(byCol map[string]*Layer) []*Layer {
	remaining := map[string]*Layer{}
	for c, l := range byCol {
		remaining[c] = l
	}
	less := func(a, b *Layer) bool {
		if (a.Collection == "core") != (b.Collection == "core") {
			return a.Collection == "core"
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Collection < b.Collection
	}
	var out []*Layer
	for len(remaining) > 0 {
		var ready []*Layer
		for _, l := range remaining {
			ok := true
			for _, d := range l.Depends {
				if _, waiting := remaining[d.Collection]; waiting && d.Collection != l.Collection {
					ok = false
					break
				}
			}
			if ok {
				ready = append(ready, l)
			}
		}
		if len(ready) == 0 { // cycle: take the smallest
			for _, l := range remaining {
				ready = append(ready, l)
			}
		}
		sort.Slice(ready, func(i, j int) bool { return less(ready[i], ready[j]) })
		next := ready[0]
		out = append(out, next)
		delete(remaining, next.Collection)
	}
	return out
}
