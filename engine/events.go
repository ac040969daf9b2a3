// Package engine runs BitBake for fleetbake and follows it: host checks
// (doctor, preflight), a launcher that starts bitbake in its own session with
// a supervisor that records the exit code, a state file any later fleetbake
// finds, a parser of BitBake's plain-text output, and a follower that turns a
// growing log into coalesced progress snapshots for the CLI and the UI.
package engine

// EventKind says what one line of BitBake output meant.
type EventKind uint8

// Event kinds, in roughly the order a build prints them.
const (
	EvNone EventKind = iota
	// EvProgressStart: a non-interactive progress line began ("Parsing recipes...",
	// "Loading cache...", "Initialising tasks...", "Checking sstate mirror object availability...").
	// Text holds the name without the dots.
	EvProgressStart
	// EvProgressDone: "...done." closed the progress line named in Text.
	EvProgressDone
	// EvParseComplete: "Parsing of N .bb files complete ..."; N is the recipe count.
	EvParseComplete
	// EvExecuting: "NOTE: Executing SetScene Tasks" (Setscene) or "NOTE: Executing Tasks".
	EvExecuting
	// EvTaskRunning: "NOTE: Running [setscene |noexec ]task N of M (file:do_task)".
	EvTaskRunning
	// EvTaskStarted, EvTaskSucceeded, EvTaskFailed: "NOTE: recipe PF: task do_x: Started|Succeeded|Failed".
	// EvTaskFailed is also "ERROR: Task (file:do_x) failed with exit code 'N'" (Task set, ExitCode N).
	EvTaskStarted
	EvTaskSucceeded
	EvTaskFailed
	// EvLogFile: "ERROR: Logfile of failure stored in: PATH".
	EvLogFile
	// EvSstate: "Sstate summary: ..." (Text is the whole line).
	EvSstate
	// EvTasksSummary: "NOTE: Tasks Summary: Attempted N tasks of which S didn't need to be rerun and ...";
	// N attempted, M skipped (didn't need rerun), Failed count.
	EvTasksSummary
	// EvSummaryTask: an indented task under "Summary: N task(s) failed:" (Task), or its "log: PATH" (LogFile).
	EvSummaryTask
	// EvWarning and EvError: a WARNING:/ERROR: line (Text is the message without the level).
	EvWarning
	EvError
	// EvInterrupted: "Keyboard Interrupt, closing down..." (N=1) or "Second Keyboard Interrupt, stopping..." (N=2).
	EvInterrupted
	// EvMessageCount: "Summary: There were N WARNING|ERROR messages" (Text "WARNING" or "ERROR", N).
	EvMessageCount
	// EvSetsceneDone: "NOTE: Setscene tasks completed" or "NOTE: No setscene tasks".
	EvSetsceneDone
	// EvStarted: fleetbake's supervisor line "fleetbake: started ..." at the top of the log.
	EvStarted
	// EvExit: fleetbake's supervisor line "fleetbake: bitbake exited with code N" (ExitCode).
	EvExit
	// EvErrorContext: a line that continues the ERROR message before it (Text
	// is the line as printed, "" for a blank one). BitBake's log formatter
	// (lib/bb/msg.py BBLogFormatter.format) prints a message's further lines
	// and its formatted exception without a level prefix, and knotty's
	// print_event_log (lib/bb/ui/knotty.py) follows "Logfile of failure" with
	// "Log data follows:" and the log's lines as "| line".
	EvErrorContext
)

var kindNames = [...]string{"none", "progress-start", "progress-done", "parse-complete", "executing",
	"task-running", "task-started", "task-succeeded", "task-failed", "logfile", "sstate", "tasks-summary",
	"summary-task", "warning", "error", "interrupted", "message-count", "setscene-done", "started", "exit", "error-context"}

func (k EventKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Event is one recognised line of BitBake output. Only the fields that the
// kind names are set.
type Event struct {
	Kind EventKind
	// N and M: "task N of M", recipes parsed, tasks attempted/skipped.
	N, M int
	// Failed is the failed-task count of a Tasks Summary.
	Failed int
	// Task is the task string BitBake prints: "/path/recipe.bb:do_compile"
	// (EvTaskRunning, EvTaskFailed from ERROR, EvSummaryTask), or "do_compile"
	// in the "recipe PF: task" lines.
	Task string
	// Recipe is the PF ("busybox-1.36.1-r0") of "recipe PF: task ..." lines.
	Recipe   string
	Setscene bool
	NoExec   bool
	LogFile  string
	ExitCode int
	Text     string
}
