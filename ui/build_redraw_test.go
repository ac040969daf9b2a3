package ui

import (
	"context"
	"fmt"
	"io"
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

// TestBuildScreenRedrawsAFewTimesASecond: in a real Bubble Tea program
// following a build whose log grows at 2,000 lines a second (a snapshot
// every half millisecond, the newest replacing the one not read yet, as
// app.followBuild does), the Build screen is handed a few messages a second
// (each is an Update and a View: a redraw), not one per snapshot; and when
// the log stops, it shows the newest counts and running tasks within its
// refresh interval. (With buildFrame 0, the screen redraws for each
// snapshot: over a thousand messages a second, and it fails.)
//
// Only the Build screen's own messages are counted: the wizard's start
// (discovery, the plans, the docs) answers in the background, and on a
// loaded machine those four answers came after the screen showed, inside
// the window, and took the count from 8 to 12 (the bound) and over.
func TestBuildScreenRedrawsAFewTimesASecond(t *testing.T) {
	svc := fakeServices()
	b := &fakeBuild{ch: make(chan BuildStatus, 1)}
	svc.AttachBuild = func(*model.Project) (Build, error) { return b, nil }
	m := New(Options{Services: svc, Project: answered(t), Existing: true, Now: time.Now, NoColor: true, Dark: true})
	var n atomic.Int64
	tm := teatest.NewTestModel(t, buildCounted{m, &n}, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(func() {
		stop()
		tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
		_ = m.Close()
	})
	go io.Copy(io.Discard, tm.Output())
	f := &flow{t: t, tm: tm, m: m}

	started := time.Now()
	status := func(done int, running ...string) BuildStatus {
		return BuildStatus{Phase: "running tasks", Done: done, Total: 1 << 20, Started: started, Running: running}
	}
	send := func(st BuildStatus) { // the newest replaces the one not read yet
		for {
			select {
			case b.ch <- st:
				return
			default:
				select {
				case <-b.ch:
				default:
				}
			}
		}
	}
	fed := make(chan int)
	go func() {
		done := 0
		for ctx.Err() == nil {
			done++
			send(status(done, fmt.Sprintf("recipe-%d do_compile", done)))
			time.Sleep(500 * time.Microsecond)
		}
		fed <- done
	}()
	f.waitFor("the Build screen following", func(m *Model, screen string) bool {
		return m.Step() == StepBuild && strings.Contains(screen, "do_compile")
	})
	before, opened := n.Load(), time.Now()
	time.Sleep(2 * time.Second)
	got, window := n.Load()-before, time.Since(opened) // a descheduled test sleeps longer
	stop()
	last := <-fed

	// A few redraws a second: snapshots at most one per 4/5 of buildFrame
	// (buildScreen.wait takes one up to a fifth of a frame early), 5 a
	// second, one more at the window's edge; and a clock tick at most once
	// a second (when the elapsed time turns before a snapshot came).
	// (The pace asked for, app's, not buildFrame: with buildFrame 0 the
	// bound stays and the count goes over.)
	reads := int64(window / (app.BuildUpdateInterval * 4 / 5))
	ticks := int64(window/time.Second) + 1
	if most := reads + 1 + ticks; got > most {
		t.Errorf("%d messages in %v following %d snapshots: the screen redraws for each one; want at most %d", got, window, last, most)
	}
	if got < 2 {
		t.Errorf("%d messages in %v: the screen stopped following", got, window)
	}

	final := status(last+1, "newest-recipe do_install", "other-recipe do_package")
	send(final)
	sent := time.Now()
	want := []string{fmt.Sprintf("task %d of %d", final.Done, final.Total), "newest-recipe do_install", "other-recipe do_package"}
	var screen string
	for {
		var shown bool
		f.probe(func(m *Model) {
			screen = ansi.Strip(m.Render())
			shown = true
			for _, w := range want {
				shown = shown && strings.Contains(screen, w)
			}
		})
		if shown {
			break
		}
		// Generous for a loaded machine; a screen that waited for the
		// next snapshot or the clock would not show it at all.
		if time.Since(sent) > buildFrame+2*time.Second {
			t.Fatalf("%v after the last snapshot the screen does not show %q:\n%s", time.Since(sent), want, screen)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// buildCounted counts the messages of the Build screen's one wait (a
// snapshot or a clock tick) that the program hands the model, and answers
// probes.
type buildCounted struct {
	*Model
	n *atomic.Int64
}

func (c buildCounted) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case probeMsg:
		msg.fn(c.Model)
		close(msg.done)
		return c, nil
	case buildStatusMsg, buildTickMsg:
		c.n.Add(1)
	}
	_, cmd := c.Model.Update(msg)
	return c, cmd
}
