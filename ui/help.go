package ui

import (
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
)

// The footer's help line, fitted to the width and to what the keys do now.

// helpView is the full help, or the short help line of the active screen
// fitted to width: when it is too long, the bindings anyone would guess
// (arrows, tab, filter) go first, so enter, esc, space, ? and quit stay in
// view rather than being cut off at the end.
func (m *Model) helpView(width int) string {
	if m.help.ShowAll {
		return m.help.View(m.active())
	}
	var bs []key.Binding
	typing := m.active().Capturing()
	for _, b := range m.active().ShortHelp() {
		// While a text field has focus, ? and q are text (the root hands
		// them to the field): advertising them would be a lie.
		if b.Enabled() && !(typing && rootRune(b)) {
			bs = append(bs, b)
		}
	}
	// The line changes only with the bindings shown and the width: keep it
	// rather than restyling it at every key (issue 12: CPU per key).
	var sig strings.Builder
	sig.WriteString(strconv.Itoa(width) + "/" + strconv.Itoa(m.ctx.StylesGen))
	for _, b := range bs {
		h := b.Help()
		sig.WriteString("\x00" + h.Key + "\x01" + h.Desc)
	}
	if sig.String() == m.helpSig {
		return m.helpLine
	}
	m.helpSig = sig.String()
	m.helpLine = m.fitHelp(bs, width)
	return m.helpLine
}

// fitHelp renders the short help of bs, dropping the bindings anyone would
// guess until it fits width.
func (m *Model) fitHelp(bs []key.Binding, width int) string {
	sep := ansi.StringWidth(m.help.ShortSeparator)
	lineWidth := func() int {
		w := 0
		for i, b := range bs {
			h := b.Help()
			if i > 0 {
				w += sep
			}
			w += ansi.StringWidth(h.Key) + 1 + ansi.StringWidth(h.Desc)
		}
		return w
	}
	for lineWidth() > width {
		i := slices.IndexFunc(bs, func(b key.Binding) bool { return !essentialKey(b) })
		if i < 0 {
			break // what is left is cut with "…" by the help itself
		}
		bs = slices.Delete(bs, i, i+1)
	}
	return m.help.ShortHelpView(bs)
}

// rootRune: a binding of a printable key the root handles itself (help,
// quit) unless a screen is capturing typed text.
func rootRune(b key.Binding) bool {
	for _, k := range b.Keys() {
		if k == "?" || k == "q" {
			return true
		}
	}
	return false
}

// essentialKey: a binding the short help keeps as long as it can.
func essentialKey(b key.Binding) bool {
	switch b.Help().Key {
	case "enter", "esc", "space", "?", "q", "ctrl+c", "r", "x":
		return true
	}
	return false
}
