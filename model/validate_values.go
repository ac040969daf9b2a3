package model

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// unsafeForBitBake reports why a value fleetbake writes inside a double-quoted
// BitBake string could end the string, add a line or expand: control
// characters, a double quote, a backslash, or any ${ (fleetbake never emits
// variable references in values it owns). "" when the value is safe.
func unsafeForBitBake(v string, allowVarRefs bool) string {
	if !utf8.ValidString(v) {
		return "must be valid UTF-8 text"
	}
	for _, r := range v {
		switch {
		case IsLineBreak(r):
			return "must be one line (no line breaks)"
		case IsControl(r):
			return fmt.Sprintf("must not contain the control character %U", r)
		case r == '"':
			return `must not contain a double quote (")`
		case r == '\\':
			return `must not contain a backslash (\)`
		}
	}
	if strings.Contains(v, "${@") {
		return "must not contain ${@...}: BitBake would run it as Python"
	}
	if !allowVarRefs && strings.Contains(v, "${") {
		return "must not contain ${...}: fleetbake writes this value literally; write the value itself (relative paths are relative to fleetbake.toml)"
	}
	// What a $ may be, so that no concatenation forms ${@ (bbexpand.go).
	return ValueExpansionProblem(v, allowVarRefs)
}

func checkVarName(name string) *FieldError {
	const field = "local_conf"
	if !reVarName().MatchString(name) {
		return fe(field, name, "not a BitBake variable name: start with a letter or _, then letters, digits, _ or -, optionally :override parts (e.g. IMAGE_INSTALL:append)")
	}
	base := name
	if i := strings.IndexByte(base, ':'); i >= 0 {
		if p := ValueExpansionProblem(base[i+1:], true); p != "" {
			return fe(field, name, "the overrides "+p)
		}
		base = base[:i]
	}
	for _, o := range OwnedVariables {
		if base == o {
			return fe(field, name, fmt.Sprintf("%s is written by fleetbake from its own setting; set it there (see `fleetbake help`), not under [local_conf]", o))
		}
	}
	return nil
}

// checkSstateMirrors accepts BitBake's "regex url" pairs separated by
// whitespace, e.g. "file://.* http://host/PATH;downloadfilename=PATH".
func checkSstateMirrors(v string) *FieldError {
	const field = "shared.sstate_mirrors"
	if v == "" {
		return nil
	}
	if p := unsafeForBitBake(v, false); p != "" {
		return fe(field, v, p+"; separate mirror entries with spaces")
	}
	f := strings.Fields(v)
	if len(f)%2 != 0 {
		return fe(field, v, `expected pairs of "regex url", e.g. "file://.* http://host/sstate/PATH;downloadfilename=PATH"`)
	}
	for i := 1; i < len(f); i += 2 {
		if !reURLScheme().MatchString(f[i]) {
			return fe(field, v, fmt.Sprintf("mirror %q is not a URL (file://, http://, https://...)", f[i]))
		}
	}
	return nil
}
