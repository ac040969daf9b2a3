package ui

import (
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"fleetbake/app"
	"fleetbake/model"
)

// counted is the root model with a count of the messages it was handed,
// probes (see probed) aside.
type counted struct {
	*Model
	n *atomic.Int64
}

func (c counted) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if pm, ok := msg.(probeMsg); ok {
		pm.fn(c.Model)
		close(pm.done)
		return c, nil
	}
	c.n.Add(1)
	_, cmd := c.Model.Update(msg)
	return c, cmd
}

// TestIdleScreensGetNoMessages: once a screen has settled and nothing
// changes on it, the UI is handed no message at all: no cursor blink in the
// focused text fields (bubbles' textinput blinks by default, every 530 ms),
// no spinner or tick left running. Each message is an Update and a View;
// a ticker would keep the process busy while it waits for the user (issue
// 12). Checked on the first screen (a text field has focus) and in the
// machine filter (its field has focus), in a real Bubble Tea program. (With
// the cursor set to blink and the first screen handing its field every
// message, it fails: 3 messages in 1.5 s.)
func TestIdleScreensGetNoMessages(t *testing.T) {
	dir, fake := newWorkspace(t)
	svc := Real(RealOptions{AWS: app.AWSOptions{EndpointURL: fake.URL}})
	m := New(Options{Services: svc, Project: app.NewProject(filepath.Join(dir, model.DefaultFile)),
		Now: func() time.Time { return fixedNow }, NoColor: true, Dark: true})
	var n atomic.Int64
	tm := teatest.NewTestModel(t, counted{m, &n}, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	t.Cleanup(func() {
		tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	go io.Copy(io.Discard, tm.Output())
	f := &flow{t: t, tm: tm, m: m, dir: dir, aws: fake}

	idle := func(where string) {
		t.Helper()
		time.Sleep(300 * time.Millisecond) // the answers of the last key (a save)
		before := n.Load()
		time.Sleep(1500 * time.Millisecond)
		if got := n.Load() - before; got > 0 {
			var screen string
			f.probe(func(m *Model) { screen = ansi.Strip(m.Render()) })
			t.Errorf("%s: %d messages in 1.5 s with nothing to change on screen:\n%s", where, got, screen)
		}
	}
	f.waitFor("the settled first screen", func(m *Model, screen string) bool {
		return m.discovered && m.ctx.Identity != nil && m.Step() == StepWorkspace
	})
	idle("first screen")
	f.keys("enter enter")
	f.waitStep(StepMachine)
	// The workspace answers' save (fsyncs) is one more message, and on a
	// busy disk it can land after idle's pause: wait for it.
	f.waitFor("the workspace answers saved", func(m *Model, _ string) bool { return strings.HasPrefix(m.status, "saved ") })
	f.keys("/ type:qemu")
	f.waitText("/qemu")
	idle("machine filter")
}
