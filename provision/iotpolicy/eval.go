package iotpolicy

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Evaluate decides req against docs, the policies that apply to the principal (for a certificate: the
// default versions of the policies attached to it). See the package comment for the rules.
func Evaluate(docs []Document, req Request) Decision {
	var d Decision
	missing := map[string]bool{}
	for pi, doc := range docs {
		for si, st := range doc.Statements {
			if !statementApplies(st, req, missing) {
				continue
			}
			m := Match{Policy: pi, PolicyName: doc.Name, Statement: si, Sid: st.Sid}
			if st.Effect == Deny {
				d.Denies = append(d.Denies, m)
			} else {
				d.Allows = append(d.Allows, m)
			}
		}
	}
	switch {
	case len(d.Denies) > 0:
		d.ExplicitDeny = true
		d.By = &d.Denies[0]
	case len(d.Allows) > 0:
		d.Allowed = true
		d.By = &d.Allows[0]
	}
	d.Missing = sortedKeys(missing)
	return d
}

func statementApplies(st Statement, req Request, missing map[string]bool) bool {
	if st.Action != nil && !anyAction(st.Action, req.Action) {
		return false
	}
	if st.NotAction != nil && anyAction(st.NotAction, req.Action) {
		return false
	}
	if st.Resource != nil && !anyResource(st.Resource, req, missing) {
		return false
	}
	if st.NotResource != nil {
		// A NotResource pattern with an unresolved variable cannot be decided: the statement does not
		// apply (conservative for Allow; for Deny it means that statement denies nothing).
		unresolved := false
		for _, p := range st.NotResource {
			toks, ok := expand(p, req.Vars, missing)
			if !ok {
				unresolved = true
				continue
			}
			if match(toks, req.Resource, false) {
				return false
			}
		}
		if unresolved {
			return false
		}
	}
	for _, c := range st.Conditions {
		if !conditionHolds(c, req.Vars, missing) {
			return false
		}
	}
	return true
}

// anyAction matches action names with * and ?, without regard to case; variables are not expanded in
// actions (IAM allows them only in Resource and Condition).
func anyAction(patterns []string, action string) bool {
	for _, p := range patterns {
		if match(literalTokens(p), action, true) {
			return true
		}
	}
	return false
}

func anyResource(patterns []string, req Request, missing map[string]bool) bool {
	for _, p := range patterns {
		toks, ok := expand(p, req.Vars, missing)
		if ok && match(toks, req.Resource, false) {
			return true
		}
	}
	return false
}

func conditionHolds(c Condition, vars Context, missing map[string]bool) bool {
	op := c.Operator
	ifExists := strings.HasSuffix(op, "IfExists")
	op = strings.TrimSuffix(op, "IfExists")
	val, present := vars.Lookup(c.Key)
	if op == "Null" {
		// Null true: the key must be absent; false: present.
		for _, v := range c.Values {
			if strings.EqualFold(v, "true") == !present {
				return true
			}
		}
		return false
	}
	negated := strings.Contains(op, "Not")
	if !present {
		// IAM (reference_policies_elements_condition_operators.html): a key absent from the request
		// matches no value, so a negated operator holds; ...IfExists holds whatever the operator.
		if ifExists || negated {
			return true
		}
		missing[c.Key] = true
		return false
	}
	anyHolds := false
	for _, want := range c.Values {
		var ok bool
		switch op {
		case "Bool":
			ok = strings.EqualFold(val, want)
		case "StringEquals", "StringNotEquals":
			w, resolved := expandLiteral(want, vars, missing)
			ok = resolved && val == w
		case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
			w, resolved := expandLiteral(want, vars, missing)
			ok = resolved && strings.EqualFold(val, w)
		case "StringLike", "StringNotLike":
			toks, resolved := expand(want, vars, missing)
			ok = resolved && match(toks, val, false)
		}
		if ok {
			anyHolds = true
			break
		}
	}
	if negated {
		return !anyHolds
	}
	return anyHolds
}

// token is one element of a compiled pattern: a literal rune, or a wildcard.
type token struct {
	r    rune
	kind byte // 0 literal, '*' any run, '?' any one character
}

// literalTokens compiles a pattern without variables.
func literalTokens(p string) []token {
	var out []token
	for _, r := range p {
		switch r {
		case '*', '?':
			out = append(out, token{kind: byte(r)})
		default:
			out = append(out, token{r: r})
		}
	}
	return out
}

// expand compiles a Resource or StringLike pattern: * and ? are wildcards, ${key} is replaced by the
// request's value as literal characters, ${key, 'default'} falls back to default, and ${*}, ${?}, ${$}
// are a literal *, ? and $. It reports false, recording the key in missing, when a variable has no value.
// A "${" without a closing "}" is literal text.
func expand(p string, vars Context, missing map[string]bool) ([]token, bool) {
	var out []token
	lit := func(s string) {
		for _, r := range s {
			out = append(out, token{r: r})
		}
	}
	for len(p) > 0 {
		if strings.HasPrefix(p, "${") {
			if end := strings.IndexByte(p, '}'); end > 0 {
				v, ok := resolve(p[2:end], vars)
				if !ok {
					missing[variableKey(p[2:end])] = true
					return nil, false
				}
				lit(v)
				p = p[end+1:]
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(p)
		switch r {
		case '*', '?':
			out = append(out, token{kind: byte(r)})
		default:
			out = append(out, token{r: r})
		}
		p = p[size:]
	}
	return out, true
}

// expandLiteral expands variables in a string compared literally (StringEquals).
func expandLiteral(p string, vars Context, missing map[string]bool) (string, bool) {
	toks, ok := expand(p, vars, missing)
	if !ok {
		return "", false
	}
	var b strings.Builder
	for _, t := range toks {
		switch t.kind {
		case 0:
			b.WriteRune(t.r)
		default:
			b.WriteByte(t.kind)
		}
	}
	return b.String(), true
}

// resolve gives the value of the inside of ${...}.
func resolve(inner string, vars Context) (string, bool) {
	switch inner {
	case "*", "?", "$":
		return inner, true
	}
	key, def, hasDef := strings.Cut(inner, ",")
	if v, ok := vars.Lookup(strings.TrimSpace(key)); ok {
		return v, true
	}
	if hasDef {
		def = strings.TrimSpace(def)
		if len(def) >= 2 && def[0] == '\'' && def[len(def)-1] == '\'' {
			return def[1 : len(def)-1], true
		}
	}
	return "", false
}

func variableKey(inner string) string {
	key, _, _ := strings.Cut(inner, ",")
	return strings.TrimSpace(key)
}

// match reports whether s matches the compiled pattern; fold compares literals without regard to case.
func match(toks []token, s string, fold bool) bool {
	rs := []rune(s)
	eq := func(a, b rune) bool {
		if fold {
			return strings.EqualFold(string(a), string(b))
		}
		return a == b
	}
	// Classic wildcard matching with backtracking to the last star: linear in practice.
	ti, si := 0, 0
	star, mark := -1, 0
	for si < len(rs) {
		switch {
		case ti < len(toks) && toks[ti].kind == '*':
			star, mark = ti, si
			ti++
		case ti < len(toks) && (toks[ti].kind == '?' || (toks[ti].kind == 0 && eq(toks[ti].r, rs[si]))):
			ti++
			si++
		case star >= 0:
			ti = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	return !slices.ContainsFunc(toks[ti:], func(t token) bool { return t.kind != '*' })
}
