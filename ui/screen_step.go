package ui

import tea "charm.land/bubbletea/v2"

// stepForm is what the screens that ask the questions of one step
// (Workspace, Settings, Greengrass) share: the form of that step, loaded
// from the answers each time the screen is entered, and the outcome of its
// check of paths on disk, which saves the project and goes on when no path
// has a problem.
type stepForm struct {
	ctx  *Context
	form *form
}

func newStepForm(c *Context, step Step) stepForm {
	f := stepForm{ctx: c, form: newForm(c)}
	f.form.askStep(step, c.answers())
	return f
}

func (s *stepForm) Enter() tea.Cmd {
	s.form.load(s.ctx.answers())
	return s.form.Start()
}

func (s *stepForm) Capturing() bool { return s.form.Capturing() }

// pathsDone handles msg when it is the outcome of this form's checkPaths
// (handled is then true): the problems are shown, or, with none, the
// project is saved and the wizard goes on from the screen from.
func (s *stepForm) pathsDone(msg tea.Msg, from screen) (cmd tea.Cmd, handled bool) {
	m, ok := msg.(pathsCheckedMsg)
	if !ok || m.form != s.form {
		return nil, false
	}
	if ok, cmd := s.form.pathsChecked(m); !ok {
		return cmd, true
	}
	return tea.Batch(s.ctx.SaveProject(), nextFrom(from)), true
}
