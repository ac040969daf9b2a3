package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

func itoa(i int) string { return strconv.Itoa(i) }

// wrap breaks s into lines of at most width cells at spaces only. It does
// not break at hyphens, as ansi.Wordwrap always does (x/ansi wrap.go: "A
// hyphen (-) is always considered a breakpoint"): a path such as
// tmp/work/core2-64-poky-linux/... split there cannot be copied. A word
// wider than the whole line goes on lines of its own, cut at the width only,
// since nothing may be wider than the terminal.
func wrap(s string, width int) []string {
	if width < 1 {
		width = 1
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		// Split at single spaces: a run of spaces (an indent, a gap between
		// columns) comes back as empty words and is kept, except where the
		// line breaks.
		line, lineW, started := "", 0, false
		for _, word := range strings.Split(para, " ") {
			ww := ansi.StringWidth(word)
			switch {
			case !started:
				started = true
			case lineW+1+ww <= width:
				line, lineW = line+" ", lineW+1
			default:
				out = append(out, strings.TrimRight(line, " "))
				line, lineW = "", 0
			}
			for lineW+ww > width {
				// A word wider than the line: cut at the width only.
				n := width - lineW
				cut := ansi.Truncate(word, n, "")
				if cut == "" {
					break
				}
				out = append(out, line+cut)
				word = ansi.TruncateLeft(word, n, "")
				line, lineW, ww = "", 0, ansi.StringWidth(word)
			}
			line, lineW = line+word, lineW+ww
		}
		out = append(out, line)
	}
	return out
}

// padRight pads s with spaces to width cells (no-op when wider).
func padRight(s string, width int) string {
	return s + strings.Repeat(" ", max(0, width-ansi.StringWidth(s)))
}
