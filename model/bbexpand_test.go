package model

import (
	"errors"
	"testing"
)

func TestValueExpansionProblem(t *testing.T) {
	for _, tc := range []struct {
		v    string
		refs bool
		ok   bool
	}{
		{"plain value", false, true},
		{"${TOPDIR}/x ${VIRTUAL-RUNTIME_init_manager}", true, true},
		{"a ${B} c", false, false},    // no references where none are needed
		{"$", true, false},            // the D1 = "$"
		{"x$", true, false},           // ends in $
		{"${", true, false},           // ends in ${
		{"${A", true, false},          // unclosed
		{"${A:b}", true, false},       // not a plain name
		{"${@x}", true, false},        // Python
		{"$(id)", true, false},        // not a reference
		{"{@x}", true, false},         // starts with {
		{"@x", true, false},           // starts with @
		{"a{@x}", true, false},        // {@ anywhere
		{"${A}{B}", true, false},      // { after a reference
		{"${A}@x", true, false},       // @ after a reference
		{"a'b", true, false},          // ends a Python literal
		{"user@host {x}", true, true}, // @ and { elsewhere are text
	} {
		if got := ValueExpansionProblem(tc.v, tc.refs) == ""; got != tc.ok {
			t.Errorf("ValueExpansionProblem(%q, %v) ok=%v, want %v", tc.v, tc.refs, got, tc.ok)
		}
	}
}

// Validate refuses what the generator would refuse, by field: an AWS role
// alias may start with '@', which BitBake could join to a preceding "${".
func TestValidateRefusesLiteralFieldsTheGeneratorRefuses(t *testing.T) {
	p := Default()
	p.Greengrass.RoleAlias = "@alias"
	var ve *ValidationError
	if err := p.Validate(); !errors.As(err, &ve) || ve.Field("greengrass.role_alias") == nil {
		t.Fatalf("Validate = %v, want a problem for greengrass.role_alias", err)
	}
	p.Greengrass.RoleAlias = ""
	p.LocalConf = map[string]string{"X:${D1}{y}": "1"}
	if err := p.Validate(); !errors.As(err, &ve) || ve.Field("local_conf") == nil {
		t.Fatalf("Validate = %v, want a problem for the local_conf key", err)
	}
}
