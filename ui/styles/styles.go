// Package styles holds every Lip Gloss style the fleetbake UI uses, built
// once for a dark or light background so screens never pick colors
// themselves.
package styles

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
)

// Styles are the styles of every screen. Build them with New.
type Styles struct {
	IsDark  bool
	NoColor bool

	App      lipgloss.Style // whole frame padding
	Title    lipgloss.Style // screen title
	Step     lipgloss.Style // "step 2 of 9" next to the title
	Subtle   lipgloss.Style // secondary text: descriptions, paths
	Text     lipgloss.Style
	Selected lipgloss.Style // the row under the cursor
	Cursor   lipgloss.Style // the "›" marker
	Match    lipgloss.Style // filter text
	OK       lipgloss.Style
	Warn     lipgloss.Style
	Error    lipgloss.Style
	Added    lipgloss.Style // diff "+" lines
	Removed  lipgloss.Style // diff "-" lines
	Label    lipgloss.Style // form labels
	Header   lipgloss.Style // table headers

	Help      help.Styles
	TextInput textinput.Styles

	Accent color.Color
}

// New returns the styles for a dark or light background. With noColor (the
// NO_COLOR convention) no style sets a color; emphasis stays in bold and
// reverse so the cursor row is still visible.
func New(isDark, noColor bool) Styles {
	ld := lipgloss.LightDark(isDark)
	accent := ld(lipgloss.Color("#5A3FC0"), lipgloss.Color("#9D8CFF"))
	subtle := ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#8A8A8A"))
	green := ld(lipgloss.Color("#1B7F3B"), lipgloss.Color("#5FD787"))
	yellow := ld(lipgloss.Color("#8A6100"), lipgloss.Color("#E5C07B"))
	red := ld(lipgloss.Color("#B3261E"), lipgloss.Color("#FF6B6B"))

	s := Styles{IsDark: isDark, NoColor: noColor, Accent: accent}
	s.App = lipgloss.NewStyle().Padding(0, 1)
	s.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Step = lipgloss.NewStyle().Foreground(subtle)
	s.Subtle = lipgloss.NewStyle().Foreground(subtle)
	s.Text = lipgloss.NewStyle()
	s.Selected = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Cursor = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Match = lipgloss.NewStyle().Underline(true)
	s.OK = lipgloss.NewStyle().Foreground(green)
	s.Warn = lipgloss.NewStyle().Foreground(yellow)
	s.Error = lipgloss.NewStyle().Bold(true).Foreground(red)
	s.Added = lipgloss.NewStyle().Foreground(green)
	s.Removed = lipgloss.NewStyle().Foreground(red)
	s.Label = lipgloss.NewStyle().Bold(true)
	s.Header = lipgloss.NewStyle().Bold(true).Underline(true)
	s.Help = help.DefaultStyles(isDark)
	s.TextInput = textinput.DefaultStyles(isDark)
	s.TextInput.Cursor.Blink = false // a blinking cursor redraws twice a second: costly over SSH

	if noColor {
		plain := lipgloss.NewStyle()
		s.Title = plain.Bold(true)
		s.Step, s.Subtle, s.Text, s.Match = plain, plain, plain, plain.Underline(true)
		s.Selected = plain.Bold(true)
		s.Cursor = plain.Bold(true)
		s.OK, s.Warn, s.Added, s.Removed = plain, plain, plain, plain
		s.Error = plain.Bold(true)
		s.Help = help.Styles{}
		s.TextInput = textinput.Styles{}
		s.TextInput.Cursor.Blink = false
		s.Accent = nil
	}
	return s
}
