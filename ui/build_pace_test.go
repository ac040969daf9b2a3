package ui

import (
	"context"
	"testing"
	"time"

	"fleetbake/model"
)

// TestBuildScreenReadsAtItsOwnPace: following a build whose snapshots come
// faster than anyone reads (a log at thousands of lines a second), the Build
// screen takes the newest a few times a second (buildFrame), rather than
// redrawing for each one; and it keeps following.
func TestBuildScreenReadsAtItsOwnPace(t *testing.T) {
	svc := fakeServices()
	b := &fakeBuild{ch: make(chan BuildStatus, 1)} // newest only, as app.followBuild
	svc.StartBuild = func(*model.Project) (Build, error) { return b, nil }
	m := at(t, StepBuild, svc)
	s := m.screens[StepBuild].(*buildScreen)
	if s.build == nil {
		t.Fatal("the build screen did not start the build")
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		// Started once the screen is shown (drive would follow it forever):
		// snapshots as fast as a fast log makes them: the newest replaces
		// the one not read yet.
		for done := 1; ctx.Err() == nil; done++ {
			st := BuildStatus{Phase: "running tasks", Done: done, Total: 1 << 30, Started: buildStarted}
			select {
			case b.ch <- st:
			default:
				select {
				case <-b.ch:
				default:
				}
			}
			time.Sleep(50 * time.Microsecond)
		}
	}()

	const window = time.Second
	reads, first, last := 0, 0, 0
	start := time.Now()
	for time.Since(start) < window {
		msg := s.wait()()
		s.Update(msg)
		reads++
		if first == 0 {
			first = s.status.Done
		}
		last = s.status.Done
	}
	// One read at once, then one per buildFrame, 4 a second (sleeps only
	// lengthen): 6 leaves room for one more.
	if most := 6; reads > most {
		t.Errorf("%d snapshots read in %v: the screen redraws for each one; want at most %d", reads, window, most)
	}
	if reads < 2 || last-first < 100 {
		t.Errorf("%d snapshots read, tasks %d to %d: the screen stopped following", reads, first, last)
	}
}
