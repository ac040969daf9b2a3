package engine

import (
	"bytes"
	"fmt"
)

// The parser's side: an ERROR line and the lines that continue it.

// errorLine handles an "ERROR: " line; the lines after it that carry no
// level continue it (continuesError).
func (p *Parser) errorLine(rest []byte, emit func(*Event)) {
	p.inError = true
	switch {
	case bytes.HasPrefix(rest, pLogfile):
		p.reset(EvLogFile)
		p.ev.LogFile = string(bytes.TrimSpace(rest[len(pLogfile):]))
		emit(&p.ev)
		return
	case bytes.HasPrefix(rest, pTaskParen):
		if i := bytes.Index(rest, pFailedWith); i > 0 {
			p.reset(EvTaskFailed)
			p.ev.Task = string(rest[len(pTaskParen):i])
			p.ev.ExitCode, _ = atoi(rest[i+len(pFailedWith):])
			p.ev.Text = string(rest)
			emit(&p.ev)
			// A failed task is also one of BitBake's ERROR messages.
		}
	}
	p.emitText(EvError, rest, emit)
}

// Prefixes that start a line of its own, never the continuation of an
// ERROR message: the level names of lib/bb/msg.py's BBLogFormatter and the
// lines knotty prints itself.
var ownLinePrefixes = [][]byte{pNote, pError, pWarning, []byte("DEBUG: "), pSummary, pFleetbake, pParsingOf,
	[]byte("Loaded "), pSstate, pKeyboard, pSecondKbd}

// continuesError reports whether line, following an ERROR message, is more
// of it: an exception, a dependency chain, a sanity checker's list, "Log data
// follows:" and the log's "| " lines, or a blank line between them.
func continuesError(line []byte) bool {
	if len(line) == 0 || line[0] == ' ' || line[0] == '\t' || line[0] == '|' {
		return true
	}
	for _, pre := range ownLinePrefixes {
		if bytes.HasPrefix(line, pre) {
			return false
		}
	}
	if i := bytes.Index(line, pDots); i > 0 && progressName(line[:i]) {
		return false
	}
	return true
}

// The tracker's side: the messages kept for a Progress.

// ErrorMessage is one ERROR message BitBake printed, with the lines that
// explain it: "ParseError at file:5: unparsed line: ...", an ExpansionError
// with its exception and variable dependency chain, the OE sanity checker's
// list of problems, a failed task's "Log data follows:" and last log lines.
type ErrorMessage struct {
	Text    string   // the message after "ERROR: "
	Context []string // the lines after it that belong to it; "…" marks lines left out
}

// Limits that keep a Progress small whatever the log holds: the first
// messages are kept (the first error is usually the cause), and of a long
// context (a task log BitBake includes whole) its head and its tail, where a
// compiler or shell says what failed.
const (
	maxErrorMessages = 20
	contextHead      = 4
	contextTail      = 12
)

// errorLog collects ERROR messages and their context for a Tracker.
type errorLog struct {
	msgs []errorEntry
	// open is the message that context lines go to, -1 when none.
	open int
}

type errorEntry struct {
	text string
	head []string
	// tail is the last contextTail lines, oldest first, in buffers reused
	// as lines pass through: a long task log allocates nothing per line.
	tail          [][]byte
	omitted       int
	trailingBlank int // blank lines seen last, kept only if more context follows
}

func (l *errorLog) add(text string) {
	if len(l.msgs) >= maxErrorMessages {
		l.open = -1
		return
	}
	l.msgs = append(l.msgs, errorEntry{text: text})
	l.open = len(l.msgs) - 1
}

// context adds a line to the open message. Blank lines are held back until a
// non-blank line follows, so a message never ends in blank lines. line is
// copied if kept.
func (l *errorLog) context(line []byte) {
	if !l.takesContext() {
		return
	}
	e := &l.msgs[l.open]
	if len(bytes.TrimSpace(line)) == 0 {
		if len(e.head)+len(e.tail) > 0 {
			e.trailingBlank++
		}
		return
	}
	for ; e.trailingBlank > 0; e.trailingBlank-- {
		e.push(nil)
	}
	e.push(line)
}

// takesContext reports whether a message is open to context lines.
func (l *errorLog) takesContext() bool { return l.open >= 0 && l.open < len(l.msgs) }

func (e *errorEntry) push(line []byte) {
	if len(e.head) < contextHead {
		e.head = append(e.head, string(line))
		return
	}
	if len(e.tail) == contextTail {
		oldest := e.tail[0]
		copy(e.tail, e.tail[1:])
		e.tail[contextTail-1] = append(oldest[:0], line...)
		e.omitted++
		return
	}
	e.tail = append(e.tail, append([]byte(nil), line...))
}

// tailStrings is the tail as strings.
func (e *errorEntry) tailStrings() []string {
	out := make([]string, len(e.tail))
	for i, b := range e.tail {
		out[i] = string(b)
	}
	return out
}

// close ends the open message: the next context line has no owner.
func (l *errorLog) close() { l.open = -1 }

// snapshot copies the messages out.
func (l *errorLog) snapshot() []ErrorMessage {
	if len(l.msgs) == 0 {
		return nil
	}
	out := make([]ErrorMessage, len(l.msgs))
	for i, e := range l.msgs {
		ctx := make([]string, 0, len(e.head)+len(e.tail)+1)
		ctx = append(ctx, e.head...)
		if e.omitted > 0 {
			ctx = append(ctx, fmt.Sprintf("… %d lines left out …", e.omitted))
		}
		ctx = append(ctx, e.tailStrings()...)
		out[i] = ErrorMessage{Text: e.text, Context: ctx}
	}
	return out
}
