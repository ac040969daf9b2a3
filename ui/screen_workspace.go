package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"fleetbake/model"
)

// workspaceScreen shows what was found on disk and asks the questions of
// StepWorkspace: the build folder and the release.
type workspaceScreen struct{ stepForm }

func newWorkspaceScreen(c *Context) *workspaceScreen {
	return &workspaceScreen{newStepForm(c, StepWorkspace)}
}

func (s *workspaceScreen) Update(msg tea.Msg) tea.Cmd {
	// The build folder is checked on disk (its full path, that it can be
	// written): a folder BitBake cannot build in is refused here, not at
	// the first bitbake.
	if cmd, ok := s.pathsDone(msg, s); ok {
		return cmd
	}
	if km, ok := msg.(tea.KeyPressMsg); ok && key.Matches(km, s.ctx.Keys.Leave) {
		// First step: nothing to go back to, so esc leaves the wizard. Its
		// fields are text, where q is a letter; esc is how out, as ctrl+c
		// (which exits 130, as an interrupt).
		return func() tea.Msg { return quitMsg{} }
	}
	if _, ok := msg.(tea.KeyPressMsg); !ok {
		return nil
	}
	cmd, submit := s.form.Update(msg)
	if !submit {
		return cmd
	}
	a := s.ctx.answers()
	s.form.store(a)
	// An empty release is the one on disk, else the default: shown as set.
	s.form.load(a)
	return s.form.checkPaths(cloneProject(s.ctx.Project))
}

func (s *workspaceScreen) View(height int) string {
	c := s.ctx
	st := c.Styles
	w := max(10, c.Width-2)
	var lines []string
	ws := c.Workspace
	switch {
	case c.Svc.Discover == nil:
		lines = append(lines, st.Warn.Render("Layer discovery is not available in this build."))
	case ws == nil:
		lines = append(lines, st.Subtle.Render("Looking for layers…"))
	default:
		layers, machines := onDisk(ws)
		if ws.Catalog || layers == 0 {
			lines = append(lines, st.Warn.Render("No layers on disk: using the built-in catalog."),
				st.Subtle.Render("Layers you choose are fetched with `fleetbake layers fetch`."))
		} else {
			line := fmt.Sprintf("%d layers, %d machines on disk", layers, machines)
			if more := len(ws.Machines) - machines; more > 0 {
				line += st.Subtle.Render(fmt.Sprintf("; %d more machines in the catalog", more))
			}
			lines = append(lines, line)
		}
		if len(ws.Roots) > 0 {
			lines = append(lines, st.Subtle.Render("searched "+model.Printable(strings.Join(ws.Roots, ", "))))
		}
		rel := ws.Release
		if rel == "" {
			rel = "not detected (no oe-core on disk): " + model.DefaultRelease + " unless you set one"
		}
		gen := string(ws.Generation)
		if gen == "" {
			gen = "no meta-aws on disk"
		}
		lines = append(lines, "release "+st.Selected.Render(rel)+st.Subtle.Render("  fleet provisioning settings: "+gen))
		for i, p := range ws.Problems {
			if i == 3 {
				lines = append(lines, st.Warn.Render(fmt.Sprintf("… and %d more problems", len(ws.Problems)-3)))
				break
			}
			lines = append(lines, st.Warn.Render("! "+model.Printable(p)))
		}
	}
	if g := c.Guess; g != nil && (g.Machine != "" || len(g.Layers) > 0) {
		lines = append(lines, st.OK.Render(fmt.Sprintf("Existing %s: MACHINE %s, DISTRO %s, %d layers: offered as answers.",
			g.From, orDash(g.Machine), orDash(g.Distro), len(g.Layers))))
	}
	var out []string
	for _, l := range lines {
		out = append(out, wrap(l, w)...)
	}
	out = append(out, "")
	out = append(out, s.form.View(w, max(1, height-len(out))))
	return strings.Join(out, "\n")
}

// onDisk counts the layers found on disk and the machines they define
// (ws.Machines also holds the catalog's).
func onDisk(ws *Workspace) (layers, machines int) {
	seen := map[string]bool{}
	for _, l := range ws.Layers {
		if !l.OnDisk {
			continue
		}
		layers++
		for _, m := range l.Machines {
			if !seen[m.Name] {
				seen[m.Name] = true
				machines++
			}
		}
	}
	return layers, machines
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (s *workspaceScreen) ShortHelp() []key.Binding {
	k := s.ctx.Keys
	return []key.Binding{k.Tab, k.Enter, k.Leave, k.ForceQuit}
}

func (s *workspaceScreen) FullHelp() [][]key.Binding {
	k := s.ctx.Keys
	return [][]key.Binding{{k.Tab, k.ShiftTab, k.Enter}, {k.Leave, k.ForceQuit}}
}
