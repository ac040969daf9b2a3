package engine

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/model"
)

func TestFindBitBakePoky(t *testing.T) {
	root := t.TempDir()
	poky := filepath.Join(root, "poky")
	mustWrite(t, filepath.Join(poky, "oe-init-build-env"), "#!/bin/sh\n")
	mustWrite(t, filepath.Join(poky, "bitbake", "bin", "bitbake"), "#!/bin/sh\n")
	mustWrite(t, filepath.Join(poky, "bitbake", "lib", "bb", "__init__.py"), "__version__ = \"2.8.1\"\n")
	loc, err := FindBitBake([]string{root})
	if err != nil || loc.OEInit != poky || loc.Version != "2.8.1" || loc.BitBake != filepath.Join(poky, "bitbake", "bin", "bitbake") {
		t.Fatalf("%+v %v", loc, err)
	}
	c := checkBitBake([]string{root})
	if c.Status != Pass || !strings.Contains(c.Detail, "2.8.1") {
		t.Errorf("%+v", c)
	}
}

func TestFindBitBakeOECoreBesideBitBake(t *testing.T) {
	root := t.TempDir()
	mustWrite(t, filepath.Join(root, "openembedded-core", "oe-init-build-env"), "")
	if _, err := FindBitBake([]string{root}); err == nil || !strings.Contains(err.Error(), "no bitbake/") {
		t.Fatalf("missing bitbake not reported: %v", err)
	}
	mustWrite(t, filepath.Join(root, "bitbake", "bin", "bitbake"), "")
	loc, err := FindBitBake([]string{root})
	if err != nil || loc.OEInit != filepath.Join(root, "openembedded-core") {
		t.Fatalf("%+v %v", loc, err)
	}
}

func TestFindBitBakeNone(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	c := checkBitBake([]string{t.TempDir()})
	if c.Status != Fail || !strings.Contains(c.Fix, "`fleetbake layers fetch`") {
		t.Fatalf("%+v", c)
	}
	// poky has no branch from whinlatter on: the fix must not tell every
	// release to clone it.
	if strings.Contains(c.Fix, "git clone -b <release> https://git.yoctoproject.org/poky") {
		t.Errorf("the fix sends every release to poky: %s", c.Fix)
	}
}

func TestHostTools(t *testing.T) {
	have := map[string]bool{}
	for _, tl := range hostTools {
		have[tl.tool] = true
	}
	look := func(name string) (string, error) {
		if have[name] {
			return "/usr/bin/" + name, nil
		}
		return "", errors.New("not found")
	}
	c := checkHostTools("dunfell", look)
	if c.Status != Pass {
		t.Errorf("dunfell needs no zstd: %+v", c)
	}
	c = checkHostTools("scarthgap", look)
	if c.Status != Fail || c.Detail != "missing on PATH: lz4c zstd pzstd unzstd" || c.Fix != "sudo apt-get install lz4 zstd" {
		t.Errorf("%+v", c)
	}
	delete(have, "chrpath")
	delete(have, "which")
	c = checkHostTools("dunfell", look)
	if c.Fix != "sudo apt-get install chrpath debianutils" {
		t.Errorf("%+v", c)
	}
}

func TestDiskThresholds(t *testing.T) {
	for _, tc := range []struct {
		free uint64
		want Status
		says string
	}{{100 << 30, Pass, "100.0 GB free"}, {20 << 30, Warn, "20.0 GB free"}, {5 << 30, Fail, "5.0 GB free"}} {
		c := diskCheck("/b", tc.free)
		if c.Status != tc.want || !strings.Contains(c.Detail, tc.says) {
			t.Errorf("%d: %+v", tc.free, c)
		}
	}
	// A build folder that does not exist yet is measured at its parent.
	c := checkDisk(filepath.Join(t.TempDir(), "not", "yet"))
	if !strings.Contains(c.Detail, "free in") {
		t.Errorf("%+v", c)
	}
}

func TestUserCheck(t *testing.T) {
	if c := checkUser(0); c.Status != Fail || c.Fix != "OE refuses to build as root: run as an ordinary user" {
		t.Errorf("%+v", c)
	}
	if c := checkUser(1000); c.Status != Pass {
		t.Errorf("%+v", c)
	}
}

func TestPreflightExtraAndFailures(t *testing.T) {
	dir := t.TempDir()
	p := model.Default()
	p.SetPath(filepath.Join(dir, "fleetbake.toml"))
	t.Setenv("PATH", t.TempDir()) // nothing found anywhere
	checks, err := Preflight(p, Check{Name: "conf files", Status: Fail, Detail: "conf/local.conf is out of date", Fix: "run `fleetbake generate`"})
	if err == nil {
		t.Fatal("preflight passed with no bitbake and no tools")
	}
	for _, want := range []string{"bitbake:", "host tools:", "conf files: conf/local.conf is out of date; run `fleetbake generate`"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if len(checks) != 6 || checks[5].Name != "conf files" {
		t.Errorf("checks %+v", checks)
	}
}

func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestBitBakeOlderThanOECoreNeeds: the wrynose case of issue 11 — oe-core
// asks for BitBake 2.18.0 (meta/conf/sanity.conf BB_MIN_VERSION) and a 2.16
// checkout sits beside it: doctor fails with both versions and the fix,
// instead of the host "can build" until OE's first parse stops.
func TestBitBakeOlderThanOECoreNeeds(t *testing.T) {
	root := t.TempDir()
	oe := filepath.Join(root, "openembedded-core")
	mustWrite(t, filepath.Join(oe, "oe-init-build-env"), "")
	mustWrite(t, filepath.Join(oe, "meta", "conf", "sanity.conf"), "# Sanity checks\nBB_MIN_VERSION = \"2.18.0\"\nSANITY_ABIFILE = \"x\"\n")
	mustWrite(t, filepath.Join(root, "bitbake", "bin", "bitbake"), "")
	mustWrite(t, filepath.Join(root, "bitbake", "lib", "bb", "__init__.py"), "__version__ = \"2.16.0\"\n")
	c := checkBitBake([]string{root})
	if c.Status != Fail || !strings.Contains(c.Detail, "2.16.0") || !strings.Contains(c.Detail, "2.18.0") || c.Fix == "" {
		t.Fatalf("BitBake 2.16.0 under an oe-core needing 2.18.0: %+v", c)
	}
	mustWrite(t, filepath.Join(root, "bitbake", "lib", "bb", "__init__.py"), "__version__ = \"2.18.1\"\n")
	if c := checkBitBake([]string{root}); c.Status != Pass {
		t.Fatalf("BitBake 2.18.1 under an oe-core needing 2.18.0: %+v", c)
	}
}

func TestVersionLess(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		less bool
	}{{"2.16.0", "2.18.0", true}, {"2.18.0", "2.18.0", false}, {"2.18.1", "2.18", false}, {"2.8.1", "2.16", true}, {"3.0", "2.18.0", false}} {
		if got := versionLess(tc.a, tc.b); got != tc.less {
			t.Errorf("versionLess(%s, %s) = %v", tc.a, tc.b, got)
		}
	}
}
