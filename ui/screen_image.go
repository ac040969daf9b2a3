package ui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// imageScreen picks the image recipe and the distro from what the layers
// provide.
type imageScreen struct {
	ctx     *Context
	images  *pickList
	distros *pickList
	focus   int // 0 images, 1 distros
	err     string
}

func newImageScreen(c *Context) *imageScreen {
	s := &imageScreen{ctx: c, images: newPickList(c, "images"), distros: newPickList(c, "distros")}
	s.distros.focused = false
	return s
}

func (s *imageScreen) fill() {
	ws := s.ctx.Workspace
	if ws == nil {
		return
	}
	a := s.ctx.answers()
	image, distro := questionFor("image").Get(a), questionFor("distro").Get(a)
	s.images.SetItems(names(ws.Images, image), image)
	s.distros.SetItems(names(ws.Distros, distro), distro)
}

// names makes list items from names, adding the current answer when the
// layers on disk do not provide it (a catalog layer not fetched yet).
func names(list []string, current string) []pickItem {
	list = slices.Clone(list)
	if current != "" && !slices.Contains(list, current) {
		list = append(list, current)
	}
	slices.Sort(list)
	list = slices.Compact(list)
	items := make([]pickItem, len(list))
	for i, n := range list {
		items[i] = pickItem{Value: n}
	}
	return items
}

func (s *imageScreen) Enter() tea.Cmd {
	s.err = ""
	s.images.ResetFilter()
	s.distros.ResetFilter()
	s.setFocus(0)
	s.fill()
	return nil
}

func (s *imageScreen) setFocus(f int) {
	s.focus = f
	s.images.focused = f == 0
	s.distros.focused = f == 1
}

func (s *imageScreen) active() *pickList {
	if s.focus == 1 {
		return s.distros
	}
	return s.images
}

func (s *imageScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case workspaceMsg:
		s.fill()
		return nil
	case tea.KeyPressMsg:
		l := s.active()
		if !l.Filtering() && (msg.String() == "tab" || msg.String() == "shift+tab") {
			s.setFocus(1 - s.focus)
			return nil
		}
		wasFiltering := l.Filtering()
		cmd, chosen := l.Update(msg)
		if !chosen || wasFiltering {
			return cmd
		}
		if s.focus == 0 {
			s.setFocus(1)
			return nil
		}
		return s.submit()
	}
	return nil
}

func (s *imageScreen) submit() tea.Cmd {
	img, _ := s.images.Current()
	dis, _ := s.distros.Current()
	if err := s.ctx.Validate("image", img.Value); err != nil {
		s.err = err.Error()
		s.setFocus(0)
		return nil
	}
	if err := s.ctx.Validate("distro", dis.Value); err != nil {
		s.err = err.Error()
		return nil
	}
	if img.Value == "" || dis.Value == "" {
		s.err = "choose an image and a distro"
		return nil
	}
	s.err = ""
	s.ctx.Project.Image, s.ctx.Project.Distro = img.Value, dis.Value
	return tea.Batch(s.ctx.SaveProject(), nextFrom(s))
}

func (s *imageScreen) View(height int) string {
	c := s.ctx
	st := c.Styles
	w := max(10, c.Width-2)
	if c.Workspace == nil {
		return st.Subtle.Render("Looking for images and distros…")
	}
	var errLines []string
	if s.err != "" {
		for _, l := range wrap("✗ "+s.err, w) {
			errLines = append(errLines, st.Error.Render(l))
		}
	}
	avail := max(6, height-len(errLines)-2)
	imgH := max(3, avail*3/5)
	disH := max(3, avail-imgH)
	title := func(t string, focused bool) string {
		if focused {
			return st.Label.Render(t)
		}
		return st.Subtle.Render(t)
	}
	out := []string{title("Image (bitbake target)", s.focus == 0), s.images.View(w, imgH),
		title("Distro (DISTRO)", s.focus == 1), s.distros.View(w, disH)}
	out = append(out, errLines...)
	return strings.Join(out, "\n")
}

func (s *imageScreen) Capturing() bool { return s.active().Filtering() }

func (s *imageScreen) ShortHelp() []key.Binding {
	k := s.ctx.Keys
	if s.active().Filtering() {
		return []key.Binding{k.Move, k.Enter, k.ClearFilter}
	}
	return []key.Binding{k.Move, k.Tab, k.Filter, k.Enter, k.Back, k.Help, k.Quit}
}

func (s *imageScreen) FullHelp() [][]key.Binding {
	k := s.ctx.Keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown}, {k.Tab, k.Filter, k.ClearFilter, k.Enter}, {k.Back, k.Help, k.Quit}}
}
