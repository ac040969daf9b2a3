package model

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"fleetbake/internal/lazyre"
)

// ConfError is a problem in a BitBake file, naming the file and line.
type ConfError struct {
	File    string
	Line    int
	Problem string
}

func (e *ConfError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Problem)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Problem)
}

// confVars is the result of reading a conf file's plain assignments: the
// final value of every variable after BitBake's operators, without expansion.
type confVars map[string]string

// assignment matches `VAR op "value"` with the operators of the BitBake manual;
// an optional `export` and :append/:prepend/:remove suffixes are allowed.
var reAssign = lazyre.MustCompile(`^(?:export\s+)?([A-Za-z0-9_${}/.+-]+(?::[A-Za-z0-9_${}/.+-]+)*)\s*(\?\?=|\?=|:=|\+=|=\+|\.=|=\.|=)\s*(.*)$`)

// parseConf reads the assignments of a BitBake conf file (layer.conf). It
// understands comments, line continuations, single and double quotes, the
// operators = ?= ??= := += =+ .= =. and the :append, :prepend and :remove
// suffixes. It does not expand ${...}. Lines that are not assignments
// (include, addpylib, python) are skipped. An unterminated quote is an error
// naming the line; the variables read before it are returned too.
func parseConf(file string, data []byte) (confVars, []error) {
	vars := confVars{}
	weak := map[string]string{}
	type late struct{ op, val string }
	lates := map[string][]late{}
	var order []string // variables with late operations, in first-seen order
	var errs []error

	lines := bytes.Split(data, []byte("\n"))
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := strings.TrimRight(string(lines[i]), " \t\r")
		// Join continuation lines: a trailing backslash continues the line.
		for strings.HasSuffix(line, "\\") && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + " " + strings.TrimRight(string(lines[i]), " \t\r")
		}
		trim := strings.TrimSpace(line)
		if trim == "" || trim[0] == '#' {
			continue
		}
		m := reAssign().FindStringSubmatch(trim)
		if m == nil {
			continue
		}
		name, op, rest := m[1], m[2], strings.TrimSpace(m[3])
		if rest == "" {
			errs = append(errs, &ConfError{file, start, fmt.Sprintf("%s %s has no value; BitBake needs a quoted string", name, op)})
			continue
		}
		q := rest[0]
		if q != '"' && q != '\'' {
			errs = append(errs, &ConfError{file, start, fmt.Sprintf("value of %s is not quoted; BitBake needs %s %s \"...\"", name, name, op)})
			continue
		}
		end := strings.LastIndexByte(rest, q)
		if end <= 0 {
			errs = append(errs, &ConfError{file, start, fmt.Sprintf("unterminated %c quote in the value of %s", q, name)})
			continue
		}
		if tail := strings.TrimSpace(rest[end+1:]); tail != "" && tail[0] != '#' {
			errs = append(errs, &ConfError{file, start, fmt.Sprintf("unexpected text %q after the quoted value of %s", tail, name)})
			continue
		}
		val := rest[1:end]

		base, suffix := name, ""
		for _, s := range []string{":append", ":prepend", ":remove"} {
			if strings.HasSuffix(name, s) {
				base, suffix = strings.TrimSuffix(name, s), s
				break
			}
		}
		if suffix != "" {
			if _, ok := lates[base]; !ok {
				order = append(order, base)
			}
			lates[base] = append(lates[base], late{suffix, val})
			continue
		}
		cur, set := vars[name]
		switch op {
		case "=", ":=":
			vars[name] = val
		case "?=":
			if !set {
				vars[name] = val
			}
		case "??=":
			weak[name] = val
		case "+=":
			vars[name] = joinSpace(cur, val)
		case "=+":
			vars[name] = joinSpace(val, cur)
		case ".=":
			vars[name] = cur + val
		case "=.":
			vars[name] = val + cur
		}
	}
	for k, v := range weak {
		if _, ok := vars[k]; !ok {
			vars[k] = v
		}
	}
	for _, k := range order {
		v := vars[k]
		var removes []string
		for _, l := range lates[k] {
			switch l.op {
			case ":append":
				v += l.val
			case ":prepend":
				v = l.val + v
			case ":remove":
				removes = append(removes, strings.Fields(l.val)...)
			}
		}
		if len(removes) > 0 {
			var kept []string
			for _, w := range strings.Fields(v) {
				if !containsString(removes, w) {
					kept = append(kept, w)
				}
			}
			v = strings.Join(kept, " ")
		}
		vars[k] = v
	}
	return vars, errs
}

func joinSpace(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseDepends splits LAYERDEPENDS/LAYERRECOMMENDS: "core (>= 12) meta-python".
func parseDepends(v string) ([]Dependency, error) {
	var deps []Dependency
	f := strings.Fields(v)
	for i := 0; i < len(f); i++ {
		w := f[i]
		if strings.HasPrefix(w, "(") {
			if len(deps) == 0 {
				return deps, fmt.Errorf("version constraint %q before any layer name", w)
			}
			c := w
			for !strings.HasSuffix(c, ")") {
				i++
				if i >= len(f) {
					return deps, fmt.Errorf("unterminated version constraint %q", c)
				}
				c += " " + f[i]
			}
			c = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(c, "("), ")"))
			if _, _, err := splitConstraint(c); err != nil {
				return deps, err
			}
			deps[len(deps)-1].Constraint = c
			continue
		}
		deps = append(deps, Dependency{Collection: w})
	}
	return deps, nil
}

// splitConstraint splits ">= 12" (or ">=12") into operator and version.
func splitConstraint(c string) (op, ver string, err error) {
	c = strings.TrimSpace(c)
	for _, o := range []string{">=", "<=", "==", "=", ">", "<"} {
		if strings.HasPrefix(c, o) {
			ver = strings.TrimSpace(c[len(o):])
			if ver == "" {
				break
			}
			return o, ver, nil
		}
	}
	if c != "" && !strings.ContainsAny(c, "<>= ") {
		return "=", c, nil // bare version means equal
	}
	return "", "", fmt.Errorf("version constraint %q is not of the form (>= N)", c)
}

// SatisfiesConstraint reports whether a layer version satisfies a LAYERDEPENDS
// constraint such as ">= 12". An empty constraint is always satisfied; a
// constraint against a layer without LAYERVERSION is not.
func SatisfiesConstraint(version, constraint string) bool {
	if constraint == "" {
		return true
	}
	op, want, err := splitConstraint(constraint)
	if err != nil || version == "" {
		return false
	}
	c := compareVersions(version, want)
	switch op {
	case ">=":
		return c >= 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case "<":
		return c < 0
	default:
		return c == 0
	}
}

// compareVersions compares dotted numeric versions ("15", "1.2"); parts that
// are not numbers compare as strings.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y string
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		nx, ex := strconv.Atoi(x)
		ny, ey := strconv.Atoi(y)
		if x == "" {
			nx, ex = 0, nil
		}
		if y == "" {
			ny, ey = 0, nil
		}
		if ex == nil && ey == nil {
			if nx != ny {
				if nx < ny {
					return -1
				}
				return 1
			}
			continue
		}
		if x != y {
			return strings.Compare(x, y)
		}
	}
	return 0
}

// layersFromConf builds one Layer per BBFILE_COLLECTIONS entry of a parsed
// layer.conf. A layer.conf without collections is a problem, not a layer.
func layersFromConf(file, dir, name string, vars confVars) ([]*Layer, []error) {
	var errs []error
	cols := strings.Fields(vars["BBFILE_COLLECTIONS"])
	if len(cols) == 0 {
		return nil, []error{&ConfError{File: file, Problem: "no BBFILE_COLLECTIONS: BitBake cannot use this layer; add BBFILE_COLLECTIONS += \"<name>\""}}
	}
	var out []*Layer
	for _, c := range cols {
		l := &Layer{Name: name, Path: dir, OnDisk: true, Collection: c}
		if len(cols) > 1 && c != cols[0] {
			l.Name = name + ":" + c
		}
		if p, ok := vars["BBFILE_PRIORITY_"+c]; ok {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil {
				errs = append(errs, &ConfError{File: file, Problem: fmt.Sprintf("BBFILE_PRIORITY_%s = %q is not a number", c, p)})
			}
			l.Priority = n
		}
		l.Version = strings.TrimSpace(vars["LAYERVERSION_"+c])
		var err error
		if l.Depends, err = parseDepends(vars["LAYERDEPENDS_"+c]); err != nil {
			errs = append(errs, &ConfError{File: file, Problem: "LAYERDEPENDS_" + c + ": " + err.Error()})
		}
		if l.Recommends, err = parseDepends(vars["LAYERRECOMMENDS_"+c]); err != nil {
			errs = append(errs, &ConfError{File: file, Problem: "LAYERRECOMMENDS_" + c + ": " + err.Error()})
		}
		l.SeriesCompat = strings.Fields(vars["LAYERSERIES_COMPAT_"+c])
		out = append(out, l)
	}
	return out, errs
}
