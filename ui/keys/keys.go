// Package keys holds the key bindings of the fleetbake UI in one place, so
// the help footer always tells the truth.
package keys

import "charm.land/bubbles/v2/key"

// KeyMap is every binding a screen may use.
type KeyMap struct {
	Up, Down key.Binding
	// Move stands for Up and Down in a short help line; it is matched by
	// Up and Down, never by itself.
	Move         key.Binding
	Left, Right  key.Binding
	Enter        key.Binding
	Tab          key.Binding
	ShiftTab     key.Binding
	Toggle       key.Binding
	Back         key.Binding
	Leave        key.Binding // esc on the first step: leave the wizard
	Filter       key.Binding
	ClearFilter  key.Binding
	Help         key.Binding
	Quit         key.Binding
	ForceQuit    key.Binding
	Retry        key.Binding
	Rebuild      key.Binding // the Build screen's r: "retry failed" read as an error after a build that succeeded or was stopped
	Yes, No      key.Binding
	PageUp       key.Binding
	PageDown     key.Binding
	ApplyChanges key.Binding
	SkipAWS      key.Binding
	Detach       key.Binding
	CancelBuild  key.Binding
	FetchLayers  key.Binding
}

// Default returns the bindings described in the README.
func Default() KeyMap {
	return KeyMap{
		Up:           key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:         key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Move:         key.NewBinding(key.WithKeys("up", "down", "k", "j"), key.WithHelp("↑/↓", "move")),
		Left:         key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/→", "change")),
		Right:        key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("←/→", "change")),
		Enter:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next")),
		Tab:          key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
		ShiftTab:     key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field")),
		Toggle:       key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "toggle")),
		Back:         key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Leave:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "quit")),
		Filter:       key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ClearFilter:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Help:         key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:         key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		ForceQuit:    key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Retry:        key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "retry failed")),
		Rebuild:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "build again")),
		Yes:          key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:           key.NewBinding(key.WithKeys("n", "N", "esc", "enter"), key.WithHelp("n/enter", "no")),
		PageUp:       key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup", "page up")),
		PageDown:     key.NewBinding(key.WithKeys("pgdown", "f"), key.WithHelp("pgdn", "page down")),
		ApplyChanges: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
		SkipAWS:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "skip AWS (files only)")),
		Detach:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "leave (build keeps running)")),
		CancelBuild:  key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "stop the build")),
		FetchLayers:  key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "fetch")),
	}
}
