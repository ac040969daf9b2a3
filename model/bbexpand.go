package model

import (
	"fmt"
	"strings"
)

// The rule for '$' in values fleetbake writes into BitBake files. It is a
// property of every value on its own that keeps holding after BitBake
// concatenates values (":append", ":prepend", an override replacing the
// base value) and expands references, however many times.
//
// BitBake (lib/bb/data_smart.py, scarthgap = bitbake 2.8, expandWithRefs)
// loops "while s.find('${') != -1": each pass replaces every match of
//
//	__expand_var_regexp__    = r"\${[a-zA-Z0-9\-_+./~:]+}"
//
// with the referenced variable's expanded value (VariableParse.var_sub; an
// unknown variable stays as written), then runs every match of
//
//	__expand_python_regexp__ = r"\${@(?:{.*?}|.)+?}"
//
// as Python (python_sub), until a pass changes nothing. Appends and
// prepends are concatenated before that loop (getVarFlag). So Python runs
// whenever the three characters "${@" become adjacent at any pass, whichever
// pieces they come from: `D1 = "$"` and `X:append = "${D1}{@...}"` form it
// on the first pass. The rule makes that impossible:
//
//  1. every '$' starts a well-formed reference ${NAME}, NAME of letters,
//     digits, '_' and '-' (a plain variable name). So no value ends in '$' or
//     "${", and no '$' is followed by anything but "{" and a name character.
//     By induction a value built only of such values and of their expansions
//     holds '$' only inside such references, and never "${@".
//  2. "{@" appears nowhere: it is the tail of "${@" after a '$' that a
//     variable outside fleetbake's control ends with (a regular expression
//     such as "...$" is an ordinary value in layers).
//  3. a value does not start with '{' or '@', and no reference is followed
//     by '{' or '@': the character before it may be a '$' (or "${") that
//     another value or an expansion ends with.
//  4. no single quote: in one pass var_sub runs before python_sub, so a
//     reference inside Python code is replaced by the value's text before the
//     code is compiled. Layers write "${@'${VAR}'.replace('-', '_')}" and
//     the like, and a "'" in VAR's value would end that literal and run the
//     rest as Python. (Double quotes and backslashes are refused already:
//     they break the conf line itself.)

// ValueExpansionProblem returns "" when v follows the rule above, otherwise
// what is wrong and what is accepted. refs says whether the value may hold
// ${NAME} references at all (only [local_conf] values do); a value that
// needs none is refused at its first '$'.
func ValueExpansionProblem(v string, refs bool) string {
	if strings.Contains(v, "'") {
		return "must not contain a single quote ('): layers use values inside Python strings ('${VAR}' in ${@...}), where a quote would end the string and BitBake would run the rest as Python"
	}
	if strings.Contains(v, "{@") {
		return "must not contain {@: after a $ it forms ${@...}, which BitBake runs as Python"
	}
	if strings.HasPrefix(v, "{") || strings.HasPrefix(v, "@") {
		return fmt.Sprintf("must not start with %q: BitBake joins values (appends, prepends, references), and after a value ending in $ this would form ${@...} or a new reference", v[:1])
	}
	for i := 0; i < len(v); i++ {
		if v[i] != '$' {
			continue
		}
		if !refs {
			return "must not contain $: fleetbake writes this value literally, and BitBake reads $ as the start of an expansion; write the value itself"
		}
		n := refLen(v[i:])
		if n == 0 {
			return "may contain $ only as a reference ${NAME} to a variable (letters, digits, _ and -), e.g. ${TOPDIR}; a lone $, ${ without a closing } or ${@...} could join with other values into Python that BitBake runs"
		}
		i += n - 1
		if next := i + 1; next < len(v) && (v[next] == '{' || v[next] == '@') {
			return fmt.Sprintf("must not have %q right after the reference %s: if that variable ends in $ BitBake would form ${@...} or a new reference", v[next:next+1], v[i+1-n:i+1])
		}
	}
	return ""
}

// refLen is the length of the well-formed reference "${NAME}" at the start
// of s, or 0.
func refLen(s string) int {
	if !strings.HasPrefix(s, "${") {
		return 0
	}
	for j := 2; j < len(s); j++ {
		c := s[j]
		switch {
		case c == '}':
			if j == 2 {
				return 0
			}
			return j + 1
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			return 0
		}
	}
	return 0
}

// FieldValue is one setting as fleetbake.toml names it, and its value.
type FieldValue struct{ Field, Value string }

// LiteralFields are the settings fleetbake writes literally into conf
// files: none may hold a '$' (ValueExpansionProblem with refs false).
// Validate and the generator both check them from this one list.
func (p *Project) LiteralFields() []FieldValue {
	s, g := p.Shared, p.Greengrass
	return []FieldValue{
		{"machine", p.Machine}, {"distro", p.Distro}, {"image", p.Image}, {"build_dir", p.BuildDir},
		{"shared.dl_dir", s.DLDir}, {"shared.sstate_dir", s.SstateDir}, {"shared.sstate_mirrors", s.SstateMirrors},
		{"shared.hashserve", s.HashServe}, {"shared.hashserve_upstream", s.HashServeUpstream},
		{"shared.signature_handler", s.SignatureHandler}, {"shared.prserv_host", s.PRServHost},
		{"greengrass.nucleus", g.Nucleus}, {"greengrass.region", g.Region}, {"greengrass.prefix", g.Prefix},
		{"greengrass.provisioning_template", g.ProvisioningTemplate}, {"greengrass.role_alias", g.RoleAlias},
		{"greengrass.thing_group", g.ThingGroup}, {"greengrass.thing_name_prefix", g.ThingNamePrefix},
		{"greengrass.claim_dir", g.ClaimDir}, {"greengrass.data_endpoint", g.DataEndpoint},
		{"greengrass.credential_endpoint", g.CredentialEndpoint},
	}
}

// literalProblems applies the rule to every literal field no stricter
// check has refused already, so that Validate refuses all the generator
// would (an AWS role alias may start with '@', for one).
func (p *Project) literalProblems(already []FieldError) []FieldError {
	seen := map[string]bool{}
	for _, e := range already {
		seen[e.Field] = true
	}
	var out []FieldError
	for _, f := range p.LiteralFields() {
		if seen[f.Field] {
			continue
		}
		if pr := ValueExpansionProblem(f.Value, false); pr != "" {
			out = append(out, FieldError{Field: f.Field, Value: f.Value, Problem: pr})
		}
	}
	return out
}
