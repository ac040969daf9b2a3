package generator

import (
	"fmt"
	"strings"
	"unicode"

	"fleetbake/internal/lazyre"
)

// Assignment is one BitBake variable assignment as a .conf file states it.
type Assignment struct {
	Export bool   // "export VAR = ..."
	Var    string // as written, overrides included: IMAGE_INSTALL:append, AWS_REGION:pn-greengrass-lite
	Flag   string // VAR[flag] = ..., "" for none
	Op     string // "=", "?=", "??=", ":=", "+=", "=+", ".=", "=."
	Value  string // between the quotes, continuation lines joined the way BitBake joins them
	Line   int    // first line, 1-based
	End    int    // last line (differs from Line after "\" continuations)
}

// Name is the variable without its overrides: IMAGE_INSTALL for IMAGE_INSTALL:append.
func (a Assignment) Name() string {
	name, _, _ := strings.Cut(a.Var, ":")
	return name
}

// Overrides are the ":" parts after the name, in order: ["append", "pn-foo"].
func (a Assignment) Overrides() []string {
	_, rest, ok := strings.Cut(a.Var, ":")
	if !ok {
		return nil
	}
	return strings.Split(rest, ":")
}

// Directive is a non-assignment statement BitBake accepts in a .conf file:
// include, require, include_all, export VAR, unset VAR, addpylib, addfragments.
type Directive struct {
	Text string
	Line int
}

// Conf is what ReadConf found in a file, in file order.
type Conf struct {
	Assignments []Assignment
	Directives  []Directive
}

// ParseError is a line BitBake itself would refuse.
type ParseError struct {
	Line int
	Text string
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("line %d: %s: %q", e.Line, e.Msg, e.Text)
}

// ReadConf reads BitBake configuration syntax the way BitBake's ConfHandler
// does (lib/bb/parse/parse_py/ConfHandler.py): lines split at \n, \r\n or \r,
// trailing whitespace dropped, "\" joins the next line, lines starting with
// "#" are comments, and an assignment's value runs from the opening quote to
// the same quote at the very end of the line. It stops at the first line
// BitBake would refuse.
func ReadConf(data []byte) (*Conf, error) {
	return readConf(string(data), 0, true)
}

// readConfLenient is ReadConf that skips lines it does not understand; it is
// used on the engineer's own lines, which fleetbake only inspects.
func readConfLenient(text string, firstLine int) *Conf {
	c, _ := readConf(text, firstLine, false)
	return c
}

func readConf(text string, lineOffset int, strict bool) (*Conf, error) {
	lines := splitUniversal(text)
	conf := &Conf{}
	for i := 0; i < len(lines); i++ {
		start := i
		if strings.TrimFunc(lines[i], isPySpace) == "" {
			continue
		}
		s := strings.TrimRightFunc(lines[i], isPySpace)
		for strings.HasSuffix(s, `\`) {
			var next string
			if i+1 < len(lines) {
				i++
				next = lines[i]
			} else {
				i++ // readline at EOF returns "": BitBake still drops the backslash
			}
			s2 := strings.TrimRightFunc(next, isPySpace)
			if (s2 == "" || s2[0] != '#') && s[0] == '#' {
				if strict {
					return conf, &ParseError{Line: lineOffset + start + 1, Text: s, Msg: "a comment continued with \\ onto a line that is not a comment (BitBake stops with \"confusing multiline, partially commented expression\")"}
				}
			}
			s = s[:len(s)-1] + s2
		}
		if i >= len(lines) {
			i = len(lines) - 1
		}
		if s[0] == '#' {
			continue
		}
		line, end := lineOffset+start+1, lineOffset+i+1
		if a, ok := parseAssignment(s); ok {
			a.Line, a.End = line, end
			conf.Assignments = append(conf.Assignments, a)
			continue
		}
		if directiveRE().MatchString(s) {
			conf.Directives = append(conf.Directives, Directive{Text: s, Line: line})
			continue
		}
		if strict {
			return conf, &ParseError{Line: line, Text: s, Msg: "BitBake cannot parse this line"}
		}
	}
	return conf, nil
}

// splitUniversal splits like Python's readline in text mode: at "\n", "\r\n"
// and a lone "\r". A final line without a terminator is kept.
func splitUniversal(text string) []string {
	var lines []string
	for len(text) > 0 {
		i := strings.IndexAny(text, "\r\n")
		if i < 0 {
			lines = append(lines, text)
			break
		}
		lines = append(lines, text[:i])
		if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
			i++
		}
		text = text[i+1:]
	}
	return lines
}

// isPySpace is Python's str.isspace for one rune: Go's unicode.IsSpace plus
// the ASCII separators U+001C..U+001F that Python also counts as whitespace.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

var directiveRE = lazyre.MustCompile(`^(include\s+.+|require\s+.+|include_all\s+.+|export\s+[a-zA-Z0-9\-_+.${}/~]+$|unset\s+[a-zA-Z0-9\-_+.${}/~]+(\[[a-zA-Z0-9\-_+.][a-zA-Z0-9\-_+.@]+\])?$|addpylib\s+.+\s+.+|addfragments\s+.+\s+.+\s+.+\s+.+)`)

// Operators in the order BitBake's __config_regexp__ tries them.
var operators = []string{":=", "??=", "?=", "+=", "=+", "=.", ".=", "="}

func isVarChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("-_+.${}/~:", c) >= 0
}

func isFlagChar(c byte, first bool) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_+.", c) >= 0 {
		return true
	}
	return !first && (c == '@' || c == '/')
}

// parseAssignment matches s against BitBake's __config_regexp__ by hand
// (Go's regexp has no look-ahead or back-reference): the variable name is
// matched lazily, so "A+=" is A with +=, as in BitBake.
func parseAssignment(s string) (Assignment, bool) {
	if strings.HasPrefix(s, "export") && len(s) > 6 && isPySpace(rune(s[6])) {
		// The regexp tries the optional "export\s+" first and keeps it when
		// the rest matches, even with an empty name (which BitBake refuses).
		trimmed := strings.TrimLeftFunc(s[6:], isPySpace)
		if a, matched := parseAssignmentBody(trimmed); matched {
			a.Export = true
			return a, a.Var != ""
		}
	}
	a, matched := parseAssignmentBody(s)
	return a, matched && a.Var != ""
}

// parseAssignmentBody reports whether s matches; an empty Var means it
// matched with an empty name, which BitBake refuses ("Empty variable name").
func parseAssignmentBody(s string) (Assignment, bool) {
	maxVar := 0
	for maxVar < len(s) && isVarChar(s[maxVar]) {
		maxVar++
	}
	for n := 0; n <= maxVar; n++ { // lazy: shortest name first
		if a, ok := parseAfterVar(s[n:]); ok {
			a.Var = s[:n]
			return a, true
		}
	}
	return Assignment{}, false
}

func parseAfterVar(s string) (Assignment, bool) {
	var a Assignment
	if strings.HasPrefix(s, "[") && len(s) > 1 && isFlagChar(s[1], true) {
		j := 2
		for j < len(s) && isFlagChar(s[j], false) {
			j++
		}
		if j < len(s) && s[j] == ']' {
			a.Flag = s[1:j]
			s = s[j+1:]
		}
	}
	s = strings.TrimLeftFunc(s, isPySpace)
	for _, op := range operators {
		if !strings.HasPrefix(s, op) {
			continue
		}
		r := strings.TrimLeftFunc(s[len(op):], isPySpace)
		if v, ok := quotedValue(r); ok {
			a.Op = op
			a.Value = v
			return a, true
		}
	}
	return a, false
}

// quotedValue matches (?!'[^']*'[^']*'$)(?!"[^"]*"[^"]*"$)(?P<apo>['"])(?P<value>.*)(?P=apo)$.
func quotedValue(r string) (string, bool) {
	if len(r) < 2 {
		return "", false
	}
	q := r[0]
	if q != '"' && q != '\'' {
		return "", false
	}
	if r[len(r)-1] != q {
		return "", false
	}
	// The look-aheads refuse a value with exactly three of its quote
	// characters (one inside), which BitBake finds ambiguous.
	if strings.Count(r, string(q)) == 3 {
		return "", false
	}
	return r[1 : len(r)-1], true
}
