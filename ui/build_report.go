package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// The part of the Build screen that says why a build failed: BitBake's
// ERROR messages with the lines that explain them, and each failed task
// with its log path.

// pathLines lays out a path in rows of at most width cells. It fits on one
// row whenever it can, and else breaks only after a '/', so every row is a
// whole run of path segments (a segment wider than width, which no real
// path has, is the only thing ever cut).
func pathLines(path string, width int) []string {
	if ansi.StringWidth(path) <= width {
		return []string{path}
	}
	var rows []string
	row := ""
	for _, seg := range strings.SplitAfter(path, "/") {
		if row != "" && ansi.StringWidth(row+seg) > width {
			rows = append(rows, row)
			row = ""
		}
		row += seg
	}
	if row != "" {
		rows = append(rows, row)
	}
	for i, r := range rows {
		if ansi.StringWidth(r) > width {
			rows[i] = ansi.Hardwrap(r, width, true)
		}
	}
	return strings.Split(strings.Join(rows, "\n"), "\n")
}

// labelledPath puts label and path on one row when they fit, else the
// label alone and the path on rows of its own from the left edge.
func labelledPath(render func(...string) string, label, path string, w int) []string {
	if ansi.StringWidth(label+path) <= w {
		return []string{render(label) + path}
	}
	return append([]string{render(strings.TrimRight(label, " "))}, pathLines(path, w)...)
}

// failureLines lists the failed tasks, each log path on rows of its own at
// the left edge, so that it is as whole as the width allows.
func (s *buildScreen) failureLines(w int) []string {
	b, st := s.status, s.ctx.Styles
	if len(b.Failures) == 0 {
		return nil
	}
	lines := []string{st.Error.Render(fmt.Sprintf("Failed (%d)", len(b.Failures)))}
	for _, f := range b.Failures {
		for _, l := range wrap(f.Task, w-2) {
			lines = append(lines, "  "+st.Error.Render(l))
		}
		if f.Log != "" {
			lines = append(lines, labelledPath(st.Subtle.Render, "  log: ", f.Log, w)...)
		}
	}
	return lines
}

// errorLines lists BitBake's ERROR messages, each with its context lines
// (dimmed, indented), wrapped at spaces to the width.
func (s *buildScreen) errorLines(w int) []string {
	b, st := s.status, s.ctx.Styles
	if len(b.Errors) == 0 {
		return nil
	}
	lines := []string{st.Error.Render(fmt.Sprintf("Errors (%d)", len(b.Errors)))}
	for _, e := range b.Errors {
		for _, l := range wrap(e.Text, w-2) {
			lines = append(lines, "  "+st.Error.Render(l))
		}
		for _, c := range e.Context {
			for _, l := range wrap(strings.TrimRight(c, " "), w-4) {
				lines = append(lines, "    "+st.Subtle.Render(l))
			}
		}
	}
	return lines
}

// fitLines keeps the first n of lines, ending with a note of how many were
// left out when they do not all fit.
func fitLines(lines []string, n int, note func(left int) string) []string {
	if len(lines) <= n {
		return lines
	}
	if n <= 0 {
		return nil
	}
	return append(lines[:n-1:n-1], note(len(lines)-(n-1)))
}

// failedFarewell is what is printed after the UI exits from a failed build:
// the errors and log paths in the terminal's own scrollback, whole, where
// they can be copied whatever their length.
func (s *buildScreen) failedFarewell() string {
	b := s.status
	var out []string
	out = append(out, fmt.Sprintf("The build %s (exit code %d).", b.Phase, b.ExitCode))
	for _, e := range b.Errors {
		out = append(out, "ERROR: "+e.Text)
		out = append(out, e.Context...)
	}
	for _, f := range b.Failures {
		out = append(out, "failed: "+f.Task)
		if f.Log != "" {
			out = append(out, "  log: "+f.Log)
		}
	}
	if b.Log != "" {
		out = append(out, "console log: "+b.Log)
	}
	return strings.Join(out, "\n")
}
