package engine

import "time"

// Phase is where a build is, in BitBake's order.
type Phase int

// Phases of a BitBake build.
const (
	PhaseStarting     Phase = iota // launched, nothing printed yet
	PhaseParsing                   // loading the cache, parsing recipes
	PhaseInitialising              // resolving dependencies, initialising tasks, checking sstate
	PhaseSetscene                  // restoring from sstate
	PhaseRunning                   // running tasks N of M
	PhaseDone                      // tasks summary printed or bitbake exited
)

var phaseNames = [...]string{"starting", "parsing", "initialising", "setscene", "running", "done"}

func (p Phase) String() string {
	if p >= 0 && int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "unknown"
}

// Failure is one failed task.
type Failure struct {
	Task     string // "/path/recipe.bb:do_compile" as BitBake prints it
	Recipe   string // recipe name from the file ("busybox"), or PF when only that is known
	LogFile  string // the task's log ("" when BitBake printed none)
	ExitCode int
}

// Progress is a snapshot of a build, rebuilt from its log.
type Progress struct {
	Phase                       Phase
	Step                        string // the open progress step ("Parsing recipes") or ""
	Done, Total                 int    // tasks finished and total ("Running task N of M")
	SetsceneDone, SetsceneTotal int
	Recipes                     int // recipes parsed
	// Loading the cache and parsing recipes, done of total, from BitBake's
	// event log (see eventlog.go); 0 of 0 when unknown.
	CacheLoaded, CacheTotal int
	Parsed, ParseTotal      int
	Running                 []string // tasks running now, "busybox do_compile", oldest first
	Failures                []Failure
	Warnings, Errors        int
	// ErrorMessages are BitBake's ERROR messages in order, each with the
	// lines that explain it (the first maxErrorMessages; Errors counts all).
	ErrorMessages []ErrorMessage
	Sstate        string // the last "Sstate summary: ..." line
	Summary       string // "Tasks Summary: ..." once printed
	Interrupted   int    // 1 after a first SIGINT was seen, 2 after the second
	LastLines     []string
	// LogError says why the log could not be read (also the last of
	// LastLines): the progress then comes from the state file alone.
	LogError     string
	Elapsed, ETA time.Duration // ETA 0 when unknown
	ExitCode     *int          // set once the build has ended
	Stale        bool          // bitbake is gone and no exit code was recorded
	LogPath      string
	Target       string
}

// Ended reports whether the build is over (exit code known or stale).
func (p Progress) Ended() bool { return p.ExitCode != nil || p.Stale }

// StepPercent is how far the open "Loading cache" or "Parsing recipes"
// step is, 0-100, or -1 when no such step is open or its count is unknown.
func (p Progress) StepPercent() int {
	n, m := -1, 0
	switch p.Step {
	case "Loading cache":
		n, m = p.CacheLoaded, p.CacheTotal
	case "Parsing recipes":
		n, m = p.Parsed, p.ParseTotal
	}
	if m <= 0 || n < 0 {
		return -1
	}
	return n * 100 / m
}

// Outcome says how an ended build ended: "done" only when BitBake exited
// 0, "stopped" when it was interrupted (a user's stop: BitBake printed
// "Keyboard Interrupt"), "failed" otherwise; "" while it runs.
func (p Progress) Outcome() string {
	switch {
	case !p.Ended():
		return ""
	case p.ExitCode != nil && *p.ExitCode == 0:
		return "done"
	case p.Interrupted > 0:
		return "stopped"
	}
	return "failed"
}

// tailLines is how many of the last log lines a Progress carries.
const tailLines = 20

// Tracker folds events into a Progress. It is not safe for concurrent use;
// Snapshot returns a copy that is.
type Tracker struct {
	p       Progress
	running []runningTask
	pending map[string]string // task name ("do_compile") -> last "Logfile of failure" path
	errs    errorLog
	tail    [tailLines][]byte
	tailN   int
	// runStart is when the running phase was first seen live, for the ETA.
	lastN, lastSceneN int
	nScene            int
	runStart          time.Time
	runDone0          int
	liveSince         time.Time
}

type runningTask struct {
	pn, task string
	setscene bool
}

// label is how a running task is shown: "busybox do_compile". Made when a
// snapshot is taken, for the few tasks running then, not for every task.
func (r runningTask) label() string { return r.pn + " " + r.task }

// NewTracker starts an empty tracker.
func NewTracker() *Tracker {
	return &Tracker{pending: map[string]string{}, errs: errorLog{open: -1}}
}

// Line records a raw log line for the tail view. The bytes are copied into
// reused buffers, so this does not allocate once warm.
func (t *Tracker) Line(line []byte) {
	i := t.tailN % tailLines
	t.tail[i] = append(t.tail[i][:0], line...)
	t.tailN++
}

// Apply folds one event into the progress.
func (t *Tracker) Apply(e *Event) {
	p := &t.p
	if e.Kind != EvErrorContext && e.Kind != EvError && e.Kind != EvLogFile && e.Kind != EvTaskFailed {
		t.errs.close()
	}
	switch e.Kind {
	case EvProgressStart:
		p.Step = e.Text
		switch e.Text {
		case "Loading cache", "Parsing recipes":
			t.phase(PhaseParsing)
		default:
			t.phase(PhaseInitialising)
		}
	case EvProgressDone:
		p.Step = ""
	case EvParseComplete:
		p.Recipes = e.N
		t.phase(PhaseInitialising)
	case EvExecuting:
		if e.Setscene {
			t.phase(PhaseSetscene)
		} else {
			t.phase(PhaseRunning)
		}
	case EvSetsceneDone:
		if p.SetsceneTotal > 0 {
			p.SetsceneDone = p.SetsceneTotal
		}
	case EvTaskRunning:
		pn, task := "", ""
		if !e.NoExec {
			pn, task = splitTaskString(e.Task)
		}
		t.taskRunning(e.N, e.M, e.Setscene, e.NoExec, pn, task)
	case EvTaskStarted:
		// "Running task" already listed it; nothing to add.
	case EvTaskSucceeded:
		finishTask(t, e.Recipe, e.Task)
	case EvTaskFailed:
		if e.Recipe != "" {
			finishTask(t, e.Recipe, e.Task)
			return
		}
		t.addFailure(e.Task, e.ExitCode)
	case EvLogFile:
		t.pending[logTaskName(e.LogFile)] = e.LogFile
		t.errs.add("Logfile of failure stored in: " + e.LogFile)
	case EvSummaryTask:
		if e.Task != "" {
			t.addFailure(e.Task, -1)
		} else if n := len(p.Failures); n > 0 && e.LogFile != "" {
			p.Failures[n-1].LogFile = e.LogFile
		}
	case EvSstate:
		p.Sstate = e.Text
	case EvTasksSummary:
		p.Summary = e.Text
		// Attempted counts finished tasks, skipped and failed ones included;
		// less than the total when the build was interrupted or failed.
		if p.Total == 0 || e.N > p.Total {
			p.Total = e.N
		}
		p.Done = e.N
		t.clearRunning()
		t.phase(PhaseDone)
	case EvWarning:
		p.Warnings++
	case EvError:
		p.Errors++
		t.errs.add(e.Text)
	case EvErrorContext:
		t.errs.context([]byte(e.Text))
	case EvMessageCount:
		if e.Text == "WARNING" {
			p.Warnings = e.N
		} else {
			p.Errors = e.N
		}
	case EvInterrupted:
		p.Interrupted = e.N
	case EvExit:
		code := e.ExitCode
		p.ExitCode = &code
		t.clearRunning()
		t.phase(PhaseDone)
	}
}

func (t *Tracker) clearRunning() {
	t.running = t.running[:0]
	t.nScene = 0
}

func (t *Tracker) phase(ph Phase) {
	if ph > t.p.Phase {
		t.p.Phase = ph
		if ph == PhaseRunning && !t.liveSince.IsZero() {
			t.runStart = time.Now()
		}
	}
}

// MarkLive tells the tracker that from now on events arrive as they happen
// (the backlog of an attached build has been read), so elapsed times measured
// from now are real.
func (t *Tracker) MarkLive(now time.Time) {
	if !t.liveSince.IsZero() {
		return
	}
	t.liveSince = now
	if t.p.Phase == PhaseRunning {
		t.runStart = now
		t.runDone0 = t.p.Done
	}
}

func (t *Tracker) addFailure(task string, code int) {
	for i := range t.p.Failures {
		if t.p.Failures[i].Task == task {
			if code >= 0 {
				t.p.Failures[i].ExitCode = code
			}
			return
		}
	}
	pn, name := splitTaskString(task)
	f := Failure{Task: task, Recipe: pn, ExitCode: code, LogFile: t.pending[name]}
	delete(t.pending, name)
	t.p.Failures = append(t.p.Failures, f)
}

// Snapshot returns a copy of the progress that shares no memory with the
// tracker, with Elapsed and ETA computed for now.
func (t *Tracker) Snapshot(start, now time.Time) Progress {
	p := t.p
	p.Running = make([]string, len(t.running))
	for i, r := range t.running {
		p.Running[i] = r.label()
	}
	p.Failures = append([]Failure(nil), t.p.Failures...)
	p.ErrorMessages = t.errs.snapshot()
	n := min(t.tailN, tailLines)
	p.LastLines = make([]string, n)
	for i := 0; i < n; i++ {
		p.LastLines[i] = string(t.tail[(t.tailN-n+i)%tailLines])
	}
	if !start.IsZero() {
		p.Elapsed = now.Sub(start)
	}
	p.ETA = t.eta(start, now)
	return p
}

// eta extrapolates the tasks still to run from the rate seen so far: from the
// moment the running phase was seen live when it was, else from the build's
// start. Rough by nature (a big do_compile is not a small do_fetch).
func (t *Tracker) eta(start, now time.Time) time.Duration {
	p := t.p
	if p.Phase != PhaseRunning || p.Total == 0 || p.Done >= p.Total {
		return 0
	}
	from, done0 := start, 0
	if !t.runStart.IsZero() {
		from, done0 = t.runStart, t.runDone0
	}
	done := p.Done - done0
	if from.IsZero() || done < 5 {
		return 0
	}
	per := now.Sub(from) / time.Duration(done)
	return per * time.Duration(p.Total-p.Done)
}

// timeZero is the zero time, for snapshots that need no clock.
var timeZero time.Time
