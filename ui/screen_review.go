package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"fleetbake/app"
)

// reviewScreen shows the exact conf changes as a diff and the AWS plan as
// a table before anything is written or created.
type reviewScreen struct {
	ctx     *Context
	vp      viewport.Model
	invalid error
	plan    *FilePlan
	planErr error
	aws     []PlanRow
	awsErr  error
	awsWait bool
	docs    []PolicyDocument
	docsErr error
	// confirming: enter asked to create the AWS resources; only y goes on,
	// enter answers no (the default, as in the plain prompts), so an enter
	// pressed through the Greengrass fields never reaches AWS.
	confirming bool
	// wsWait: entered before discovery finished (a resumed project); the
	// plans are made when the workspace arrives.
	wsWait bool
	// validating: the answers are being checked; the plans wait for it.
	validating bool
	seq        int
}

type validatedMsg struct {
	seq int
	err error
}

// awsPlanTimeout bounds the AWS plan of the review.
const awsPlanTimeout = time.Minute

type filePlanMsg struct {
	seq  int
	plan *FilePlan
	err  error
}

type awsPlanMsg struct {
	seq  int
	rows []PlanRow
	err  error
}

func newReviewScreen(c *Context) *reviewScreen {
	return &reviewScreen{ctx: c, vp: viewport.New()}
}

func (s *reviewScreen) Enter() tea.Cmd {
	c := s.ctx
	s.seq++
	s.plan, s.planErr, s.aws, s.awsErr, s.awsWait, s.invalid = nil, nil, nil, nil, false, nil
	s.docs, s.docsErr, s.confirming = nil, nil, false
	c.FilePlan = nil
	s.vp.GotoTop()
	s.wsWait = c.Workspace == nil && c.Svc.Discover != nil
	s.validating = c.Svc.ValidateProject != nil
	s.refresh()
	if s.validating {
		// Validation looks at the folders on disk: in a command too.
		seq, p, validate := s.seq, cloneProject(c.Project), c.Svc.ValidateProject
		return func() tea.Msg { return validatedMsg{seq: seq, err: validate(p)} }
	}
	return s.proceed()
}

// proceed starts the plans once the answers are known to be valid and the
// workspace is there.
func (s *reviewScreen) proceed() tea.Cmd {
	if s.validating || s.invalid != nil || s.wsWait {
		return nil
	}
	return s.startPlans()
}

// startPlans renders the conf changes and asks AWS for its plan, both in
// the background.
func (s *reviewScreen) startPlans() tea.Cmd {
	c := s.ctx
	seq, p, ws := s.seq, cloneProject(c.Project), c.Workspace
	var cmds []tea.Cmd
	if plan := c.Svc.PlanFiles; plan != nil {
		cmds = append(cmds, func() tea.Msg {
			fp, err := plan(p, ws)
			return filePlanMsg{seq: seq, plan: fp, err: err}
		})
	} else {
		s.planErr = errUnavailable
	}
	if p.Greengrass.Enabled && c.Svc.PlanAWS != nil {
		s.awsWait = true
		planAWS, ctx := c.Svc.PlanAWS, c.Ctx
		cmds = append(cmds, func() tea.Msg {
			// Bounded, so an endpoint that never answers ends in a message
			// rather than "Asking AWS…" for good.
			ctx, cancel := context.WithTimeout(ctx, awsPlanTimeout)
			defer cancel()
			rows, err := planAWS(ctx, p, ws)
			return awsPlanMsg{seq: seq, rows: rows, err: err}
		})
	}
	cmds = append(cmds, s.renderDocs())
	s.refresh()
	return tea.Batch(cmds...)
}

func (s *reviewScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case validatedMsg:
		if msg.seq == s.seq {
			s.validating, s.invalid = false, msg.err
			s.refresh()
			return s.proceed()
		}
	case workspaceMsg:
		if s.wsWait {
			s.wsWait = false
			s.refresh()
			return s.proceed()
		}
	case filePlanMsg:
		if msg.seq == s.seq {
			s.plan, s.planErr = msg.plan, msg.err
			s.ctx.FilePlan = msg.plan
			s.refresh()
		}
	case awsPlanMsg:
		if msg.seq == s.seq {
			s.aws, s.awsErr, s.awsWait = msg.rows, msg.err, false
			s.refresh()
		}
	case docsMsg:
		if msg.seq == s.seq {
			s.docs, s.docsErr = msg.docs, msg.err
			s.refresh()
			if !msg.withAccount && s.ctx.Identity != nil {
				return s.renderDocs() // the account came while they rendered
			}
		}
	case identityMsg:
		// The documents name the account once it is known.
		if s.docs != nil && s.ctx.Identity != nil {
			return s.renderDocs()
		}
	case tea.WindowSizeMsg, stylesChangedMsg:
		s.refresh()
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return nil
}

// key handles a key: enter writes the files (asking first when AWS
// resources would be created), s writes them without the AWS step.
func (s *reviewScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	c, k := s.ctx, s.ctx.Keys
	ready := s.invalid == nil && s.plan != nil
	aws := c.Project.Greengrass.Enabled
	switch {
	case s.confirming:
		switch {
		case key.Matches(msg, k.Yes):
			s.confirming = false
			c.SkipAWS = false
			return nextFrom(s)
		case key.Matches(msg, k.No):
			s.confirming = false
		}
		return nil // the rest do not answer the question (enter is no, the default)
	case key.Matches(msg, k.Enter):
		if !ready {
			return nil
		}
		if aws {
			s.confirming = true
			return nil
		}
		c.SkipAWS = false
		return nextFrom(s)
	case key.Matches(msg, k.SkipAWS) && aws:
		if !ready {
			return nil
		}
		c.SkipAWS = true
		return nextFrom(s)
	}
	{
		var cmd tea.Cmd
		s.vp, cmd = s.vp.Update(msg)
		return cmd
	}
}

func (s *reviewScreen) refresh() {
	c := s.ctx
	st := c.Styles
	w := max(10, c.Width-2)
	var lines []string
	add := func(style func(...string) string, text string) {
		for _, l := range wrap(text, w) {
			lines = append(lines, style(l))
		}
	}
	plain := func(s ...string) string { return strings.Join(s, "") }
	if s.invalid != nil {
		add(st.Error.Render, "Some answers need fixing before anything is written:")
		for _, l := range strings.Split(s.invalid.Error(), "\n") {
			add(st.Error.Render, "  "+l)
		}
		add(st.Subtle.Render, "Press esc to go back to the step concerned.")
		s.vp.SetContentLines(lines)
		return
	}
	lines = append(lines, st.Label.Render("Changes to conf/local.conf and conf/bblayers.conf"))
	switch {
	case s.wsWait:
		add(st.Subtle.Render, "Looking for layers…")
	case s.planErr != nil:
		add(st.Error.Render, "✗ "+s.planErr.Error())
	case s.plan == nil:
		add(st.Subtle.Render, "Rendering…")
	case s.plan.Empty:
		add(st.OK.Render, "Nothing to change: the files already match.")
	default:
		for _, l := range strings.Split(strings.TrimRight(s.plan.Diff, "\n"), "\n") {
			style := plain
			switch {
			case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
				style = st.Label.Render
			case strings.HasPrefix(l, "+"):
				style = st.Added.Render
			case strings.HasPrefix(l, "-"):
				style = st.Removed.Render
			case strings.HasPrefix(l, "@@"):
				style = st.Subtle.Render
			}
			// Long lines are cut, not wrapped: a diff must stay one line per line.
			lines = append(lines, style(ansi.Truncate(l, w, "…")))
		}
	}
	if s.plan != nil {
		for _, w := range s.plan.Warnings {
			add(st.Warn.Render, "! "+w)
		}
		for _, n := range s.plan.Notes {
			add(st.Subtle.Render, "· "+n)
		}
	}
	lines = append(lines, "", st.Label.Render("AWS resources"))
	switch {
	case !c.Project.Greengrass.Enabled:
		add(st.Subtle.Render, "Greengrass is off: nothing to create in AWS.")
	case c.Svc.PlanAWS == nil:
		add(st.Warn.Render, "AWS provisioning is not available in this build.")
	case s.awsWait || s.wsWait || s.validating:
		add(st.Subtle.Render, "Asking AWS what exists already…")
	case s.awsErr != nil && isDeviceTrouble(s.awsErr):
		wrong, instead, _ := app.DeviceAdvice(s.awsErr)
		add(st.Warn.Render, capitalize(wrong))
		add(st.Subtle.Render, "Pick instead: "+instead+": esc goes back to the Greengrass step.")
	case s.awsErr != nil:
		add(st.Warn.Render, "Could not plan the AWS side: "+s.awsErr.Error())
		add(st.Subtle.Render, "Press s to write the conf files without the AWS endpoints and go on to the build; "+
			"`fleetbake provision apply` then `fleetbake generate` fill them once AWS answers.")
	default:
		lines = append(lines, planTable(s.aws, w, st.Header.Render)...)
	}
	if c.Project.Greengrass.Enabled {
		lines = append(lines, s.docLines(w)...)
	}
	s.vp.SetContentLines(lines)
}

// planTable lays out plan rows in aligned columns within width.
func planTable(rows []PlanRow, width int, header func(...string) string) []string {
	cols := [][]string{{"ACTION", "KIND", "NAME", "DETAIL"}}
	for _, r := range rows {
		cols = append(cols, []string{r.Action, r.Kind, r.Name, r.Detail})
	}
	widths := make([]int, 4)
	for _, r := range cols {
		for i, v := range r {
			widths[i] = max(widths[i], ansi.StringWidth(v))
		}
	}
	// A long name (the claim certificate's ID) would push the details off
	// the screen: names longer than those fleetbake derives from a prefix
	// (and than half of what the first two columns leave) are cut.
	if rest := width - widths[0] - widths[1] - 6; widths[2]+widths[3] > rest {
		widths[2] = min(widths[2], max(32, rest/2))
	}
	var out []string
	for i, r := range cols {
		line := ""
		for j, v := range r[:3] {
			line += padRight(ansi.Truncate(v, widths[j], "…"), widths[j]) + "  "
		}
		line = ansi.Truncate(line+r[3], width, "…")
		if i == 0 {
			line = header(strings.TrimRight(line, " "))
		}
		out = append(out, line)
	}
	if len(rows) == 0 {
		out = append(out, "(nothing to do)")
	}
	return out
}

func (s *reviewScreen) View(height int) string {
	c := s.ctx
	s.vp.SetWidth(max(10, c.Width-2))
	s.vp.SetHeight(max(1, height-1))
	what := "enter writes the files"
	if c.Project.Greengrass.Enabled {
		what = "enter: write the files, create in AWS (asks first) · s: files only"
	}
	foot := c.Styles.Subtle.Render(fmt.Sprintf("%d%%  %s", int(s.vp.ScrollPercent()*100), what))
	if s.vp.TotalLineCount() <= s.vp.Height() {
		foot = c.Styles.Subtle.Render(what)
	}
	if s.confirming {
		foot = c.Styles.Warn.Render(ansi.Truncate(s.question(), max(10, c.Width-2), "…"))
	}
	return s.vp.View() + "\n" + foot
}

// question asks before anything is created in AWS, naming the account.
func (s *reviewScreen) question() string {
	c := s.ctx
	where := "the AWS account in use"
	if c.Identity != nil {
		where = "account " + c.Identity.Account
	}
	return fmt.Sprintf("Create the AWS resources in %s, %s? y/N (enter: no)", where, c.Project.Greengrass.Region)
}

// Capturing while the question is asked: every key but ctrl+c answers it
// (esc says no rather than going back).
func (s *reviewScreen) Capturing() bool { return s.confirming }

func (s *reviewScreen) ShortHelp() []key.Binding {
	k := s.ctx.Keys
	if s.confirming {
		return []key.Binding{k.Yes, k.No, k.ForceQuit}
	}
	if s.ctx.Project.Greengrass.Enabled {
		return []key.Binding{k.Move, k.ApplyChanges, k.SkipAWS, k.Back, k.Help, k.Quit}
	}
	return []key.Binding{k.Move, k.ApplyChanges, k.Back, k.Help, k.Quit}
}

func (s *reviewScreen) FullHelp() [][]key.Binding {
	k := s.ctx.Keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown}, {k.ApplyChanges, k.SkipAWS, k.Back}, {k.Help, k.Quit}}
}
