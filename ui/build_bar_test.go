package ui

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/bubbles/v2/progress"
	"github.com/charmbracelet/x/ansi"

	"fleetbake/model"
)

// TestBuildBarRedrawnWhenItChanges: the Build screen keeps its progress bar
// between frames, yet the bar on screen is always the one progress draws for
// the counts and width of that frame: after counts that fill a column, counts
// that do not, and a resize.
func TestBuildBarRedrawnWhenItChanges(t *testing.T) {
	svc := fakeServices()
	b := newFakeBuild()
	svc.StartBuild = func(*model.Project) (Build, error) { return b, nil }
	m := at(t, StepBuild, svc)
	fresh := progress.New(progress.WithoutPercentage(), progress.WithDefaultBlend(), progress.WithFillCharacters('█', '░'))
	for _, c := range []struct{ done, total, w int }{
		{10, 100, 80}, {60, 100, 80}, {61, 100, 80}, {61, 100, 120}, {100, 100, 120}, {0, 100, 60},
	} {
		resize(t, m, c.w, 24)
		drive(t, m, statusOf(m, BuildStatus{Phase: "running tasks", Done: c.done, Total: c.total, Started: buildStarted}))
		counts := fmt.Sprintf("task %d of %d", c.done, c.total)
		var got string
		for _, l := range strings.Split(ansi.Strip(m.Render()), "\n") {
			if strings.HasSuffix(l, counts) {
				got = strings.TrimSuffix(strings.TrimSpace(l), "  "+counts)
			}
		}
		// The screen's bar: the width left of the counts (buildScreen.View).
		fresh.SetWidth(max(10, c.w-2-ansi.StringWidth(counts)-2))
		if want := ansi.Strip(fresh.ViewAs(float64(c.done) / float64(c.total))); got != want {
			t.Errorf("%d of %d at width %d: bar\n%q, want\n%q", c.done, c.total, c.w, got, want)
		}
	}
}
