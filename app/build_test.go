package app

import (
	"testing"

	"fleetbake/engine"
)

// buildStatus says "done" only for a build that exited 0, "stopped" for one
// a user stopped, "failed" otherwise, and carries the parse percentage and
// the ERROR messages to every front end.
func TestBuildStatusOutcomeAndParse(t *testing.T) {
	st := &engine.State{LogPath: "/b/fleetbake-build.log"}
	code := func(c int) *int { return &c }
	cases := []struct {
		name  string
		p     engine.Progress
		phase string
		pct   int
	}{
		{"success", engine.Progress{Phase: engine.PhaseDone, ExitCode: code(0)}, "done", -1},
		{"failed task", engine.Progress{Phase: engine.PhaseDone, ExitCode: code(1), Failures: []engine.Failure{{Task: "/l/x_1.0.bb:do_compile"}}}, "failed", -1},
		{"parse error", engine.Progress{Phase: engine.PhaseParsing, ExitCode: code(1), Step: "Parsing recipes", Parsed: 3, ParseTotal: 5}, "failed", -1},
		{"stopped", engine.Progress{Phase: engine.PhaseDone, ExitCode: code(1), Interrupted: 1}, "stopped", -1},
		// BitBake printed its Tasks Summary and has not exited yet: the
		// outcome is not known, so not "done".
		{"summary, not exited", engine.Progress{Phase: engine.PhaseDone, Done: 1, Total: 2, Failures: []engine.Failure{{Task: "/l/x_1.0.bb:do_compile"}}}, "finishing", -1},
		{"parsing", engine.Progress{Phase: engine.PhaseParsing, Step: "Parsing recipes", Parsed: 3, ParseTotal: 5}, "Parsing recipes", 60},
		{"loading cache", engine.Progress{Phase: engine.PhaseParsing, Step: "Loading cache", CacheLoaded: 1202, CacheTotal: 4417}, "Loading cache", 27},
	}
	for _, c := range cases {
		// What the engine does to an ended build before anyone sees it.
		if c.p.ExitCode != nil {
			c.p.Step = ""
		}
		s := buildStatus(st, c.p)
		if s.Phase != c.phase || s.ParsePercent != c.pct {
			t.Errorf("%s: phase %q %d%%, want %q %d%%", c.name, s.Phase, s.ParsePercent, c.phase, c.pct)
		}
	}
	p := engine.Progress{Phase: engine.PhaseDone, ExitCode: code(1), ErrorMessages: []engine.ErrorMessage{{Text: "ExpansionError during parsing /l/x.bb", Context: []string{"The variable dependency chain for the failure is: BROKEN"}}}}
	s := buildStatus(st, p)
	if len(s.Errors) != 1 || s.Errors[0].Text != "ExpansionError during parsing /l/x.bb" || len(s.Errors[0].Context) != 1 {
		t.Errorf("errors %+v", s.Errors)
	}
}
