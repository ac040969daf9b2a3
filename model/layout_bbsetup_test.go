package model

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
)

// A tree made by bitbake-setup: discovery finds each layer once under
// layers/ (not again through the oe-init-build-env-dir link, not bitbake's
// test-data layer, not build/), and the release comes from oe-core there.
func TestDiscoverBBSetupLayout(t *testing.T) {
	setup := t.TempDir()
	layertree.Write(t, setup, layertree.BBSetup("wrynose", "2.18"))
	layertree.BBSetupLinks(t, setup)
	w, err := Discover(DefaultSourceRoots(setup)...)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Problems) > 0 {
		t.Fatalf("problems: %v", w.Problems)
	}
	want := []string{"meta", "meta-aws", "meta-multimedia", "meta-networking", "meta-oe", "meta-poky", "meta-python", "meta-yocto-bsp"}
	if got := layerNames(w); !reflect.DeepEqual(got, want) {
		t.Fatalf("layers = %v, want %v", got, want)
	}
	if core := w.Layer("core"); core.Path != filepath.Join(setup, "layers", "openembedded-core", "meta") {
		t.Fatalf("core at %s", core.Path)
	}
	if w.Release != "wrynose" || w.Generation != GenerationNew {
		t.Fatalf("release %q generation %q", w.Release, w.Generation)
	}
}

// The same layers in poky's layout give the same release: either layout.
func TestDiscoverReleaseEitherLayout(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec layertree.Spec
	}{
		{"poky", layertree.Standard("whinlatter", true)},
		{"bitbake-setup", layertree.BBSetup("whinlatter", "2.16")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			layertree.Write(t, dir, tc.spec)
			w, err := Discover(DefaultSourceRoots(dir)...)
			if err != nil {
				t.Fatal(err)
			}
			if w.Release != "whinlatter" {
				t.Fatalf("release %q, want whinlatter", w.Release)
			}
		})
	}
}

// Before the layers are on disk, the setup's configuration names the
// release: the branch of its openembedded-core source.
func TestBBSetupReleaseFromConfig(t *testing.T) {
	setup := t.TempDir()
	spec := layertree.BBSetup("wrynose", "2.18")
	spec.Layers = nil
	layertree.Write(t, setup, spec)
	s, ok := FindBBSetup(filepath.Join(setup, "build", "conf"))
	if !ok || s.Dir != setup {
		t.Fatalf("FindBBSetup from build/conf: %v %+v", ok, s)
	}
	if s.Sources["bitbake"].Branch != "2.18" || s.Sources["meta-aws"].URI != "https://git.example.org/meta-aws" {
		t.Fatalf("sources %+v", s.Sources)
	}
	w, err := Discover(DefaultSourceRoots(setup)...)
	if err != nil {
		t.Fatal(err)
	}
	if w.Release != "wrynose" {
		t.Fatalf("release %q, want wrynose from config/config-upstream.json", w.Release)
	}
	// sources-fixed-revisions.json (written after the checkout) wins, and
	// its "remotes" form is read as the registry's whinlatter files use it.
	fixed := `{"sources": {"openembedded-core": {"git-remote": {"remotes": {"origin": {"uri": "https://git.openembedded.org/openembedded-core"}}, "branch": "whinlatter", "rev": "0123456789abcdef0123456789abcdef01234567"}}}}`
	if err := os.WriteFile(filepath.Join(setup, "config", "sources-fixed-revisions.json"), []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ = FindBBSetup(setup)
	if s.Release() != "whinlatter" || s.Sources["openembedded-core"].URI != "https://git.openembedded.org/openembedded-core" {
		t.Fatalf("release %q sources %+v", s.Release(), s.Sources)
	}
	if _, ok := FindBBSetup(t.TempDir()); ok {
		t.Fatal("an empty folder is no setup folder")
	}
}

func TestBuiltinFragments(t *testing.T) {
	build := t.TempDir()
	if got := BuiltinFragments(build); got != nil {
		t.Fatalf("no toolcfg.conf: %v", got)
	}
	conf := "# Automated config file controlled by tools\n#OE_FRAGMENTS += \"machine/commented\"\n" +
		"OE_FRAGMENTS += \"core/yocto/sstate-mirror-cdn distro/poky machine/qemux86-64\"\nOE_FRAGMENTS += \"machine/qemux86-64 distro/poky-altcfg\"\n"
	if err := os.MkdirAll(filepath.Join(build, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(build, "conf", "toolcfg.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	want := []string{"distro/poky", "machine/qemux86-64", "distro/poky-altcfg"}
	if got := BuiltinFragments(build); !reflect.DeepEqual(got, want) {
		t.Fatalf("fragments %v, want %v", got, want)
	}
}

// In a bitbake-setup folder, `layers lock` pins bitbake beside
// openembedded-core too, though it holds no layer.
func TestLockPinsBitBakeBesideOECore(t *testing.T) {
	setup := t.TempDir()
	layertree.Write(t, setup, layertree.BBSetup("wrynose", "2.18"))
	for _, repo := range []string{"bitbake", "openembedded-core", "meta-yocto", "meta-openembedded", "meta-aws"} {
		gitInit(t, filepath.Join(setup, "layers", repo))
	}
	p := Default()
	p.SetPath(filepath.Join(setup, DefaultFile))
	w, err := Discover(p.SourceRoots()...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Resolve(p, w)
	if err != nil {
		t.Fatal(err)
	}
	pins, err := Lock(context.Background(), p, res)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range pins {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.Join(keys, " ") != "layers/bitbake layers/meta-aws layers/meta-openembedded layers/meta-yocto layers/openembedded-core" {
		t.Fatalf("pins %v", keys)
	}
}

func gitInit(t *testing.T, dir string) {
	t.Helper()
	for _, args := range [][]string{{"init", "-q", "-b", "wrynose"}, {"add", "-A"}, {"commit", "-q", "-m", "fixture"}} {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
}
