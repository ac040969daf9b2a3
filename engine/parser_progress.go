package engine

// The parser's handling of knotty's progress lines ("Parsing recipes...",
// "...done."), which BitBake writes in pieces: the start of a step arrives as
// an unfinished line, its end on the same line later.

import "bytes"

// FeedPartial looks at an unfinished last line (no newline yet). BitBake
// writes "Parsing recipes..." and only adds "done." when the step ends, so
// this is the only way to see that parsing has begun. It emits only
// EvProgressStart, once per progress line.
func (p *Parser) FeedPartial(line []byte, emit func(*Event)) {
	if len(line) == 0 || !bytes.HasSuffix(line, pDots) || bytes.Count(line, pDots) != 1 {
		return
	}
	name := line[:len(line)-3]
	if !progressName(name) || p.openProgress == string(name) {
		return
	}
	p.openProgress = string(name)
	p.emitText(EvProgressStart, name, emit)
}

// progressLine handles "Name...", "Name...done." and "Name...<other output>".
func (p *Parser) progressLine(line []byte, emit func(*Event)) {
	i := bytes.Index(line, pDots)
	if i <= 0 || !progressName(line[:i]) {
		return
	}
	name := line[:i]
	if p.openProgress != string(name) {
		p.openProgress = string(name)
		p.emitText(EvProgressStart, name, emit)
	}
	rest := line[i+3:]
	if len(rest) == 0 {
		return
	}
	// Whatever BitBake printed while the step ran lands on the same line.
	p.Feed(rest, emit)
}

func (p *Parser) progressDone(emit func(*Event)) {
	p.reset(EvProgressDone)
	p.ev.Text = p.openProgress
	p.openProgress = ""
	emit(&p.ev)
}

// progressName accepts the names knotty prints before "...": a capital
// first letter, letters and spaces only, short.
func progressName(b []byte) bool {
	if len(b) == 0 || len(b) > 60 || b[0] < 'A' || b[0] > 'Z' {
		return false
	}
	for _, c := range b {
		if !(c == ' ' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
