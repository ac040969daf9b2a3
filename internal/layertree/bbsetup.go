package layertree

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BBSetup is a setup folder as bitbake-setup 2.18 makes it (bitbake
// bin/bitbake-setup: init_config, checkout_layers, setup_bitbake_build; the
// real one is described in model/layout_bbsetup.go): layers/ with one
// checkout per source (bitbake, openembedded-core, meta-yocto,
// meta-openembedded, meta-aws), config/ with the configuration and the fixed
// revisions, build/conf with bblayers.conf, local.conf and toolcfg.conf
// enabling machine/qemux86-64 and distro/poky. bitbake's own test data
// holds a fake layer claiming collection core, as the real one does. The
// symlinks bitbake-setup adds are made by BBSetupLinks.
func BBSetup(release, bitbakeBranch string) Spec {
	ls := Poky(release)
	ls[0].Dir = "layers/openembedded-core/meta"
	ls[0].Files = map[string]string{"../oe-init-build-env": "# oe-init-build-env\n"}
	ls[1].Dir = "layers/meta-yocto/meta-poky"
	ls[2].Dir = "layers/meta-yocto/meta-yocto-bsp"
	for _, l := range MetaOE(release) {
		l.Dir = "layers/" + l.Dir
		ls = append(ls, l)
	}
	aws := MetaAWS(release, true)
	aws.Dir = "layers/meta-aws"
	ls = append(ls, aws,
		Layer{Dir: "layers/bitbake/lib/layerindexlib/tests/testdata/layer1", Collection: "core", Compat: []string{"dunfell"}})
	src := func(name, branch string) string {
		return fmt.Sprintf(`"%s": {"git-remote": {"uri": "https://git.example.org/%s", "branch": "%s", "rev": "%s"}}`, name, name, branch, branch)
	}
	sources := "{" + src("bitbake", bitbakeBranch) + ", " + src("openembedded-core", release) + ", " +
		src("meta-yocto", release) + ", " + src("meta-openembedded", release) + ", " + src("meta-aws", release) + "}"
	return Spec{Layers: ls, Files: map[string]string{
		"layers/bitbake/bin/bitbake":                      "#!/usr/bin/env python3\n",
		"layers/bitbake/lib/bb/__init__.py":               "__version__ = \"2.18.0\"\n",
		"config/config-upstream.json":                     `{"data": {"description": "test", "sources": ` + sources + `, "version": "1.0"}, "name": "test", "type": "local"}` + "\n",
		"build/conf/bblayers.conf":                        "BBLAYERS ?= \" \\\n  /somewhere/layers/openembedded-core/meta \\\n  \"\n",
		"build/conf/local.conf":                           "#\n# This file is intended for local configuration tweaks.\n#\n",
		"build/conf/toolcfg.conf":                         "# Automated config file controlled by tools\n\nOE_FRAGMENTS += \"distro/poky machine/qemux86-64\"\n",
		"build/init-build-env":                            "# init-build-env wrapper created by bitbake-setup\n",
		"layers/.oe-layers.json":                          "{\"layers\": [], \"version\": \"1.0\"}\n",
		"layers/openembedded-core/scripts/oe-setup-build": "#!/bin/sh\n",
	}}
}

// BBSetupLinks adds the links checkout_layers makes in layers/ (setup-build,
// oe-scripts, oe-init-build-env-dir) and the site.conf link of build/conf.
func BBSetupLinks(t testing.TB, setup string) {
	t.Helper()
	links := map[string]string{
		"layers/oe-init-build-env-dir": "openembedded-core",
		"layers/oe-scripts":            "openembedded-core/scripts",
		"layers/setup-build":           "openembedded-core/scripts/oe-setup-build",
		"build/conf/site.conf":         "../../../site.conf",
	}
	for l, target := range links {
		if err := os.Symlink(target, filepath.Join(setup, filepath.FromSlash(l))); err != nil {
			t.Fatal(err)
		}
	}
}
