package ui

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"fleetbake/app"
	"fleetbake/internal/awsfake"
	"fleetbake/internal/layertree"
	"fleetbake/model"
)

// The flows run the real UI in a real Bubble Tea program (teatest) at a
// fixed size and color profile, on the real model, generator and provision
// packages: a fixture layer tree in a temp folder and the local AWS fake.

// probed wraps the root model so a test can look at it from the program's
// own goroutine (no data race with Update).
type probed struct{ *Model }

type probeMsg struct {
	fn   func(*Model)
	done chan struct{}
}

func (p probed) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if pm, ok := msg.(probeMsg); ok {
		pm.fn(p.Model)
		close(pm.done)
		return p, nil
	}
	_, cmd := p.Model.Update(msg)
	return p, cmd
}

// flowTimeout bounds every wait of a flow.
var flowTimeout = 90 * time.Second

type flow struct {
	t    *testing.T
	tm   *teatest.TestModel
	m    *Model
	dir  string
	aws  *awsfake.Server
	path string
}

// newWorkspace writes the fixture tree (poky, meta-openembedded, meta-aws of
// scarthgap) under dir/sources and starts the AWS fake with its
// credentials in the environment.
func newWorkspace(t *testing.T) (dir string, fake *awsfake.Server) {
	t.Helper()
	dir = t.TempDir()
	layertree.Write(t, filepath.Join(dir, "sources"), layertree.Standard("scarthgap", true))
	fake = awsfake.New(awsfake.Options{})
	t.Cleanup(fake.Close)
	t.Setenv("HOME", t.TempDir()) // no ~/.aws of the machine running the tests
	for _, kv := range fake.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return dir, fake
}

// startFlow runs the UI on the project file in dir: resumed when it exists.
func startFlow(t *testing.T, dir string, fake *awsfake.Server) *flow {
	t.Helper()
	return startFlowWith(t, dir, fake, nil)
}

// startFlowWith is startFlow with the real services first passed to wrap
// (a test may stand in for one of them around the real one).
func startFlowWith(t *testing.T, dir string, fake *awsfake.Server, wrap func(*Services)) *flow {
	t.Helper()
	path := filepath.Join(dir, model.DefaultFile)
	p, existing := app.NewProject(path), false
	if _, err := os.Stat(path); err == nil {
		var lerr error
		if p, lerr = model.Load(path); lerr != nil {
			t.Fatal(lerr)
		}
		existing = true
	}
	svc := Real(RealOptions{AWS: app.AWSOptions{EndpointURL: fake.URL}})
	if wrap != nil {
		wrap(svc)
	}
	m := New(Options{Services: svc, Project: p, Existing: existing,
		Now: func() time.Time { return fixedNow }, NoColor: true, Dark: true})
	tm := teatest.NewTestModel(t, probed{m}, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	f := &flow{t: t, tm: tm, m: m, dir: dir, aws: fake, path: path}
	t.Cleanup(func() {
		// End the program and write what it still had to save before the
		// temp folder goes: a save landing during its removal fails the test.
		tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second),
			teatest.WithTimeoutFn(func(tb testing.TB) { tb.Error("the program did not end after Quit") }))
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	go io.Copy(io.Discard, tm.Output()) // keep the output pipe drained
	return f
}

// probe runs fn on the program's goroutine.
func (f *flow) probe(fn func(*Model)) {
	done := make(chan struct{})
	f.tm.Send(probeMsg{fn: fn, done: done})
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		f.t.Fatal("the program did not answer a probe")
	}
}

// waitFor polls until cond holds on the model, failing with the screen.
func (f *flow) waitFor(what string, cond func(m *Model, screen string) bool) {
	f.t.Helper()
	deadline := time.Now().Add(flowTimeout)
	var screen string
	for time.Now().Before(deadline) {
		ok := false
		f.probe(func(m *Model) {
			screen = ansi.Strip(m.Render())
			ok = cond(m, screen)
		})
		if ok {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.t.Fatalf("timed out waiting for %s; screen:\n%s", what, screen)
}

func (f *flow) waitStep(s Step) {
	f.t.Helper()
	f.waitFor("step "+s.String(), func(m *Model, _ string) bool { return m.Step() == s })
}

func (f *flow) waitText(text string) {
	f.t.Helper()
	f.waitFor("text "+text, func(_ *Model, screen string) bool { return strings.Contains(screen, text) })
}

// keys types a key spec (see press) and lets the program handle each key.
func (f *flow) keys(spec string) {
	f.t.Helper()
	for _, k := range press(spec) {
		f.tm.Send(k)
		f.probe(func(*Model) {}) // the key has been handled once the probe is
	}
}

// quit presses q and waits for the program to end. It does not probe after
// the key as keys does: the program may be gone before the probe arrives.
func (f *flow) quit() {
	f.t.Helper()
	f.tm.Send(keyMsg("q"))
	f.tm.WaitFinished(f.t, teatest.WithFinalTimeout(5*time.Second))
	if err := f.m.Close(); err != nil {
		f.t.Fatal(err)
	}
}

// saved reads fleetbake.toml as it is on disk now.
func (f *flow) saved() *model.Project {
	f.t.Helper()
	var p *model.Project
	f.waitFor("fleetbake.toml", func(*Model, string) bool {
		var err error
		p, err = model.Load(f.path)
		return err == nil
	})
	return p
}

func (f *flow) waitSaved(what string, cond func(p *model.Project) bool) {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if p, err := model.Load(f.path); err == nil && cond(p) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	data, _ := os.ReadFile(f.path)
	f.t.Fatalf("fleetbake.toml never had %s:\n%s", what, data)
}

// toMachine goes through the workspace step.
func (f *flow) throughWorkspace() {
	f.waitStep(StepWorkspace)
	f.waitText("release scarthgap")
	f.keys("enter enter")
	f.waitStep(StepMachine)
}

func (f *flow) chooseMachine(name string) {
	f.waitText("machines")
	f.keys("/ type:" + name + " enter")
	f.waitSaved("machine "+name, func(p *model.Project) bool { return p.Machine == name })
}

func TestFlowWholeWizard(t *testing.T) {
	dir, fake := newWorkspace(t)
	f := startFlow(t, dir, fake)
	f.throughWorkspace()
	f.chooseMachine("qemuarm64")

	f.waitStep(StepLayers)
	f.waitText("added: needed by meta-aws")
	f.keys("enter")
	f.waitStep(StepImage)
	f.keys("enter enter")
	f.waitStep(StepSettings)
	f.keys("type:8 enter type:8 enter enter enter enter enter enter enter")
	f.waitStep(StepGreengrass)
	f.waitText("AWS account " + awsfake.DefaultAccount)
	// Greengrass on, nucleus, region, prefix "fbtest", the rest defaults.
	f.keys("enter enter enter ctrl+u type:fbtest enter enter enter enter enter enter enter")
	f.waitStep(StepReview)
	f.waitText("+++")
	f.waitText("create")
	f.keys("enter y")
	f.waitStep(StepApply)
	f.waitText("All done")

	for _, name := range []string{"local.conf", "bblayers.conf"} {
		data, err := os.ReadFile(filepath.Join(dir, "build", "conf", name))
		if err != nil {
			t.Fatalf("%s not written: %v", name, err)
		}
		if name == "local.conf" && !strings.Contains(string(data), `"qemuarm64"`) {
			t.Errorf("local.conf lacks the machine:\n%s", data)
		}
		if name == "bblayers.conf" && !strings.Contains(string(data), "meta-aws") {
			t.Errorf("bblayers.conf lacks meta-aws:\n%s", data)
		}
	}
	res := fake.Resources()
	if res.Total() == 0 {
		t.Fatal("no AWS resource was created")
	}
	if groups := res[awsfake.KindThingGroup]; len(groups) == 0 || !strings.HasPrefix(groups[0], "fbtest") {
		t.Errorf("thing groups %v, want one named from the prefix fbtest", groups)
	}
	f.waitSaved("endpoints and every answer", func(p *model.Project) bool {
		return p.Greengrass.DataEndpoint != "" && p.Machine == "qemuarm64" && p.Shared.BBNumberThreads == 8 &&
			p.Greengrass.Prefix == "fbtest" && len(p.Layers) > 0
	})
	f.quit()
}

func TestFlowBackAndChangeMachine(t *testing.T) {
	dir, fake := newWorkspace(t)
	f := startFlow(t, dir, fake)
	f.throughWorkspace()
	f.chooseMachine("qemuarm64")
	f.waitStep(StepLayers)
	f.keys("esc")
	f.waitStep(StepMachine)
	// The list comes back on the machine chosen before.
	f.waitFor("cursor on qemuarm64", func(m *Model, _ string) bool {
		it, ok := m.screens[StepMachine].(*machineScreen).list.Current()
		return ok && it.Value == "qemuarm64"
	})
	f.chooseMachine("genericx86-64")
	f.waitStep(StepLayers)
	if p := f.saved(); p.Machine != "genericx86-64" || p.BuildDir != "build" {
		t.Errorf("after changing the machine: machine %q, build_dir %q", p.Machine, p.BuildDir)
	}
}

func TestFlowQuitAndResume(t *testing.T) {
	dir, fake := newWorkspace(t)
	f := startFlow(t, dir, fake)
	f.throughWorkspace()
	f.chooseMachine("qemux86-64")
	f.waitStep(StepLayers)
	f.waitText("added: needed by meta-aws")
	f.keys("enter")
	f.waitStep(StepImage)
	f.waitSaved("layers", func(p *model.Project) bool { return len(p.Layers) > 0 })
	f.quit()

	g := startFlow(t, dir, fake)
	g.waitStep(StepImage)
	g.waitText("core-image-minimal")
	g.keys("esc")
	g.waitStep(StepLayers)
	g.waitText("[x] meta-aws")
	g.keys("esc")
	g.waitStep(StepMachine)
	g.waitFor("cursor on the saved machine", func(m *Model, _ string) bool {
		it, ok := m.screens[StepMachine].(*machineScreen).list.Current()
		return ok && it.Value == "qemux86-64"
	})
}

func TestFlowBadValueRejectedInline(t *testing.T) {
	dir, fake := newWorkspace(t)
	f := startFlow(t, dir, fake)
	f.throughWorkspace()
	f.chooseMachine("qemux86-64")
	f.waitStep(StepLayers)
	f.waitText("added: needed by meta-aws")
	f.keys("enter")
	f.waitStep(StepImage)
	f.keys("enter enter")
	f.waitStep(StepSettings)
	f.keys("enter enter type:/tmp/dl\"x enter")
	f.waitText("✗")
	f.waitFor("still on settings with the bad DL_DIR focused", func(m *Model, screen string) bool {
		s := m.screens[StepSettings].(*settingsScreen)
		return m.Step() == StepSettings && s.form.Focused() == s.form.field("shared.dl_dir") && s.form.field("shared.dl_dir").err != ""
	})
	if p := f.saved(); p.Shared.DLDir != "" {
		t.Errorf("a rejected DL_DIR was saved: %q", p.Shared.DLDir)
	}
	f.keys("backspace backspace enter")
	f.waitFor("DL_DIR accepted", func(m *Model, _ string) bool {
		s := m.screens[StepSettings].(*settingsScreen)
		return s.form.Focused() != s.form.field("shared.dl_dir")
	})
}

// An AWS step refused by AWS fails with the reason; once that is fixed, r
// retries: the conf files, written by the first run, are not a problem, and
// the rest is made.
func TestFlowRetryAfterAWSFailure(t *testing.T) {
	dir, fake := newWorkspace(t)
	fake.Deny("iot:CreateRoleAlias", "*")
	f := startFlow(t, dir, fake)
	f.toGreengrass()
	f.waitText("AWS account " + awsfake.DefaultAccount)
	f.keys("enter enter enter enter enter enter enter enter enter enter")
	f.waitStep(StepReview)
	f.waitText("+++")
	f.keys("enter y")
	f.waitStep(StepApply)
	f.waitText("Press r to retry")
	f.waitText("CreateRoleAlias")
	if _, err := os.Stat(filepath.Join(dir, "build", "conf", "local.conf")); err != nil {
		t.Fatalf("the conf files were not written before the AWS step: %v", err)
	}
	fake.ClearDenies()
	f.keys("r")
	f.waitText("All done")
	if got := fake.Resources()[awsfake.KindRoleAlias]; len(got) == 0 {
		t.Errorf("no role alias after the retry: %v", fake.Resources())
	}
	data, err := os.ReadFile(filepath.Join(dir, "build", "conf", "local.conf"))
	if err != nil || !strings.Contains(string(data), "IOT_DATA_ENDPOINT") {
		t.Errorf("local.conf after the retry lacks the endpoints (%v):\n%s", err, data)
	}
}

// On a fresh machine (no checkout) the wizard builds the default release
// from the catalog: Review shows the files to write, not "no Yocto release".
func TestFlowFreshMachineUsesDefaultRelease(t *testing.T) {
	_, fake := newWorkspace(t)
	dir := t.TempDir() // no layers at all
	f := startFlow(t, dir, fake)
	f.waitStep(StepWorkspace)
	f.waitText("no oe-core on disk")
	f.keys("enter enter")
	f.waitStep(StepMachine)
	f.waitSaved("the default release", func(p *model.Project) bool { return p.Release == model.DefaultRelease })
	f.chooseMachine("qemuarm64")
	f.waitStep(StepLayers)
	f.keys("enter")
	f.waitStep(StepImage)
	f.keys("enter enter")
	f.waitStep(StepSettings)
	f.keys("enter enter enter enter enter enter enter enter")
	f.waitStep(StepGreengrass)
	f.keys("enter enter enter enter enter enter enter enter enter enter")
	f.waitStep(StepReview)
	f.waitText("+++")
	f.waitFor("no release error", func(_ *Model, screen string) bool { return !strings.Contains(screen, "no Yocto release") })
}

// On a fresh machine the layers step fetches what is not on disk (F), from
// local bare repositories standing in for the catalog's URLs, showing one
// line per repository while the clones run, and then finds them on disk.
func TestFlowFetchesMissingLayers(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	mirror, rel := t.TempDir(), model.DefaultRelease
	layertree.BareRepo(t, mirror, "poky", rel, layertree.Spec{Layers: layertree.Rebase("poky", layertree.Poky(rel))})
	layertree.BareRepo(t, mirror, "meta-openembedded", rel, layertree.Spec{Layers: layertree.Rebase("meta-openembedded", layertree.MetaOE(rel))})
	layertree.BareRepo(t, mirror, "meta-aws", rel, layertree.Spec{Layers: layertree.Rebase("meta-aws", []layertree.Layer{layertree.MetaAWS(rel, true)})})
	t.Setenv(model.GitMirrorEnv, mirror)
	// The server holds the clones until released, so the screen is seen
	// mid-fetch: one line per repository.
	slow := layertree.NewSlowServer(t, -1)
	t.Setenv("GIT_CONFIG_GLOBAL", slow.Config)

	_, fake := newWorkspace(t)
	dir := t.TempDir() // nothing on disk
	f := startFlow(t, dir, fake)
	f.waitStep(StepWorkspace)
	f.waitText("no oe-core on disk")
	f.keys("enter enter")
	f.chooseMachine("qemuarm64")
	f.waitStep(StepLayers)
	f.waitText("not on disk: F fetches them")
	f.keys("F")
	f.waitFor("a line per repository while cloning", func(_ *Model, screen string) bool {
		return strings.Count(screen, ": cloning file://") == 3 && strings.Contains(screen, "fetching…")
	})
	slow.Release()
	f.waitText("✓ fetched 3 repositories")
	f.waitFor("every layer of the set on disk", func(_ *Model, screen string) bool {
		return strings.Contains(screen, " layers in bblayers.conf\n") && !strings.Contains(screen, "not on disk: ")
	})
	if _, err := os.Stat(filepath.Join(dir, "sources", "meta-aws", "conf", "layer.conf")); err != nil {
		t.Fatalf("meta-aws not cloned into sources/: %v", err)
	}
}

// A filter typed and cleared on the real machine list (hundreds of catalog
// machines, the first of them a BSP's) leaves the answer as it was.
func TestFlowClearedFilterKeepsMachine(t *testing.T) {
	dir, fake := newWorkspace(t)
	f := startFlow(t, dir, fake)
	f.throughWorkspace()
	f.chooseMachine("qemuarm64")
	f.waitStep(StepLayers)
	f.keys("esc")
	f.waitStep(StepMachine)
	f.waitText("machines")
	f.keys("/ type:raspberry esc enter")
	f.waitStep(StepLayers)
	if p := f.saved(); p.Machine != "qemuarm64" {
		t.Errorf("a cleared filter then enter set machine %q, want qemuarm64", p.Machine)
	}
}

// In a text field ? and q are text, and the footer does not offer them
// then; esc leaves the first step (issue 10, item 10).
func TestFlowWorkspaceKeys(t *testing.T) {
	dir, fake := newWorkspace(t)
	f := startFlow(t, dir, fake)
	f.waitStep(StepWorkspace)
	f.waitText("release scarthgap")
	f.keys("type:q?")
	f.waitFor("q? typed into the build folder", func(m *Model, screen string) bool {
		s := m.screens[StepWorkspace].(*workspaceScreen)
		lines := strings.Split(screen, "\n")
		help := lines[len(lines)-1]
		return m.Step() == StepWorkspace && strings.HasSuffix(s.form.field("build_dir").Value(), "q?") &&
			!strings.Contains(help, "? help") && !strings.Contains(help, "q quit") && strings.Contains(help, "esc quit")
	})
	f.tm.Send(keyMsg("esc"))
	f.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if code := f.m.ExitCode(); code != 0 {
		t.Errorf("esc on the first step exits %d, want 0", code)
	}
}

// toGreengrass answers every step with enter (the defaults) up to the
// Greengrass step.
func (f *flow) toGreengrass() {
	f.t.Helper()
	f.throughWorkspace()
	f.chooseMachine("qemuarm64")
	f.waitStep(StepLayers)
	f.waitText("added: needed by meta-aws")
	f.keys("enter")
	f.waitStep(StepImage)
	f.keys("enter enter")
	f.waitStep(StepSettings)
	f.keys("enter enter enter enter enter enter enter enter")
	f.waitStep(StepGreengrass)
}

// Enter pressed on through the Greengrass fields and Review makes no AWS
// call that changes anything: Review asks, and only y creates (issue 10,
// item 4). The review shows the documents, for the account in use.
func TestFlowEnterThroughReviewAsksFirst(t *testing.T) {
	dir, fake := newWorkspace(t)
	f := startFlow(t, dir, fake)
	f.toGreengrass()
	f.waitText("AWS account " + awsfake.DefaultAccount)
	f.keys("enter enter enter enter enter enter enter enter enter enter")
	f.waitStep(StepReview)
	f.waitText("create")
	var content string
	defer func() {
		if t.Failed() {
			t.Logf("review content:\n%s", content)
		}
	}()
	// Enter does nothing until the file plan is there, and the policy
	// documents can come first: five enters pressed before the plan would
	// each toggle the question an even number of times (CI saw it once).
	f.waitFor("the file plan and the claim policy for the account", func(m *Model, _ string) bool {
		r := m.screens[StepReview].(*reviewScreen)
		content = ansi.Strip(r.vp.GetContent())
		return r.plan != nil && strings.Contains(content, "claim policy") && strings.Contains(content, ":"+awsfake.DefaultAccount+":client/*")
	})
	f.keys("enter enter enter enter enter")
	f.waitText("y/N")
	time.Sleep(200 * time.Millisecond) // a call started by mistake would have arrived
	if n := fake.MutatingCalls(); n != 0 || fake.Resources().Total() != 0 {
		t.Fatalf("%d mutating AWS calls before y, resources %v", n, fake.Resources())
	}
	f.probe(func(m *Model) {
		if m.Step() != StepReview {
			t.Errorf("enters on the question went to %v", m.Step())
		}
	})
	f.keys("y")
	f.waitStep(StepApply)
	f.waitText("All done")
	if fake.Resources().Total() == 0 {
		t.Error("y created nothing")
	}
}

// Without AWS credentials the wizard still reaches Build: s at Review
// writes the conf files without the endpoints and says which variables are
// empty (issue 10, item 5).
func TestFlowNoCredentialsReachesBuild(t *testing.T) {
	dir, fake := newWorkspace(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	f := startFlow(t, dir, fake)
	f.toGreengrass()
	f.waitText("no AWS credentials")
	// What to do comes first, then the way on without AWS, the SDK's text
	// last (it began with the SDK's provider chain).
	f.waitFor("the fix before the SDK's text", func(_ *Model, screen string) bool {
		flat := strings.Join(strings.Fields(screen), " ")
		fix, skip, sdk := strings.Index(flat, "No AWS credentials found: run `aws configure`"), strings.Index(flat, "s writes the conf files"), strings.Index(flat, "AWS SDK: get AWS credentials")
		return fix >= 0 && fix < skip && skip < sdk
	})
	f.keys("enter enter enter enter enter enter enter enter enter enter")
	f.waitStep(StepReview)
	// s, like enter, does nothing until the file plan is there, and the
	// AWS error that offers it can come first (two commands of one batch).
	f.waitFor("s offered and the file plan", func(m *Model, _ string) bool {
		r := m.screens[StepReview].(*reviewScreen)
		return r.plan != nil && strings.Contains(r.vp.GetContent(), "Press s to write the conf files")
	})
	f.keys("s")
	f.waitStep(StepApply)
	f.waitText("Files written")
	f.waitFor("the empty variables named", func(_ *Model, screen string) bool {
		flat := strings.Join(strings.Fields(screen), " ")
		return strings.Contains(flat, "IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning") &&
			strings.Contains(flat, "`fleetbake provision apply`")
	})
	data, err := os.ReadFile(filepath.Join(dir, "build", "conf", "local.conf"))
	if err != nil || !strings.Contains(string(data), `IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning = ""`) {
		t.Errorf("local.conf without the endpoints (%v):\n%s", err, data)
	}
	if n := fake.MutatingCalls(); n != 0 {
		t.Errorf("%d mutating AWS calls without credentials", n)
	}
	// Verify runs the checks that need no AWS and names the others.
	f.keys("enter")
	f.waitStep(StepVerify)
	f.waitFor("the checks not run named", func(_ *Model, screen string) bool {
		flat := strings.Join(strings.Fields(screen), " ")
		return strings.Contains(flat, "4 of 6 checks failed. Not run, because they need the AWS account and the AWS step was skipped: data endpoint")
	})
	f.keys("enter")
	f.waitStep(StepBuild)
}
