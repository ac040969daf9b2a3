package ui

import (
	"strings"
	"testing"

	"fleetbake/ui/styles"
)

// Issue 9 item 7: machine names, descriptions and layers shown in the
// pick lists come from files fleetbake did not write; a terminal escape
// sequence in them is shown escaped. NoColor: the only ESC bytes in the
// view would be the item's own.
func TestPickListEscapesTerminalSequences(t *testing.T) {
	ctx := &Context{Width: 80, Height: 24, Styles: styles.New(true, true)}
	l := newPickList(ctx, "machines")
	l.SetItems([]pickItem{
		{Value: "evil\x1b]0;pwned\x07", Desc: "Board \x1b[2J\u009b31m", Meta: "meta-\x1b[5mx"},
		{Value: "qemuarm64", Desc: "QEMU Arm 64", Meta: "meta"},
	}, "qemuarm64")
	view := l.View(100, 10)
	if i := strings.IndexAny(view, "\x07\u009b"); i >= 0 || strings.Contains(view, "\x1b]0") || strings.Contains(view, "\x1b[2J") {
		t.Fatalf("a raw control sequence reaches the terminal:\n%q", view)
	}
	for _, want := range []string{`evil\x1b`, `Board \x1b[2J\u009b31m`} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks the escaped %s:\n%s", want, view)
		}
	}
}
