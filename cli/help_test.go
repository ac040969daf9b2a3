package cli

import (
	"strings"
	"testing"
)

// `help nosuch` is a usage error: exit 2, saying so, with the commands to
// choose from (found walking through: it printed the list and exited 0).
func TestHelpUnknownTopicExits2(t *testing.T) {
	code, out, errs := runCLI(t, "help", "nosuch")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if out != "" {
		t.Errorf("stdout %q, want nothing (the error goes to stderr)", out)
	}
	for _, want := range []string{`no help for "nosuch"`, "Commands:", "provision apply", "build status"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

// `help COMMAND` prints that command's flags and runs nothing, for every
// command of the table, one word or two.
func TestHelpCommandPrintsItsFlags(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, c := range commandTable {
		if c.name == "version" {
			continue // no flags
		}
		args := append([]string{"help"}, strings.Fields(c.name)...)
		code, _, errs := runCLI(t, args...)
		if code != 0 || !strings.Contains(errs, "Usage of fleetbake "+c.name+":") {
			t.Errorf("help %s: exit %d, stderr:\n%s", c.name, code, errs)
		}
	}
}
