package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

func itoa(i int) string { return strconv.Itoa(i) }

// wrap breaks s into lines of at most width cells at spaces.
func wrap(s string, width int) []string {
	if width < 1 {
		width = 1
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		w := ansi.Wordwrap(para, width, "")
		w = ansi.Hardwrap(w, width, true)
		out = append(out, strings.Split(w, "\n")...)
	}
	return out
}

// padRight pads s with spaces to width cells (no-op when wider).
func padRight(s string, width int) string {
	return s + strings.Repeat(" ", max(0, width-ansi.StringWidth(s)))
}
