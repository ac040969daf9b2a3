package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"fleetbake/app"
	"fleetbake/model"
)

// applyScreen writes the conf files, then creates the AWS resources with
// one line per resource, and offers to retry what failed.
type applyScreen struct {
	ctx     *Context
	spin    spinner.Model
	rows    []ResourceEvent
	running bool
	err     error // what stopped the run
	done    bool
	run     int // run number: events of an older run are dropped
	events  chan applyEvent
	used    *FilePlan // the plan the last run started from
	// skipped: the run wrote the files without the AWS step, and this is
	// what they lack.
	skipped *AWSSkipped
}

type applyEvent struct {
	run  int
	ev   ResourceEvent
	end  bool
	err  error
	step string // "files" or "aws"
	// update records AWS results (endpoints) in the project.
	update func(*model.Project)
	// project is apply's copy of the project, with update applied and, on
	// the real path, merged onto the file as it is on disk.
	project *model.Project
	// skipped ends a run without the AWS step.
	skipped *AWSSkipped
}

// applyEventMsg is one event from the running apply.
type applyEventMsg applyEvent

func newApplyScreen(c *Context) *applyScreen {
	return &applyScreen{ctx: c, spin: spinner.New(spinner.WithSpinner(spinner.Line))}
}

func (s *applyScreen) Enter() tea.Cmd {
	if s.running {
		return nil // coming back to a running apply shows it as it is
	}
	return s.start()
}

func (s *applyScreen) start() tea.Cmd {
	c := s.ctx
	s.run++
	s.rows, s.err, s.done, s.running, s.skipped = nil, nil, false, true, nil
	s.rows = append(s.rows, ResourceEvent{Kind: "files", Name: "conf/local.conf, conf/bblayers.conf", State: ResourceRunning})
	run, p, plan, ws := s.run, cloneProject(c.Project), c.FilePlan, c.Workspace
	steps, ctx := c.Svc.applySteps(), c.Ctx
	// A retry (or a second run on the plan of the same review) renders the
	// files again: the reviewed plan may be written already, and writing it
	// twice fails because the files changed since it was made.
	again := plan != nil && plan == s.used
	s.used = plan
	ch := make(chan applyEvent, 64)
	s.events = ch
	skip := c.SkipAWS && p.Greengrass.Enabled
	go func() {
		defer close(ch)
		report := func(step app.ApplyStep, ev ResourceEvent) {
			ch <- applyEvent{run: run, step: string(step), ev: ev}
		}
		if skip {
			skipped, err := steps.ApplyWithoutAWS(p, ws, plan, again, report)
			ch <- applyEvent{run: run, end: true, err: err, skipped: skipped}
			return
		}
		update, err := steps.Apply(ctx, p, ws, plan, again, report)
		ch <- applyEvent{run: run, end: true, err: err, update: update, project: p}
	}()
	c.Busy = p.Greengrass.Enabled && !skip
	return tea.Batch(s.wait(), s.spin.Tick)
}

// wait reads one event; Update re-arms it, so events arrive in order.
func (s *applyScreen) wait() tea.Cmd {
	ch := s.events
	return func() tea.Msg {
		e, ok := <-ch
		if !ok {
			return nil
		}
		return applyEventMsg(e)
	}
}

func (s *applyScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case applyEventMsg:
		if msg.run != s.run {
			return nil
		}
		if msg.end {
			s.running, s.done, s.err = false, msg.err == nil && !s.anyFailed(), msg.err
			s.skipped = msg.skipped
			s.ctx.Busy = false
			if msg.update != nil {
				// The apply's own copy is the project as saved: ApplyAWS
				// merged the update onto the file as it was on disk
				// (SaveUpdate), keeping edits made while it ran. Taking that
				// copy, rather than applying the update to the screen's
				// older one and saving it, keeps those edits.
				*s.ctx.Project = *msg.project
				return s.ctx.SaveProject()
			}
			return nil
		}
		s.record(applyEvent(msg))
		return s.wait()
	case spinner.TickMsg:
		if !s.running {
			return nil // stop ticking: no redraws while idle
		}
		var cmd tea.Cmd
		s.spin, cmd = s.spin.Update(msg)
		return cmd
	case tea.KeyPressMsg:
		k := s.ctx.Keys
		switch {
		case s.running:
			return nil
		case key.Matches(msg, k.Retry) && !s.done:
			return s.start()
		case key.Matches(msg, k.Enter) && s.done:
			return nextFrom(s)
		}
	}
	return nil
}

func (s *applyScreen) anyFailed() bool {
	for _, r := range s.rows {
		if r.State == ResourceFailed {
			return true
		}
	}
	return false
}

// warningKind marks a row that is a warning of the AWS step as a whole
// (provision.Result.Warnings), shown wrapped under the resources.
const warningKind = app.WarningKind

func (s *applyScreen) record(e applyEvent) {
	if e.step == "files" {
		r := &s.rows[0]
		r.State, r.Detail = e.ev.State, e.ev.Detail
		return
	}
	// One row per kind: the name may change as the resource is made (the
	// claim certificate's file name, then its ID).
	for i := range s.rows {
		if s.rows[i].Kind == e.ev.Kind && (e.ev.Kind != "files" || s.rows[i].Name == e.ev.Name) {
			s.rows[i] = e.ev
			return
		}
	}
	s.rows = append(s.rows, e.ev)
}

func (s *applyScreen) View(height int) string {
	c := s.ctx
	st := c.Styles
	w := max(10, c.Width-2)
	kindW := 0
	for _, r := range s.rows {
		kindW = max(kindW, ansi.StringWidth(r.Kind))
	}
	kindW = min(kindW, 22)
	var lines []string
	for _, r := range s.rows {
		if strings.HasPrefix(r.Kind, warningKind+" ") {
			for _, l := range wrap("! "+r.Detail, w) {
				lines = append(lines, st.Warn.Render(l))
			}
			continue
		}
		var icon string
		switch r.State {
		case ResourcePending:
			icon = st.Subtle.Render("·")
		case ResourceRunning:
			icon = st.Cursor.Render(s.spin.View())
		case ResourceDone:
			icon = st.OK.Render("✓")
		case ResourceFailed:
			icon = st.Error.Render("✗")
		}
		line := icon + " " + padRight(ansi.Truncate(r.Kind, kindW, "…"), kindW) + "  " + r.Name
		if r.Detail != "" && r.State != ResourceFailed {
			line += st.Subtle.Render("  " + r.Detail)
		}
		lines = append(lines, ansi.Truncate(line, w, "…"))
		if r.State == ResourceFailed {
			for _, l := range wrap(r.Detail, w-4) {
				lines = append(lines, "    "+st.Error.Render(l))
			}
			if r.Hint != "" {
				for _, l := range wrap("→ "+r.Hint, w-4) {
					lines = append(lines, "    "+st.Warn.Render(l))
				}
			}
		}
	}
	if s.skipped != nil {
		for _, l := range wrap("! "+s.skipped.Advice(), w) {
			lines = append(lines, st.Warn.Render(l))
		}
	}
	lines = append(lines, "")
	switch {
	case s.running:
		lines = append(lines, st.Subtle.Render("Working… quitting now asks first."))
	case s.done:
		if s.skipped != nil {
			// Verify runs the checks that need no AWS (c.SkipAWS).
			lines = append(lines, st.OK.Render("Files written. Press enter to run the checks that need no AWS, then build."))
		} else {
			lines = append(lines, st.OK.Render("All done. Press enter to verify the setup, then build."))
		}
	case s.err != nil || s.anyFailed():
		if s.err != nil && !s.anyFailed() {
			for _, l := range wrap("✗ "+s.err.Error(), w) {
				lines = append(lines, st.Error.Render(l))
			}
		}
		lines = append(lines, st.Warn.Render("Press r to retry: what already exists is kept, the rest is tried again."))
	}
	// Keep the latest lines in view: the end of the run is what matters.
	if len(lines) > height {
		lines = lines[len(lines)-height:]
	}
	return strings.Join(lines, "\n")
}

func (s *applyScreen) Capturing() bool { return false }

func (s *applyScreen) ShortHelp() []key.Binding {
	k := s.ctx.Keys
	switch {
	case s.running:
		return []key.Binding{k.Quit}
	case s.done:
		return []key.Binding{k.Enter, k.Back, k.Quit}
	}
	return []key.Binding{k.Retry, k.Back, k.Quit}
}

func (s *applyScreen) FullHelp() [][]key.Binding {
	k := s.ctx.Keys
	return [][]key.Binding{{k.Enter, k.Retry, k.Back}, {k.Help, k.Quit}}
}
