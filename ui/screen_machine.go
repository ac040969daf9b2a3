package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"fleetbake/model"
)

// machineScreen is the filterable list of every machine on disk and in the
// catalog, with its description and layer.
type machineScreen struct {
	ctx  *Context
	list *pickList
	err  string
}

func newMachineScreen(c *Context) *machineScreen {
	return &machineScreen{ctx: c, list: newPickList(c, "machines")}
}

func (s *machineScreen) fill() {
	ws := s.ctx.Workspace
	if ws == nil {
		return
	}
	items := make([]pickItem, 0, len(ws.Machines))
	for _, m := range ws.Machines {
		items = append(items, pickItem{Value: m.Name, Desc: m.Description, Meta: m.Layer})
	}
	s.list.SetItems(items, s.proposal())
}

// proposal is the machine to put the cursor on: the answer, else the one
// from an existing local.conf, else the default.
func (s *machineScreen) proposal() string {
	if v := s.ctx.Project.Machine; v != "" {
		return v
	}
	if g := s.ctx.Guess; g != nil && g.Machine != "" {
		return g.Machine
	}
	return model.Default().Machine
}

func (s *machineScreen) Enter() tea.Cmd {
	s.err = ""
	s.list.ResetFilter()
	s.fill()
	return nil
}

func (s *machineScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg.(type) {
	case workspaceMsg:
		s.fill()
		return nil
	case tea.KeyPressMsg:
	default:
		return nil
	}
	cmd, chosen := s.list.Update(msg)
	if !chosen {
		return cmd
	}
	it, _ := s.list.Current()
	if err := s.ctx.Validate("machine", it.Value); err != nil {
		s.err = err.Error()
		return nil
	}
	s.err = ""
	s.ctx.Project.Machine = it.Value
	return tea.Batch(s.ctx.SaveProject(), nextFrom(s))
}

func (s *machineScreen) View(height int) string {
	c := s.ctx
	st := c.Styles
	w := max(10, c.Width-2)
	if c.Workspace == nil {
		return st.Subtle.Render("Looking for machines in the layers…")
	}
	var head []string
	head = append(head, st.Subtle.Render("MACHINE for this build. Current: ")+orDash(c.Project.Machine))
	if s.err != "" {
		for _, l := range wrap("✗ "+s.err, w) {
			head = append(head, st.Error.Render(l))
		}
	}
	head = append(head, "")
	return strings.Join(head, "\n") + "\n" + s.list.View(w, max(2, height-len(head)))
}

func (s *machineScreen) Capturing() bool { return s.list.Filtering() }

func (s *machineScreen) ShortHelp() []key.Binding {
	k := s.ctx.Keys
	if s.list.Filtering() {
		return []key.Binding{k.Move, k.Enter, k.ClearFilter}
	}
	return []key.Binding{k.Move, k.Filter, k.Enter, k.Back, k.Help, k.Quit}
}

func (s *machineScreen) FullHelp() [][]key.Binding {
	k := s.ctx.Keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown}, {k.Filter, k.ClearFilter, k.Enter}, {k.Back, k.Help, k.Quit}}
}
