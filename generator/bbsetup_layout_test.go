package generator

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
	"fleetbake/internal/realbb"
	"fleetbake/model"
)

// generate in a folder made by bitbake-setup: bblayers.conf and local.conf
// go into its build/conf with the layers under layers/, and the built-in
// fragments its toolcfg.conf enables are taken out of OE_FRAGMENTS before
// MACHINE and DISTRO are set (BitBake stops otherwise: bitbake 2.18
// lib/bb/parse/ast.py, checked with real BitBake in bbsetup_real_test.go).
func TestGenerateInBBSetupLayout(t *testing.T) {
	setup := t.TempDir()
	layertree.Write(t, setup, layertree.BBSetup("wrynose", "2.18"))
	layertree.BBSetupLinks(t, setup)
	p := model.Default()
	p.SetPath(filepath.Join(setup, model.DefaultFile))
	p.Machine = "qemuarm64"
	res := realbb.Resolve(t, p)
	if res.Release != "wrynose" {
		t.Fatalf("release %q", res.Release)
	}
	c, err := Plan(p, res)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range c.Warnings {
		if strings.Contains(w, "bitbake-setup folder") {
			t.Fatalf("warned in the setup folder itself: %s", w)
		}
	}
	if err := Apply(c); err != nil {
		t.Fatal(err)
	}
	f := &fixture{dir: setup, p: p, res: res}
	bbl := f.read(t, "build/conf/bblayers.conf")
	if !strings.HasPrefix(bbl, "BBLAYERS ?= ") {
		t.Fatalf("bitbake-setup's own lines must stay first:\n%s", bbl)
	}
	layers, _ := valueOf(t, bbl, "BBLAYERS")
	for _, want := range []string{"layers/openembedded-core/meta", "layers/meta-yocto/meta-poky", "layers/meta-openembedded/meta-oe", "layers/meta-aws"} {
		if !strings.Contains(layers, filepath.Join(setup, filepath.FromSlash(want))+" ") {
			t.Errorf("BBLAYERS lacks %s:\n%s", want, layers)
		}
	}
	if strings.Contains(layers, "oe-init-build-env-dir") || strings.Contains(layers, "testdata") {
		t.Errorf("BBLAYERS names a link or bitbake's test data:\n%s", layers)
	}
	conf, err := ReadConf([]byte(f.read(t, "build/conf/local.conf")))
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	vals := map[string]string{}
	for _, a := range conf.Assignments {
		order = append(order, a.Var)
		vals[a.Var] = a.Value
	}
	rm, mach := slices.Index(order, "OE_FRAGMENTS:remove"), slices.Index(order, "MACHINE")
	if rm < 0 || mach < 0 || rm > mach {
		t.Fatalf("OE_FRAGMENTS:remove must come before MACHINE: %v", order)
	}
	if vals["OE_FRAGMENTS:remove"] != "distro/poky machine/qemux86-64" || vals["MACHINE"] != "qemuarm64" {
		t.Fatalf("values %v", vals)
	}

	// `bitbake-config-build enable-fragment machine/genericx86-64` later:
	// the conf is stale (what `generate --check` reports) until generate
	// removes that fragment too.
	f.write(t, "build/conf/toolcfg.conf", "OE_FRAGMENTS += \"distro/poky machine/genericx86-64\"\n")
	c, err = Plan(p, res)
	if err != nil {
		t.Fatal(err)
	}
	if c.Empty() {
		t.Fatal("a changed toolcfg.conf must make the conf stale")
	}
	if err := Apply(c); err != nil {
		t.Fatal(err)
	}
	if v, _ := valueOf(t, f.read(t, "build/conf/local.conf"), "OE_FRAGMENTS:remove"); v != "distro/poky machine/genericx86-64" {
		t.Fatalf("OE_FRAGMENTS:remove = %q after the change", v)
	}
}

// A build folder without toolcfg.conf (poky's oe-init-build-env) gets no
// OE_FRAGMENTS line.
func TestGenerateWithoutToolcfgHasNoFragmentLine(t *testing.T) {
	f := newFixture(t, model.GenerationNew)
	f.generate(t)
	if lc := f.read(t, "build/conf/local.conf"); strings.Contains(lc, "OE_FRAGMENTS") {
		t.Fatalf("local.conf names OE_FRAGMENTS:\n%s", lc)
	}
}

// fleetbake.toml in bitbake-setup's top folder (beside the setup) with the
// default build_dir: generate says where the setup's build folder is.
func TestGenerateWarnsOutsideBBSetupBuild(t *testing.T) {
	top := t.TempDir()
	setup := filepath.Join(top, "poky-wrynose")
	layertree.Write(t, setup, layertree.BBSetup("wrynose", "2.18"))
	p := model.Default()
	p.SetPath(filepath.Join(top, model.DefaultFile))
	w, err := model.Discover(p.SourceRoots()...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := model.Resolve(p, w)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Plan(p, res)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range c.Warnings {
		if strings.Contains(w, `build_dir = "poky-wrynose/build"`) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no warning naming the setup's build folder: %q", c.Warnings)
	}
	// With build_dir pointing there, no warning.
	p.BuildDir = "poky-wrynose/build"
	if c, err = Plan(p, res); err != nil {
		t.Fatal(err)
	}
	for _, w := range c.Warnings {
		if strings.Contains(w, "bitbake-setup folder") {
			t.Fatalf("warned with the right build_dir: %s", w)
		}
	}
}
