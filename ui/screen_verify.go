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
// (enter), or verify runs again (r) after the user fixed something.
type verifyScreen struct {
	ctx     *Context
	spin    spinner.Model
	running bool
	run     int // run number: the answer of an older run is dropped
	rep     *VerifyReport
	err     error // verify could not run
	again   key.Binding
	build   key.Binding
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
		build: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "build"))}
}

func (s *verifyScreen) Enter() tea.Cmd {
	if s.running {
		return nil
	}
	return s.start()
}

// start runs verify in a command: every check is AWS calls and file reads.
func (s *verifyScreen) start() tea.Cmd {
	c := s.ctx
	s.run++
	s.rep, s.err = nil, nil
	if c.Svc.Verify == nil || !c.Project.Greengrass.Enabled {
		return nil
	}
	s.running = true
	run, p, ctx, verify := s.run, cloneProject(c.Project), c.Ctx, c.Svc.Verify
	return tea.Batch(func() tea.Msg {
		rep, err := verify(ctx, p)
		return verifiedMsg{run: run, rep: rep, err: err}
	}, s.spin.Tick)
}

func (s *verifyScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case verifiedMsg:
		if msg.run == s.run {
			s.running, s.rep, s.err = false, msg.rep, msg.err
		}
	case spinner.TickMsg:
		if !s.running {
			return nil
		}
		var cmd tea.Cmd
		s.spin, cmd = s.spin.Update(msg)
		return cmd
	case tea.KeyPressMsg:
		switch {
		case s.running:
		case key.Matches(msg, s.again):
			return s.start()
		case key.Matches(msg, s.build):
			return next
		}
	}
	return nil
}

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
	case s.running:
		lines = append(lines, s.spin.View()+" Checking local.conf, the claim files and the AWS account (read-only)…")
	case s.err != nil:
		for _, l := range wrap("✗ verify could not run: "+s.err.Error(), w) {
			lines = append(lines, st.Error.Render(l))
		}
	case s.rep != nil:
		// Passes first, one line each; then the failures, whose first lines
		// and fix stay in view above the summary when the list is long.
		var failures []string
		failed := 0
		for _, ch := range s.rep.Checks {
			line := fmt.Sprintf("%s %s: %s", ch.Status, ch.Name, ch.Detail)
			switch ch.Status {
			case app.Fail:
				failed++
				for i, l := range capped(wrap(line, w-2), 3) {
					if i == 0 {
						l = st.Error.Render("✗") + " " + l
					} else {
						l = "  " + l
					}
					failures = append(failures, l)
				}
				if ch.Fix != "" {
					for _, l := range capped(wrap("→ "+ch.Fix, w-4), 4) {
						failures = append(failures, "    "+st.Warn.Render(l))
					}
				}
			case app.Skip, app.Info:
				lines = append(lines, st.Subtle.Render("·")+" "+ansi.Truncate(line, w-2, "…"))
			default:
				lines = append(lines, st.OK.Render("✓")+" "+ansi.Truncate(line, w-2, "…"))
			}
		}
		lines = append(lines, failures...)
		lines = append(lines, "")
		if failed == 0 {
			lines = append(lines, st.OK.Render(fmt.Sprintf("All %d checks passed. Press enter to build.", len(s.rep.Checks))))
		} else {
			for _, l := range wrap(fmt.Sprintf("%d of %d checks failed. Fix them and press r to verify again, or enter to build anyway.", failed, len(s.rep.Checks)), w) {
				lines = append(lines, st.Warn.Render(l))
			}
		}
	}
	if !s.running && s.err != nil {
		lines = append(lines, "", st.Warn.Render("Press r to verify again, or enter to build anyway."))
	}
	// The summary and the failures matter most: keep the end in view.
	if len(lines) > height {
		lines = lines[len(lines)-height:]
	}
	return strings.Join(lines, "\n")
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

func (s *verifyScreen) Capturing() bool { return false }

func (s *verifyScreen) ShortHelp() []key.Binding {
	k := s.ctx.Keys
	if s.running {
		return []key.Binding{k.Back, k.Quit}
	}
	return []key.Binding{s.build, s.again, k.Back, k.Quit}
}

func (s *verifyScreen) FullHelp() [][]key.Binding {
	k := s.ctx.Keys
	return [][]key.Binding{{s.build, s.again, k.Back}, {k.Help, k.Quit}}
}

// verifyService is Services.Verify wired to app.Verify (read-only checks).
func verifyService(o app.AWSOptions) func(ctx context.Context, p *model.Project) (*VerifyReport, error) {
	return func(ctx context.Context, p *model.Project) (*VerifyReport, error) { return app.Verify(ctx, p, o) }
}
