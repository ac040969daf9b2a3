package app

import (
	"regexp"
	"testing"
)

// The patterns are compiled on first use, so a bad one would panic in the
// middle of a command instead of at start-up: compile every one here.
func TestLazyPatternsCompile(t *testing.T) {
	for i, re := range []func() *regexp.Regexp{emptyAssignment} {
		if re() == nil || re() != re() {
			t.Errorf("pattern %d: want one compiled regexp on every call", i)
		}
	}
}
