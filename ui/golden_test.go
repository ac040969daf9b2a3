package ui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"fleetbake/app"
	"fleetbake/model"
)

// answered is a project with every step answered.
func answered(t *testing.T) *model.Project {
	p := model.Default()
	p.SetPath(filepath.Join(t.TempDir(), "fleetbake.toml"))
	return p
}

// at builds a model on the fake services and walks it to a step.
func at(t *testing.T, step Step, svc *Services) *Model {
	t.Helper()
	if svc == nil {
		svc = fakeServices()
	}
	p := answered(t)
	m := newTestModel(t, svc, p, true)
	resize(t, m, 80, 24)
	drive(t, m, m.Init())
	drive(t, m, gotoMsg{step: step})
	return m
}

func TestGoldenWorkspace(t *testing.T) {
	svc := fakeServices()
	svc.ReadConf = func(*model.Project) (*ConfGuess, error) {
		return &ConfGuess{Machine: "raspberrypi5", Distro: "poky", Layers: []string{"meta", "meta-poky"}, From: "build/conf"}, nil
	}
	p := app.NewProject(filepath.Join(t.TempDir(), "fleetbake.toml"))
	m := newTestModel(t, svc, p, false)
	resize(t, m, 80, 24)
	drive(t, m, m.Init())
	if m.Step() != StepWorkspace {
		t.Fatalf("new project starts at %v", m.Step())
	}
	golden(t, "workspace", m)
}

func TestGoldenMachine(t *testing.T) {
	m := at(t, StepMachine, nil)
	golden(t, "machine", m)
	drive(t, m, press("/ type:rasp")...)
	golden(t, "machine_filter", m)
}

func TestGoldenLayers(t *testing.T) {
	m := at(t, StepLayers, nil)
	golden(t, "layers", m)
	// Choose meta-raspberrypi: its series does not match and is flagged.
	drive(t, m, press("/ type:raspberry enter space")...)
	golden(t, "layers_mismatch", m)
	drive(t, m, press("enter")...)
	if m.Step() != StepLayers {
		t.Fatalf("a series mismatch let the wizard go on to %v", m.Step())
	}
	if !strings.Contains(frame(t, m), "fix the problems listed above") {
		t.Errorf("no inline error after enter with a mismatch:\n%s", frame(t, m))
	}
}

func TestGoldenImage(t *testing.T) {
	golden(t, "image", at(t, StepImage, nil))
}

func TestGoldenSettings(t *testing.T) {
	m := at(t, StepSettings, nil)
	golden(t, "settings", m)
	drive(t, m, press("type:lots tab")...)
	golden(t, "settings_error", m)
}

func TestGoldenGreengrass(t *testing.T) {
	golden(t, "greengrass", at(t, StepGreengrass, nil))
	svc := fakeServices()
	svc.Identity = func(context.Context, *model.Project) (*Identity, error) {
		return nil, errors.New("no credentials found in the environment, ~/.aws or SSO")
	}
	golden(t, "greengrass_nocreds", at(t, StepGreengrass, svc))
}

func TestGoldenReview(t *testing.T) {
	golden(t, "review", at(t, StepReview, nil))
}

func TestGoldenApplyFailed(t *testing.T) {
	m := at(t, StepReview, nil)
	drive(t, m, press("enter y")...)
	if m.Step() != StepApply {
		t.Fatalf("enter on review went to %v", m.Step())
	}
	golden(t, "apply_failed", m)
}

func TestGoldenBuild(t *testing.T) {
	svc := fakeServices()
	b := newFakeBuild()
	svc.StartBuild = func(*model.Project) (Build, error) { return b, nil }
	b.ch <- BuildStatus{Phase: "running tasks", Done: 1234, Total: 4321, Started: buildStarted,
		Running: []string{"linux-yocto:do_compile", "glibc:do_configure", "greengrass-bin:do_install"},
		Log:     "/src/build/fleetbake-build.log"}
	m := at(t, StepBuild, svc)
	golden(t, "build_running", m)
	drive(t, m, press("q")...)
	if !b.detached || !strings.Contains(m.Farewell(), "keeps running") {
		t.Errorf("q on a running build: detached %v, farewell %q", b.detached, m.Farewell())
	}
	b.detached = false
	// The screen's reader waits on the channel: hand it the last snapshot directly.
	final := BuildStatus{Phase: "failed", Done: 2000, Total: 4321, Started: buildStarted, Elapsed: 14*time.Minute + 7*time.Second, Finished: true, ExitCode: 1,
		Failures: []BuildFailure{{Task: "greengrass-bin:do_fetch", Log: "/src/build/tmp/work/core2-64-poky-linux/greengrass-bin/2.14.0/temp/log.do_fetch.1234"}},
		Log:      "/src/build/fleetbake-build.log"}
	drive(t, m, statusOf(m, final))
	golden(t, "build_failed", m)
	drive(t, m, press("q")...)
	if b.detached {
		t.Error("q on a finished build detached instead of quitting")
	}
}

func TestGoldenHelpAndQuitConfirm(t *testing.T) {
	m := at(t, StepMachine, nil)
	drive(t, m, press("?")...)
	golden(t, "machine_help", m)
	drive(t, m, press("?")...)
	m.ctx.Busy = true
	drive(t, m, press("q")...)
	golden(t, "quit_confirm", m)
}

// A project resumed at the review step is shown before discovery ends: the
// review waits for the layers instead of failing for want of them.
func TestReviewWaitsForDiscovery(t *testing.T) {
	svc := fakeServices()
	p := answered(t)
	m := newTestModel(t, svc, p, true)
	if m.Step() != StepReview {
		t.Fatalf("an answered project resumes at %v", m.Step())
	}
	resize(t, m, 80, 24)
	drive(t, m, m.active().Enter()) // what Init starts, less discovery
	if got := frame(t, m); !strings.Contains(got, "Looking for layers") || strings.Contains(got, "✗") {
		t.Fatalf("before discovery:\n%s", got)
	}
	ws, err := svc.Discover(p)
	if err != nil {
		t.Fatal(err)
	}
	drive(t, m, workspaceMsg{ws: ws})
	if got := frame(t, m); !strings.Contains(got, "+++") {
		t.Fatalf("after discovery the diff is missing:\n%s", got)
	}
}

// An answer given just before the program ends is written by Close even if
// its save command never ran.
func TestCloseWritesTheLastAnswer(t *testing.T) {
	svc := fakeServices()
	var saved []string
	svc.Save = func(p *model.Project) error { saved = append(saved, p.Machine); return nil }
	m := newTestModel(t, svc, answered(t), true)
	m.ctx.Project.Machine = "first"
	first := m.ctx.SaveProject()
	m.ctx.Project.Machine = "second"
	m.ctx.SaveProject() // dropped: the program ended first
	first()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	first() // a late command finds nothing newer to write
	if strings.Join(saved, ",") != "first,second" {
		t.Errorf("saves %v, want first then second once each", saved)
	}
}

// At 60x20 every screen still fits, and its help line still says how to
// go on, back and out: the guessable bindings are dropped first rather
// than the end of the line being cut.
func TestNarrowHelpKeepsEssentials(t *testing.T) {
	for s := StepWorkspace; s <= StepReview; s++ {
		t.Run(s.String(), func(t *testing.T) {
			m := at(t, s, nil)
			resize(t, m, 60, 20)
			lines := strings.Split(frame(t, m), "\n")
			help := lines[len(lines)-1]
			if strings.HasSuffix(help, "…") || !strings.Contains(help, "quit") || !strings.Contains(help, "enter") {
				t.Errorf("help line at 60 columns: %q", help)
			}
		})
	}
}

// Quitting while AWS calls run asks first; y keeps the exit code of the key
// that asked, ctrl+c a second time leaves at once with 130, n stays.
func TestQuitWhileBusy(t *testing.T) {
	for _, c := range []struct {
		keys string
		quit bool
		code int
	}{
		{"q n", false, 0},
		{"q y", true, 0},
		{"ctrl+c y", true, 130},
		{"ctrl+c ctrl+c", true, 130},
		{"q ctrl+c", true, 130},
	} {
		t.Run(c.keys, func(t *testing.T) {
			m := at(t, StepMachine, nil)
			m.ctx.Busy = true
			quit := false
			for _, k := range press(c.keys) {
				_, cmd := m.Update(k)
				for _, msg := range runCmd(cmd) {
					if _, ok := msg.(tea.QuitMsg); ok {
						quit = true
					}
				}
			}
			if quit != c.quit || m.ExitCode() != c.code {
				t.Errorf("quit %v with %d, want quit %v with %d", quit, m.ExitCode(), c.quit, c.code)
			}
			if c.quit && !strings.Contains(m.Farewell(), "Run fleetbake again") {
				t.Errorf("no word on how to finish: %q", m.Farewell())
			}
		})
	}
}

// An endpoint that does not answer is not reported as missing credentials.
func TestAWSTrouble(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{errors.New("no credentials found"), "no AWS credentials"},
		{fmt.Errorf("operation error STS: GetCallerIdentity: %w", context.DeadlineExceeded), "AWS not reachable"},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, "AWS not reachable"},
	} {
		if got := app.AWSTrouble(c.err); got != c.want {
			t.Errorf("app.AWSTrouble(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// A warning of the AWS step as a whole (certificates apply did not delete
// because it could not tie them to its request) is shown in full, wrapped,
// and does not read as a failure.
func TestApplyShowsProvisionWarnings(t *testing.T) {
	svc := fakeServices()
	warning := "2 inactive certificates without a policy were made while the claim certificate request ran; fleetbake cannot tell whether they are its own and left them: check 1a2b3c4d and 5e6f7a8b in the IoT console"
	svc.ApplyAWS = func(ctx context.Context, p *model.Project, ws *Workspace, report func(ResourceEvent)) (func(*model.Project), error) {
		report(ResourceEvent{Kind: "iam-role", Name: "fleetbake-TokenExchangeRole", State: ResourceDone, Detail: "created"})
		report(ResourceEvent{Kind: warningKind + " 1", State: ResourceDone, Detail: warning})
		return nil, nil
	}
	m := at(t, StepReview, svc)
	drive(t, m, press("enter y")...)
	screen := ansi.Strip(m.Render())
	flat := strings.Join(strings.Fields(screen), " ")
	if !strings.Contains(flat, "! "+warning) {
		t.Errorf("the warning is not shown whole:\n%s", screen)
	}
	if strings.Contains(screen, "Press r to retry") || strings.Contains(screen, "✗") {
		t.Errorf("a warning reads as a failure:\n%s", screen)
	}
}

// Clearing a filter puts the cursor back on the answer (item 3 of issue
// 10): the enter after it keeps the answer rather than picking the first
// item of the list.
func TestGoldenFilterClearedKeepsAnswer(t *testing.T) {
	m := at(t, StepMachine, nil)
	want := m.ctx.Project.Machine
	drive(t, m, press("/ type:rasp esc")...)
	golden(t, "machine_filter_cleared", m)
	// Deleting the filter text back to nothing is the same as esc.
	drive(t, m, press("/ type:be backspace backspace esc enter")...)
	if m.Step() != StepLayers || m.ctx.Project.Machine != want {
		t.Errorf("after clearing the filter, enter set machine %q (step %v), want %q", m.ctx.Project.Machine, m.Step(), want)
	}

	m = at(t, StepImage, nil)
	img, distro := m.ctx.Project.Image, m.ctx.Project.Distro
	drive(t, m, press("/ type:weston esc enter / type:tiny esc enter")...)
	if m.Step() != StepSettings || m.ctx.Project.Image != img || m.ctx.Project.Distro != distro {
		t.Errorf("after clearing the filters: image %q distro %q (step %v), want %q %q", m.ctx.Project.Image, m.ctx.Project.Distro, m.Step(), img, distro)
	}
}

// Enter on Review asks before AWS is touched, and only y answers (issue
// 10, item 4): enters pressed on through the Greengrass fields stop at the
// question, esc closes it. The review lists the documents apply creates.
func TestGoldenReviewConfirm(t *testing.T) {
	svc := fakeServices()
	calls := 0
	apply := svc.ApplyAWS
	svc.ApplyAWS = func(ctx context.Context, p *model.Project, ws *Workspace, report func(ResourceEvent)) (func(*model.Project), error) {
		calls++
		return apply(ctx, p, ws, report)
	}
	m := at(t, StepReview, svc)
	content := ansi.Strip(m.screens[StepReview].(*reviewScreen).vp.GetContent())
	for _, want := range []string{"claim policy", "core device policy", "provisioning template body", `"iot:Connect"`, "arn:aws:iot:us-east-1:123456789012:"} {
		if !strings.Contains(content, want) {
			t.Errorf("the review does not show %q:\n%s", want, content)
		}
	}
	drive(t, m, press("enter")...)
	golden(t, "review_confirm", m)
	drive(t, m, press("q ?")...)
	if m.Step() != StepReview || calls != 0 || !m.screens[StepReview].(*reviewScreen).confirming {
		t.Fatalf("q and ? on the question: step %v, %d AWS applies", m.Step(), calls)
	}
	drive(t, m, press("enter")...) // no, the default
	if m.Step() != StepReview || calls != 0 || m.screens[StepReview].(*reviewScreen).confirming {
		t.Fatalf("enter on the question: step %v, %d AWS applies", m.Step(), calls)
	}
	drive(t, m, press("enter esc")...)
	if m.Step() != StepReview || strings.Contains(frame(t, m), "y/N") {
		t.Fatalf("esc on the question: step %v\n%s", m.Step(), frame(t, m))
	}
	drive(t, m, press("enter y")...)
	if m.Step() != StepApply || calls != 1 {
		t.Errorf("y: step %v, %d AWS applies", m.Step(), calls)
	}
}

// Without credentials s writes the files without the AWS step, says which
// variables are empty and what fills them, and goes on to Build (issue 10,
// item 5).
func TestGoldenApplySkipsAWS(t *testing.T) {
	svc := fakeServices()
	svc.Identity = func(context.Context, *model.Project) (*Identity, error) {
		return nil, errors.New("no credentials found in the environment, ~/.aws or SSO")
	}
	svc.PlanAWS = func(context.Context, *model.Project, *Workspace) ([]PlanRow, error) {
		return nil, errors.New("get AWS credentials: no credentials found")
	}
	svc.ApplyAWS = func(context.Context, *model.Project, *Workspace, func(ResourceEvent)) (func(*model.Project), error) {
		t.Error("the AWS step ran after s")
		return nil, nil
	}
	written := 0
	svc.WriteFiles = func(*FilePlan) error { written++; return nil }
	b := newFakeBuild()
	svc.StartBuild = func(*model.Project) (Build, error) { return b, nil }
	m := at(t, StepReview, svc)
	if !strings.Contains(ansi.Strip(m.screens[StepReview].(*reviewScreen).vp.GetContent()), "Press s to write the conf files") {
		t.Errorf("the review does not offer s without credentials:\n%s", frame(t, m))
	}
	drive(t, m, press("s")...)
	if m.Step() != StepApply || written != 1 {
		t.Fatalf("s: step %v, files written %d times", m.Step(), written)
	}
	golden(t, "apply_skipped", m)
	flat := strings.Join(strings.Fields(frame(t, m)), " ")
	for _, want := range []string{"IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning", "`fleetbake provision apply`", "`fleetbake generate`"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the skipped apply does not say %q:\n%s", want, frame(t, m))
		}
	}
	// Enter runs the checks that need no AWS account (Verify), then Build.
	var reqs []VerifyRequest
	svc.Verify = func(_ context.Context, _ *model.Project, r VerifyRequest) (*VerifyReport, error) {
		reqs = append(reqs, r)
		return &VerifyReport{Checks: []app.Check{{Name: "time sync", Status: app.Pass}, {Name: "claim policy", Status: app.Skip, Detail: app.NotRunWithoutAWS}}}, nil
	}
	drive(t, m, press("enter")...)
	if m.Step() != StepVerify || len(reqs) != 1 || !reqs[0].NoAWS || reqs[0].Register {
		t.Errorf("enter after the skipped apply: step %v, verify asked %+v; want Verify without AWS", m.Step(), reqs)
	}
	if flat := strings.Join(strings.Fields(frame(t, m)), " "); !strings.Contains(flat, "Not run, because they need the AWS account and the AWS step was skipped: claim policy.") || strings.Contains(flat, "live check") {
		t.Errorf("the Verify step after the skipped apply:\n%s", frame(t, m))
	}
	drive(t, m, press("enter")...)
	if m.Step() != StepBuild {
		t.Errorf("enter on Verify went to %v, want Build", m.Step())
	}
}

// Enters typed ahead through a form each end the form again before the
// root has moved on: only the first moves the wizard, so the spare ones
// never skip Review into Apply and Build (found by test/e2e-tmux.sh).
func TestTypedAheadEntersStopAtReview(t *testing.T) {
	m := at(t, StepGreengrass, nil)
	// All keys are handled before any command runs (see drive): as when
	// a terminal delivers them in one read.
	drive(t, m, press(strings.Repeat("enter ", 14))...)
	if m.Step() != StepReview {
		t.Errorf("14 enters from the Greengrass step went to %v, want Review", m.Step())
	}
}
