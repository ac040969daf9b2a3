package ui

// The root model's frame: header with the step and the account, the active
// screen, and the help footer. Only the root returns a tea.View.

import (
	"fmt"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"fleetbake/app"
)

// View draws header, body, status and help, never wider than the terminal
// and never taller. Only the root builds the tea.View.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "fleetbake: " + m.step.String()
	return v
}

// Render is the frame as a string (golden tests compare it ANSI-stripped).
func (m *Model) Render() string {
	c := m.ctx
	st := c.Styles
	w, h := c.Width, c.Height
	inner := max(1, w-2) // one column of padding each side

	header := m.headerLine(inner)

	var footer []string
	if m.confirm {
		footer = append(footer, st.Warn.Render("AWS calls are under way. Quit anyway? y/N (enter: no)"))
	} else if m.status != "" {
		if m.statusErr {
			footer = append(footer, st.Error.Render(m.status))
		} else {
			footer = append(footer, st.Subtle.Render(m.status))
		}
	} else {
		footer = append(footer, "")
	}
	helpView := m.helpView(inner)
	footer = append(footer, strings.Split(helpView, "\n")...)

	bodyH := max(1, h-2-len(footer))
	body := m.active().View(bodyH)
	lines := make([]string, 0, h)
	lines = append(lines, header, "")
	bl := strings.Split(body, "\n")
	if len(bl) > bodyH {
		bl = bl[:bodyH]
	}
	lines = append(lines, bl...)
	for len(lines) < h-len(footer) {
		lines = append(lines, "")
	}
	lines = append(lines, footer...)
	if len(lines) > h {
		lines = lines[len(lines)-h:]
		if h >= 1 {
			lines[0] = header
		}
	}
	// Lines come back frame after frame (list rows are kept, see
	// pickList): the fitted ones of the last frame are kept too, so that
	// only a new line is measured (a styled row is longer in bytes than
	// the screen is wide, and measuring it means parsing its escapes).
	fitted := make(map[string]string, len(lines))
	for i, l := range lines {
		f, ok := m.fitted[l]
		switch {
		case ok:
		case len(l) <= inner: // no line is wider than its bytes
			f = l
		default:
			f = ansi.Truncate(l, inner, "…")
		}
		fitted[l] = f
		lines[i] = " " + f
	}
	m.fitted = fitted
	return strings.Join(lines, "\n")
}

// headerLine is the step and the AWS account, rendered again only when one
// of them or the width changes.
func (m *Model) headerLine(inner int) string {
	c := m.ctx
	sig := fmt.Sprint(int(m.step), "/", inner, "/", c.StylesGen, "/", c.Identity != nil, "/", c.Svc.Identity != nil)
	if c.Identity != nil {
		sig += "/" + c.Identity.Account
	}
	if c.IdentityErr != nil {
		sig += "/" + c.IdentityErr.Error()
	}
	if sig == m.headerSig {
		return m.header
	}
	st := c.Styles
	header := st.Title.Render("fleetbake") + "  " + st.Title.Render(m.step.String()) +
		st.Step.Render(fmt.Sprintf("  %d/%d", int(m.step)+1, int(numSteps)))
	if acct := m.accountLine(); acct != "" {
		gap := inner - ansi.StringWidth(header) - ansi.StringWidth(acct)
		if gap >= 2 {
			header += strings.Repeat(" ", gap) + acct
		}
	}
	m.headerSig, m.header = sig, header
	return header
}

func (m *Model) accountLine() string {
	c := m.ctx
	st := c.Styles
	switch {
	case c.Identity != nil:
		return st.Subtle.Render("AWS " + c.Identity.Account)
	case c.IdentityErr != nil:
		return st.Warn.Render(app.AWSTrouble(c.IdentityErr))
	case c.Svc.Identity != nil:
		return st.Subtle.Render("AWS …")
	}
	return ""
}

// displayPath shortens a path under the working folder. It asks the system
// for the working folder: call it from commands.
func displayPath(p string) string {
	if wd, err := os.Getwd(); err == nil && strings.HasPrefix(p, wd+string(os.PathSeparator)) {
		return strings.TrimPrefix(p, wd+string(os.PathSeparator))
	}
	return p
}
