//go:build linux

package app

// `fleetbake verify --bitbake` against real BitBake and real layers: the
// first-boot checks must conclude what BitBake resolves, not what
// local.conf's text suggests. The project's [local_conf] takes timesyncd
// out of systemd's PACKAGECONFIG, which local.conf's text cannot show (its
// INIT_MANAGER = "systemd" still reads as "systemd-timesyncd comes with
// systemd"): the conf-only check passes, and the check with BitBake must
// fail, as bitbake-getvar confirms.
//
// Skipped unless FLEETBAKE_POKY names a folder holding poky,
// meta-openembedded and meta-aws clones of one release (new meta-aws
// generation, e.g. scarthgap after August 2025); run it as an ordinary
// user, since OE refuses root (see generator/realbitbake_test.go):
//
//	FLEETBAKE_POKY=$HOME/yocto BB_NO_NETWORK=1 go test -timeout 60m -run TestRealBitBakeVerify -v ./app/
//
// A cold parse takes minutes (19m24s measured here on 2 cores shared at a
// load of 28, with the masks below). Nothing is fetched or built.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"fleetbake/model"
	"fleetbake/provision"
)

func realPoky(t *testing.T) string {
	t.Helper()
	root := os.Getenv("FLEETBAKE_POKY")
	if root == "" {
		t.Skip("FLEETBAKE_POKY is not set to a folder holding poky, meta-openembedded and meta-aws clones of one release")
	}
	root, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"poky/oe-init-build-env", "meta-openembedded/meta-oe/conf/layer.conf", "meta-aws/conf/layer.conf"} {
		if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
			t.Fatalf("FLEETBAKE_POKY=%s must hold poky, meta-openembedded and meta-aws: %v", root, err)
		}
	}
	if os.Geteuid() == 0 {
		t.Skip("OE refuses to run BitBake as root: run this test as an ordinary user")
	}
	return root
}

func TestRealBitBakeVerify(t *testing.T) {
	root := realPoky(t)
	dir := t.TempDir()
	p := model.Default()
	p.SetPath(filepath.Join(dir, model.DefaultFile))
	p.Sources = []string{root}
	p.Machine = "qemuarm64"
	p.Greengrass.Region = "eu-central-1"
	p.Greengrass.Prefix = "fbverify"
	p.Greengrass.DataEndpoint = "a1b2c3d4e5f6g7-ats.iot.eu-central-1.amazonaws.com"
	p.Greengrass.CredentialEndpoint = "c9d8e7f6a5b4c3.credentials.iot.eu-central-1.amazonaws.com"
	p.LocalConf = map[string]string{
		"BB_NO_NETWORK": "1",
		// Recipes the checks do not read are left out of the parse: on a
		// shared machine a full cold parse takes far longer than the test
		// needs. greengrass-lite's recipe would also resolve git tags while
		// parsing (see generator/realbitbake_test.go). Kept: oe-core (the
		// image, packagegroup-core-boot, systemd) and the two recipes of
		// greengrass-bin's new generation.
		"BBMASK": "/meta-openembedded/ /meta-aws/dynamic-layers/ /meta-aws/recipes-(?!iot/aws-iot-greengrass/greengrass-(bin|plugin-fleetprovisioning)_)",
		// The override local.conf's text cannot judge.
		"PACKAGECONFIG:remove:pn-systemd": "timesyncd",
	}
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	p, err := model.Load(p.Path())
	if err != nil {
		t.Fatal(err)
	}
	cert, key, rootCA := p.ClaimFiles()
	if err := os.MkdirAll(filepath.Dir(cert), 0o700); err != nil {
		t.Fatal(err)
	}
	for f, data := range map[string][]byte{cert: []byte("-----BEGIN PLACEHOLDER-----\n"), key: []byte("-----BEGIN PLACEHOLDER-----\n"), rootCA: provision.AmazonRootCA1()} {
		if err := os.WriteFile(f, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ws, err := Discover(p)
	if err != nil {
		t.Fatal(err)
	}
	if ws.Generation != model.GenerationNew {
		t.Skipf("meta-aws under %s is of the %q generation; this test needs greengrass-plugin-fleetprovisioning", root, ws.Generation)
	}
	plan, err := PlanConf(p, ws)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteConf(plan); err != nil {
		t.Fatal(err)
	}
	build := p.Abs(p.BuildDir)

	// BitBake is killed a little before the test's deadline, so that a
	// slow parse is reported rather than panicking the test binary.
	deadline, ok := t.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Hour)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(-time.Minute))
	defer cancel()
	conf, err := VerifyWith(ctx, p, VerifyOptions{NoAWS: true})
	if err != nil {
		t.Fatal(err)
	}
	if c := reportCheck(t, conf, "time sync"); c.Status != Pass {
		t.Fatalf("the conf-only check should not see the override (else this test proves nothing): %+v", c)
	}

	start := time.Now()
	rep, err := VerifyWith(ctx, p, VerifyOptions{NoAWS: true, BitBake: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("verify --bitbake took %s", time.Since(start).Round(time.Second))
	for _, c := range rep.Checks {
		t.Logf("%s %s: %s", c.Status, c.Name, c.Detail)
	}

	// What BitBake resolves, asked with the command engineers use.
	pc := getvar(ctx, t, root, build, "systemd", "PACKAGECONFIG")
	ts := reportCheck(t, rep, "time sync")
	if slices.Contains(strings.Fields(pc), "timesyncd") != (ts.Status == Pass) {
		t.Errorf("bitbake-getvar -r systemd PACKAGECONFIG = %q, but check 4 concluded %s: %s", pc, ts.Status, ts.Detail)
	}
	if ts.Status != Fail || !strings.Contains(ts.Detail, "lacks timesyncd") || !strings.Contains(ts.Detail, "local.conf alone suggested otherwise") {
		t.Errorf("time sync with BitBake: %+v", ts)
	}
	cf := reportCheck(t, rep, "claim files in image")
	if cf.Status != Pass || !strings.Contains(cf.Detail, "CLAIM_CERT_PATH = "+cert) || !strings.Contains(cf.Detail, "ROOT_CA_PATH = "+rootCA) {
		t.Errorf("claim files with BitBake: %+v", cf)
	}
	if s := reportCheck(t, rep, "device serial"); s.Status != Pass || !strings.Contains(s.Detail, "greengrass-plugin-fleetprovisioning.service") {
		t.Errorf("device serial with BitBake: %+v", s)
	}
	for _, c := range rep.Checks {
		if !slices.Contains([]string{"local.conf", "claim key", "root CA", "time sync", "claim files in image", "device serial"}, c.Name) &&
			(c.Status != Skip || !strings.Contains(c.Detail, "needs the AWS account")) {
			t.Errorf("without AWS, %s: %+v", c.Name, c)
		}
	}
}

func reportCheck(t *testing.T, rep *VerifyReport, name string) Check {
	t.Helper()
	for _, c := range rep.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q in the report", name)
	return Check{}
}

// getvar runs bitbake-getvar in the build environment and returns the value.
func getvar(ctx context.Context, t *testing.T, root, build, recipe, name string) string {
	t.Helper()
	script := `cd "$1" && . ./oe-init-build-env "$2" >&2 && exec bitbake-getvar -r "$3" --value "$4"`
	cmd := exec.CommandContext(ctx, "bash", "-c", script, "bash", filepath.Join(root, "poky"), build, recipe, name)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("bitbake-getvar -r %s %s: %v\n%s", recipe, name, err, errb.String())
	}
	t.Cleanup(func() { bbWait(build) })
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	return lines[len(lines)-1]
}

// bbWait waits for the server bitbake-getvar left to exit, before the temp
// folder is removed.
func bbWait(build string) {
	for range 300 {
		data, err := os.ReadFile(filepath.Join(build, "bitbake.lock"))
		f := strings.Fields(string(data))
		if err != nil || len(f) == 0 {
			return
		}
		if pid, err := strconv.Atoi(f[0]); err != nil || syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}
