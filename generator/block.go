package generator

import (
	"fmt"
	"strings"
)

// The markers around the lines fleetbake owns in a file. Everything outside
// them belongs to the engineer and is kept byte for byte.
const (
	BeginMarker = "# >>> fleetbake: managed block, edits inside are replaced >>>"
	EndMarker   = "# <<< fleetbake <<<"
)

// Marker lines are recognised by these prefixes, so a marker whose tail was
// edited by hand is still found (and reported if it is a duplicate) rather
// than silently ignored and a second block appended.
const (
	beginPrefix = "# >>> fleetbake"
	endPrefix   = "# <<< fleetbake"
)

// MarkerError is a file whose fleetbake markers are broken. Nothing is
// written when one is found: fleetbake cannot tell which lines are its own.
type MarkerError struct {
	Path    string
	Line    int
	Problem string
}

func (e *MarkerError) Error() string {
	return fmt.Sprintf("%s:%d: %s; fix the markers by hand (or delete the block, markers included, to have it appended again) and run again", e.Path, e.Line, e.Problem)
}

// region is where the block sits in a file: byte offsets of the first byte
// of the begin marker line and the byte after the end marker line (its
// newline included when it has one).
type region struct {
	found      bool
	start, end int
	startLine  int // 1-based line of the begin marker
	endLine    int // 1-based line of the end marker
}

// findBlock locates the block in content. A second begin marker, an end
// marker without a begin, or a begin without an end is a MarkerError.
func findBlock(path string, content []byte) (region, error) {
	var r region
	text := string(content)
	off, lineNo := 0, 0
	inBlock := false
	for off < len(text) {
		lineNo++
		nl := strings.IndexByte(text[off:], '\n')
		lineEnd := len(text)
		next := len(text)
		if nl >= 0 {
			lineEnd = off + nl
			next = lineEnd + 1
		}
		line := strings.TrimRight(text[off:lineEnd], " \t\r")
		switch {
		case strings.HasPrefix(line, beginPrefix):
			if inBlock {
				return r, &MarkerError{Path: path, Line: lineNo, Problem: fmt.Sprintf("a second %q before the end marker of the block opened on line %d", BeginMarker, r.startLine)}
			}
			if r.found {
				return r, &MarkerError{Path: path, Line: lineNo, Problem: fmt.Sprintf("a second fleetbake block (the first is on lines %d-%d)", r.startLine, r.endLine)}
			}
			inBlock = true
			r.start, r.startLine = off, lineNo
		case strings.HasPrefix(line, endPrefix):
			if !inBlock {
				return r, &MarkerError{Path: path, Line: lineNo, Problem: fmt.Sprintf("%q without a %q before it", EndMarker, BeginMarker)}
			}
			inBlock = false
			r.found = true
			r.end, r.endLine = next, lineNo
		}
		off = next
	}
	if inBlock {
		return r, &MarkerError{Path: path, Line: r.startLine, Problem: fmt.Sprintf("the block is not terminated: no %q after it", EndMarker)}
	}
	return r, nil
}

// spliceBlock returns the new file content: block (which starts with the
// begin marker and ends with the end marker and a newline) replaces the old
// block, or, when there is none, is appended after the engineer's lines.
// Appending last matters: in BitBake a later assignment wins.
// For a file that does not exist yet, header comes first.
func spliceBlock(old []byte, exists bool, r region, header, block string) []byte {
	if !exists {
		if header == "" {
			return []byte(block)
		}
		return []byte(header + "\n" + block)
	}
	if r.found {
		var b strings.Builder
		b.Grow(len(old) + len(block))
		b.Write(old[:r.start])
		if r.end == len(old) && !strings.HasSuffix(string(old), "\n") {
			// The end marker was the last line with no newline: keep it that way.
			b.WriteString(strings.TrimSuffix(block, "\n"))
		} else {
			b.WriteString(block)
		}
		b.Write(old[r.end:])
		return []byte(b.String())
	}
	var b strings.Builder
	b.Grow(len(old) + len(block) + 2)
	b.Write(old)
	if len(old) > 0 {
		if old[len(old)-1] != '\n' {
			b.WriteByte('\n') // the engineer's last line must stay a line of its own
		}
		b.WriteByte('\n')
	}
	b.WriteString(block)
	return []byte(b.String())
}

// outside returns the engineer's text before and after the block, and the
// 1-based line number the "after" part starts on.
func outside(content []byte, r region) (before, after string, afterLine int) {
	if !r.found {
		return string(content), "", 0
	}
	return string(content[:r.start]), string(content[r.end:]), r.endLine + 1
}
