package model

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Printable returns s with everything a terminal would act on shown as an
// escape instead: C0 and C1 control characters (ESC starts colour, cursor
// and title sequences; CSI U+009B does the same alone), DEL, line and
// paragraph separators, the bidirectional overrides and isolates that
// reorder what is shown, and bytes that are not UTF-8. Everything fleetbake
// shows from a file it did not write (layer.conf, machine headers, folder
// names) goes through it, in the CLI and in the UI alike.
func Printable(s string) string {
	if isPrintable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case IsControl(r):
			if r < 0x80 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func isPrintable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if IsControl(r) {
			return false
		}
	}
	return true
}

// IsControl is fleetbake's one rule for characters that act instead of
// showing: C0 controls, DEL, C1 controls (U+0080..U+009F: CSI U+009B starts
// a terminal sequence alone), the line and paragraph separators U+2028 and
// U+2029, and the bidirectional overrides and isolates U+202A..U+202E and
// U+2066..U+2069 that reorder what is shown (Trojan Source, CVE-2021-42574).
// Nothing fleetbake writes into a file holds one (model's checks of the
// project, the generator's checks of every value, comment and rendered
// file), and everything it shows from a file it did not write has them
// escaped (Printable, PrintableJSON).
func IsControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0x2028 || r == 0x2029 ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// IsLineBreak reports whether r ends a line for BitBake (it reads conf
// files with Python's universal newlines: \n, \r) or for Python and a
// terminal otherwise (NEL U+0085, U+2028, U+2029). All are IsControl; the
// checks name them apart because "must be one line" says more.
func IsLineBreak(r rune) bool {
	return r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029
}

// PrintableJSON escapes, in JSON that encoding/json wrote, what it leaves
// raw and a terminal would act on: DEL, C1 controls and the bidirectional
// controls (it escapes C0 controls and U+2028/U+2029 itself). The result
// is the same JSON: every such character can only be inside a string,
// where \uXXXX stands for it.
func PrintableJSON(b []byte) []byte {
	s := string(b)
	if isPrintableJSON(s) {
		return b
	}
	var out strings.Builder
	for _, r := range s {
		if r >= 0x7f && IsControl(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	return []byte(out.String())
}

func isPrintableJSON(s string) bool {
	for _, r := range s {
		if r >= 0x7f && IsControl(r) {
			return false
		}
	}
	return true
}

// PrintableLines is Printable for text of several lines meant to be shown
// as such (a report): it keeps "\n" and "\t" and escapes everything else.
func PrintableLines(s string) string {
	parts := strings.Split(s, "\n")
	for i, p := range parts {
		cells := strings.Split(p, "\t")
		for j, c := range cells {
			cells[j] = Printable(c)
		}
		parts[i] = strings.Join(cells, "\t")
	}
	return strings.Join(parts, "\n")
}
