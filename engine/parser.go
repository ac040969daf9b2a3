package engine

import (
	"bytes"
)

// Parser turns BitBake's plain (non-terminal, "knotty" non-interactive)
// output into Events, one line at a time. It keeps the little context the
// format needs: an open "Name..." progress line and the indented block after
// "Summary: N tasks failed:". It uses prefix checks and byte operations only,
// no regular expressions, so it keeps up with any log.
type Parser struct {
	openProgress  string
	inFailSummary bool
	// inError: the last line was an ERROR message or continued one, so a
	// following line without a level prefix continues it (EvErrorContext).
	inError bool
	ev      Event
	// contextLine, when set (newLogReader), takes the lines that continue
	// an ERROR message as bytes, valid only during the call, instead of an
	// EvErrorContext event with the line as Text: a line the tracker drops
	// or keeps in a reused buffer then costs no allocation (a failed task's
	// log can be millions of lines).
	contextLine func([]byte)
	// names holds recipe and task names seen in "recipe PF: task do_x:"
	// and "Running task" lines: each comes back on many lines, so one
	// string serves them all (names.go).
	names nameCache
}

// NewParser returns a parser at the start of a log.
func NewParser() *Parser { return &Parser{} }

// Line prefixes, as byte slices so the hot path never converts.
var (
	pNote          = []byte("NOTE: ")
	pError         = []byte("ERROR: ")
	pWarning       = []byte("WARNING: ")
	pRunning       = []byte("Running ")
	pRecipe        = []byte("recipe ")
	pExecuting     = []byte("Executing ")
	pTasksSummary  = []byte("Tasks Summary: Attempted ")
	pSetsceneDone  = []byte("Setscene tasks completed")
	pNoSetscene    = []byte("No setscene tasks")
	pLogfile       = []byte("Logfile of failure stored in: ")
	pTaskParen     = []byte("Task (")
	pFailedWith    = []byte(") failed with exit code '")
	pSstate        = []byte("Sstate summary:")
	pSummary       = []byte("Summary: ")
	pParsingOf     = []byte("Parsing of ")
	pKeyboard      = []byte("Keyboard Interrupt")
	pSecondKbd     = []byte("Second Keyboard Interrupt")
	pFleetbake     = []byte("fleetbake: ")
	pExited        = []byte("bitbake exited with code ")
	pStarted       = []byte("started ")
	pDone          = []byte("done.")
	pDots          = []byte("...")
	pTaskSep       = []byte(": task ")
	pSetsceneTask  = []byte("setscene task ")
	pNoexecTask    = []byte("noexec task ")
	pTask          = []byte("task ")
	pOf            = []byte(" of ")
	pOfWhich       = []byte(" tasks of which ")
	pAndAll        = []byte("and all succeeded")
	pAnd           = []byte("and ")
	pLogIndent     = []byte("log: ")
	pThereWas      = []byte("There was ")
	pThereWere     = []byte("There were ")
	pTasksFailed   = []byte(" failed:")
	pWarningWord   = []byte(" WARNING")
	pErrorWord     = []byte(" ERROR")
	sSetsceneTasks = []byte("SetScene Tasks")
)

// Feed interprets one line (without its trailing newline) and calls emit for
// each event in it (a progress line can carry two: "Parsing recipes...done.").
// The *Event passed to emit is reused: copy it to keep it.
func (p *Parser) Feed(line []byte, emit func(*Event)) {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	// A terminal progress bar redraws with \r; keep what was drawn last.
	// (IndexByte is vectorised and \r is rare: look for one before looking
	// for the last one.)
	if bytes.IndexByte(line, '\r') >= 0 {
		line = line[bytes.LastIndexByte(line, '\r')+1:]
	}
	if p.inError {
		if continuesError(line) {
			if p.contextLine != nil {
				p.contextLine(line)
				return
			}
			p.emitText(EvErrorContext, line, emit)
			return
		}
		p.inError = false
	}
	if len(line) == 0 {
		return
	}
	if p.inFailSummary {
		if line[0] == ' ' {
			p.summaryTask(line, emit)
			return
		}
		p.inFailSummary = false
	}
	switch line[0] {
	case 'N':
		if bytes.HasPrefix(line, pNote) {
			p.note(line[len(pNote):], emit)
			return
		}
	case 'E':
		if bytes.HasPrefix(line, pError) {
			p.errorLine(line[len(pError):], emit)
			return
		}
	case 'W':
		if bytes.HasPrefix(line, pWarning) {
			p.emitText(EvWarning, line[len(pWarning):], emit)
			return
		}
	case 'S':
		if bytes.HasPrefix(line, pSstate) {
			p.emitText(EvSstate, line, emit)
			return
		}
		if bytes.HasPrefix(line, pSummary) {
			p.summary(line[len(pSummary):], emit)
			return
		}
		if bytes.HasPrefix(line, pSecondKbd) {
			p.reset(EvInterrupted)
			p.ev.N = 2
			emit(&p.ev)
			return
		}
	case 'K':
		if bytes.HasPrefix(line, pKeyboard) {
			p.reset(EvInterrupted)
			p.ev.N = 1
			emit(&p.ev)
			return
		}
	case 'P':
		if bytes.HasPrefix(line, pParsingOf) {
			p.reset(EvParseComplete)
			p.ev.N, _ = atoi(line[len(pParsingOf):])
			emit(&p.ev)
			return
		}
	case 'f':
		if bytes.HasPrefix(line, pFleetbake) {
			p.fleetbake(line[len(pFleetbake):], emit)
			return
		}
	case 'd':
		if bytes.HasPrefix(line, pDone) {
			p.progressDone(emit)
			return
		}
	case ' ', '\t', '|':
		// Task output and indented context are never events.
		return
	}
	p.progressLine(line, emit)
}

func (p *Parser) reset(k EventKind) {
	p.ev = Event{Kind: k}
}

func (p *Parser) emitText(k EventKind, text []byte, emit func(*Event)) {
	p.reset(k)
	p.ev.Text = string(text)
	emit(&p.ev)
}

func (p *Parser) note(rest []byte, emit func(*Event)) {
	switch {
	case bytes.HasPrefix(rest, pRunning):
		p.running(rest[len(pRunning):], emit)
	case bytes.HasPrefix(rest, pRecipe):
		p.recipeTask(rest[len(pRecipe):], emit)
	case bytes.HasPrefix(rest, pExecuting):
		p.reset(EvExecuting)
		p.ev.Setscene = bytes.HasPrefix(rest[len(pExecuting):], sSetsceneTasks)
		emit(&p.ev)
	case bytes.HasPrefix(rest, pTasksSummary):
		p.tasksSummary(rest[len(pTasksSummary):], emit)
	case bytes.HasPrefix(rest, pSetsceneDone), bytes.HasPrefix(rest, pNoSetscene):
		p.reset(EvSetsceneDone)
		emit(&p.ev)
	}
}

// running parses "task N of M (file:do_x)", "setscene task ...", "noexec task ...".
func (p *Parser) running(rest []byte, emit func(*Event)) {
	p.reset(EvTaskRunning)
	switch {
	case bytes.HasPrefix(rest, pSetsceneTask):
		p.ev.Setscene = true
		rest = rest[len(pSetsceneTask):]
	case bytes.HasPrefix(rest, pNoexecTask):
		p.ev.NoExec = true
		rest = rest[len(pNoexecTask):]
	case bytes.HasPrefix(rest, pTask):
		rest = rest[len(pTask):]
	default:
		return
	}
	n, k := atoi(rest)
	if k == 0 || !bytes.HasPrefix(rest[k:], pOf) {
		return
	}
	rest = rest[k+len(pOf):]
	m, k := atoi(rest)
	if k == 0 {
		return
	}
	rest = rest[k:]
	if len(rest) > 3 && rest[0] == ' ' && rest[1] == '(' && rest[len(rest)-1] == ')' {
		p.ev.Task = string(rest[2 : len(rest)-1])
	}
	p.ev.N, p.ev.M = n, m
	emit(&p.ev)
}

// recipeTask parses "PF: task do_x: Started|Succeeded|Failed".
func (p *Parser) recipeTask(rest []byte, emit func(*Event)) {
	i := bytes.Index(rest, pTaskSep)
	if i <= 0 {
		return
	}
	pf := rest[:i]
	rest = rest[i+len(pTaskSep):]
	j := bytes.LastIndex(rest, []byte(": "))
	if j <= 0 {
		return
	}
	var k EventKind
	switch string(rest[j+2:]) {
	case "Started":
		k = EvTaskStarted
	case "Succeeded":
		k = EvTaskSucceeded
	case "Failed":
		k = EvTaskFailed
	default:
		return
	}
	p.reset(k)
	p.ev.Recipe = p.name(pf)
	p.ev.Task = p.name(rest[:j])
	emit(&p.ev)
}

func (p *Parser) tasksSummary(rest []byte, emit func(*Event)) {
	p.reset(EvTasksSummary)
	p.ev.Text = "Tasks Summary: Attempted " + string(rest)
	n, k := atoi(rest)
	if k == 0 || !bytes.HasPrefix(rest[k:], pOfWhich) {
		emit(&p.ev)
		return
	}
	rest = rest[k+len(pOfWhich):]
	m, k := atoi(rest)
	p.ev.N, p.ev.M = n, m
	if i := bytes.LastIndex(rest[k:], pAnd); i >= 0 && !bytes.HasPrefix(rest[k+i:], pAndAll) {
		p.ev.Failed, _ = atoi(rest[k+i+len(pAnd):])
	}
	emit(&p.ev)
}

// summary handles the lines knotty prints at the very end.
func (p *Parser) summary(rest []byte, emit func(*Event)) {
	switch {
	case bytes.HasSuffix(rest, pTasksFailed):
		p.inFailSummary = true
	case bytes.HasPrefix(rest, pThereWas), bytes.HasPrefix(rest, pThereWere):
		if bytes.HasPrefix(rest, pThereWas) {
			rest = rest[len(pThereWas):]
		} else {
			rest = rest[len(pThereWere):]
		}
		n, k := atoi(rest)
		if k == 0 {
			return
		}
		p.reset(EvMessageCount)
		p.ev.N = n
		switch {
		case bytes.HasPrefix(rest[k:], pWarningWord):
			p.ev.Text = "WARNING"
		case bytes.HasPrefix(rest[k:], pErrorWord):
			p.ev.Text = "ERROR"
		default:
			return
		}
		emit(&p.ev)
	}
}

// summaryTask handles "  /path/recipe.bb:do_x" and "    log: /path/log.do_x.123".
func (p *Parser) summaryTask(line []byte, emit func(*Event)) {
	t := bytes.TrimSpace(line)
	if len(t) == 0 {
		return
	}
	p.reset(EvSummaryTask)
	if bytes.HasPrefix(t, pLogIndent) {
		p.ev.LogFile = string(bytes.TrimSpace(t[len(pLogIndent):]))
	} else {
		p.ev.Task = string(t)
	}
	emit(&p.ev)
}

// fleetbake handles the lines fleetbake's supervisor adds to the log.
func (p *Parser) fleetbake(rest []byte, emit func(*Event)) {
	switch {
	case bytes.HasPrefix(rest, pExited):
		n, k := atoi(rest[len(pExited):])
		if k == 0 {
			return
		}
		p.reset(EvExit)
		p.ev.ExitCode = n
		emit(&p.ev)
	case bytes.HasPrefix(rest, pStarted):
		p.emitText(EvStarted, rest, emit)
	}
}

// atoi reads the decimal number at the start of b; k is how many bytes it used.
func atoi(b []byte) (n, k int) {
	for k < len(b) && b[k] >= '0' && b[k] <= '9' && k < 18 {
		n = n*10 + int(b[k]-'0')
		k++
	}
	return n, k
}
