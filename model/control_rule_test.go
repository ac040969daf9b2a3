package model

import "testing"

// TestProjectValuesRefuseEveryControl: a value fleetbake writes into a
// BitBake string is refused for each character of IsControl, with the
// line breaks named as such.
func TestProjectValuesRefuseEveryControl(t *testing.T) {
	for _, r := range []rune{0x01, 0x1b, 0x7f, 0x9b, 0x202e, 0x2067} {
		if p := unsafeForBitBake("a"+string(r)+"b", true); p == "" {
			t.Errorf("%U accepted in a value", r)
		}
	}
	for _, r := range []rune{'\n', '\r', 0x85, 0x2028, 0x2029} {
		if p := unsafeForBitBake("a"+string(r)+"b", true); p != "must be one line (no line breaks)" {
			t.Errorf("%U: %q, want the line-break message", r, p)
		}
	}
	if p := unsafeForBitBake("caf\u00e9", true); p != "" {
		t.Errorf("é refused: %s", p)
	}
}
