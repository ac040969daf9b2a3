package cli

// How a build's outcome is printed: the phase line, BitBake's ERROR messages
// with the lines that explain them, and the failed tasks with their logs.

import (
	"fmt"
	"io"

	"fleetbake/app"
	"fleetbake/model"
)

// phaseText says where a build is: "parsing (Parsing recipes 45%)",
// "running, 120 of 4321 tasks", and once it ended "done", "stopped" or
// "failed" (app.BuildProgress.Outcome), never "done" for a failed build.
func phaseText(p app.BuildProgress) string {
	name := p.Phase.String()
	if o := p.Outcome(); o != "" {
		name = o
	} else if p.Phase == app.PhaseDone {
		// BitBake printed its Tasks Summary but has not exited: whether
		// the build is done, failed or stopped is known only then.
		name = "finishing"
	}
	switch p.Phase {
	case app.PhaseSetscene:
		return fmt.Sprintf("setscene, %d of %d tasks from sstate", p.SetsceneDone, p.SetsceneTotal)
	case app.PhaseRunning, app.PhaseDone:
		if p.Total > 0 {
			return fmt.Sprintf("%s, %d of %d tasks", name, p.Done, p.Total)
		}
	}
	if p.Step != "" {
		if pct := p.StepPercent(); pct >= 0 {
			return fmt.Sprintf("%s (%s %d%%)", name, p.Step, pct)
		}
		return fmt.Sprintf("%s (%s)", name, p.Step)
	}
	return name
}

// printErrorMessage prints one ERROR message as BitBake did, with the lines
// that explain it, so that it reads the same as BitBake's own output.
// Both come from the log, that is from what recipes print: escape
// sequences are made printable so they cannot act on the terminal.
func printErrorMessage(w io.Writer, m app.BuildErrorMessage) {
	fmt.Fprintf(w, "ERROR: %s\n", model.Printable(m.Text))
	for _, l := range m.Context {
		fmt.Fprintln(w, model.Printable(l))
	}
}

// printFailure prints a failed task and its log, the log path alone after
// "log: " on its line, never shortened: it is what people copy.
func printFailure(w io.Writer, indent string, f app.TaskFailure) {
	fmt.Fprintf(w, "%s%s\n%s  log: %s\n", indent, model.Printable(f.Task), indent, orNone(model.Printable(f.LogFile)))
}

func orNone(s string) string {
	if s == "" {
		return "(none printed)"
	}
	return s
}
