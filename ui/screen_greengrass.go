package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"fleetbake/app"
)

// greengrassScreen asks for the Greengrass nucleus and the fleet
// provisioning settings (the questions of StepGreengrass), and shows the
// AWS account in use.
type greengrassScreen struct{ stepForm }

func newGreengrassScreen(c *Context) *greengrassScreen {
	return &greengrassScreen{newStepForm(c, StepGreengrass)}
}

func (s *greengrassScreen) store() { s.form.store(s.ctx.answers()) }

func (s *greengrassScreen) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := s.pathsDone(msg, s); ok {
		return cmd
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if _, isID := msg.(identityMsg); isID {
			return nil
		}
		cmd, _ := s.form.Update(msg)
		return cmd
	}
	if key.Matches(km, s.ctx.Keys.Back) {
		return back
	}
	focus, before := s.form.focus, s.form.Focused().Value()
	cmd, submit := s.form.Update(msg)
	if submit {
		s.store()
		// The claim folder is checked on disk (its full path) before going on.
		return tea.Batch(cmd, s.form.checkPaths(cloneProject(s.ctx.Project)))
	}
	if s.form.focus != focus || s.form.Focused().kind == choiceField && s.form.Focused().Value() != before {
		s.store()
		cmds := []tea.Cmd{cmd, s.ctx.SaveProject()}
		if s.ctx.IdentityErr != nil && isDeviceTrouble(s.ctx.IdentityErr) && s.form.focus == focus {
			// A nucleus the devices can use may have been picked: the
			// refusal came from the settings, so look again.
			cmds = append(cmds, identityCmd(s.ctx))
		}
		return tea.Batch(cmds...)
	}
	return cmd
}

func (s *greengrassScreen) View(height int) string {
	c := s.ctx
	st := c.Styles
	w := max(10, c.Width-2)
	var head []string
	switch {
	case c.Identity != nil:
		head = append(head, st.OK.Render("AWS account "+c.Identity.Account)+st.Subtle.Render("  "+c.Identity.ARN))
	case c.IdentityErr != nil && isDeviceTrouble(c.IdentityErr):
		// Not AWS's doing: no account or credentials help, another nucleus
		// or release does.
		wrong, instead, _ := app.DeviceAdvice(c.IdentityErr)
		for _, l := range wrap(capitalize(wrong), w) {
			head = append(head, st.Warn.Render(l))
		}
		for _, l := range wrap("Pick instead: "+instead+". The nucleus is below, the release at the Workspace step; the AWS account is looked up again when you change them.", w) {
			head = append(head, st.Subtle.Render(l))
		}
	case c.IdentityErr != nil:
		// What to do first, then going on without AWS, the SDK's text last.
		fix, detail := app.AWSAdvice(c.IdentityErr)
		for _, l := range wrap(capitalize(fix)+".", w) {
			head = append(head, st.Warn.Render(l))
		}
		for _, l := range wrap(skipAWSScreen, w) {
			head = append(head, st.Subtle.Render(l))
		}
		if detail != "" {
			for _, l := range wrap("AWS SDK: "+detail, w) {
				head = append(head, st.Subtle.Render(l))
			}
		}
	case c.Svc.Identity != nil:
		head = append(head, st.Subtle.Render("Looking up the AWS account…"))
	}
	head = append(head, "")
	return strings.Join(head, "\n") + "\n" + s.form.View(w, max(1, height-len(head)))
}

func (s *greengrassScreen) ShortHelp() []key.Binding {
	k := s.ctx.Keys
	if s.form.Focused().kind == choiceField {
		return []key.Binding{k.Tab, k.Left, k.Enter, k.Back, k.Help, k.Quit}
	}
	return []key.Binding{k.Tab, k.Enter, k.Back, k.ForceQuit}
}

func (s *greengrassScreen) FullHelp() [][]key.Binding {
	k := s.ctx.Keys
	return [][]key.Binding{{k.Tab, k.ShiftTab, k.Left, k.Toggle}, {k.Enter, k.Back}, {k.Help, k.Quit, k.ForceQuit}}
}

// isDeviceTrouble: the AWS look-up was refused for the devices the project
// describes (app.DeviceTrouble), not for anything on AWS's side.
func isDeviceTrouble(err error) bool {
	_, _, ok := app.DeviceAdvice(err)
	return ok
}

// skipAWSScreen is how the screens go on without AWS.
const skipAWSScreen = "Or go on without AWS: at Review, s writes the conf files without the endpoints, and you can build."

// capitalize upper-cases the first letter of a sentence.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
