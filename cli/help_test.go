package cli

import (
	"strings"
	"testing"
)

// `help <command>` says what that command does and lists its flags, on
// stdout; `<command> --help` says the same (on stderr) and exits 0, verify
// included; a group word lists its commands; an unknown name is exit 2.
func TestHelpForOneCommand(t *testing.T) {
	code, out, errs := runCLI(t, "help", "export", "ci")
	if code != 0 || errs != "" {
		t.Fatalf("help export ci: exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{"Usage: fleetbake export ci [flags]", "CI pipeline that builds the image with kas", "-runner-label string", "-kas-file string"} {
		if !strings.Contains(out, want) {
			t.Errorf("help export ci lacks %q:\n%s", want, out)
		}
	}
	// A backquoted word in a flag's usage becomes its argument name in Go's
	// flag package: none may be there.
	if strings.Contains(out, "-kas-file fleetbake") {
		t.Errorf("-kas-file's argument name is taken from its usage text:\n%s", out)
	}
	if strings.Contains(out, "Commands:") {
		t.Errorf("help export ci printed the whole command list:\n%s", out)
	}

	code, _, errs = runCLI(t, "verify", "--help")
	if code != 0 || strings.Contains(errs, "help requested") || !strings.Contains(errs, "-no-aws") || !strings.Contains(errs, "Usage: fleetbake verify") {
		t.Fatalf("verify --help: exit %d\n%s", code, errs)
	}

	code, out, _ = runCLI(t, "help", "provision")
	if code != 0 || !strings.Contains(out, "provision apply") || !strings.Contains(out, "provision rotate-claim") || strings.Contains(out, "export kas") {
		t.Fatalf("help provision: exit %d\n%s", code, out)
	}

	for _, args := range [][]string{{"help", "nosuch"}, {"help", "layers", "nosuch"}} {
		code, out, errs = runCLI(t, args...)
		if code != 2 || out != "" || !strings.Contains(errs, "no command") || !strings.Contains(errs, "Commands:") {
			t.Errorf("%v: exit %d\nstdout %q\nstderr %q", args, code, out, errs)
		}
	}
}

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
	for _, want := range []string{`no command "nosuch"`, "Commands:", "provision apply", "build status"} {
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
		code, out, errs := runCLI(t, args...)
		if code != 0 || !strings.Contains(out, "Usage: fleetbake "+c.name+" [flags]") {
			t.Errorf("help %s: exit %d, stdout:\n%s\nstderr:\n%s", c.name, code, out, errs)
		}
	}
}

// `layers --help` names the discovery cache and how to rule it out: the
// first thing to try when `fleetbake layers` does not show a change on disk.
func TestHelpLayersNamesTheCache(t *testing.T) {
	code, _, errs := runCLI(t, "layers", "--help")
	if code != 0 || !strings.Contains(errs, "FLEETBAKE_NO_CACHE=1") || !strings.Contains(errs, "~/.cache/fleetbake") {
		t.Fatalf("layers --help: exit %d, want the cache folder and FLEETBAKE_NO_CACHE=1:\n%s", code, errs)
	}
}
