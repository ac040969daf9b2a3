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
		case unsafeRune(r):
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
		if unsafeRune(r) {
			return false
		}
	}
	return true
}

func unsafeRune(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0x2028 || r == 0x2029 ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
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
