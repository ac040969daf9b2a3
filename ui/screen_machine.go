package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// machineScreen is the filterable list of every machine on disk and in the
// catalog, with its description and layer. A name typed in the filter that
// matches no machine can be taken too, after a second Enter and a note: the
// catalog lists only some machines of each BSP layer, and the BSP layer may
// not be on disk yet. Whether a layer has it is checked when the layers are
// resolved (model.Resolve), which refuses it once every layer is on disk.
type machineScreen struct {
	ctx     *Context
	list    *pickList
	err     string
	pending string // a typed MACHINE found nowhere, waiting for its second Enter
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
// from an existing local.conf, else the default (the question's answer).
func (s *machineScreen) proposal() string {
	return questionFor("machine").Get(s.ctx.answers())
}

func (s *machineScreen) Enter() tea.Cmd {
	s.err, s.pending = "", ""
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
	if typed := s.typed(); typed != "" && msg.(tea.KeyPressMsg).String() == "enter" {
		return s.takeTyped(typed)
	}
	s.pending = ""
	cmd, chosen := s.list.Update(msg)
	if !chosen {
		return cmd
	}
	it, _ := s.list.Current()
	return s.choose(it.Value)
}

// typed is the filter text while it matches no machine: a name the
// engineer types that is not in the list.
func (s *machineScreen) typed() string {
	if !s.list.Filtering() {
		return ""
	}
	if _, ok := s.list.Current(); ok {
		return ""
	}
	return strings.TrimSpace(s.list.filter.Value())
}

// takeTyped notes the first Enter on a name found nowhere and takes it on
// the second.
func (s *machineScreen) takeTyped(name string) tea.Cmd {
	if err := s.ctx.Validate("machine", name); err != nil {
		s.err = err.Error()
		return nil
	}
	if s.pending != name {
		s.pending, s.err = name, ""
		return nil
	}
	s.list.ResetFilter()
	return s.choose(name)
}

func (s *machineScreen) choose(name string) tea.Cmd {
	if err := s.ctx.Validate("machine", name); err != nil {
		s.err = err.Error()
		return nil
	}
	s.err, s.pending = "", ""
	s.ctx.Project.Machine = name
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
	if t := s.typed(); t != "" {
		note := "Enter: use " + t + " as MACHINE."
		if s.pending == t {
			note = "! " + unknownMachine(c.Workspace, t) + ": its BSP layer must be added to the source folders " +
				"(checked when the layers are resolved). Enter again to use it, esc to choose from the list."
		}
		for _, l := range wrap(note, w) {
			head = append(head, st.Warn.Render(l))
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
