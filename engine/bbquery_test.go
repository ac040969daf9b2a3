package engine

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/internal/asuser"
	"fleetbake/internal/faketinfoil"
)

// fakeTinfoilTree is the stand-in BitBake (internal/faketinfoil) in a temp
// folder, answering vars.
func fakeTinfoilTree(t *testing.T, vars string) BBQueryOptions {
	t.Helper()
	dir := t.TempDir()
	build := filepath.Join(dir, "build")
	return BBQueryOptions{OEInit: faketinfoil.Tree(t, dir, build, vars), BuildDir: build}
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

// A query of no recipe reads the configuration only (no recipe parse), and
// a build whose environment is bitbake-setup's build/init-build-env (it
// enters the build folder, then clears "$@") is queried through it.
func TestQueryBitBakeConfigOnlyThroughInitScript(t *testing.T) {
	if asuser.Run(t) {
		return
	}
	o := fakeTinfoilTree(t, `{"config": {"MACHINE": "qemuarm64"}, "recipes": {"systemd": {"PACKAGECONFIG": "networkd"}}}`)
	// As bitbake-setup writes it (bitbake bin/bitbake-setup, setup_bitbake_build).
	o.InitScript = filepath.Join(o.BuildDir, "init-build-env")
	script := "# init-build-env wrapper created by bitbake-setup\ncd " + o.OEInit + "\nset " + o.BuildDir + "\n. ./oe-init-build-env\nset --\n"
	if err := os.WriteFile(o.InitScript, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	o.OEInit = ""
	a, err := QueryBitBake(context.Background(), o, BBQuery{Config: []string{"MACHINE"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.ConfigVar("MACHINE"); got != "qemuarm64" {
		t.Errorf("MACHINE = %q", got)
	}
	a, err = QueryBitBake(context.Background(), o, BBQuery{Recipes: map[string][]string{"systemd": {"PACKAGECONFIG"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Var("systemd", "PACKAGECONFIG"); got != "networkd" {
		t.Errorf("systemd PACKAGECONFIG = %q", got)
	}
	sessions, _ := os.ReadFile(filepath.Join(o.BuildDir, "sessions"))
	if want := "session config_only=True\nsession config_only=False\n"; string(sessions) != want {
		t.Errorf("sessions:\n%s\nwant config only for the query of no recipe:\n%s", sessions, want)
	}
	if err := CanQueryBitBake(BBQueryOptions{InitScript: filepath.Join(t.TempDir(), "init-build-env"), BuildDir: o.BuildDir}); err == nil || !strings.Contains(err.Error(), "no build environment script") {
		t.Errorf("a missing init script: %v", err)
	}
}
