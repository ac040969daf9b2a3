package ui

import (
	"fmt"
	"testing"
	"time"

	"fleetbake/model"
	"fleetbake/ui/styles"
)

// BenchmarkBuildScreenFrame is the UI's own part of one Build screen frame
// while a build runs (Update with a new snapshot, then the frame's Render;
// Bubble Tea's diff and write not included): what each of the screen's few
// redraws a second costs, in bench/ui.sh's "Build screen" figure.
func BenchmarkBuildScreenFrame(b *testing.B) {
	t := &testing.T{}
	svc := fakeServices()
	fb := newFakeBuild()
	svc.StartBuild = func(*model.Project) (Build, error) { return fb, nil }
	m := at(t, StepBuild, svc)
	m.ctx.Styles = styles.New(true, false) // in color, as on a terminal
	m.ctx.StylesGen++
	s := m.screens[StepBuild].(*buildScreen)
	running := make([]string, 8)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		for j := range running {
			running[j] = fmt.Sprintf("recipe-%d do_compile", i*8+j)
		}
		st := BuildStatus{Phase: "running tasks", Done: 1000 + i, Total: 4077, Started: buildStarted,
			Elapsed: time.Minute, Running: running, Log: "/src/build/fleetbake-build.log"}
		s.Update(statusOf(m, st))
		_ = m.Render()
	}
}
