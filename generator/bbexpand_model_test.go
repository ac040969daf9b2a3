package generator

import (
	"regexp"
	"sort"
	"strings"
)

// A small model of BitBake's variable expansion, worst case, to check that
// no combination of the values fleetbake writes forms "${@".
//
// From lib/bb/data_smart.py (scarthgap, bitbake 2.8): getVarFlag
// concatenates the active override's value (or the plain one), every
// ":append" after and every ":prepend" before it; expandWithRefs then loops
// while "${" is in the string: each pass replaces every __expand_var_regexp__
// match by the referenced variable's expanded value (an unknown one stays as
// written), then runs every __expand_python_regexp__ match as Python, and it
// stops when a pass changes nothing.
//
// Worst case here: every override is active (so each override's value is a
// possible value of the variable, besides the plain one), every append and
// prepend applies, and a variable fleetbake did not write (a layer's) may be
// unknown (left as written), empty, or end in "$" or "${" (a regular
// expression is an ordinary value). Each reference takes each possibility.

var (
	expandVarRE    = regexp.MustCompile(`\$\{[a-zA-Z0-9\-_+./~:]+\}`)
	expandPythonRE = regexp.MustCompile(`\$\{@(?:\{.*?\}|.)+?\}`)
)

// outsideValues are what a variable fleetbake did not write may hold, for
// the model ("" stands for "unknown: left as written").
var outsideValues = []string{"", "-", "x$", "x${"}

type bbVar struct {
	plain     []string // plain assignments; the last one counts, but any may
	overrides []string // VAR:o = v, each possibly active
	appends   []string
	prepends  []string
}

type bbModel struct {
	vars map[string]*bbVar
	// found is the first string that held "${@" (or matched the Python
	// regexp), with the variable being expanded.
	found, foundVar string
	memo            map[string][]string
	busy            map[string]bool
}

// Bounds on the model's work: alternatives followed per expansion, passes,
// and string length (a layer value ending in "${" can make a reference
// that grows at each pass; BitBake stops those with "references itself").
const (
	maxAlternatives = 64
	maxPasses       = 8
	maxLen          = 1024
)

// newBBModel collects the assignments of every file fleetbake rendered.
func newBBModel(assigns []Assignment) *bbModel {
	m := &bbModel{vars: map[string]*bbVar{}, memo: map[string][]string{}, busy: map[string]bool{}}
	get := func(name string) *bbVar {
		v := m.vars[name]
		if v == nil {
			v = &bbVar{}
			m.vars[name] = v
		}
		return v
	}
	for _, a := range assigns {
		if a.Flag != "" {
			continue
		}
		name := a.Name()
		ov := a.Overrides()
		v := get(name)
		op := a.Op
		switch {
		case containsStr(ov, "append") || op == "+=" || op == ".=":
			sep := ""
			if op == "+=" {
				sep = " "
			}
			v.appends = append(v.appends, sep+a.Value)
		case containsStr(ov, "prepend") || op == "=+" || op == "=.":
			sep := ""
			if op == "=+" {
				sep = " "
			}
			v.prepends = append(v.prepends, a.Value+sep)
		case containsStr(ov, "remove"):
			// removes only drop whole words, keeping the separators
		case len(ov) > 0:
			v.overrides = append(v.overrides, a.Value)
		default:
			v.plain = append(v.plain, a.Value)
		}
	}
	return m
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// unexpanded are the possible values of name before expansion.
func (m *bbModel) unexpanded(name string) []string {
	v := m.vars[name]
	bases := append(append([]string{}, v.plain...), v.overrides...)
	if len(bases) == 0 {
		bases = []string{""}
	}
	pre := strings.Join(reversed(v.prepends), "")
	app := strings.Join(v.appends, "")
	out := make([]string, 0, len(bases))
	for _, b := range bases {
		out = append(out, pre+b+app)
	}
	return out
}

func reversed(l []string) []string {
	r := make([]string, len(l))
	for i, s := range l {
		r[len(l)-1-i] = s
	}
	return r
}

// value is every possible expanded value of the variable name.
func (m *bbModel) value(name string) []string {
	if r, ok := m.memo[name]; ok {
		return r
	}
	if m.busy[name] || m.vars[name] == nil {
		return nil // unknown (or a loop, which BitBake refuses): the caller uses outsideValues
	}
	m.busy[name] = true
	var out []string
	for _, s := range m.unexpanded(name) {
		out = append(out, m.expand(name, s)...)
	}
	m.busy[name] = false
	out = dedupe(out)
	m.memo[name] = out
	return out
}

// expand follows expandWithRefs for every choice of referenced values.
func (m *bbModel) expand(varname, s string) []string {
	cur := []string{s}
	for pass := 0; pass < maxPasses; pass++ {
		var next []string
		changed := false
		for _, c := range cur {
			m.check(varname, c)
			if !strings.Contains(c, "${") || len(c) > maxLen {
				next = append(next, c)
				continue
			}
			subs := m.substitute(c)
			for _, r := range subs {
				m.check(varname, r)
				if r != c {
					changed = true
				}
			}
			next = append(next, subs...)
		}
		cur = dedupe(next)
		if len(cur) > maxAlternatives {
			cur = cur[:maxAlternatives]
		}
		if !changed {
			break
		}
	}
	return cur
}

// substitute is one re.sub of __expand_var_regexp__ over s, for each
// combination of the references' possible values.
func (m *bbModel) substitute(s string) []string {
	locs := expandVarRE.FindAllStringIndex(s, -1)
	outs := []string{""}
	prev := 0
	for _, loc := range locs {
		lit := s[prev:loc[0]]
		ref := s[loc[0]:loc[1]]
		name := ref[2 : len(ref)-1]
		choices := m.value(name)
		if m.vars[name] == nil {
			choices = nil
			for _, o := range outsideValues {
				if o == "" {
					o = ref
				}
				choices = append(choices, o)
			}
		} else if len(choices) == 0 {
			choices = []string{ref}
		}
		var nx []string
		for _, o := range outs {
			for _, c := range choices {
				nx = append(nx, o+lit+c)
				if len(nx) >= maxAlternatives {
					break
				}
			}
		}
		outs = dedupe(nx)
		prev = loc[1]
	}
	for i := range outs {
		outs[i] += s[prev:]
	}
	return outs
}

func (m *bbModel) check(varname, s string) {
	if m.found != "" {
		return
	}
	// A single quote in a value fleetbake wrote (outsideValues hold none)
	// would end a Python literal a layer splices the value into.
	if strings.Contains(s, "${@") || expandPythonRE.MatchString(s) || strings.Contains(s, "'") {
		m.found, m.foundVar = s, varname
	}
}

func dedupe(l []string) []string {
	sort.Strings(l)
	out := l[:0]
	for i, s := range l {
		if i == 0 || s != l[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// pythonFormed expands every variable the files set and returns the first
// string that would run Python, with its variable ("" when none).
func pythonFormed(assigns []Assignment) (varname, text string) {
	m := newBBModel(assigns)
	names := make([]string, 0, len(m.vars))
	for n := range m.vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		m.value(n)
		if m.found != "" {
			return m.foundVar, m.found
		}
	}
	return "", ""
}
