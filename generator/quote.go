package generator

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"fleetbake/internal/lazyre"
	"fleetbake/model"
)

// UnsafeValueError says why a value cannot be written into a BitBake file.
// model.Validate refuses these values first; the generator checks again so
// that no path through the code can emit a line BitBake would read
// differently from what the project says.
type UnsafeValueError struct {
	Var    string // BitBake variable the value was meant for
	Value  string
	Reason string
}

func (e *UnsafeValueError) Error() string {
	return fmt.Sprintf("cannot write %s = %q: %s; fix the value in fleetbake.toml", e.Var, e.Value, e.Reason)
}

// checkValue returns an error when value cannot sit between double quotes in
// a BitBake assignment and read back unchanged:
//   - '"' could end the string early (BitBake's regexp takes the last quote);
//   - '\' at a line end continues the line, and BitBake keeps escapes literally;
//   - a newline, a carriage return (a line break for Python's universal
//     newlines) or any other control character could start a line or hide one;
//   - bytes that are not UTF-8 stop BitBake reading the whole file;
//   - "${@" runs Python when the variable is expanded.
func checkValue(name, value string) error {
	bad := func(reason string) error { return &UnsafeValueError{Var: name, Value: value, Reason: reason} }
	if !utf8.ValidString(value) {
		return bad("it is not valid UTF-8")
	}
	if strings.Contains(value, `"`) {
		return bad("it contains a double quote, which would end the BitBake string")
	}
	if strings.Contains(value, `\`) {
		return bad("it contains a backslash, which BitBake reads as a line continuation or keeps literally")
	}
	if strings.Contains(value, "${@") {
		return bad("it contains ${@, which BitBake runs as Python")
	}
	if p := model.ValueExpansionProblem(value, true); p != "" {
		return bad("it " + p)
	}
	for _, r := range value {
		// model's one rule: the same set guardConf refuses in the rendered
		// file and Printable escapes on a terminal.
		if model.IsControl(r) {
			return bad(fmt.Sprintf("it contains the control character %U", r))
		}
	}
	return nil
}

// varNameRE is the subset of BitBake variable names fleetbake writes: a name
// and optional ":override" parts, no flags, no expansions in the name.
// Overrides may hold ${...} (VAR:pn-${PN}); "${@" is refused separately.
var varNameRE = lazyre.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.+\-/~]*(:[A-Za-z0-9_.+\-/~${}]+)*$`)

// nameError is a variable name fleetbake will not write.
type nameError struct{ name string }

func (e *nameError) Error() string {
	return fmt.Sprintf("cannot write the BitBake variable %q: a name is letters, digits and _ . + - / ~, with optional :override parts (e.g. IMAGE_INSTALL:append); fix it under [local_conf] in fleetbake.toml", e.name)
}

// checkVarName returns an error when name is not a plain BitBake variable name
// (with optional overrides such as IMAGE_INSTALL:append or VAR:pn-recipe).
func checkVarName(name string) error {
	if !varNameRE().MatchString(name) || strings.Contains(name, "${@") {
		return &nameError{name}
	}
	return nil
}

// quote returns value as a double-quoted BitBake string, or an error.
func quote(name, value string) (string, error) {
	if err := checkValue(name, value); err != nil {
		return "", err
	}
	return `"` + value + `"`, nil
}

// checkPathWord refuses a path that cannot be one word of a space-separated
// list (BBLAYERS) or one entry of a colon-separated one (FILESEXTRAPATHS).
func checkPathWord(name, path string, sep string) error {
	if err := checkValue(name, path); err != nil {
		return err
	}
	if strings.ContainsAny(path, " \t") {
		return &UnsafeValueError{Var: name, Value: path, Reason: "the path contains a space, and BitBake splits this list on spaces; move it to a folder without spaces"}
	}
	if sep != "" && strings.Contains(path, sep) {
		return &UnsafeValueError{Var: name, Value: path, Reason: fmt.Sprintf("the path contains %q, which separates entries of this list; move it to a folder without it", sep)}
	}
	if strings.Contains(path, "$") {
		return &UnsafeValueError{Var: name, Value: path, Reason: "the path contains $, which BitBake reads as the start of an expansion; move it to a folder without $"}
	}
	return nil
}
