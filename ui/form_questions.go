package ui

// A form's fields built from the questions of questions.go, and the check
// of their folders on disk.

import (
	"errors"

	tea "charm.land/bubbletea/v2"

	"fleetbake/model"
)

// ask adds the field of a question: its label, help and placeholder, its
// choices from a, its rules. A question that depends on another of the
// same form is hidden while that one's answer does not ask it.
func (f *form) ask(q *question, a *answers) *formField {
	var ff *formField
	if q.Kind == askChoice {
		ff = f.choice(q.Key, q.Label, q.Help, q.Choices(a), q.Labels)
	} else {
		placeholder := ""
		if q.Empty != "" {
			placeholder = "(" + q.Empty + ")"
		}
		ff = f.text(q.Key, q.Label, q.Help, placeholder)
	}
	ff.q, ff.check = q, q.Check
	if q.DependsOn != "" {
		for _, dep := range f.fields {
			if dep.q != nil && dep.q.Key == q.DependsOn {
				ff.hidden = func() bool { return !q.asked(dep.Value()) }
			}
		}
	}
	return ff
}

// askStep adds the fields of every question of a step.
func (f *form) askStep(s Step, a *answers) []*formField {
	var out []*formField
	for _, q := range stepQuestions(s) {
		out = append(out, f.ask(q, a))
	}
	return out
}

// load sets every field to its question's answer as it stands, and clears
// the problems shown.
func (f *form) load(a *answers) {
	for _, ff := range f.fields {
		if ff.q == nil {
			continue
		}
		if ff.q.Kind == askChoice {
			ff.choices = ff.q.Choices(a)
		}
		ff.SetValue(ff.q.Get(a))
		ff.err = ""
	}
}

// store sets the answer of every field that has no problem shown.
func (f *form) store(a *answers) {
	for _, ff := range f.fields {
		if ff.q != nil && ff.err == "" && (ff.check == nil || ff.check(ff.Value()) == nil) {
			ff.q.Set(a, ff.Value())
		}
	}
}

// pathsCheckedMsg is the outcome of checkPaths for a form.
type pathsCheckedMsg struct {
	form *form
	// values are the answers checked, by key, and errs their problems.
	values map[string]string
	errs   map[string]error
}

// checkPaths checks the full path of every visible Path field for the
// project p (a copy), on disk, in a command since Update does no I/O: a
// folder BitBake cannot use is refused where it is typed, not at Review.
func (f *form) checkPaths(p *model.Project) tea.Cmd {
	values := map[string]string{}
	var qs []*question
	for i, ff := range f.fields {
		if ff.q != nil && ff.q.Path && f.visible(i) {
			values[ff.q.Key] = ff.Value()
			qs = append(qs, ff.q)
		}
	}
	return func() tea.Msg {
		errs := map[string]error{}
		for _, q := range qs {
			if err := q.checkPath(p, values[q.Key]); err != nil {
				errs[q.Key] = err
			}
		}
		return pathsCheckedMsg{form: f, values: values, errs: errs}
	}
}

// pathsChecked shows the problems of a checkPaths outcome and focuses the
// first; ok is false when there was one, or when the answers changed since.
func (f *form) pathsChecked(m pathsCheckedMsg) (ok bool, cmd tea.Cmd) {
	first := -1
	for i, ff := range f.fields {
		if ff.q == nil {
			continue
		}
		v, checked := m.values[ff.q.Key]
		if !checked {
			continue
		}
		if v != ff.Value() {
			return false, nil // an answer about a value since changed
		}
		if err := m.errs[ff.q.Key]; err != nil {
			ff.err = problem(err)
			if first < 0 {
				first = i
			}
		}
	}
	if first >= 0 {
		f.focus = first
		return false, f.focusCmd()
	}
	return true, nil
}

// problem is what an error says about an answer, without the field and
// value a model.FieldError repeats (the field is beside it).
func problem(err error) string {
	var fe *model.FieldError
	if errors.As(err, &fe) {
		return fe.Problem
	}
	return err.Error()
}
