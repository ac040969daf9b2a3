package ui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"fleetbake/app"
)

// buildScreen starts BitBake (or re-attaches to the build already running)
// and follows it: phase, task N of M, elapsed and ETA, running tasks and
// failures with their logs. Leaving does not stop the build.
type buildScreen struct {
	ctx      *Context
	build    Build
	status   BuildStatus
	err      error
	bar      progress.Model
	ended    bool
	stopping bool
	// lastAt is when the last snapshot was read; gen names the one build
	// being followed and its one pending wait (a retry follows a new build:
	// what the old wait brings is dropped).
	lastAt time.Time
	gen    int
	// barKey and barView are the last bar drawn: the bar is one styled cell
	// per filled column (a colour blend), 70% of a frame's cost when drawn
	// each time, and its look only changes when a column fills.
	barKey  [2]int // width, filled columns
	barView string
}

// buildFrame is the shortest time between two snapshots the Build screen
// reads, so between two of its redraws: a build logging 2,000 lines a second
// changes the counts far more often than anyone reads them, and each redraw
// costs a View and a diff of the screen. Four redraws a second still move
// the counts and the bar smoothly; app's follower reads the log at the same
// pace, so that a snapshot is there when the screen wants one and the
// process wakes once per frame. A variable so that tests can check the pace.
var buildFrame = app.BuildUpdateInterval

type (
	buildStartedMsg struct {
		build Build
		err   error
	}
	buildStatusMsg struct {
		status BuildStatus
		ok     bool      // false: the updates channel closed, the build ended
		at     time.Time // when it was read
		gen    int
	}
	buildTickMsg struct{ gen int }
)

func newBuildScreen(c *Context) *buildScreen {
	return &buildScreen{ctx: c, bar: progress.New(progress.WithoutPercentage(), progress.WithDefaultBlend(), progress.WithFillCharacters('█', '░'))}
}

func (s *buildScreen) Enter() tea.Cmd {
	if s.build != nil {
		return nil
	}
	start := s.ctx.Svc.StartBuild
	if start == nil {
		s.err = errUnavailable
		return nil
	}
	p := cloneProject(s.ctx.Project)
	return func() tea.Msg {
		b, err := start(p)
		return buildStartedMsg{build: b, err: err}
	}
}

func (s *buildScreen) follow(b Build) tea.Cmd {
	s.build, s.ended, s.err, s.lastAt = b, false, nil, time.Time{}
	s.gen++
	return s.wait()
}

// wait is the screen's one pending command while it follows a build: the
// next snapshot, taken at once when it comes about buildFrame or more after
// the last one (app's follower sends at that pace), else not before then,
// and then the newest (the build's channel keeps only the newest, app.followBuild:
// the screen skips what it had no time to show and never falls behind).
// When no snapshot comes before the elapsed time turns to its next second
// (a quiet log), it returns a tick instead to redraw the clock: one timer
// for both, no ticker beside it.
func (s *buildScreen) wait() tea.Cmd {
	ch, last, gen, started := s.build.Updates(), s.lastAt, s.gen, s.status.Started
	return func() tea.Msg {
		next := time.Second
		if !started.IsZero() {
			next -= time.Since(started) % time.Second
		}
		clock := time.NewTimer(next)
		defer clock.Stop()
		var st BuildStatus
		var ok bool
		select {
		case st, ok = <-ch:
		case <-clock.C:
			return buildTickMsg{gen: gen}
		}
		// A snapshot up to a fifth of a frame early is taken as it is: the
		// follower's own pace, give or take its timer, costs no second
		// wake-up to sleep the difference.
		if early := time.Until(last.Add(buildFrame)); ok && !st.Finished && !last.IsZero() && early > buildFrame/5 {
			time.Sleep(early)
			select {
			case newer, open := <-ch:
				if open {
					st = newer
				}
			default:
			}
		}
		return buildStatusMsg{status: st, ok: ok, at: time.Now(), gen: gen}
	}
}

func (s *buildScreen) Update(msg tea.Msg) tea.Cmd {
	k := s.ctx.Keys
	switch msg := msg.(type) {
	case attachMsg:
		if msg.build != nil {
			return s.follow(msg.build)
		}
	case buildStartedMsg:
		if msg.err != nil {
			s.err = msg.err
			return nil
		}
		return s.follow(msg.build)
	case buildStatusMsg:
		if msg.gen != s.gen || s.build == nil {
			return nil // from a build followed before a retry
		}
		if !msg.ok {
			s.ended = true
			return nil
		}
		s.status, s.lastAt = msg.status, msg.at
		if s.status.Finished {
			s.ended = true
			return nil
		}
		return s.wait()
	case buildTickMsg:
		if s.ended || s.build == nil || msg.gen != s.gen {
			return nil
		}
		return s.wait()
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Detach):
			if s.build != nil && !s.ended {
				s.build.Detach()
				return func() tea.Msg { return quitMsg{farewell: s.farewell()} }
			}
			if s.ended && s.status.Phase != "done" && s.status.Finished {
				return func() tea.Msg { return quitMsg{farewell: s.failedFarewell()} }
			}
			return func() tea.Msg { return quitMsg{} }
		case key.Matches(msg, k.CancelBuild) && s.build != nil && !s.ended && !s.stopping:
			s.stopping = true
			b := s.build
			return func() tea.Msg { b.Cancel(); return nil }
		case key.Matches(msg, k.Rebuild) && (s.ended || s.err != nil):
			s.build, s.status, s.stopping = nil, BuildStatus{}, false
			return s.Enter()
		case key.Matches(msg, k.Back) && (s.build == nil || s.ended):
			return back
		}
	}
	return nil
}

func (s *buildScreen) farewell() string {
	hint := "run fleetbake again in this folder to follow it"
	if s.build != nil && s.build.ReattachHint() != "" {
		hint = s.build.ReattachHint()
	}
	msg := "The build keeps running: " + hint + "."
	if s.status.Log != "" {
		msg += "\nLog: " + s.status.Log
	}
	return msg
}

func (s *buildScreen) View(height int) string {
	c := s.ctx
	st := c.Styles
	w := max(10, c.Width-2)
	var lines []string
	if s.err != nil {
		for _, l := range wrap("✗ could not start the build: "+s.err.Error(), w) {
			lines = append(lines, st.Error.Render(l))
		}
		lines = append(lines, st.Subtle.Render("Press r to try again, esc to go back."))
		return strings.Join(lines, "\n")
	}
	if s.build == nil {
		return st.Subtle.Render("Starting BitBake…")
	}
	b := s.status
	phase := b.Phase
	if phase == "" {
		phase = "starting"
	}
	if s.stopping && !s.ended {
		phase += " (stopping: running tasks finish first)"
	}
	lines = append(lines, st.Label.Render(phase)+st.Subtle.Render("  "+c.Project.Image+" for "+c.Project.Machine))
	elapsed := b.Elapsed.Truncate(time.Second)
	if !b.Started.IsZero() && !s.ended {
		elapsed = c.Now().Sub(b.Started).Truncate(time.Second)
	}
	counts := fmt.Sprintf("task %d of %d", b.Done, b.Total)
	pct := 0.0
	switch {
	case b.Total > 0:
		pct = float64(b.Done) / float64(b.Total)
	case b.ParsePercent >= 0 && !s.ended && (b.Phase == "Parsing recipes" || b.Phase == "Loading cache"):
		// "Parsing recipes 45%": BitBake's own count, from its event log.
		counts = fmt.Sprintf("%s %d%%", strings.ToLower(b.Phase), b.ParsePercent)
		pct = float64(b.ParsePercent) / 100
	default:
		counts = "tasks not counted yet"
	}
	timing := "elapsed " + elapsed.String()
	if !s.ended && b.Total > 0 && b.Done > 0 && b.Done < b.Total && elapsed > 0 {
		eta := b.ETA
		if eta == 0 {
			eta = time.Duration(float64(elapsed) / float64(b.Done) * float64(b.Total-b.Done))
		}
		timing += "  ETA " + eta.Truncate(time.Second).String()
	}
	barW := max(10, w-ansi.StringWidth(counts)-2)
	lines = append(lines, s.barOf(barW, pct)+"  "+counts, st.Subtle.Render(timing), "")
	var end []string
	if s.ended {
		end = append(end, "")
		switch {
		case b.ExitCode == 0 && len(b.Failures) == 0:
			end = append(end, st.OK.Render("Build finished."))
		case b.Phase == "stopped":
			end = append(end, st.Error.Render(fmt.Sprintf("Build stopped (exit code %d). Press r to build again.", b.ExitCode)))
		default:
			why := "Fix what the errors above say, then press r to build again."
			if len(b.Errors)+len(b.Failures) == 0 {
				why = "BitBake printed no error: see the console log, then press r to build again."
			}
			for _, l := range wrap(fmt.Sprintf("Build failed (exit code %d). %s", b.ExitCode, why), w) {
				end = append(end, st.Error.Render(l))
			}
		}
		if b.Log != "" {
			end = append(end, labelledPath(st.Subtle.Render, "console log: ", b.Log, w)...)
		}
	}
	fails := s.failureLines(w)
	if len(b.Running) > 0 {
		lines = append(lines, st.Label.Render(fmt.Sprintf("Running (%d)", len(b.Running))))
		maxRun := max(1, height-len(lines)-3-len(fails))
		for i, t := range b.Running {
			if i == maxRun {
				lines = append(lines, st.Subtle.Render(fmt.Sprintf("  … and %d more", len(b.Running)-maxRun)))
				break
			}
			lines = append(lines, "  "+ansi.Truncate(t, w-2, "…"))
		}
	}
	// The failed tasks and the ending stay whole; the errors take the room
	// left, the first ones first (BitBake's first error is usually the cause).
	lines = append(lines, fails...)
	room := height - len(lines) - len(end)
	lines = append(lines, fitLines(s.errorLines(w), room, func(left int) string {
		return st.Subtle.Render(fmt.Sprintf("  … %d more lines: the console log has them all", left))
	})...)
	lines = append(lines, end...)
	if len(lines) > height {
		lines = lines[:height]
	}
	return strings.Join(lines, "\n")
}

// barOf is the progress bar w columns wide at pct, drawn again only when
// the width or the number of filled columns changes (the filled width is
// progress.Model's own: round(w*pct), clamped).
func (s *buildScreen) barOf(w int, pct float64) string {
	key := [2]int{w, min(w, max(0, int(math.Round(float64(w)*pct))))}
	if s.barView == "" || key != s.barKey {
		s.bar.SetWidth(w)
		s.barKey, s.barView = key, s.bar.ViewAs(pct)
	}
	return s.barView
}

func (s *buildScreen) Capturing() bool { return false }

func (s *buildScreen) ShortHelp() []key.Binding {
	k := s.ctx.Keys
	if s.build != nil && !s.ended {
		return []key.Binding{k.Detach, k.CancelBuild}
	}
	return []key.Binding{k.Rebuild, k.Back, k.Quit}
}

func (s *buildScreen) FullHelp() [][]key.Binding {
	k := s.ctx.Keys
	return [][]key.Binding{{k.Detach, k.CancelBuild}, {k.Rebuild, k.Back, k.Quit}}
}
