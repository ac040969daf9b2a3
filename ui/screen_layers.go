package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"fleetbake/app"
	"fleetbake/model"
)

// layersScreen is the layer checklist: choosing a layer adds its
// dependencies, shown with the reason; layers not on disk and series
// mismatches are flagged.
type layersScreen struct {
	ctx    *Context
	list   *pickList
	chosen []string
	res    *Resolution
	resErr error
	err    string
	seq    int // resolution requests, so a late answer for an old choice is dropped
	// fetching is true while `layers fetch` runs for the layers not on
	// disk; fetchNote is its outcome, shown under the list.
	fetching  bool
	fetchNote string
	fetchRun  *fetchRun  // the fetch under way, read from Update
	progress  fetchLines // one line per repository while fetching
}

// resolvedMsg carries a resolution for the choice numbered seq.
type resolvedMsg struct {
	seq int
	res *Resolution
	err error
}

func newLayersScreen(c *Context) *layersScreen {
	s := &layersScreen{ctx: c, list: newPickList(c, "layers")}
	s.list.mark = s.mark
	return s
}

// proposal is the layers to offer (the question's answer): the answer,
// else the layers of an existing bblayers.conf the workspace has, else the
// default.
func (s *layersScreen) proposal() []string {
	return strings.Fields(questionFor("layers").Get(s.ctx.answers()))
}

func (s *layersScreen) fill() {
	ws := s.ctx.Workspace
	if ws == nil {
		return
	}
	cur, _ := s.list.Current()
	seen := map[string]bool{}
	var items []pickItem
	for _, l := range ws.Layers {
		if seen[l.Name] {
			continue
		}
		seen[l.Name] = true
		items = append(items, pickItem{Value: l.Name, Meta: l.Collection})
	}
	for i := range items {
		items[i].Desc = s.describe(items[i].Value)
	}
	s.list.SetItems(items, cur.Value)
}

func (s *layersScreen) Enter() tea.Cmd {
	s.err = ""
	s.list.ResetFilter()
	s.chosen = s.proposal()
	s.fill()
	if len(s.chosen) > 0 {
		s.list.Select(s.chosen[0])
	}
	return s.resolve()
}

func (s *layersScreen) resolve() tea.Cmd {
	c := s.ctx
	if c.Svc.Resolve == nil || c.Workspace == nil {
		return nil
	}
	s.seq++
	seq, ws, resolve := s.seq, c.Workspace, c.Svc.Resolve
	p := cloneProject(c.Project)
	p.Layers = slices.Clone(s.chosen)
	return func() tea.Msg {
		r, err := resolve(p, ws)
		return resolvedMsg{seq: seq, res: r, err: err}
	}
}

func (s *layersScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case workspaceMsg:
		if len(s.chosen) == 0 {
			s.chosen = s.proposal()
		}
		s.fill()
		return s.resolve()
	case resolvedMsg:
		if msg.seq != s.seq {
			return nil
		}
		s.res, s.resErr = msg.res, msg.err
		s.fill()
		return nil
	case fetchEventsMsg:
		s.progress.add(msg.events)
		if s.fetchRun == nil {
			return nil
		}
		return s.fetchRun.wait()
	case fetchedMsg:
		s.fetching, s.fetchRun = false, nil
		if msg.err != nil {
			s.fetchNote = "✗ fetch failed: " + msg.err.Error()
			return nil
		}
		s.fetchNote = fmt.Sprintf("✓ fetched %d repositories", s.progress.count(model.FetchDone))
		// What is on disk changed: discover again; the workspaceMsg that
		// comes back refills the list and resolves once more.
		return discoverCmd(s.ctx)
	case tea.KeyPressMsg:
		if !s.list.Filtering() && key.Matches(msg, s.ctx.Keys.Toggle) {
			return s.toggle()
		}
		if !s.list.Filtering() && key.Matches(msg, s.ctx.Keys.FetchLayers) {
			return s.fetch()
		}
		wasFiltering := s.list.Filtering()
		cmd, chosen := s.list.Update(msg)
		if chosen && !wasFiltering {
			return s.submit()
		}
		return cmd
	}
	return nil
}

// notOnDisk counts the resolved layers that `layers fetch` would clone.
func (s *layersScreen) notOnDisk() int {
	n := 0
	if s.res != nil {
		for _, l := range s.res.Layers {
			if !l.OnDisk {
				n++
			}
		}
	}
	return n
}

// fetch clones the layers of the current resolution that are not on disk,
// as `fleetbake layers fetch` does, in a command, and streams its progress.
func (s *layersScreen) fetch() tea.Cmd {
	c := s.ctx
	if s.fetching || s.notOnDisk() == 0 || c.Svc.FetchLayers == nil {
		return nil
	}
	s.fetching, s.fetchNote, s.progress = true, "", fetchLines{}
	p, r, fetch := cloneProject(c.Project), s.res, c.Svc.FetchLayers
	p.Layers = slices.Clone(s.chosen)
	run, start := startFetch(c.Ctx, func(ctx context.Context, events func(app.FetchEvent)) error {
		return fetch(ctx, p, r, events)
	})
	s.fetchRun = run
	return tea.Batch(start, run.wait())
}

func (s *layersScreen) toggle() tea.Cmd {
	it, ok := s.list.Current()
	if !ok {
		return nil
	}
	if i := slices.Index(s.chosen, it.Value); i >= 0 {
		s.chosen = slices.Delete(s.chosen, i, i+1)
	} else {
		s.chosen = append(s.chosen, it.Value)
	}
	s.err = ""
	s.fill()
	if len(s.chosen) == 0 {
		return s.resolve()
	}
	// A toggle is an answer: saved at once, like every other, so leaving
	// the step with esc (or quitting) does not lose it. Enter still checks
	// the set before going on.
	s.ctx.Project.Layers = slices.Clone(s.chosen)
	return tea.Batch(s.resolve(), s.ctx.SaveProject())
}

func (s *layersScreen) submit() tea.Cmd {
	if len(s.chosen) == 0 {
		s.err = "choose at least one layer (space toggles)"
		return nil
	}
	for _, name := range s.chosen {
		if err := s.ctx.Validate("layers", name); err != nil {
			s.err = err.Error()
			return nil
		}
	}
	if r := s.res; r != nil && (len(r.Missing) > 0 || len(r.Incompatible) > 0) {
		s.err = "fix the problems listed above first: choose other layers or fetch the missing ones"
		return nil
	}
	s.err = ""
	s.ctx.Project.Layers = slices.Clone(s.chosen)
	s.ctx.Resolution = s.res
	return tea.Batch(s.ctx.SaveProject(), nextFrom(s))
}

func (s *layersScreen) resolved(name string) (ResolvedLayer, bool) {
	if s.res == nil {
		return ResolvedLayer{}, false
	}
	for _, l := range s.res.Layers {
		if l.Name == name {
			return l, true
		}
	}
	return ResolvedLayer{}, false
}

func (s *layersScreen) mark(it pickItem) string {
	if slices.Contains(s.chosen, it.Value) {
		return "[x] "
	}
	if r, ok := s.resolved(it.Value); ok && r.AddedBy != "" {
		return "[+] "
	}
	return "[ ] "
}

func (s *layersScreen) describe(name string) string {
	var parts []string
	r, ok := s.resolved(name)
	if ok && r.AddedBy != "" && !slices.Contains(s.chosen, name) {
		parts = append(parts, "added: "+r.AddedBy)
	}
	if ok && r.Mismatch != "" {
		parts = append(parts, "✗ "+r.Mismatch)
	}
	if ws := s.ctx.Workspace; ws != nil {
		for _, l := range ws.Layers {
			if l.Name == name && !l.OnDisk {
				parts = append(parts, "not on disk")
				break
			}
		}
	}
	return strings.Join(parts, "; ")
}

func (s *layersScreen) View(height int) string {
	c := s.ctx
	st := c.Styles
	w := max(10, c.Width-2)
	if c.Workspace == nil {
		return st.Subtle.Render("Looking for layers…")
	}
	var tail []string
	if r := s.res; r != nil {
		n := s.notOnDisk()
		summary := fmt.Sprintf("%d layers in bblayers.conf", len(r.Layers))
		switch {
		case n > 0 && s.fetching:
			summary += fmt.Sprintf(", %d not on disk: fetching…", n)
		case n > 0 && c.Svc.FetchLayers != nil:
			summary += fmt.Sprintf(", %d not on disk: F fetches them (shallow clones at their pins or the release's branch, into %s/)", n, fetchInto(c.Workspace))
		case n > 0:
			summary += fmt.Sprintf(", %d not on disk: fetch them with `fleetbake layers fetch`", n)
		}
		tail = append(tail, wrap(summary, w)...)
		for _, m := range r.Missing {
			for _, l := range wrap("✗ missing: "+m, w) {
				tail = append(tail, st.Error.Render(l))
			}
		}
		for _, m := range r.Incompatible {
			for _, l := range wrap("✗ series: "+m, w) {
				tail = append(tail, st.Error.Render(l))
			}
		}
	} else if s.resErr != nil {
		for _, l := range wrap("✗ "+s.resErr.Error(), w) {
			tail = append(tail, st.Error.Render(l))
		}
	}
	if s.fetching {
		for _, l := range s.progress.lines() {
			tail = append(tail, st.Subtle.Render(ansi.Truncate(l, w, "…")))
		}
	}
	if s.fetchNote != "" {
		style := st.OK
		if strings.HasPrefix(s.fetchNote, "✗") {
			style = st.Error
		}
		for _, l := range wrap(s.fetchNote, w) {
			tail = append(tail, style.Render(l))
		}
	}
	if s.err != "" {
		for _, l := range wrap("✗ "+s.err, w) {
			tail = append(tail, st.Error.Render(l))
		}
	}
	// The list gets at least 5 rows; problems beyond that are cut, the
	// first ones first.
	maxTail := max(0, height-5)
	if len(tail) > maxTail {
		tail = tail[:maxTail]
	}
	listH := max(2, height-len(tail))
	out := s.list.View(w, listH)
	if len(tail) > 0 {
		out += "\n" + strings.Join(tail, "\n")
	}
	return out
}

func (s *layersScreen) Capturing() bool { return s.list.Filtering() }

func (s *layersScreen) ShortHelp() []key.Binding {
	k := s.ctx.Keys
	if s.list.Filtering() {
		return []key.Binding{k.Move, k.Enter, k.ClearFilter}
	}
	if s.notOnDisk() > 0 && !s.fetching && s.ctx.Svc.FetchLayers != nil {
		return []key.Binding{k.Move, k.Toggle, k.FetchLayers, k.Filter, k.Enter, k.Back, k.Help, k.Quit}
	}
	return []key.Binding{k.Move, k.Toggle, k.Filter, k.Enter, k.Back, k.Help, k.Quit}
}

func (s *layersScreen) FullHelp() [][]key.Binding {
	k := s.ctx.Keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown}, {k.Toggle, k.FetchLayers, k.Filter, k.ClearFilter, k.Enter}, {k.Back, k.Help, k.Quit}}
}

// fetchInto is the folder F clones into, as app found it (Workspace.FetchDir):
// a bitbake-setup folder's layers/, else the project's sources/.
func fetchInto(ws *Workspace) string {
	if ws.FetchDir == "" {
		return "sources" // a workspace not from app.Discover (model.FetchDir's default)
	}
	return ws.FetchDir
}
