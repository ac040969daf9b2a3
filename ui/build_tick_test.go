package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"fleetbake/model"
)

// TestBuildRetryKeepsOneTicker: r after a build ended follows the new build
// with its own wait (snapshots and the elapsed-time clock); what the first
// build's wait still brings (its clock tick, its channel closing, a late
// snapshot) is dropped: it neither ends the new build nor arms a second wait
// beside the new one's (two redraws a second, one more chain per retry).
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
	first := s.gen
	drive(t, m, statusOf(m, BuildStatus{Phase: "failed", Finished: true, ExitCode: 1, Started: buildStarted}))
	drive(t, m, press("r")...)
	if started != 2 || s.build != Build(builds[1]) || s.ended {
		t.Fatalf("r after the build ended: %d builds started, following the second: %v", started, s.build == Build(builds[1]))
	}
	for _, msg := range []tea.Msg{
		buildTickMsg{gen: first},
		buildStatusMsg{gen: first, ok: true, status: BuildStatus{Phase: "failed", Finished: true, ExitCode: 1}},
		buildStatusMsg{gen: first, ok: false},
	} {
		if cmd := s.Update(msg); cmd != nil {
			t.Errorf("the first build's %T re-armed a wait beside the new build's", msg)
		}
	}
	if s.ended || s.status.Phase != "" {
		t.Errorf("the first build's last messages ended the new one: ended %v, phase %q", s.ended, s.status.Phase)
	}
	if cmd := s.Update(buildTickMsg{gen: s.gen}); cmd == nil {
		t.Error("the new build's tick did not re-arm its wait: the elapsed time stops")
	}
}
