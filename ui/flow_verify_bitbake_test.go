package ui

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"fleetbake/app"
	"fleetbake/internal/asuser"
	"fleetbake/internal/faketinfoil"
	"fleetbake/model"
)

// bbVars is what the stand-in BitBake resolves: an image with systemd
// through packagegroup-core-boot, built with timesyncd, and greengrass-bin
// with the fleet provisioning plugin (new generation).
const bbVars = `{"config": {"DISTRO_FEATURES": "systemd usrmerge"}, "recipes": {
	"core-image-minimal": {"PACKAGE_INSTALL": "packagegroup-core-boot greengrass-bin", "VIRTUAL-RUNTIME_init_manager": "systemd"},
	"packagegroup-core-boot": {"RDEPENDS:packagegroup-core-boot": "base-files systemd"},
	"systemd": {"PACKAGECONFIG": "networkd timesyncd"},
	"greengrass-bin": {"PACKAGECONFIG": "fleetprovisioning"},
	"greengrass-plugin-fleetprovisioning": {"CLAIM_CERT_PATH": "/nowhere/claim.cert.pem", "CLAIM_KEY_PATH": "/nowhere/claim.pkey.pem",
		"ROOT_CA_PATH": "/nowhere/claim.root.pem", "SYSTEMD_SERVICE:greengrass-plugin-fleetprovisioning": "greengrass-plugin-fleetprovisioning.service"}}}`

// The Verify step offers the first-boot check with real BitBake on b,
// after a y/N that says how long it may take. It runs in the background
// with the time spent; esc stops it and BitBake's process is gone; run
// again, its answers take the place of the conf-only first-boot lines.
// BitBake is the stand-in of internal/faketinfoil, through the real
// engine.QueryBitBake (OE refuses root: the test runs as an ordinary user).
func TestFlowVerifyBitBakeCheck(t *testing.T) {
	if asuser.Run(t) {
		return
	}
	dir, build, p := bbProject(t, strings.Replace(bbVars, "{", `{"sleep": 120, `, 1)) // the first parse takes two minutes, unless stopped
	svc := fakeServices()
	// Verify runs in a command's goroutine: reqs is read under mu.
	var mu sync.Mutex
	var reqs []VerifyRequest
	svc.Verify = func(ctx context.Context, p *model.Project, r VerifyRequest) (*VerifyReport, error) {
		mu.Lock()
		reqs = append(reqs, r)
		mu.Unlock()
		r.NoAWS = true // the checks that need no account: the first-boot ones are among them
		return verifyService(app.AWSOptions{})(ctx, p, r)
	}
	m := New(Options{Services: svc, Project: p, Existing: true, Now: time.Now, NoColor: true, Dark: true})
	tm := teatest.NewTestModel(t, probed{m}, teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	f := &flow{t: t, tm: tm, m: m, dir: dir}
	t.Cleanup(func() {
		tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
		m.Close()
	})
	go io.Copy(io.Discard, tm.Output())
	tm.Send(gotoMsg{step: StepVerify})
	f.waitFlat("b to check the first boot with BitBake")
	f.waitFlat("FAIL time sync: no time-sync service")

	// b asks first, saying how long; n runs nothing.
	f.keys("b")
	f.waitFor("the BitBake check's question", func(_ *Model, screen string) bool {
		flat := strings.Join(strings.Fields(screen), " ")
		return strings.Contains(flat, "A cold parse takes 5 to 20 minutes") && strings.Contains(flat, "Run it? y/N")
	})
	f.keys("n")
	f.waitFor("the question gone after n", func(_ *Model, screen string) bool { return !strings.Contains(screen, "Run it?") })

	// y runs it in the background; esc stops it, and BitBake is gone.
	f.keys("b y")
	f.waitFlat("BitBake is parsing the configuration")
	pidFile := filepath.Join(build, "parsing.pid")
	var pid int
	f.waitFor("BitBake parsing (its pid written)", func(*Model, string) bool {
		b, err := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && pid > 0
	})
	f.keys("esc")
	f.waitFlat("BitBake check: stopped after")
	f.waitFor("BitBake's process ended after esc", func(*Model, string) bool {
		return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
	})
	f.probe(func(m *Model) {
		if m.Step() != StepVerify {
			t.Errorf("esc while BitBake ran left the Verify step for %v", m.Step())
		}
	})
	f.waitFlat("FAIL time sync: no time-sync service") // still local.conf's

	// Run again, without the long parse: BitBake's lines replace local.conf's.
	faketinfoil.Tree(t, filepath.Join(dir, "sources"), build, bbVars)
	f.keys("b y")
	f.waitFor("the first-boot lines from BitBake", func(_ *Model, screen string) bool {
		screen = strings.Join(strings.Fields(screen), " ")
		return strings.Contains(screen, "PASS time sync: BitBake: core-image-minimal installs systemd through packagegroup-core-boot") &&
			strings.Contains(screen, "FAIL claim files in image") && strings.Contains(screen, "BitBake: CLAIM_CERT_PATH = /nowhere/claim.cert.pem: not found") &&
			strings.Contains(screen, "The first-boot lines are BitBake's") && !strings.Contains(screen, "no time-sync service")
	})
	mu.Lock()
	defer mu.Unlock()
	if len(reqs) != 3 || reqs[0].BitBake || !reqs[1].BitBake || !reqs[2].BitBake {
		t.Errorf("verify ran with %+v, want the conf-only checks, then BitBake twice", reqs)
	}
}

// waitFlat waits for text on the screen, lines joined and spaces folded.
func (f *flow) waitFlat(text string) {
	f.t.Helper()
	f.waitFor("text "+text, func(_ *Model, screen string) bool {
		return strings.Contains(strings.Join(strings.Fields(screen), " "), text)
	})
}

// bbProject is a project whose sources hold the stand-in BitBake answering
// vars, and whose local.conf alone shows no time-sync service (the
// conf-only check fails).
func bbProject(t *testing.T, vars string) (dir, build string, p *model.Project) {
	t.Helper()
	dir = t.TempDir()
	build = filepath.Join(dir, "build")
	faketinfoil.Tree(t, filepath.Join(dir, "sources"), build, vars)
	if err := os.WriteFile(filepath.Join(build, "conf", "local.conf"), []byte("MACHINE = \"qemuarm64\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p = model.Default()
	p.SetPath(filepath.Join(dir, model.DefaultFile))
	p.Sources = []string{filepath.Join(dir, "sources")}
	p.Machine = "qemuarm64"
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	return dir, build, p
}

// The plain prompts offer the same check on b, after the same y/N: n runs
// nothing; y prints the first-boot checks as BitBake answers them.
func TestAccessibleVerifyBitBakeCheck(t *testing.T) {
	if asuser.Run(t) {
		return
	}
	_, _, p := bbProject(t, bbVars)
	svc := fakeServices()
	var reqs []VerifyRequest
	svc.Verify = func(ctx context.Context, p *model.Project, r VerifyRequest) (*VerifyReport, error) {
		reqs = append(reqs, r)
		return verifyService(app.AWSOptions{})(ctx, p, r)
	}
	var out strings.Builder
	a := &asker{in: bufio.NewScanner(strings.NewReader("b\nn\nb\ny\n\n")), out: &out, svc: svc, p: p}
	if err := a.verify(context.Background(), true); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{"or b to check the first boot with BitBake", "A cold parse takes 5 to 20 minutes", "(Ctrl-C stops it.) (y/N, enter: no)",
		"FAIL time sync: no time-sync service", "BitBake is parsing the build folder's configuration", "PASS time sync: BitBake: core-image-minimal installs systemd through packagegroup-core-boot"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Count(text, "A cold parse takes") != 2 || len(reqs) != 2 || reqs[0].BitBake || !reqs[1].BitBake {
		t.Errorf("asked %d times, verify ran with %+v; want asked twice, then the conf-only checks and BitBake once", strings.Count(text, "A cold parse takes"), reqs)
	}
}

// When verify refuses to run BitBake (here: no BitBake in the sources, and
// as root also the user), the plain prompts do not first announce a parse
// that never starts.
func TestAccessibleVerifyBitBakeRefusedSaysNoParse(t *testing.T) {
	dir := t.TempDir()
	p := app.NewProject(filepath.Join(dir, model.DefaultFile))
	p.Sources = []string{t.TempDir()}
	p.Greengrass.Enabled = true
	svc := fakeServices()
	svc.Verify = verifyService(app.AWSOptions{})
	var out strings.Builder
	a := &asker{in: bufio.NewScanner(strings.NewReader("")), out: &out, svc: svc, p: p}
	a.runVerify(context.Background(), VerifyRequest{NoAWS: true, BitBake: true})
	if !strings.Contains(out.String(), "verify could not run") || strings.Contains(out.String(), "BitBake is parsing") {
		t.Errorf("want the refusal and no parse announced:\n%s", out.String())
	}
}
