package engine

import (
	"fmt"
	"strings"
)

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
	text          string
	head, tail    []string
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
// non-blank line follows, so a message never ends in blank lines.
func (l *errorLog) context(line string) {
	if l.open < 0 || l.open >= len(l.msgs) {
		return
	}
	e := &l.msgs[l.open]
	if strings.TrimSpace(line) == "" {
		if len(e.head)+len(e.tail) > 0 {
			e.trailingBlank++
		}
		return
	}
	for ; e.trailingBlank > 0; e.trailingBlank-- {
		e.push("")
	}
	e.push(line)
}

func (e *errorEntry) push(line string) {
	if len(e.head) < contextHead {
		e.head = append(e.head, line)
		return
	}
	if len(e.tail) == contextTail {
		copy(e.tail, e.tail[1:])
		e.tail = e.tail[:contextTail-1]
		e.omitted++
	}
	e.tail = append(e.tail, line)
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
		ctx = append(ctx, e.tail...)
		out[i] = ErrorMessage{Text: e.text, Context: ctx}
	}
	return out
}
