package generator

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
	"fleetbake/internal/realbb"
	"fleetbake/model"
)

// bitbake-setup's layout (layers/bitbake, layers/openembedded-core,
// layers/meta-yocto, ...), locked with `layers lock`: the kas file names
// each repository by its public URL at its pin, bitbake included (a
// repository kas clones but does not add as a layer), no poky, and the lock
// file carries bitbake's commit too.
func TestExportKasBBSetupLayoutPinsBitbake(t *testing.T) {
	const release = "wrynose"
	dir := t.TempDir()
	mirror, layers := filepath.Join(dir, "mirror"), filepath.Join(dir, "layers")
	oe := layertree.Rebase("poky", layertree.Poky(release))
	repos := map[string]layertree.Spec{
		"bitbake":           {Files: map[string]string{"bin/bitbake": "#!/usr/bin/env python3\n"}},
		"openembedded-core": {Layers: oe[:1]},
		"meta-yocto":        {Layers: oe[1:]},
		"meta-openembedded": {Layers: layertree.Rebase("meta-openembedded", layertree.MetaOE(release))},
		"meta-aws":          {Layers: layertree.Rebase("meta-aws", []layertree.Layer{layertree.MetaAWS(release, true)})},
	}
	for name, spec := range repos {
		layertree.BareRepo(t, mirror, name, release, spec)
		cloneInto(t, filepath.Join(mirror, name+".git"), release, filepath.Join(layers, name))
	}
	head := func(name string) string {
		out, err := exec.Command("git", "-C", filepath.Join(layers, name), "rev-parse", "HEAD").Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}

	p := model.Default()
	p.SetPath(filepath.Join(dir, model.DefaultFile))
	p.Release = release
	p.Layers = []string{"meta-aws"}
	p.Greengrass.Enabled = false
	res := realbb.Resolve(t, p, layers)
	pins := realbb.Pin(t, p, res)
	if pins["layers/bitbake"] != head("bitbake") {
		t.Fatalf("layers lock = %v, want bitbake pinned at %s", pins, head("bitbake"))
	}

	out, err := ExportKas(p, res, "kas.yml")
	if err != nil {
		t.Fatal(err)
	}
	kas := string(out)
	for _, want := range []string{
		"\"bitbake\":\n    # branch 2.18, at the commit pinned in fleetbake.toml [pins]\n    url: \"https://git.openembedded.org/bitbake\"\n    refspec: \"" + head("bitbake") + "\"\n    layers:\n      \".\": \"disabled\"\n",
		"url: \"https://git.openembedded.org/openembedded-core\"\n    refspec: \"" + head("openembedded-core") + "\"",
		"url: \"https://git.yoctoproject.org/meta-yocto\"\n    refspec: \"" + head("meta-yocto") + "\"",
		"url: \"https://github.com/aws4embeddedlinux/meta-aws\"\n    refspec: \"" + head("meta-aws") + "\"",
	} {
		if !strings.Contains(kas, want) {
			t.Errorf("kas file lacks\n%s\nin:\n%s", want, kas)
		}
	}
	if strings.Contains(kas, "\"poky\":") || strings.Contains(kas, "yoctoproject.org/poky") || strings.Contains(kas, mirror) {
		t.Errorf("kas file names poky or the local mirror:\n%s", kas)
	}
	lock, err := ExportKasLock(p, res, "kas.yml")
	if err != nil {
		t.Fatal(err)
	}
	if want := "\"bitbake\":\n      commit: \"" + head("bitbake") + "\"\n"; !strings.Contains(string(lock), want) {
		t.Errorf("lock file lacks bitbake's pin:\n%s", lock)
	}
}
