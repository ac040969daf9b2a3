package cli

import (
	"bytes"
	"strings"
	"testing"

	"fleetbake/engine"
)

// TestBuildErrorsCannotActOnTheTerminal: an ERROR line, its context and a
// failed task from BitBake's log carry what recipes print; an OSC title or
// clear-screen sequence in them is printed escaped, never raw.
func TestBuildErrorsCannotActOnTheTerminal(t *testing.T) {
	var out bytes.Buffer
	printErrorMessage(&out, engine.ErrorMessage{Text: "oops \x1b]0;owned\x07", Context: []string{"\x1b[2Jcleared"}})
	printFailure(&out, "", engine.Failure{Task: "t\x1b[31m", LogFile: "/tmp/log\x1b[K"})
	if strings.ContainsRune(out.String(), 0x1b) || strings.ContainsRune(out.String(), 0x07) {
		t.Fatalf("raw escape sequences reach the terminal: %q", out.String())
	}
	for _, want := range []string{"oops", "cleared", "/tmp/log"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q: %q", want, out.String())
		}
	}
}
