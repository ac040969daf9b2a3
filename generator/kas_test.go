package generator

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
	"fleetbake/model"
)

// cloneInto clones bare into dir with git, so the checkout's origin is the
// local mirror path, as after `layers fetch` with FLEETBAKE_GIT_MIRROR.
func cloneInto(t *testing.T, bare, branch, dir string) {
	t.Helper()
	cmd := exec.Command("git", "clone", "--quiet", "--branch", branch, bare, dir)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
}

// Checkouts cloned from a mirror folder of this machine: the kas file names
// the catalog's public URL of each known repository (and the repository as
// the catalog names it, so openembedded-core brings bitbake), keeps the
// checkout's commit, and keeps the origin of a layer the catalog does not
// know.
func TestExportKasUsesCatalogURLs(t *testing.T) {
	mirror := t.TempDir()
	for _, c := range []struct {
		release, oe string
		want        []string
	}{
		{"scarthgap", "poky", []string{`url: "https://git.yoctoproject.org/poky"`}},
		{"wrynose", "openembedded-core", []string{`url: "https://git.openembedded.org/openembedded-core"`,
			`url: "https://git.openembedded.org/bitbake"`, `refspec: "2.18"`, `url: "https://git.yoctoproject.org/meta-yocto"`}},
	} {
		t.Run(c.release, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "sources")
			mirror := filepath.Join(mirror, c.release)
			var oe []layertree.Layer
			for _, l := range layertree.Rebase("poky", layertree.Poky(c.release)) {
				if c.oe == "poky" || l.Dir == "meta" {
					oe = append(oe, l)
				}
			}
			layertree.BareRepo(t, mirror, c.oe, c.release, layertree.Spec{Layers: oe})
			repos := map[string][]layertree.Layer{
				"meta-openembedded": layertree.Rebase("meta-openembedded", layertree.MetaOE(c.release)),
				"meta-aws":          layertree.Rebase("meta-aws", []layertree.Layer{layertree.MetaAWS(c.release, true)}),
				"meta-custom":       {{Dir: ".", Collection: "custom", Depends: []string{"core"}, Compat: []string{c.release}}},
			}
			if c.oe == "openembedded-core" {
				repos["meta-yocto"] = layertree.Rebase("poky", layertree.Poky(c.release)[1:])
			}
			for name, ls := range repos {
				layertree.BareRepo(t, mirror, name, c.release, layertree.Spec{Layers: ls})
			}
			for _, name := range append([]string{c.oe}, "meta-openembedded", "meta-aws", "meta-yocto") {
				if _, err := os.Stat(filepath.Join(mirror, name+".git")); err == nil {
					cloneInto(t, filepath.Join(mirror, name+".git"), c.release, filepath.Join(src, name))
				}
			}
			custom := filepath.Join(src, "meta-custom")
			cloneInto(t, filepath.Join(mirror, "meta-custom.git"), c.release, custom)
			cmd := exec.Command("git", "-C", custom, "remote", "set-url", "origin", "https://example.com/meta-custom.git")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}

			p := model.Default()
			p.SetPath(filepath.Join(dir, model.DefaultFile))
			p.Release = c.release
			p.Layers = []string{"meta-aws", "meta-custom"}
			p.Greengrass.Enabled = false
			w, err := model.Discover(src)
			if err != nil {
				t.Fatal(err)
			}
			res, err := model.Resolve(p, w)
			if err != nil {
				t.Fatal(err)
			}
			// A pin from `layers lock` is the commit kas checks out.
			pin := "0123456789abcdef0123456789abcdef01234567"
			p.Pins = model.Pins{"sources/meta-custom": pin}
			out, err := ExportKas(p, res, "kas.yml")
			if err != nil {
				t.Fatal(err)
			}
			kas := string(out)
			if strings.Contains(kas, mirror) {
				t.Errorf("kas file names the local mirror:\n%s", kas)
			}
			for _, want := range append(c.want, `url: "https://git.openembedded.org/meta-openembedded"`,
				`url: "https://github.com/aws4embeddedlinux/meta-aws"`, `url: "https://example.com/meta-custom.git"`,
				`refspec: "`+pin+`"`, "# branch "+c.release+", at the commit checked out here") {
				if !strings.Contains(kas, want) {
					t.Errorf("kas file lacks %s:\n%s", want, kas)
				}
			}
			lock, err := ExportKasLock(p, res, "kas.yml")
			if err != nil {
				t.Fatal(err)
			}
			if want := "\"meta-custom\":\n      commit: \"" + pin + "\"\n"; !strings.Contains(string(lock), want) {
				t.Errorf("lock file lacks the pin of meta-custom:\n%s", lock)
			}
			if strings.Contains(string(lock), "bitbake") {
				t.Errorf("lock file pins bitbake, which has no commit here:\n%s", lock)
			}
		})
	}
}

// The kas file names no folder of this machine: the claim files come from
// $FLEETBAKE_CLAIM_DIR (the old generation through FILESEXTRAPATHS, not the
// claim layer), DL_DIR and SSTATE_DIR from the environment, and the shared
// servers are env entries defaulting to fleetbake.toml's values.
func TestExportKasTakesMachineSettingsFromEnv(t *testing.T) {
	for _, gen := range []model.Generation{model.GenerationNew, model.GenerationOld} {
		t.Run(string(gen), func(t *testing.T) {
			fx := newFixture(t, gen)
			fx.writeClaimFiles(t)
			fx.p.Shared.DLDir = "/srv/yocto/downloads"
			fx.p.Shared.SstateDir = "sstate"
			fx.p.Shared.HashServe = "hashserv.example.com:8686"
			fx.p.Shared.SstateMirrors = "file://.* https://sstate.example.com/PATH;downloadfilename=PATH"
			out, err := ExportKas(fx.p, fx.res, "kas.yml")
			if err != nil {
				t.Fatal(err)
			}
			kas := string(out)
			for _, bad := range []string{fx.dir, "/srv/yocto", "DL_DIR =", "SSTATE_DIR =", "BB_HASHSERVE =", "SSTATE_MIRRORS ="} {
				if strings.Contains(kas, bad) {
					t.Errorf("kas file holds %q:\n%s", bad, kas)
				}
			}
			want := []string{
				"header:\n  version: 6\n",
				"env:\n  \"FLEETBAKE_CLAIM_DIR\": \"" + ClaimDirUnset + "\"\n  \"SSTATE_MIRRORS\": \"file://.* https://sstate.example.com/PATH;downloadfilename=PATH\"\n  \"BB_HASHSERVE\": \"hashserv.example.com:8686\"\n",
				`BB_SIGNATURE_HANDLER = "OEEquivHash"`,
				"# Needs kas 3.0 or later (format version 6).",
				"the lock file kas.lock.yml beside this one",
			}
			if gen == model.GenerationOld {
				want = append(want, `FILESEXTRAPATHS:prepend:pn-greengrass-bin = "${FLEETBAKE_CLAIM_DIR}:"`)
			} else {
				want = append(want, `CLAIM_KEY_PATH:pn-greengrass-plugin-fleetprovisioning = "${FLEETBAKE_CLAIM_DIR}/claim.pkey.pem"`,
					// a host without the files stops at parse time, naming them
					"SRC_URI:append:pn-greengrass-plugin-fleetprovisioning = \" file://${FLEETBAKE_CLAIM_DIR}/claim.cert.pem")
			}
			for _, w := range want {
				if !strings.Contains(kas, w) {
					t.Errorf("kas file lacks %q:\n%s", w, kas)
				}
			}
		})
	}
}

// A layer in a repository the catalog does not know, whose origin is a
// folder of this machine (a path or file:// URL, as after cloning from a
// local mirror): kas on another machine cannot clone it, so the export is
// refused with what to do, as export bitbake-setup refuses it; the catalog
// repositories cloned from the same mirror are no reason to refuse.
func TestExportKasRefusesLocalOrigin(t *testing.T) {
	mirror := t.TempDir()
	dir := t.TempDir()
	src := filepath.Join(dir, "sources")
	repos := map[string][]layertree.Layer{
		"poky":              layertree.Rebase("poky", layertree.Poky("scarthgap")),
		"meta-openembedded": layertree.Rebase("meta-openembedded", layertree.MetaOE("scarthgap")),
		"meta-aws":          layertree.Rebase("meta-aws", []layertree.Layer{layertree.MetaAWS("scarthgap", true)}),
		"meta-custom":       {{Dir: ".", Collection: "custom", Depends: []string{"core"}, Compat: []string{"scarthgap"}}},
	}
	for name, ls := range repos {
		layertree.BareRepo(t, mirror, name, "scarthgap", layertree.Spec{Layers: ls})
		cloneInto(t, filepath.Join(mirror, name+".git"), "scarthgap", filepath.Join(src, name))
	}
	p := model.Default()
	p.SetPath(filepath.Join(dir, model.DefaultFile))
	p.Release = "scarthgap"
	p.Layers = []string{"meta-aws", "meta-custom"}
	p.Greengrass.Enabled = false
	w, err := model.Discover(src)
	if err != nil {
		t.Fatal(err)
	}
	res, err := model.Resolve(p, w)
	if err != nil {
		t.Fatal(err)
	}
	custom := filepath.Join(src, "meta-custom")
	setOrigin := func(url string) {
		t.Helper()
		if out, err := exec.Command("git", "-C", custom, "remote", "set-url", "origin", url).CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	for _, origin := range []string{filepath.Join(mirror, "meta-custom.git"), "file://" + filepath.Join(mirror, "meta-custom.git")} {
		setOrigin(origin)
		_, err := ExportKas(p, res, "kas.yml")
		if err == nil || !strings.Contains(err.Error(), "layer meta-custom ("+custom+") is in no git repository with a public URL (origin \""+origin+"\")") ||
			!strings.Contains(err.Error(), "push it to a git server and set that as its origin") {
			t.Fatalf("origin %s: got %v, want a refusal naming meta-custom and what to do", origin, err)
		}
		if _, err := ExportKasLock(p, res, "kas.yml"); err == nil {
			t.Fatalf("origin %s: the lock file was written", origin)
		}
	}
	// Pushed and set as origin: exported, with the catalog's URLs for the rest.
	setOrigin("https://git.example.com/meta-custom.git")
	out, err := ExportKas(p, res, "kas.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `url: "https://git.example.com/meta-custom.git"`) || !strings.Contains(string(out), `url: "https://git.yoctoproject.org/poky"`) || strings.Contains(string(out), mirror) {
		t.Fatalf("kas file:\n%s", out)
	}
}
