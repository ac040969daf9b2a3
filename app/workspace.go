package app

import (
	"path/filepath"
	"slices"
	"strings"

	"fleetbake/generator"
	"fleetbake/model"
)

// Discover runs model.Discover over the project's source roots and adds the
// catalog layers that are not on disk, so they can be chosen (and fetched).
func Discover(p *model.Project) (*Workspace, error) {
	mw, err := model.Discover(p.SourceRoots()...)
	if err != nil {
		return nil, err
	}
	w := workspaceFrom(mw)
	w.FetchDir = relToProject(p, model.FetchDir(p))
	return w, nil
}

// relToProject is dir relative to p's folder, with slashes; dir itself
// when it has no relative form.
func relToProject(p *model.Project, dir string) string {
	// FetchDir is absolute in a bitbake-setup folder and may be relative
	// elsewhere (a relative project path): compare absolute paths.
	base, err1 := filepath.Abs(p.Dir())
	abs, err2 := filepath.Abs(dir)
	rel, err := filepath.Rel(base, abs)
	if err1 != nil || err2 != nil || err != nil {
		return dir
	}
	return filepath.ToSlash(rel)
}

func workspaceFrom(mw *model.Workspace) *Workspace {
	w := &Workspace{Roots: mw.Roots, Release: mw.Release, Generation: mw.Generation, Raw: mw}
	seen := map[string]bool{}
	var distros, images []string
	for _, l := range mw.Layers {
		w.Layers = append(w.Layers, l)
		seen[l.Name] = true
		seen[l.Collection] = true
		distros = append(distros, l.Distros...)
		images = append(images, l.Images...)
	}
	w.Catalog = len(mw.Layers) == 0
	for _, l := range model.Catalog() {
		if seen[l.Name] || seen[l.Collection] {
			continue
		}
		seen[l.Name] = true
		w.Layers = append(w.Layers, l)
		distros = append(distros, l.Distros...)
		images = append(images, l.Images...)
	}
	w.Machines = mw.Machines()
	slices.Sort(distros)
	slices.Sort(images)
	w.Distros = slices.Compact(distros)
	w.Images = slices.Compact(images)
	for _, e := range mw.Problems {
		w.Problems = append(w.Problems, e.Error())
	}
	return w
}

// ReadConf reads MACHINE, DISTRO and BBLAYERS from an existing build folder
// with generator's BitBake reader. No conf folder is not an error: it
// returns nil.
func ReadConf(p *model.Project) (*ConfGuess, error) {
	conf := filepath.Join(p.Abs(p.BuildDir), "conf")
	g := &ConfGuess{From: filepath.Join(p.BuildDir, "conf")}
	found := false
	if data, err := model.ReadRegularFile(filepath.Join(conf, "local.conf"), model.MaxEditedConfSize); err == nil {
		found = true
		c, err := generator.ReadConf(data)
		if err != nil {
			return nil, err
		}
		for _, a := range c.Assignments {
			if len(a.Overrides()) > 0 || a.Flag != "" {
				continue
			}
			switch a.Name() {
			case "MACHINE":
				g.Machine = assign(g.Machine, a)
			case "DISTRO":
				g.Distro = assign(g.Distro, a)
			}
		}
	}
	if data, err := model.ReadRegularFile(filepath.Join(conf, "bblayers.conf"), model.MaxEditedConfSize); err == nil {
		found = true
		c, err := generator.ReadConf(data)
		if err != nil {
			return nil, err
		}
		var layers []string
		for _, a := range c.Assignments {
			if a.Name() != "BBLAYERS" || a.Flag != "" || len(a.Overrides()) > 0 {
				continue
			}
			fields := strings.Fields(a.Value)
			switch a.Op {
			case "=", ":=":
				layers = fields
			case "?=", "??=":
				if layers == nil {
					layers = fields
				}
			case "+=", ".=":
				layers = append(layers, fields...)
			case "=+", "=.":
				layers = append(fields, layers...)
			}
		}
		for _, l := range layers {
			g.Layers = append(g.Layers, filepath.Base(strings.TrimRight(l, "/")))
		}
	}
	if !found {
		return nil, nil
	}
	return g, nil
}

// assign applies one assignment's operator to the value so far, the way
// BitBake would for these plain variables.
func assign(cur string, a generator.Assignment) string {
	switch a.Op {
	case "?=", "??=":
		if cur != "" {
			return cur
		}
	case "+=":
		return strings.TrimSpace(cur + " " + a.Value)
	case "=+":
		return strings.TrimSpace(a.Value + " " + cur)
	case ".=":
		return cur + a.Value
	case "=.":
		return a.Value + cur
	}
	return a.Value
}

// ReleaseToWrite is the release a project should record: its own when
// set; none when the oe-core on disk names one (discovery decides then);
// else, on a machine with no oe-core, model.DefaultRelease, so the conf
// files can be generated from the catalog at once. One rule for init, the
// Workspace screen and the plain prompts.
func ReleaseToWrite(p *model.Project, ws *Workspace) string {
	if p.Release != "" || ws == nil || ws.Release != "" {
		return p.Release
	}
	return model.DefaultRelease
}
