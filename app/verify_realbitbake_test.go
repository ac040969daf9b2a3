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
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fleetbake/engine"
	"fleetbake/internal/realbb"
	"fleetbake/model"
	"fleetbake/provision"
)

func TestRealBitBakeVerify(t *testing.T) {
	// Recipes the checks do not read are left out of the parse: on a shared
	// machine a full cold parse takes far longer than the test needs.
	// greengrass-lite's recipe would also resolve git tags while parsing
	// (realbb.GreengrassLiteMask). Kept: oe-core (the image,
	// packagegroup-core-boot, systemd) and the two recipes of
	// greengrass-bin's new generation.
	lc := realbb.Offline("/meta-openembedded/ /meta-aws/dynamic-layers/ /meta-aws/recipes-(?!iot/aws-iot-greengrass/greengrass-(bin|plugin-fleetprovisioning)_)")
	// The override local.conf's text cannot judge.
	lc["PACKAGECONFIG:remove:pn-systemd"] = "timesyncd"
	p, root := realbb.PokyProject(t, "-timeout 60m -run TestRealBitBakeVerify -v ./app/", "fbverify", lc)
	p.Machine = "qemuarm64"
	p = realbb.Reload(t, p)
	cert, _, rootCA := p.ClaimFiles()
	realbb.WriteClaims(t, p, realbb.Placeholder, realbb.Placeholder, provision.AmazonRootCA1())
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

	ctx := realbb.Context(t)
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
	pc := realbb.Getvar(ctx, t, engine.BBQueryOptions{OEInit: filepath.Join(root, "poky"), BuildDir: build}, "systemd", "PACKAGECONFIG")
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
