package model

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// oe-core's conf/distro holds defaultsetup.conf, which bitbake.conf includes
// for every distro; the DISTRO oe-core offers is "nodistro", which has no file.
func TestCoreOffersNodistroNotDefaultsetup(t *testing.T) {
	root := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("poky/meta/conf/layer.conf", `BBFILE_COLLECTIONS += "core"
BBFILE_PRIORITY_core = "5"
LAYERVERSION_core = "15"
LAYERSERIES_CORENAMES = "scarthgap"
LAYERSERIES_COMPAT_core = "scarthgap"
`)
	write("poky/meta/conf/distro/defaultsetup.conf", "include conf/distro/include/default-providers.inc\n")
	write("poky/meta-poky/conf/layer.conf", `BBFILE_COLLECTIONS += "yocto"
BBFILE_PRIORITY_yocto = "5"
LAYERDEPENDS_yocto = "core"
LAYERSERIES_COMPAT_yocto = "scarthgap"
`)
	write("poky/meta-poky/conf/distro/poky.conf", "DISTRO = \"poky\"\n")
	// Another layer's file of that name is its own business.
	write("poky/meta-poky/conf/distro/defaultsetup.conf", "\n")

	w, err := Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Layer("core").Distros; !reflect.DeepEqual(got, []string{"nodistro"}) {
		t.Errorf("core distros = %v, want [nodistro]", got)
	}
	if got := w.Layer("yocto").Distros; !reflect.DeepEqual(got, []string{"defaultsetup", "poky"}) {
		t.Errorf("meta-poky distros = %v, want [defaultsetup poky]", got)
	}

	// The same on a real checkout, when there is one.
	if dir := os.Getenv("FLEETBAKE_POKY"); dir != "" {
		w, err := Discover(dir)
		if err != nil {
			t.Fatal(err)
		}
		core := w.Layer("core")
		if core == nil {
			t.Fatalf("no oe-core under %s", dir)
		}
		if !slices.Contains(core.Distros, "nodistro") || slices.Contains(core.Distros, "defaultsetup") {
			t.Errorf("%s: core distros = %v, want nodistro and not defaultsetup", core.Path, core.Distros)
		}
	}
}
