package ui

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"fleetbake/model"
	"fleetbake/ui/keys"
	"fleetbake/ui/styles"
)

// Step is one screen of the wizard, in order.
type Step int

// The steps of the wizard.
const (
	StepWorkspace Step = iota
	StepMachine
	StepLayers
	StepImage
	StepSettings
	StepGreengrass
	StepReview
	StepApply
	StepVerify
	StepBuild
	numSteps
)

var stepNames = [numSteps]string{"Workspace", "Machine", "Layers", "Image and distro", "Build settings",
	"Greengrass", "Review", "Apply", "Verify", "Build"}

func (s Step) String() string {
	if s < 0 || s >= numSteps {
		return fmt.Sprintf("step %d", int(s))
	}
	return stepNames[s]
}

// screen is one step of the wizard. Screens are pointers and change in place;
// only the root returns a tea.View.
type screen interface {
	// Enter is called each time the screen becomes the active one; it
	// refreshes the screen from the answers in the context.
	Enter() tea.Cmd
	Update(msg tea.Msg) tea.Cmd
	// View renders the body, at most ctx.Width wide and height lines high.
	View(height int) string
	help.KeyMap
	// Capturing reports that printable keys belong to the screen (typing in
	// a field): the root then leaves q, ? and esc to it.
	Capturing() bool
}

// Navigation messages screens send to the root.
type (
	// nextMsg goes on from the screen that sent it. Keys typed ahead (enter
	// pressed on through a form) each make one; only the first counts, as
	// the others come from a screen no longer shown: without this, the
	// spare enters of the Greengrass step skipped Review and Apply.
	nextMsg struct{ from screen }
	backMsg struct{}
	gotoMsg struct{ step Step }
	// quitMsg leaves the UI with a message printed afterwards.
	quitMsg struct{ farewell string }
)

func next() tea.Msg { return nextMsg{} }
func back() tea.Msg { return backMsg{} }

// nextFrom is next sent by the screen s.
func nextFrom(s screen) tea.Cmd { return func() tea.Msg { return nextMsg{from: s} } }

// workspaceMsg carries the result of discovery.
type workspaceMsg struct {
	ws    *Workspace
	guess *ConfGuess
	err   error
}

// identityMsg carries the AWS account lookup.
type identityMsg struct {
	id  *Identity
	err error
}

// attachMsg carries a build found running at start.
type attachMsg struct {
	build Build
	err   error
}

// Options configure a new UI.
type Options struct {
	Services *Services
	Project  *model.Project
	// Existing is true when the project was loaded from fleetbake.toml.
	Existing bool
	// Now is the clock (default time.Now).
	Now func() time.Time
	// NoColor drops every color (NO_COLOR).
	NoColor bool
	// Dark is the background assumed until the terminal answers.
	Dark bool
}

// Model is the root of the UI: it owns the size, help, quitting and the
// current step, and routes every other message to the active screen.
type Model struct {
	ctx     *Context
	cancel  context.CancelFunc
	help    help.Model
	step    Step
	screens [numSteps]screen

	status      string // last save or background message
	statusErr   bool
	confirm     bool // asking before quitting while AWS calls run
	confirmCode int  // the exit code of the quit being confirmed
	quitCode    int
	farewell    string
	discovered  bool

	// Rendered text kept between frames (see root_view.go, help.go).
	helpSig, helpLine string
	headerSig, header string
	fitted            map[string]string // last frame's lines, as cut to the width
}

// New builds the root model for a project.
func New(o Options) *Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Project == nil {
		o.Project = model.Default()
	}
	if o.Services == nil {
		o.Services = &Services{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Context{
		Width: 80, Height: 24,
		Styles:  styles.New(o.Dark, o.NoColor),
		Keys:    keys.Default(),
		Svc:     o.Services,
		Now:     o.Now,
		Ctx:     ctx,
		Project: o.Project,
		saver:   &saver{fn: saveFunc(o.Services)},
	}
	m := &Model{ctx: c, cancel: cancel, help: help.New()}
	m.help.Styles = c.Styles.Help
	m.screens = [numSteps]screen{
		newWorkspaceScreen(c), newMachineScreen(c), newLayersScreen(c), newImageScreen(c),
		newSettingsScreen(c), newGreengrassScreen(c), newReviewScreen(c), newApplyScreen(c), newVerifyScreen(c), newBuildScreen(c),
	}
	m.step = StepWorkspace
	if o.Existing {
		m.step = ResumeStep(o.Project)
	}
	return m
}

func saveFunc(s *Services) func(*model.Project) error {
	if s.Save == nil {
		return func(*model.Project) error { return nil }
	}
	return s.Save
}

// Context returns the shared context (tests read answers from it).
func (m *Model) Context() *Context { return m.ctx }

// Step is the active step.
func (m *Model) Step() Step { return m.step }

// ExitCode is 130 after ctrl+c, else 0.
func (m *Model) ExitCode() int { return m.quitCode }

// Farewell is what to print after the UI closes (how to re-attach a build).
func (m *Model) Farewell() string { return m.farewell }

// Close stops the background calls still running and writes the newest
// answer if its save had not run yet: call it once the program has ended, so
// that an answer given just before quitting is never lost.
func (m *Model) Close() error {
	m.cancel()
	if s, ok := m.screens[StepLayers].(*layersScreen); ok && s.fetchRun != nil {
		s.fetchRun.waitEnded()
	}
	return m.ctx.saver.Flush()
}

// Init starts discovery, the AWS account lookup and the search for a build
// already running; it also asks the terminal for its background color.
func (m *Model) Init() tea.Cmd {
	c := m.ctx
	cmds := []tea.Cmd{tea.RequestBackgroundColor, discoverCmd(c), identityCmd(c)}
	if c.Svc.AttachBuild != nil {
		p, attach := cloneProject(c.Project), c.Svc.AttachBuild
		cmds = append(cmds, func() tea.Msg {
			b, err := attach(p)
			return attachMsg{build: b, err: err}
		})
	}
	cmds = append(cmds, m.screens[m.step].Enter())
	return tea.Batch(cmds...)
}

func discoverCmd(c *Context) tea.Cmd {
	if c.Svc.Discover == nil {
		return nil
	}
	p, discover, read := cloneProject(c.Project), c.Svc.Discover, c.Svc.ReadConf
	return func() tea.Msg {
		ws, err := discover(p)
		var guess *ConfGuess
		if read != nil {
			guess, _ = read(p) // a missing or unreadable conf only means no pre-fill
		}
		return workspaceMsg{ws: ws, guess: guess, err: err}
	}
}

func identityCmd(c *Context) tea.Cmd {
	if c.Svc.Identity == nil {
		return nil
	}
	p, id, ctx := cloneProject(c.Project), c.Svc.Identity, c.Ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		i, err := id(ctx, p)
		return identityMsg{id: i, err: err}
	}
}

// Update routes messages: the root handles size, colors, quitting, help and
// navigation; everything else goes to the active screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	c := m.ctx
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		c.Width, c.Height = msg.Width, msg.Height
		m.help.SetWidth(max(0, msg.Width-2))
		return m, m.active().Update(msg)
	case tea.BackgroundColorMsg:
		if dark := msg.IsDark(); dark != c.Styles.IsDark {
			c.Styles = styles.New(dark, c.Styles.NoColor)
			c.StylesGen++
			m.help.Styles = c.Styles.Help
			return m, m.broadcastStyles()
		}
		return m, nil
	case savedMsg:
		if msg.err != nil {
			m.status, m.statusErr = "could not save "+model.DefaultFile+": "+msg.err.Error(), true
		} else {
			m.status, m.statusErr = "saved "+msg.path, false
		}
		return m, nil
	case workspaceMsg:
		m.discovered = true
		c.Workspace, c.Guess = msg.ws, msg.guess
		if msg.err != nil {
			m.status, m.statusErr = "layer discovery: "+msg.err.Error(), true
		}
		return m, m.broadcast(msg)
	case identityMsg:
		c.Identity, c.IdentityErr = msg.id, msg.err
		return m, m.broadcast(msg)
	case attachMsg:
		if msg.build != nil {
			m.step = StepBuild
			return m, m.screens[StepBuild].Update(msg)
		}
		return m, nil
	case nextMsg:
		if msg.from != nil && msg.from != m.active() {
			return m, nil // typed ahead on a screen already left
		}
		return m, m.goTo(m.step + 1)
	case backMsg:
		return m, m.goTo(m.step - 1)
	case gotoMsg:
		return m, m.goTo(msg.step)
	case quitMsg:
		m.farewell = msg.farewell
		m.cancel()
		return m, tea.Quit
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	}
	return m, m.active().Update(msg)
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	c := m.ctx
	k := c.Keys
	if m.confirm {
		switch {
		case key.Matches(msg, k.ForceQuit):
			// ctrl+c twice: out now, as in any terminal program.
			return m.quitBusy(130)
		case key.Matches(msg, k.Yes):
			return m.quitBusy(m.confirmCode)
		case key.Matches(msg, k.No):
			m.confirm = false
		}
		return nil
	}
	if m.help.ShowAll && !key.Matches(msg, k.ForceQuit) {
		m.help.ShowAll = false // any key closes the full help
		if key.Matches(msg, k.Help) || key.Matches(msg, k.Back) {
			return nil
		}
	}
	// The build screen decides itself what quitting means (detach).
	if m.step == StepBuild {
		return m.active().Update(msg)
	}
	if key.Matches(msg, k.ForceQuit) {
		return m.askQuit(130)
	}
	if m.active().Capturing() {
		return m.active().Update(msg)
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.askQuit(0)
	case key.Matches(msg, k.Help):
		m.help.ShowAll = true
		return nil
	case key.Matches(msg, k.Back):
		if m.step == StepApply && c.Busy {
			return nil // leaving now would hide AWS calls still running
		}
		return m.goTo(m.step - 1)
	}
	return m.active().Update(msg)
}

func (m *Model) askQuit(code int) tea.Cmd {
	if m.ctx.Busy {
		m.confirm, m.confirmCode = true, code
		return nil
	}
	return m.quit(code)
}

// quitBusy leaves while AWS calls are under way (they are cancelled) and
// says how to finish.
func (m *Model) quitBusy(code int) tea.Cmd {
	m.farewell = "AWS provisioning was stopped part-way. Run fleetbake again and apply: " +
		"what was already created is kept, the rest is made."
	return m.quit(code)
}

func (m *Model) quit(code int) tea.Cmd {
	m.quitCode = code
	m.cancel()
	return tea.Quit
}

func (m *Model) goTo(s Step) tea.Cmd {
	if s < 0 || s >= numSteps || s == m.step {
		return nil
	}
	m.step = s
	m.help.ShowAll = false
	return m.active().Enter()
}

func (m *Model) active() screen { return m.screens[m.step] }

// broadcast hands background results to every screen that cares.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for _, s := range m.screens {
		cmds = append(cmds, s.Update(msg))
	}
	return tea.Batch(cmds...)
}

type stylesChangedMsg struct{}

func (m *Model) broadcastStyles() tea.Cmd { return m.broadcast(stylesChangedMsg{}) }
