package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"fleetbake/app"
	"fleetbake/model"
)

// verifyScreen runs `fleetbake verify`'s read-only checks after apply and
// shows each one PASS or FAIL with its fix. The build can start anyway
// (enter), or verify runs again (r) after the user fixed something. The
// live check (`verify --register`) runs on l, after a y/N that says it
// creates and deletes a test thing. After a files-only apply (AWS skipped)
// only the checks that need no AWS account run, and the screen names the
// others.
type verifyScreen struct {
	ctx        *Context
	spin       spinner.Model
	running    bool
	confirming bool // asking y/N before the live check
	run        int  // run number: the answer of an older run is dropped
	req        VerifyRequest
	rep        *VerifyReport
	err        error // verify could not run
	again      key.Binding
	build      key.Binding
	live       key.Binding
	bb         bitbakeRun // the first-boot check with real BitBake (screen_verify_bitbake.go)
}

// VerifyRequest says which of verify's checks to run.
type VerifyRequest struct {
	// Register adds the live check: a test device provisions itself with
	// the claim, and its thing and certificate are deleted.
	Register bool
	// NoAWS runs only the checks that need no AWS account.
	NoAWS bool
	// BitBake runs only the first-boot checks, with the values real
	// BitBake resolves (`verify --bitbake`).
	BitBake bool
	// OnBitBakeStart, when set, is called once just before BitBake starts
	// parsing, after every check that can refuse to run it.
	OnBitBakeStart func()
}

// The verify report types, under the names the screens use.
type (
	VerifyReport = app.VerifyReport
	VerifyCheck  = app.Check
)

// verifiedMsg carries the report of one verify run.
type verifiedMsg struct {
	run int
	rep *VerifyReport
	err error
}

func newVerifyScreen(c *Context) *verifyScreen {
	return &verifyScreen{ctx: c, spin: spinner.New(spinner.WithSpinner(spinner.Line)),
		again: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "verify again")),
		build: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "build")),
		live:  key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "live check")),
		bb:    bitbakeRun{key: key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "BitBake check"))}}
}

func (s *verifyScreen) Enter() tea.Cmd {
	if s.running {
		return nil
	}
	s.confirming = false
	s.bb.reset()
	return s.start(false)
}

// noAWS: the apply before this step wrote the files and skipped AWS.
func (s *verifyScreen) noAWS() bool { return s.ctx.SkipAWS }

// start runs verify in a command: every check is AWS calls and file reads.
func (s *verifyScreen) start(register bool) tea.Cmd {
	c := s.ctx
	s.run++
	s.rep, s.err = nil, nil
	s.bb.reset()
	if c.Svc.Verify == nil || !c.Project.Greengrass.Enabled {
		return nil
	}
	s.running = true
	s.req = VerifyRequest{Register: register && !s.noAWS(), NoAWS: s.noAWS()}
	run, p, ctx, verify, req := s.run, cloneProject(c.Project), c.Ctx, c.Svc.Verify, s.req
	return tea.Batch(func() tea.Msg {
		rep, err := verify(ctx, p, req)
		return verifiedMsg{run: run, rep: rep, err: err}
	}, s.spin.Tick)
}

func (s *verifyScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case verifiedMsg:
		if msg.run == s.run {
			s.running, s.rep, s.err = false, msg.rep, msg.err
		}
	case bitbakeDoneMsg:
		s.bitbakeDone(msg)
	case spinner.TickMsg:
		if !s.running && !s.bb.running {
			return nil
		}
		if s.bb.running {
			s.bb.elapsed = s.ctx.Now().Sub(s.bb.start)
		}
		var cmd tea.Cmd
		s.spin, cmd = s.spin.Update(msg)
		return cmd
	case tea.KeyPressMsg:
		k := s.ctx.Keys
		switch {
		case s.running:
		case s.bb.running || s.bb.confirming:
			return s.bitbakeKey(msg)
		case s.confirming:
			// Only y starts it; any other key is a no.
			s.confirming = false
			if key.Matches(msg, k.Yes) {
				return s.start(true)
			}
		case key.Matches(msg, s.again):
			return s.start(false)
		case key.Matches(msg, s.live) && s.liveOffered():
			s.confirming = true
		case key.Matches(msg, s.bb.key) && s.bitbakeOffered():
			s.bb.confirming = true
		case key.Matches(msg, s.build):
			return next
		}
	}
	return nil
}

// liveOffered: the live check needs the AWS account and the claim.
func (s *verifyScreen) liveOffered() bool {
	return s.ctx.Svc.Verify != nil && s.ctx.Project.Greengrass.Enabled && !s.noAWS()
}

// liveWarning is the question before the live check: what it makes. The
// plain prompts ask the same.
const liveWarning = "The live check connects to AWS IoT with the claim certificate, as a device does at first boot, " +
	"and provisions a test device: it creates a test thing (its name holds " + app.VerifyMarker + ") " +
	"and its certificate in the AWS account, then deletes both. Run it?"

func (s *verifyScreen) View(height int) string {
	c := s.ctx
	st := c.Styles
	w := max(10, c.Width-2)
	var lines []string
	switch {
	case c.Svc.Verify == nil:
		lines = append(lines, st.Subtle.Render("Verify is not available in this build. Press enter to build."))
	case !c.Project.Greengrass.Enabled:
		lines = append(lines, st.Subtle.Render("Greengrass is off: there is no AWS side to verify. Press enter to build."))
	case s.running && s.req.Register:
		lines = append(lines, s.spin.View()+" Checking, and provisioning a test device with the claim (live check)…")
	case s.running && s.req.NoAWS:
		lines = append(lines, s.spin.View()+" Checking local.conf, the claim files and the first boot (no AWS)…")
	case s.running:
		lines = append(lines, s.spin.View()+" Checking local.conf, the claim files and the AWS account (read-only)…")
	case s.err != nil:
		for _, l := range wrap("✗ verify could not run: "+model.PrintableLines(s.err.Error()), w) {
			lines = append(lines, st.Error.Render(l))
		}
	case s.rep != nil:
		lines = append(lines, s.reportLines(w)...)
	}
	if s.confirming {
		lines = append(lines, "")
		for _, l := range wrap(liveWarning+" y/N", w) {
			lines = append(lines, st.Warn.Render(l))
		}
	}
	lines = append(lines, s.bitbakeLines(w)...)
	if !s.running && s.err != nil {
		lines = append(lines, "", st.Warn.Render("Press r to verify again, or enter to build anyway."))
	}
	// The summary and the failures matter most: keep the end in view.
	if len(lines) > height {
		lines = lines[len(lines)-height:]
	}
	return strings.Join(lines, "\n")
}

// reportLines are the report: passes first, one line each; then the
// failures, whose first lines and fix stay in view above the summary when
// the list is long; the checks not run are named once, with why.
func (s *verifyScreen) reportLines(w int) []string {
	st := s.ctx.Styles
	var lines, failures []string
	for _, ch := range s.rep.Checks {
		// Details, fixes and exchanges carry values from AWS and from files
		// fleetbake did not write: escape what a terminal would act on.
		line := fmt.Sprintf("%s %s: %s", ch.Status, ch.Name, model.Printable(ch.Detail))
		switch {
		case ch.Status == app.Skip && ch.Detail == app.NotRunWithoutAWS:
			// Named in the summary.
		case ch.Status == app.Fail:
			for i, l := range capped(wrap(line, w-2), 3) {
				if i == 0 {
					l = st.Error.Render("✗") + " " + l
				} else {
					l = "  " + l
				}
				failures = append(failures, l)
			}
			if ch.Fix != "" {
				for _, l := range capped(wrap("→ "+model.Printable(ch.Fix), w-4), 4) {
					failures = append(failures, "    "+st.Warn.Render(l))
				}
			}
		case ch.Status == app.Skip || ch.Status == app.Info:
			lines = append(lines, st.Subtle.Render("·")+" "+ansi.Truncate(line, w-2, "…"))
		default:
			lines = append(lines, st.OK.Render("✓")+" "+ansi.Truncate(line, w-2, "…"))
		}
		for _, ex := range ch.Steps {
			mark := st.OK.Render("  ok ")
			if !ex.OK {
				mark = st.Error.Render("  ✗  ")
			}
			l := mark + " " + ansi.Truncate(ex.Name+": "+model.Printable(ex.Detail), w-8, "…")
			if ch.Status == app.Fail {
				failures = append(failures, l)
			} else {
				lines = append(lines, l)
			}
		}
	}
	lines = append(lines, failures...)
	lines = append(lines, "")
	way := "Press enter to build, r to verify again, l for the live check, or b to check the first boot with BitBake."
	switch {
	case s.confirming || s.bb.confirming || s.bb.running:
		way = "" // the question below is the way on
	case !s.liveOffered():
		way = "Press enter to build, r to verify again, or b to check the first boot with BitBake."
	}
	summary := strings.TrimSpace(s.rep.Summary() + " " + way)
	style := st.OK
	if s.rep.Failed() > 0 {
		summary = s.rep.Summary() + " Fix them and press r to verify again, b to check the first boot with BitBake, or enter to build anyway."
		style = st.Warn
	}
	for _, l := range wrap(summary, w) {
		lines = append(lines, style.Render(l))
	}
	return lines
}

// capped is at most n lines, the last marked when some were left out
// (`fleetbake verify` prints them whole).
func capped(lines []string, n int) []string {
	if len(lines) <= n {
		return lines
	}
	out := append([]string(nil), lines[:n]...)
	out[n-1] += " …"
	return out
}

// Capturing: while the live check's y/N is asked, y, n and esc answer it.
func (s *verifyScreen) Capturing() bool { return s.confirming || s.bb.confirming || s.bb.running }

func (s *verifyScreen) ShortHelp() []key.Binding {
	k := s.ctx.Keys
	if s.running {
		return []key.Binding{k.Back, k.Quit}
	}
	if s.confirming || s.bb.confirming {
		return []key.Binding{k.Yes, k.No}
	}
	if s.bb.running {
		return []key.Binding{s.bb.stop, k.ForceQuit}
	}
	keys := []key.Binding{s.build, s.again}
	if s.liveOffered() {
		keys = append(keys, s.live)
	}
	if s.bitbakeOffered() {
		keys = append(keys, s.bb.key)
	}
	return append(keys, k.Back, k.Quit)
}

func (s *verifyScreen) FullHelp() [][]key.Binding {
	k := s.ctx.Keys
	return [][]key.Binding{{s.build, s.again, s.live, s.bb.key, k.Back}, {k.Help, k.Quit}}
}

// verifyService is Services.Verify wired to app.VerifyWith.
func verifyService(o app.AWSOptions) func(ctx context.Context, p *model.Project, r VerifyRequest) (*VerifyReport, error) {
	return func(ctx context.Context, p *model.Project, r VerifyRequest) (*VerifyReport, error) {
		return app.VerifyWith(ctx, p, app.VerifyOptions{AWSOptions: o, Register: r.Register, NoAWS: r.NoAWS, BitBake: r.BitBake, FirstBootOnly: r.BitBake, OnBitBakeStart: r.OnBitBakeStart})
	}
}
