package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// Paths are not broken at their hyphens (issue 10, item 10): a line break
// falls at a space, so the path can be selected and copied whole.
func TestWrapKeepsPathsWhole(t *testing.T) {
	path := "/src/build/tmp/work/core2-64-poky-linux/greengrass-bin/2.14.0/temp/log.do_fetch.1234"
	for _, c := range []struct {
		text  string
		width int
		want  []string
	}{
		{"see " + path + " for the log", len(path) + 2, []string{"see", path, "for the log"}},
		{"a claim-certs folder: build-appliance-image", 21, []string{"a claim-certs folder:", "build-appliance-image"}},
		{"  indented text that wraps", 12, []string{"  indented", "text that", "wraps"}},
		{"x " + strings.Repeat("a", 25), 10, []string{"x", strings.Repeat("a", 10), strings.Repeat("a", 10), strings.Repeat("a", 5)}},
		{"the log is at core2-64-poky-linux/temp", 25, []string{"the log is at", "core2-64-poky-linux/temp"}},
		{"one\n\ntwo", 10, []string{"one", "", "two"}},
	} {
		got := wrap(c.text, c.width)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("wrap(%q, %d) =\n%q\nwant\n%q", c.text, c.width, got, c.want)
		}
		for _, l := range got {
			if ansi.StringWidth(l) > c.width {
				t.Errorf("line %q is wider than %d", l, c.width)
			}
		}
	}
}
