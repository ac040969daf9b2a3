package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"fleetbake/model"
)

// pickItem is one row of a pickList.
type pickItem struct {
	Value string // what is saved
	Desc  string // shown after the value
	Meta  string // shown at the right, e.g. the layer a machine comes from
}

// pickList is a one-line-per-item list with a `/` filter. It is smaller than
// bubbles/list on purpose: one row per item and no status bar, so moving the
// cursor changes two lines only, which keeps redraws small over SSH.
type pickList struct {
	ctx       *Context
	noun      string // "machines"
	items     []pickItem
	shown     []int // indexes into items that pass the filter
	cursor    int   // index into shown
	offset    int   // first shown row on screen
	filter    textinput.Model
	filtering bool
	focused   bool
	// answer is the value the list stands for (the project's answer, or
	// the item last picked with enter): clearing the filter puts the cursor
	// back on it, so that an enter after clearing never picks whatever
	// happens to be first.
	answer string
	// mark, when set, returns a fixed-width prefix for a row (e.g. "[x] ").
	mark func(pickItem) string

	// What View keeps between frames, so that a key that moves the cursor
	// renders the two rows it changes rather than restyling every row and
	// measuring every item (issue 12: CPU per key).
	nameMax, metaMax int // widest name and meta among the shown items
	rows             map[rowKey]string
	rowsFor          rowParams // what the rows in rows were rendered for
}

// rowKey is one rendering of an item: selected or not, with its mark.
type rowKey struct {
	idx  int // into items
	sel  bool
	mark string
}

// rowParams are what every row depends on besides its item.
type rowParams struct {
	width, nameW, metaW int
	focused             bool
	styles              int // Context.StylesGen
}

func newPickList(ctx *Context, noun string) *pickList {
	l := &pickList{ctx: ctx, noun: noun, focused: true}
	l.filter = textinput.New()
	l.filter.Prompt = "/"
	l.filter.SetStyles(ctx.Styles.TextInput)
	return l
}

// SetItems replaces the items, keeping the filter and selecting value if
// present; value becomes the answer the cursor returns to.
func (l *pickList) SetItems(items []pickItem, value string) {
	l.items = items
	l.rows = nil // indexes now name other items
	l.answer = value
	l.applyFilter()
	l.Select(value)
}

// ResetFilter drops the filter, so a screen entered again shows every item.
func (l *pickList) ResetFilter() {
	l.filtering = false
	l.filter.Blur()
	l.clearFilter()
}

// clearFilter shows every item again with the cursor on the answer, else
// on the item it was on: never on an item the user did not choose.
func (l *pickList) clearFilter() {
	cur, had := l.Current()
	l.filter.SetValue("")
	l.applyFilter()
	l.offset = 0
	switch {
	case l.answer != "" && l.has(l.answer):
		l.Select(l.answer)
	case had:
		l.Select(cur.Value)
	}
}

func (l *pickList) has(value string) bool {
	for _, idx := range l.shown {
		if l.items[idx].Value == value {
			return true
		}
	}
	return false
}

// Select moves the cursor to value when it is shown.
func (l *pickList) Select(value string) {
	for i, idx := range l.shown {
		if l.items[idx].Value == value {
			l.cursor = i
			return
		}
	}
}

// Current is the item under the cursor.
func (l *pickList) Current() (pickItem, bool) {
	if l.cursor < 0 || l.cursor >= len(l.shown) {
		return pickItem{}, false
	}
	return l.items[l.shown[l.cursor]], true
}

func (l *pickList) applyFilter() {
	f := strings.ToLower(strings.TrimSpace(l.filter.Value()))
	l.shown = l.shown[:0]
	for i, it := range l.items {
		if f == "" || strings.Contains(strings.ToLower(it.Value), f) ||
			strings.Contains(strings.ToLower(it.Desc), f) || strings.Contains(strings.ToLower(it.Meta), f) {
			l.shown = append(l.shown, i)
		}
	}
	if l.cursor >= len(l.shown) {
		l.cursor = max(0, len(l.shown)-1)
	}
	l.nameMax, l.metaMax = 0, 0
	for _, idx := range l.shown {
		l.nameMax = max(l.nameMax, ansi.StringWidth(l.items[idx].Value))
		l.metaMax = max(l.metaMax, ansi.StringWidth(l.items[idx].Meta))
	}
}

// Filtering is true while the filter field takes the typed keys.
func (l *pickList) Filtering() bool { return l.filtering }

// Update handles movement and the filter. chosen is true when enter picked
// the item under the cursor.
func (l *pickList) Update(msg tea.Msg) (cmd tea.Cmd, chosen bool) {
	k := l.ctx.Keys
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	if l.filtering {
		switch km.String() {
		case "esc":
			l.filtering = false
			l.filter.Blur()
			l.clearFilter()
			return nil, false
		case "enter":
			l.filtering = false
			l.filter.Blur()
			return nil, l.pick()
		case "up":
			l.move(-1)
			return nil, false
		case "down":
			l.move(1)
			return nil, false
		}
		before := l.filter.Value()
		l.filter, cmd = l.filter.Update(msg)
		if l.filter.Value() != before {
			if strings.TrimSpace(l.filter.Value()) == "" {
				// Deleted back to nothing: as esc, back on the answer.
				l.clearFilter()
				return cmd, false
			}
			l.cursor = 0
			l.offset = 0
			l.applyFilter()
		}
		return cmd, false
	}
	switch {
	case key.Matches(km, k.Up):
		l.move(-1)
	case key.Matches(km, k.Down):
		l.move(1)
	case key.Matches(km, k.PageUp):
		l.move(-10)
	case key.Matches(km, k.PageDown):
		l.move(10)
	case km.String() == "home" || km.String() == "g":
		l.cursor = 0
	case km.String() == "end" || km.String() == "G":
		l.cursor = max(0, len(l.shown)-1)
	case key.Matches(km, k.Filter):
		l.filtering = true
		return l.filter.Focus(), false
	case key.Matches(km, k.Enter):
		return nil, l.pick()
	}
	return nil, false
}

// pick makes the item under the cursor the answer; false when there is none.
func (l *pickList) pick() bool {
	it, ok := l.Current()
	if ok {
		l.answer = it.Value
	}
	return ok
}

func (l *pickList) move(d int) {
	l.cursor = min(max(0, l.cursor+d), max(0, len(l.shown)-1))
}

// View renders height lines: the rows, then one line with the filter and
// the position.
func (l *pickList) View(width, height int) string {
	st := l.ctx.Styles
	rows := max(1, height-1)
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+rows {
		l.offset = l.cursor - rows + 1
	}
	if l.offset > max(0, len(l.shown)-rows) {
		l.offset = max(0, len(l.shown)-rows)
	}
	// Columns are as wide as their widest entry: the name first (it is
	// what is chosen) up to half the width, then the meta column on the
	// right up to a third of what is left; the description takes the rest.
	nameW, metaW := min(l.nameMax, max(8, width/2)), l.metaMax
	params := rowParams{width: width, nameW: nameW, metaW: metaW, focused: l.focused, styles: l.ctx.StylesGen}
	if l.rows == nil || params != l.rowsFor {
		l.rows, l.rowsFor = map[rowKey]string{}, params
	}
	var b strings.Builder
	b.Grow(rows * width * 2) // styled rows are about twice their width in bytes
	for r := 0; r < rows; r++ {
		i := l.offset + r
		if r > 0 {
			b.WriteByte('\n')
		}
		if i >= len(l.shown) {
			continue
		}
		k := rowKey{idx: l.shown[i], sel: i == l.cursor}
		it := l.items[k.idx]
		if l.mark != nil {
			k.mark = l.mark(it)
		}
		row, ok := l.rows[k]
		if !ok {
			row = l.row(it, k.sel, k.mark, width, nameW, metaW)
			l.rows[k] = row
		}
		b.WriteString(row)
	}
	b.WriteByte('\n')
	var foot string
	if l.filtering || l.filter.Value() != "" {
		foot = l.filter.View() + "  "
	}
	if len(l.items) == 0 {
		foot += st.Subtle.Render("no " + l.noun + " found")
	} else {
		foot += st.Subtle.Render(fmt.Sprintf("%d/%d %s", min(l.cursor+1, len(l.shown)), len(l.shown), l.noun))
	}
	b.WriteString(foot)
	return b.String()
}

func (l *pickList) row(it pickItem, sel bool, mark string, width, nameW, metaW int) string {
	st := l.ctx.Styles
	// Names, descriptions and layers come from files fleetbake did not
	// write (layer.conf, #@DESCRIPTION headers): escape what the terminal
	// would act on before the styles add their own sequences.
	it.Value, it.Desc, it.Meta = model.Printable(it.Value), model.Printable(it.Desc), model.Printable(it.Meta)
	marker := "  "
	name := ansi.Truncate(it.Value, nameW, "…")
	name += strings.Repeat(" ", max(0, nameW-ansi.StringWidth(name)))
	switch {
	case sel && l.focused:
		marker = st.Cursor.Render("› ")
		name = st.Selected.Render(name)
	case sel:
		// An unfocused list still shows its answer (the image while the
		// distro is being chosen).
		marker = st.Subtle.Render("· ")
	}
	line := marker
	rest := width - 2 - nameW - 2
	if l.mark != nil {
		line += mark
		rest -= ansi.StringWidth(mark)
	}
	line += name
	meta := it.Meta
	if meta != "" && rest > 20 {
		metaW = min(metaW, rest/3)
		meta = ansi.Truncate(meta, metaW, "…")
		descW := rest - metaW - 2
		desc := ansi.Truncate(it.Desc, descW, "…")
		pad := descW - ansi.StringWidth(desc)
		line += "  " + desc + strings.Repeat(" ", max(0, pad)) + "  " + st.Subtle.Render(meta)
	} else if rest > 4 && it.Desc != "" {
		line += "  " + st.Subtle.Render(ansi.Truncate(it.Desc, rest, "…"))
	}
	return line
}
