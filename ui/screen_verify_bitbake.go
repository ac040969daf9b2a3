package ui

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"fleetbake/model"
)

// The Verify step's first-boot check with real BitBake (`verify --bitbake`):
// opt-in on b, after a y/N that says how long it may take. BitBake parses
// the build folder's configuration in a command while the report stays in
// view with the time spent; esc stops it (the query's context is cancelled,
// and engine.QueryBitBake kills BitBake's process group). Its three checks
// then take the place of the conf-only first-boot lines.

// bitbakeRun is the state of the BitBake check on the Verify screen.
type bitbakeRun struct {
	key, stop  key.Binding
	confirming bool
	running    bool
	run        int // the answer of a stopped or older run is dropped
	cancel     context.CancelFunc
	start      time.Time
	elapsed    time.Duration
	err        error // it could not run, or was stopped
	done       bool  // its checks are in the report
}

// bitbakeWarning is the question before the BitBake check; the plain
// prompts ask the same.
const bitbakeWarning = "The BitBake check parses the build folder's configuration with real BitBake to read what the image " +
	"will have at first boot (time sync, claim files, serial). A cold parse takes 5 to 20 minutes, a cached one " +
	"a minute or more; nothing is built. Run it?"

// bitbakeDoneMsg carries the first-boot checks BitBake answered.
type bitbakeDoneMsg struct {
	run int
	rep *VerifyReport
	err error
}

func (b *bitbakeRun) reset() {
	if b.cancel != nil {
		b.cancel()
	}
	b.stop = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop BitBake"))
	b.run++
	b.confirming, b.running, b.cancel, b.err, b.done, b.elapsed = false, false, nil, nil, false, 0
}

// bitbakeOffered: a report is shown and verify can run.
func (s *verifyScreen) bitbakeOffered() bool {
	return s.ctx.Svc.Verify != nil && s.ctx.Project.Greengrass.Enabled && s.rep != nil && !s.running
}

// bitbakeKey answers the y/N, or esc while BitBake runs.
func (s *verifyScreen) bitbakeKey(msg tea.KeyPressMsg) tea.Cmd {
	b := &s.bb
	if b.running {
		if key.Matches(msg, b.stop) {
			b.cancel()
			b.running, b.cancel = false, nil
			b.run++ // its answer, an error of its own, is dropped
			b.err = fmt.Errorf("stopped after %s: the first-boot lines are local.conf's", b.elapsed.Round(time.Second))
		}
		return nil
	}
	b.confirming = false
	if !key.Matches(msg, s.ctx.Keys.Yes) {
		return nil
	}
	return s.startBitBake()
}

// startBitBake runs the first-boot checks with BitBake in a command.
func (s *verifyScreen) startBitBake() tea.Cmd {
	b, c := &s.bb, s.ctx
	b.run++
	ctx, cancel := context.WithCancel(c.Ctx)
	b.running, b.cancel, b.err, b.start, b.elapsed = true, cancel, nil, c.Now(), 0
	run, p, verify, req := b.run, cloneProject(c.Project), c.Svc.Verify, VerifyRequest{NoAWS: s.noAWS(), BitBake: true}
	return tea.Batch(func() tea.Msg {
		defer cancel()
		rep, err := verify(ctx, p, req)
		return bitbakeDoneMsg{run: run, rep: rep, err: err}
	}, s.spin.Tick)
}

func (s *verifyScreen) bitbakeDone(msg bitbakeDoneMsg) {
	b := &s.bb
	if msg.run != b.run || s.rep == nil {
		return
	}
	b.running, b.cancel = false, nil
	if msg.err != nil {
		b.err = msg.err
		return
	}
	s.rep.Replace(msg.rep)
	b.done = true
}

// bitbakeLines are the BitBake check's question, progress or outcome,
// below the report.
func (s *verifyScreen) bitbakeLines(w int) []string {
	b, st := &s.bb, s.ctx.Styles
	var lines []string
	switch {
	case b.confirming:
		lines = append(lines, "")
		for _, l := range wrap(bitbakeWarning+" y/N", w) {
			lines = append(lines, st.Warn.Render(l))
		}
	case b.running:
		lines = append(lines, "", s.spin.View()+fmt.Sprintf(" BitBake is parsing the configuration for the first-boot checks… %s (esc stops it)", b.elapsed.Round(time.Second)))
	case b.err != nil:
		for _, l := range wrap("BitBake check: "+model.PrintableLines(b.err.Error()), w) {
			lines = append(lines, st.Warn.Render(l))
		}
	case b.done:
		lines = append(lines, st.Subtle.Render("The first-boot lines are BitBake's (time sync, claim files in image, device serial)."))
	}
	return lines
}
