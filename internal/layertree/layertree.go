// Package layertree builds fixture Yocto layer trees on disk for tests:
// conf/layer.conf with the variables discovery reads, machines, distros,
// image recipes and any extra file. Test-only; real trees come from git.
package layertree

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Layer describes one layer to write.
type Layer struct {
	Dir        string   // folder relative to the tree root, e.g. "poky/meta"
	Collection string   // BBFILE_COLLECTIONS
	Priority   int      // BBFILE_PRIORITY_<collection>; 0 writes 5
	Version    string   // LAYERVERSION_<collection>; "" writes none
	Depends    []string // LAYERDEPENDS entries, e.g. "core (>= 12)"
	Recommends []string // LAYERRECOMMENDS entries
	Compat     []string // LAYERSERIES_COMPAT; nil writes none
	CoreNames  []string // LAYERSERIES_CORENAMES (oe-core only)
	// Machines maps a machine name to its #@DESCRIPTION ("" writes no header).
	Machines map[string]string
	Distros  []string
	Images   []string // recipes-core/images/<name>.bb inheriting core-image
	// Conf replaces the generated conf/layer.conf when not empty.
	Conf string
	// Files are extra files relative to the layer folder -> content.
	Files map[string]string
}

// Spec is a whole tree: layers plus extra files relative to the root.
type Spec struct {
	Layers []Layer
	Files  map[string]string
}

// Write builds spec under root, failing the test on any error.
func Write(t testing.TB, root string, spec Spec) {
	t.Helper()
	if err := Build(root, spec); err != nil {
		t.Fatal(err)
	}
}

// Build builds spec under root.
func Build(root string, spec Spec) error {
	files := map[string]string{}
	for k, v := range spec.Files {
		files[k] = v
	}
	for _, l := range spec.Layers {
		conf := l.Conf
		if conf == "" {
			conf = LayerConf(l)
		}
		files[filepath.Join(l.Dir, "conf", "layer.conf")] = conf
		for m, desc := range l.Machines {
			body := "#@TYPE: Machine\n"
			if desc != "" {
				body += "#@NAME: " + m + "\n#@DESCRIPTION: " + desc + "\n"
			}
			body += "\nrequire conf/machine/include/qemu.inc\n"
			files[filepath.Join(l.Dir, "conf", "machine", m+".conf")] = body
		}
		for _, d := range l.Distros {
			files[filepath.Join(l.Dir, "conf", "distro", d+".conf")] = "DISTRO = \"" + d + "\"\n"
		}
		for _, img := range l.Images {
			files[filepath.Join(l.Dir, "recipes-core", "images", img+".bb")] = "SUMMARY = \"" + img + "\"\ninherit core-image\n"
		}
		for k, v := range l.Files {
			files[filepath.Join(l.Dir, k)] = v
		}
	}
	names := make([]string, 0, len(files))
	for k := range files {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// LayerConf renders the conf/layer.conf of l the way real layers write it.
func LayerConf(l Layer) string {
	c := l.Collection
	prio := l.Priority
	if prio == 0 {
		prio = 5
	}
	var b strings.Builder
	b.WriteString("# We have a conf and classes directory, add to BBPATH\nBBPATH .= \":${LAYERDIR}\"\n\n")
	b.WriteString("BBFILES += \"${LAYERDIR}/recipes-*/*/*.bb \\\n            ${LAYERDIR}/recipes-*/*/*.bbappend\"\n\n")
	fmt.Fprintf(&b, "BBFILE_COLLECTIONS += \"%s\"\nBBFILE_PATTERN_%s = \"^${LAYERDIR}/\"\nBBFILE_PRIORITY_%s = \"%d\"\n", c, c, c, prio)
	if len(l.CoreNames) > 0 {
		fmt.Fprintf(&b, "LAYERSERIES_CORENAMES = \"%s\"\n", strings.Join(l.CoreNames, " "))
	}
	if l.Version != "" {
		fmt.Fprintf(&b, "LAYERVERSION_%s = \"%s\"\n", c, l.Version)
	}
	if len(l.Depends) > 0 {
		fmt.Fprintf(&b, "LAYERDEPENDS_%s = \"%s\"\n", c, strings.Join(l.Depends, " "))
	}
	if len(l.Recommends) > 0 {
		fmt.Fprintf(&b, "LAYERRECOMMENDS_%s = \"%s\"\n", c, strings.Join(l.Recommends, " "))
	}
	if l.Compat != nil {
		fmt.Fprintf(&b, "LAYERSERIES_COMPAT_%s = \"%s\"\n", c, strings.Join(l.Compat, " "))
	}
	return b.String()
}

// Poky returns poky's three layers (meta, meta-poky, meta-yocto-bsp) for a
// release, under poky/.
func Poky(release string) []Layer {
	r := []string{release}
	return []Layer{
		{Dir: "poky/meta", Collection: "core", Version: "15", Compat: r, CoreNames: r,
			Machines: map[string]string{"qemux86-64": "Machine configuration for running an x86-64 system on QEMU", "qemuarm64": "Machine configuration for running an ARMv8 system on QEMU"},
			Distros:  []string{"nodistro"}, Images: []string{"core-image-minimal", "core-image-base"}},
		{Dir: "poky/meta-poky", Collection: "yocto", Version: "3", Depends: []string{"core"}, Compat: r, Distros: []string{"poky", "poky-tiny"}},
		{Dir: "poky/meta-yocto-bsp", Collection: "yoctobsp", Version: "4", Compat: r,
			Machines: map[string]string{"genericx86-64": "Machine configuration for generic x86_64 (64-bit) PCs and servers"}},
	}
}

// MetaOE returns the meta-openembedded layers meta-aws needs, under
// meta-openembedded/, with their real LAYERDEPENDS.
func MetaOE(release string) []Layer {
	r := []string{release}
	return []Layer{
		{Dir: "meta-openembedded/meta-oe", Collection: "openembedded-layer", Version: "1", Depends: []string{"core"}, Compat: r},
		{Dir: "meta-openembedded/meta-python", Collection: "meta-python", Version: "1", Depends: []string{"core (>= 12)", "openembedded-layer"}, Compat: r},
		{Dir: "meta-openembedded/meta-networking", Collection: "networking-layer", Version: "1", Depends: []string{"core", "meta-python", "openembedded-layer"}, Compat: r},
		{Dir: "meta-openembedded/meta-multimedia", Collection: "multimedia-layer", Version: "1", Depends: []string{"core", "openembedded-layer", "meta-python"}, Compat: r},
	}
}

// MetaAWS returns meta-aws for a release; newGeneration adds the
// greengrass-plugin-fleetprovisioning recipe that marks the new variables.
func MetaAWS(release string, newGeneration bool) Layer {
	l := Layer{Dir: "meta-aws", Collection: "meta-aws", Priority: 6,
		Depends: []string{"core", "openembedded-layer", "multimedia-layer", "networking-layer", "meta-python"},
		Compat:  []string{release},
		Files: map[string]string{
			"recipes-iot/aws-iot-greengrass/greengrass-bin_2.14.0.bb": "SUMMARY = \"AWS IoT Greengrass nucleus\"\n",
		},
	}
	if newGeneration {
		l.Files["recipes-iot/aws-iot-greengrass/greengrass-plugin-fleetprovisioning_1.2.2.bb"] = "SUMMARY = \"fleet provisioning plugin\"\n"
	}
	return l
}

// Standard is poky + meta-openembedded + meta-aws of one release: the tree
// fleetbake expects an engineer to have.
func Standard(release string, newGeneration bool) Spec {
	ls := append(Poky(release), MetaOE(release)...)
	ls = append(ls, MetaAWS(release, newGeneration))
	return Spec{Layers: ls}
}

// Synthetic writes a generated tree for benchmarks: nLayers layers spread
// over git repositories of perRepo layers, each with two machines, an image
// and recipes with files/, plus .git objects, nFiles files in all. The first
// layer is oe-core (collection core, scarthgap). It returns the file count.
func Synthetic(root string, nLayers, nFiles, perRepo int) (int, error) {
	repos := (nLayers + perRepo - 1) / perRepo
	const gitFilesPerRepo = 200
	// Fixed files per layer: layer.conf, two machines, one image recipe.
	fixed := nLayers*4 + repos*gitFilesPerRepo
	perLayer := (nFiles - fixed) / nLayers
	extra := (nFiles - fixed) % nLayers
	count := 0
	for i := 0; i < nLayers; i++ {
		repo := fmt.Sprintf("repo-%02d", i/perRepo)
		l := Layer{
			Dir:        filepath.Join(repo, fmt.Sprintf("meta-bench-%03d", i)),
			Collection: fmt.Sprintf("bench-%03d", i),
			Version:    "1",
			Compat:     []string{"scarthgap"},
			Machines:   map[string]string{fmt.Sprintf("bench-%03d-a", i): "Bench machine A", fmt.Sprintf("bench-%03d-b", i): "Bench machine B"},
			Images:     []string{fmt.Sprintf("bench-image-%03d", i)},
			Files:      map[string]string{},
		}
		if i == 0 {
			l.Collection, l.CoreNames = "core", []string{"scarthgap"}
		} else {
			l.Depends = []string{"core"}
		}
		k := perLayer
		if i < extra {
			k++
		}
		// Recipes: a .bb and three files/ entries per package.
		for j := 0; j < k; j++ {
			pkg := fmt.Sprintf("pkg%03d", j/4)
			sub := fmt.Sprintf("recipes-bench%d", j%5)
			var name string
			if j%4 == 0 {
				name = filepath.Join(sub, pkg, pkg+"_1.0.bb")
			} else {
				name = filepath.Join(sub, pkg, "files", fmt.Sprintf("%04d.patch", j))
			}
			l.Files[name] = "# bench\n"
		}
		if err := Build(root, Spec{Layers: []Layer{l}}); err != nil {
			return count, err
		}
		count += 4 + k
	}
	for r := 0; r < repos; r++ {
		files := map[string]string{}
		for j := 0; j < gitFilesPerRepo; j++ {
			files[filepath.Join(fmt.Sprintf("repo-%02d", r), ".git", "objects", fmt.Sprintf("%02x", j%64), fmt.Sprintf("%038d", j))] = "x"
		}
		if err := Build(root, Spec{Files: files}); err != nil {
			return count, err
		}
		count += gitFilesPerRepo
	}
	return count, nil
}
