package ui

import (
	"testing"

	"fleetbake/model"
)

// TestBuildRetryKeepsOneTicker: r after a build ended follows the new build
// with a new chain of elapsed-time ticks; the tick still pending from the
// first build ends its chain rather than running beside the new one (two
// redraws a second, and one more chain after each retry).
func TestBuildRetryKeepsOneTicker(t *testing.T) {
	svc := fakeServices()
	builds := []*fakeBuild{newFakeBuild(), newFakeBuild()}
	started := 0
	svc.StartBuild = func(*model.Project) (Build, error) {
		b := builds[min(started, len(builds)-1)]
		started++
		return b, nil
	}
	m := at(t, StepBuild, svc)
	s := m.screens[StepBuild].(*buildScreen)
	oldTick := s.tick() // the first build's chain, as follow armed it
	drive(t, m, buildStatusMsg{status: BuildStatus{Phase: "failed", Finished: true, ExitCode: 1, Started: buildStarted}, ok: true})
	drive(t, m, press("r")...)
	if started != 2 || s.build != Build(builds[1]) || s.ended {
		t.Fatalf("r after the build ended: %d builds started, following the second: %v", started, s.build == Build(builds[1]))
	}
	if cmd := s.Update(oldTick()); cmd != nil {
		t.Error("the first build's tick re-armed itself beside the new build's: two tickers")
	}
	if cmd := s.Update(s.tick()()); cmd == nil {
		t.Error("the new build's tick did not re-arm: the elapsed time stops")
	}
}
