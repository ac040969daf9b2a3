package engine

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/internal/asuser"
)

// fakeTinfoil is a stand-in for BitBake's lib/bb (tinfoil and fetch2) that
// answers from vars.json in the build folder, so that QueryBitBake's script,
// its sourcing of oe-init-build-env and its answer are tested without a
// parse of minutes. TestRealBitBakeVerify (package app) runs the real one.
var fakeTinfoil = map[string]string{
	"oe-init-build-env": `here=$(pwd)
export PATH="$here/bitbake/bin:$PATH"
cd "$1"
echo "### Shell environment set up for builds. ###"
`,
	"bitbake/bin/bitbake":        "#!/bin/sh\nexit 0\n",
	"bitbake/lib/bb/__init__.py": "",
	"bitbake/lib/bb/tinfoil.py": `import json, os
class _D:
    def __init__(self, vals): self.vals = vals
    def getVar(self, name): return self.vals.get(name)
class Tinfoil:
    def __enter__(self): return self
    def __exit__(self, *a): return False
    def prepare(self, config_only=False, quiet=0):
        with open("vars.json") as f: self.all = json.load(f)
        with open("sessions", "a") as f: f.write("session\n")
        self.config_data = _D(self.all["config"])
    def parse_recipe(self, name):
        if name not in self.all["recipes"]:
            raise Exception("Nothing PROVIDES '%s'" % name)
        return _D(self.all["recipes"][name])
`,
	"bitbake/lib/bb/fetch2.py": `import os
class Fetch:
    def __init__(self, urls, d, cache=True, localonly=False): self.d = d
    def localpath(self, url): return os.path.join(self.d.getVar("FILESDIR"), url[len("file://"):])
`,
}

func fakeTinfoilTree(t *testing.T, vars string) BBQueryOptions {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on PATH")
	}
	dir := t.TempDir()
	oe, build := filepath.Join(dir, "poky"), filepath.Join(dir, "build")
	for name, text := range fakeTinfoil {
		path := filepath.Join(oe, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range map[string]string{"conf/local.conf": "", "conf/bblayers.conf": "", "vars.json": vars} {
		path := filepath.Join(build, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return BBQueryOptions{OEInit: oe, BuildDir: build}
}

// One session answers the configuration, each recipe's variables and the
// file:// paths; a recipe BitBake cannot provide is reported by name while
// the others answer.
func TestQueryBitBakeAnswersInOneSession(t *testing.T) {
	if asuser.Run(t) {
		return
	}
	o := fakeTinfoilTree(t, `{"config": {"DISTRO_FEATURES": "systemd usrmerge"},
		"recipes": {"systemd": {"PACKAGECONFIG": "networkd timesyncd"}, "greengrass-bin": {"FILESDIR": "/claims", "SRC_URI": "file://claim.cert.pem"}}}`)
	a, err := QueryBitBake(context.Background(), o, BBQuery{
		Config:     []string{"DISTRO_FEATURES", "UNSET"},
		Recipes:    map[string][]string{"systemd": {"PACKAGECONFIG", "UNSET"}, "greengrass-bin": {"SRC_URI"}, "greengrass-plugin-fleetprovisioning": {"CLAIM_CERT_PATH"}},
		LocalPaths: map[string][]string{"greengrass-bin": {"file://claim.cert.pem"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.ConfigVar("DISTRO_FEATURES"); got != "systemd usrmerge" {
		t.Errorf("DISTRO_FEATURES = %q", got)
	}
	if _, ok := a.Config["UNSET"]; !ok || a.Config["UNSET"] != nil {
		t.Errorf("an unset variable is not answered as unset: %v", a.Config)
	}
	if got, ok := a.Var("systemd", "PACKAGECONFIG"); !ok || got != "networkd timesyncd" {
		t.Errorf("systemd PACKAGECONFIG = %q, %v", got, ok)
	}
	if _, ok := a.Var("systemd", "UNSET"); ok {
		t.Error("an unset recipe variable reads as set")
	}
	if got := a.LocalPaths["greengrass-bin"]["file://claim.cert.pem"]; got != "/claims/claim.cert.pem" {
		t.Errorf("local path %q", got)
	}
	if e := a.Errors["greengrass-plugin-fleetprovisioning"]; !strings.Contains(e, "Nothing PROVIDES") {
		t.Errorf("the missing recipe's error: %q (all: %v)", e, a.Errors)
	}
	sessions, _ := os.ReadFile(filepath.Join(o.BuildDir, "sessions"))
	if n := strings.Count(string(sessions), "session"); n != 1 {
		t.Errorf("%d BitBake sessions, want 1", n)
	}
}

// A parse that fails returns BitBake's last lines; what stops BitBake
// before it starts is said with what to do.
func TestQueryBitBakeRefusals(t *testing.T) {
	if os.Geteuid() == 0 {
		if err := CanQueryBitBake(BBQueryOptions{}); !errors.Is(err, ErrRoot) {
			t.Errorf("as root: %v, want ErrRoot", err)
		}
	}
	if asuser.Run(t) {
		return
	}
	o := fakeTinfoilTree(t, `{"config": {}, "recipes": {}}`)
	// The fake parse fails as BitBake does: an exception and exit 1.
	if err := os.WriteFile(filepath.Join(o.BuildDir, "vars.json"), []byte("ERROR: ParseError at conf/local.conf:3"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := QueryBitBake(context.Background(), o, BBQuery{Config: []string{"MACHINE"}})
	if err == nil || !strings.Contains(err.Error(), "BitBake could not parse the configuration in "+o.BuildDir) || !strings.Contains(err.Error(), "JSONDecodeError") {
		t.Errorf("failed parse: %v", err)
	}
	for _, tc := range []struct {
		o    BBQueryOptions
		want string
	}{
		{BBQueryOptions{BuildDir: o.BuildDir}, "no oe-init-build-env found in the project's sources"},
		{BBQueryOptions{OEInit: t.TempDir(), BuildDir: o.BuildDir}, "no oe-init-build-env in "},
		{BBQueryOptions{OEInit: o.OEInit, BuildDir: t.TempDir()}, "run `fleetbake generate` first"},
	} {
		if err := CanQueryBitBake(tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.want)
		}
	}
	// A build running in the folder: this process stands in for bitbake.
	writeRunningState(t, o.BuildDir)
	if err := CanQueryBitBake(o); err == nil || !strings.Contains(err.Error(), "one client per build folder") {
		t.Errorf("with a build running: %v", err)
	}
}

// writeRunningState records this test process as the build's bitbake.
func writeRunningState(t *testing.T, buildDir string) {
	t.Helper()
	start, err := procStartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	s := State{BuildDir: buildDir, Target: "core-image-minimal", PID: os.Getpid(), ProcStart: start, LogPath: LogPath(buildDir)}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(StatePath(buildDir), data, 0o644); err != nil {
		t.Fatal(err)
	}
}
