package model

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// This file reads what a layer found by the walk (discover.go) offers: its
// layer.conf, machines, distros and images, and meta-aws's generation.

// readLayer parses dir/conf/layer.conf and collects the layer's machines,
// distros and images.
// real is dir's real path (without symlinks): one layer reached by two
// paths is one layer.
func (d *discoverer) readLayer(dir, real string, conf, entries []os.DirEntry) {
	file := filepath.Join(dir, "conf", "layer.conf")
	data, err := d.readFile(file)
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
				machines = d.readMachines(filepath.Join(dir, "conf", "machine"), filepath.Base(dir))
			case "distro":
				distros = d.confNames(filepath.Join(dir, "conf", "distro"))
			}
		}
		images := d.findImages(dir, entries)
		for _, l := range layers {
			l.Machines, l.Distros, l.Images = machines, distroNames(l.Collection, distros), images
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.layers = append(d.layers, layers...)
	for _, l := range layers {
		d.real[l.Path] = real
	}
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

// confNames lists the <name> of each <name>.conf in dir, in the order of
// the file names (as os.ReadDir sorts them; readDir does not sort).
func (d *discoverer) confNames(dir string) []string {
	es, err := d.readDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range es {
		if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".conf") {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	for i, n := range out {
		out[i] = strings.TrimSuffix(n, ".conf")
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
func (d *discoverer) readMachines(dir, layer string) []Machine {
	var out []Machine
	for _, n := range d.confNames(dir) {
		m := Machine{Name: n, Layer: layer}
		name, desc := d.readMachineHeader(filepath.Join(dir, n+".conf"))
		m.Description = desc
		if m.Description == "" {
			m.Description = name
		}
		out = append(out, m)
	}
	return out
}

// readMachineHeader reads only the first few KB: the #@ lines come first.
func (d *discoverer) readMachineHeader(path string) (name, desc string) {
	buf, err := d.readFile(path) // a FIFO here would hang discovery
	if err != nil {
		return "", ""
	}
	buf = buf[:min(len(buf), 4096)]
	for len(buf) > 0 {
		var line []byte
		line, buf, _ = bytes.Cut(buf, []byte("\n"))
		line = bytes.TrimSpace(line)
		if v, ok := bytes.CutPrefix(line, []byte("#@NAME:")); ok {
			name = string(bytes.TrimSpace(v))
		} else if v, ok := bytes.CutPrefix(line, []byte("#@DESCRIPTION:")); ok {
			desc = string(bytes.TrimSpace(v))
		}
	}
	return name, desc
}

// findImages lists recipes-*/images/*.bb that inherit core-image or image.
func (d *discoverer) findImages(dir string, entries []os.DirEntry) []string {
	var out []string
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "recipes-") {
			continue
		}
		idir := filepath.Join(dir, e.Name(), "images")
		es, err := d.readDir(idir)
		if err != nil {
			continue
		}
		for _, f := range es {
			n := f.Name()
			if f.IsDir() || !strings.HasSuffix(n, ".bb") {
				continue
			}
			if d.inheritsImage(filepath.Join(idir, n)) {
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
func (d *discoverer) inheritsImage(path string) bool {
	data, err := d.readFile(path)
	if err != nil {
		return false
	}
	// Line by line over the bytes: a recipe is read whole but only its
	// inherit, require and include lines matter.
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		f := bytes.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch string(f[0]) {
		case "inherit":
			for _, c := range f[1:] {
				if string(c) == "core-image" || string(c) == "image" {
					return true
				}
			}
		case "require", "include":
			if bytes.Contains(f[1], []byte("images/")) || bytes.HasPrefix(f[1], []byte("core-image")) {
				return true
			}
		}
	}
	return false
}

// metaAWSGeneration tells which fleet provisioning variables a meta-aws
// checkout reads: the greengrass-plugin-fleetprovisioning recipe marks the new
// generation. It looks where filepath.Glob of
// recipes-iot/aws-iot-greengrass/greengrass-plugin-fleetprovisioning_*.bb,
// then of recipes-*/*/greengrass-plugin-fleetprovisioning_*.bb, would, through
// d.readDir, so that the discovery cache knows every folder it listed.
func (d *discoverer) metaAWSGeneration(dir string) Generation {
	if d.hasPluginRecipe(filepath.Join(dir, "recipes-iot", "aws-iot-greengrass")) {
		return GenerationNew
	}
	top, _ := d.readDir(dir)
	for _, e := range top {
		if !strings.HasPrefix(e.Name(), "recipes-") {
			continue
		}
		// Glob lists whatever matches and is a folder, symlinks to one
		// included; readDir fails on anything else.
		recipes := filepath.Join(dir, e.Name())
		subs, _ := d.readDir(recipes)
		for _, s := range subs {
			if d.hasPluginRecipe(filepath.Join(recipes, s.Name())) {
				return GenerationNew
			}
		}
	}
	return GenerationOld
}

// hasPluginRecipe reports whether dir holds an entry matching
// greengrass-plugin-fleetprovisioning_*.bb (of any type, as Glob matches).
func (d *discoverer) hasPluginRecipe(dir string) bool {
	es, _ := d.readDir(dir)
	for _, e := range es {
		if n := e.Name(); strings.HasPrefix(n, "greengrass-plugin-fleetprovisioning_") && strings.HasSuffix(n, ".bb") {
			return true
		}
	}
	return false
}
