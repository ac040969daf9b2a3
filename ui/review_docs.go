package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/ansi"
)

// docsMsg carries the policy documents the review shows.
type docsMsg struct {
	seq         int
	docs        []PolicyDocument
	err         error
	withAccount bool // rendered for the account, not ACCOUNT_ID
}

// renderDocs renders the documents in a command (discovery may run when
// the workspace is not known), for the account when it is known.
func (s *reviewScreen) renderDocs() tea.Cmd {
	c := s.ctx
	if !c.Project.Greengrass.Enabled || c.Svc.Documents == nil {
		return nil
	}
	seq, p, ws, documents, id := s.seq, cloneProject(c.Project), c.Workspace, c.Svc.Documents, c.Identity
	return func() tea.Msg {
		docs, err := documents(p, ws, id)
		return docsMsg{seq: seq, docs: docs, err: err, withAccount: id != nil}
	}
}

// docLines shows the documents apply creates, after the AWS plan: what the
// claim certificate and the devices will be allowed to do is decided here,
// so it is read before it is created (issue 10, item 4).
func (s *reviewScreen) docLines(w int) []string {
	st := s.ctx.Styles
	lines := []string{"", st.Label.Render("Documents apply creates")}
	switch {
	case s.ctx.Svc.Documents == nil:
		return nil
	case s.docsErr != nil:
		for _, l := range wrap("✗ "+s.docsErr.Error(), w) {
			lines = append(lines, st.Error.Render(l))
		}
		return lines
	case s.docs == nil:
		return append(lines, st.Subtle.Render("Rendering…"))
	}
	if s.ctx.Identity == nil {
		for _, l := range wrap("The account is not known yet (no AWS credentials): ACCOUNT_ID stands for it.", w) {
			lines = append(lines, st.Subtle.Render(l))
		}
	}
	for _, d := range s.docs {
		lines = append(lines, "", st.Header.Render(ansi.Truncate(d.Title+": "+d.Name, w, "…")))
		for _, l := range strings.Split(d.Body, "\n") {
			// Wrapped, not cut: an ARN cut short would hide what is allowed.
			lines = append(lines, wrap(l, w)...)
		}
	}
	return lines
}
