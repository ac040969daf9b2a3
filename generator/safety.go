package generator

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"fleetbake/model"
)

// Every byte fleetbake writes into a conf file or an export passes one of
// two gates: a value goes through assign/quote (checkValue), any other text
// (comments: the project file's path, the claim layer's folder, the kas
// file name) through commentText. Then the whole rendered file goes through
// guardConf or guardKas, which check it as BitBake (or a YAML reader) will
// read it, so that a template line that forgets a gate cannot slip through.

// TextError is text fleetbake would write outside a value (a comment, a
// path named in a comment) that could add or change lines.
type TextError struct {
	What   string // what the text is: "the project file's path"
	Text   string
	Reason string
}

func (e *TextError) Error() string {
	return fmt.Sprintf("cannot write %s %q into a generated file: %s", e.What, e.Text, e.Reason)
}

// textProblem says why s cannot be part of one line of a generated file:
// a line break (BitBake reads \r as one too, Python's universal newlines)
// would start a new line that BitBake parses; other control characters
// hide text on a terminal; a trailing backslash continues a BitBake comment
// onto the next line (ConfHandler.handle joins before it skips comments);
// bytes that are not UTF-8 stop BitBake reading the file.
func textProblem(s string) string {
	if !utf8.ValidString(s) {
		return "it is not valid UTF-8"
	}
	for _, r := range s {
		switch {
		case model.IsLineBreak(r):
			return "it contains a line break"
		case model.IsControl(r):
			return fmt.Sprintf("it contains the control character %U", r)
		case r == '\\':
			return `it contains a backslash, which continues a BitBake line`
		}
	}
	return ""
}

// commentText returns s for a comment, or a TextError naming what it is.
func commentText(what, s string) (string, error) {
	if p := textProblem(s); p != "" {
		return "", &TextError{What: what, Text: s, Reason: p + "; move or rename it so that its path is one plain line"}
	}
	return s, nil
}

// checkInputText refuses, before anything is rendered, the text that
// generated files name outside values: the project file's path (every
// header comment) and the claim layer's folder under it.
func checkInputText(p *model.Project) error {
	if _, err := commentText("the project file's path", p.Path()); err != nil {
		return err
	}
	return checkLiterals(p)
}

// FieldValueError is a project setting the generator refuses to write,
// named as in fleetbake.toml.
type FieldValueError struct {
	Field, Value, Problem string
}

func (e *FieldValueError) Error() string {
	if e.Field == projectFolderField {
		return fmt.Sprintf("the project folder %q %s; every path fleetbake writes starts with it, so move the project to a folder without it", e.Value, e.Problem)
	}
	return fmt.Sprintf("%s = %q in fleetbake.toml %s; fix it there", e.Field, e.Value, e.Problem)
}

// projectFolderField names the project's own folder in a FieldValueError.
const projectFolderField = "the project folder"

// checkLiterals decides what a '$' may be in each field: only [local_conf]
// values may hold ${NAME} references (checked by assign); every other
// setting is written literally and needs none, so any '$' is refused there,
// named by its TOML field. model.Validate refuses the same first; this holds
// for a project that reaches the generator unvalidated.
func checkLiterals(p *model.Project) error {
	fields := p.LiteralFields()
	if p.Path() != "" {
		fields = append(fields, model.FieldValue{Field: projectFolderField, Value: p.Dir()})
	}
	for _, f := range fields {
		if pr := model.ValueExpansionProblem(f.Value, false); pr != "" {
			return &FieldValueError{Field: f.Field, Value: f.Value, Problem: pr}
		}
	}
	return nil
}

// guardConf checks a rendered BitBake file as a whole: every line is blank,
// a comment that stays one line, or an assignment that ReadConf reads and
// whose name and value follow the rule for '$' (model.ValueExpansionProblem,
// references allowed: layer.conf writes ${LAYERDIR}). The caller has checked
// that ReadConf reads the file without error.
func guardConf(file, content string) error {
	bad := func(line int, reason string) error {
		return fmt.Errorf("generator: line %d of %s %s; this is a fleetbake bug, please report it", line, file, reason)
	}
	if !utf8.ValidString(content) {
		return bad(0, "is not valid UTF-8")
	}
	for i, line := range strings.Split(content, "\n") {
		for _, r := range line {
			if model.IsControl(r) {
				return bad(i+1, fmt.Sprintf("holds the control character %U", r))
			}
		}
		if strings.HasPrefix(line, "#") && strings.HasSuffix(line, `\`) {
			return bad(i+1, "is a comment ending in a backslash, which continues it")
		}
	}
	conf, err := ReadConf([]byte(content))
	if err != nil {
		return bad(0, err.Error())
	}
	for _, a := range conf.Assignments {
		if _, rest, ok := strings.Cut(a.Var, ":"); ok {
			if p := model.ValueExpansionProblem(rest, true); p != "" {
				return bad(a.Line, fmt.Sprintf("sets %s, whose overrides %s", a.Var, p))
			}
		}
		if p := model.ValueExpansionProblem(a.Value, true); p != "" {
			return bad(a.Line, fmt.Sprintf("sets %s = %q, which %s", a.Var, a.Value, p))
		}
	}
	for _, d := range conf.Directives {
		return bad(d.Line, fmt.Sprintf("holds the directive %q; fleetbake writes none", d.Text))
	}
	return nil
}

// guardKas checks a rendered kas file: UTF-8, and no control character but
// the line ends. Every scalar is a JSON-escaped double-quoted string (yaml),
// the comments went through commentText, and local_conf_header is a block
// that guardConf checked.
func guardKas(out string) error {
	if !utf8.ValidString(out) {
		return fmt.Errorf("generator: the kas file is not valid UTF-8; this is a fleetbake bug, please report it")
	}
	for i, line := range strings.Split(out, "\n") {
		for _, r := range line {
			if model.IsControl(r) {
				return fmt.Errorf("generator: line %d of the kas file holds the control character %U; this is a fleetbake bug, please report it", i+1, r)
			}
		}
	}
	return nil
}
