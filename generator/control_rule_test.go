package generator

import (
	"testing"

	"fleetbake/model"
)

// TestOneControlRule: the generator's checks of values, comments and
// rendered files refuse exactly model.IsControl's characters, the ones
// Printable escapes on a terminal; before, each kept its own list (the
// bidirectional overrides passed the value check).
func TestOneControlRule(t *testing.T) {
	refused := []rune{0x01, 0x09, 0x1b, 0x7f, 0x85, 0x9b, 0x2028, 0x202e, 0x2067}
	allowed := []rune{'a', ' ', 0xa0, 0xe9, 0x2030, 0x4e2d}
	for _, r := range refused {
		s := "a" + string(r) + "b"
		if !model.IsControl(r) {
			t.Errorf("model.IsControl(%U) = false", r)
		}
		if checkValue("X", s) == nil {
			t.Errorf("checkValue accepts %U", r)
		}
		if textProblem(s) == "" {
			t.Errorf("textProblem accepts %U", r)
		}
		if guardConf("local.conf", "X = \""+s+"\"\n") == nil {
			t.Errorf("guardConf accepts %U", r)
		}
		if guardKas("x: \""+s+"\"\n") == nil {
			t.Errorf("guardKas accepts %U", r)
		}
		if model.Printable(s) == s {
			t.Errorf("Printable leaves %U raw", r)
		}
	}
	for _, r := range allowed {
		s := "a" + string(r) + "b"
		if model.IsControl(r) || checkValue("X", s) != nil || textProblem(s) != "" || model.Printable(s) != s {
			t.Errorf("%U is refused or escaped by one of the checks", r)
		}
	}
}
