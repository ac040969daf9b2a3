package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// fieldKind is what a form field holds.
type fieldKind int

const (
	textField   fieldKind = iota // free text, checked with model.ValidateField
	choiceField                  // one of a few values, ←/→ to change
)

// formField is one question of a form.
type formField struct {
	Field   string // TOML name, e.g. "shared.dl_dir", used for validation
	Label   string
	Hint    string // shown under the focused field
	kind    fieldKind
	input   textinput.Model
	choices []string
	labels  []string // shown instead of choices when set
	choice  int
	err     string
	// hidden reports whether the field is skipped (e.g. Greengrass names when off).
	hidden func() bool
	// check adds a rule beyond ValidateField (e.g. a number).
	check func(string) error
	// q is the question the field asks (questions.go), when it is one.
	q *question
}

// Value is the field's answer.
func (f *formField) Value() string {
	if f.kind == choiceField {
		if len(f.choices) == 0 {
			return ""
		}
		return f.choices[f.choice]
	}
	return strings.TrimSpace(f.input.Value())
}

// SetValue sets the answer (for a choice, the matching choice if any).
func (f *formField) SetValue(v string) {
	if f.kind == choiceField {
		for i, c := range f.choices {
			if c == v {
				f.choice = i
			}
		}
		return
	}
	f.input.SetValue(v)
}

// form is a column of labelled fields with inline validation: leaving a
// field checks it, submitting checks all and stops at the first problem.
type form struct {
	ctx    *Context
	fields []*formField
	focus  int
}

func newForm(ctx *Context) *form { return &form{ctx: ctx} }

func (f *form) text(field, label, hint, placeholder string) *formField {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = placeholder
	in.SetStyles(f.ctx.Styles.TextInput)
	ff := &formField{Field: field, Label: label, Hint: hint, kind: textField, input: in}
	f.fields = append(f.fields, ff)
	return ff
}

func (f *form) choice(field, label, hint string, choices, labels []string) *formField {
	ff := &formField{Field: field, Label: label, Hint: hint, kind: choiceField, choices: choices, labels: labels}
	f.fields = append(f.fields, ff)
	return ff
}

func (f *form) visible(i int) bool {
	return f.fields[i].hidden == nil || !f.fields[i].hidden()
}

// field is the field of the question with that key, or nil.
func (f *form) field(key string) *formField {
	for _, ff := range f.fields {
		if ff.q != nil && ff.q.Key == key {
			return ff
		}
	}
	return nil
}

// Focused is the field with the cursor.
func (f *form) Focused() *formField { return f.fields[f.focus] }

// Capturing is true when a text field has the cursor.
func (f *form) Capturing() bool { return f.Focused().kind == textField }

// Start focuses the first visible field.
func (f *form) Start() tea.Cmd {
	f.focus = 0
	for !f.visible(f.focus) && f.focus < len(f.fields)-1 {
		f.focus++
	}
	return f.focusCmd()
}

func (f *form) focusCmd() tea.Cmd {
	var cmd tea.Cmd
	for i, ff := range f.fields {
		if ff.kind != textField {
			continue
		}
		if i == f.focus {
			cmd = ff.input.Focus()
			ff.input.CursorEnd()
		} else {
			ff.input.Blur()
		}
	}
	return cmd
}

// validate checks one field and records the problem inline.
func (f *form) validate(ff *formField) bool {
	ff.err = ""
	if ff.hidden != nil && ff.hidden() {
		return true
	}
	v := ff.Value()
	if ff.check != nil && ff.q == nil {
		if err := ff.check(v); err != nil {
			ff.err = err.Error()
			return false
		}
	}
	if ff.q != nil {
		if err := ff.q.check(v); err != nil {
			ff.err = problem(err)
			return false
		}
	} else if ff.Field != "" && v != "" {
		if err := f.ctx.Validate(ff.Field, v); err != nil {
			ff.err = err.Error()
			return false
		}
	}
	return true
}

// ValidateAll checks every visible field and focuses the first bad one.
func (f *form) ValidateAll() (bool, tea.Cmd) {
	first := -1
	for i, ff := range f.fields {
		if !f.validate(ff) && first < 0 {
			first = i
		}
	}
	if first >= 0 {
		f.focus = first
		return false, f.focusCmd()
	}
	return true, nil
}

func (f *form) move(d int) tea.Cmd {
	f.validate(f.Focused())
	i := f.focus
	for {
		i += d
		if i < 0 || i >= len(f.fields) {
			return nil
		}
		if f.visible(i) {
			f.focus = i
			return f.focusCmd()
		}
	}
}

// Update handles a message; submit is true when enter was pressed on the
// last field and every field is valid.
func (f *form) Update(msg tea.Msg) (cmd tea.Cmd, submit bool) {
	k := f.ctx.Keys
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		ff := f.Focused()
		if ff.kind == textField {
			ff.input, cmd = ff.input.Update(msg)
		}
		return cmd, false
	}
	ff := f.Focused()
	switch {
	case km.String() == "tab" || km.String() == "down":
		return f.move(1), false
	case km.String() == "shift+tab" || km.String() == "up":
		return f.move(-1), false
	case key.Matches(km, k.Enter):
		if !f.validate(ff) {
			return nil, false
		}
		if f.lastVisible() {
			ok, cmd := f.ValidateAll()
			return cmd, ok
		}
		return f.move(1), false
	}
	if ff.kind == choiceField {
		switch {
		case key.Matches(km, k.Left):
			ff.choice = (ff.choice + len(ff.choices) - 1) % len(ff.choices)
		case key.Matches(km, k.Right), key.Matches(km, k.Toggle):
			ff.choice = (ff.choice + 1) % len(ff.choices)
		case key.Matches(km, k.Up):
			return f.move(-1), false
		case key.Matches(km, k.Down):
			return f.move(1), false
		}
		return nil, false
	}
	before := ff.input.Value()
	ff.input, cmd = ff.input.Update(msg)
	if ff.input.Value() != before {
		ff.err = "" // the problem shown was about the old value
	}
	return cmd, false
}

func (f *form) lastVisible() bool {
	for i := f.focus + 1; i < len(f.fields); i++ {
		if f.visible(i) {
			return false
		}
	}
	return true
}

// View renders the fields: "Label  value", the hint or problem of the
// focused field under it, and problems of other fields under them.
func (f *form) View(width, height int) string {
	st := f.ctx.Styles
	labelW := 0
	for i, ff := range f.fields {
		if f.visible(i) {
			labelW = max(labelW, ansi.StringWidth(ff.Label))
		}
	}
	labelW = min(labelW, max(10, width*2/5))
	valueW := max(10, width-labelW-5) // one cell for the cursor after the text
	var lines []string
	focusLine := 0
	for i, ff := range f.fields {
		if !f.visible(i) {
			continue
		}
		label := ansi.Truncate(ff.Label, labelW, "…")
		label += strings.Repeat(" ", labelW-ansi.StringWidth(label))
		marker := "  "
		if i == f.focus {
			marker = st.Cursor.Render("› ")
			label = st.Label.Render(label)
			focusLine = len(lines)
		}
		var value string
		if ff.kind == choiceField {
			shown := ff.choices
			if ff.labels != nil {
				shown = ff.labels
			}
			if i == f.focus {
				value = st.Selected.Render("‹ "+shown[ff.choice]+" ›") + st.Subtle.Render(choiceCount(ff))
			} else {
				value = shown[ff.choice]
			}
		} else {
			ff.input.SetWidth(valueW)
			value = ff.input.View()
		}
		lines = append(lines, marker+label+"  "+value)
		indent := strings.Repeat(" ", labelW+4)
		switch {
		case ff.err != "":
			for j, l := range wrap(ff.err, max(10, width-labelW-6)) {
				mark := "  "
				if j == 0 {
					mark = "✗ "
				}
				lines = append(lines, indent+st.Error.Render(mark+l))
			}
		case i == f.focus && ff.Hint != "":
			for _, l := range wrap(ff.Hint, max(10, width-labelW-4)) {
				lines = append(lines, indent+st.Subtle.Render(l))
			}
		}
	}
	// Keep the focused field on screen when the form is taller than the body.
	if len(lines) > height && focusLine >= height-2 {
		start := min(focusLine-height/2, len(lines)-height)
		lines = lines[start:]
	}
	return strings.Join(lines, "\n")
}

func choiceCount(ff *formField) string {
	if len(ff.choices) <= 2 {
		return ""
	}
	return "  " + itoa(ff.choice+1) + "/" + itoa(len(ff.choices))
}
