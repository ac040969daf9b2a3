package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// settingsScreen asks for threads, download and sstate folders and the
// sharing settings teams use (sstate mirror, hash equivalence, PR server):
// the questions of StepSettings.
type settingsScreen struct{ stepForm }

func newSettingsScreen(c *Context) *settingsScreen {
	return &settingsScreen{newStepForm(c, StepSettings)}
}

func checkCount(v string) error {
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 4096 {
		return fmt.Errorf("%q is not a count: give a whole number from 1 to 4096, or leave it empty for the default", v)
	}
	return nil
}

func countString(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// store copies the valid answers into the project; it reports whether
// anything changed.
func (s *settingsScreen) store() bool {
	sh := &s.ctx.Project.Shared
	old := *sh
	s.form.store(s.ctx.answers())
	return *sh != old
}

func (s *settingsScreen) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := s.pathsDone(msg, s); ok {
		return cmd
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		cmd, _ := s.form.Update(msg)
		return cmd
	}
	if key.Matches(km, s.ctx.Keys.Back) {
		return back
	}
	focus := s.form.focus
	cmd, submit := s.form.Update(msg)
	if submit {
		s.store()
		// The folders are checked on disk before going on.
		return tea.Batch(cmd, s.form.checkPaths(cloneProject(s.ctx.Project)))
	}
	if s.form.focus != focus && s.store() {
		return tea.Batch(cmd, s.ctx.SaveProject())
	}
	return cmd
}

func (s *settingsScreen) View(height int) string {
	w := max(10, s.ctx.Width-2)
	var head []string
	for _, l := range wrap("Empty fields keep BitBake's defaults. enter on the last field goes on.", w) {
		head = append(head, s.ctx.Styles.Subtle.Render(l))
	}
	head = append(head, "")
	return strings.Join(head, "\n") + "\n" + s.form.View(w, max(1, height-len(head)))
}

func (s *settingsScreen) ShortHelp() []key.Binding {
	k := s.ctx.Keys
	return []key.Binding{k.Tab, k.Enter, k.Back, k.ForceQuit}
}

func (s *settingsScreen) FullHelp() [][]key.Binding {
	k := s.ctx.Keys
	return [][]key.Binding{{k.Tab, k.ShiftTab, k.Enter}, {k.Back, k.ForceQuit}}
}
