package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
)

// `layers` without pins prints no pin section, so it runs no git: the pin
// report's git status reads every tracked file of every checkout (poky:
// 5,000), more than the rest of the command. With --json (which reports
// each checkout's HEAD and state) or with pins set, it does.
func TestLayersRunsGitOnlyForAPinReport(t *testing.T) {
	dir := t.TempDir()
	layertree.Write(t, dir, layertree.Standard("scarthgap", true))
	for _, repo := range []string{"poky", "meta-openembedded", "meta-aws"} {
		gitIn(t, filepath.Join(dir, repo), "init", "-q", "-b", "scarthgap")
		gitIn(t, filepath.Join(dir, repo), "add", "-A")
		gitIn(t, filepath.Join(dir, repo), "commit", "-q", "-m", "fixture")
	}
	cfg := initProject(t, dir, "--layers", "meta-aws")
	// A git on PATH that notes each call, then runs the real one.
	realGit, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	bin, calls := t.TempDir(), filepath.Join(t.TempDir(), "calls")
	wrapper := "#!/bin/sh\necho \"$*\" >>" + calls + "\nexec " + realGit + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	gitCalls := func(args ...string) string {
		t.Helper()
		os.Remove(calls)
		code, out, errs := runCLI(t, append([]string{"--config", cfg}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s%s", args, code, out, errs)
		}
		data, _ := os.ReadFile(calls)
		return string(data)
	}
	if c := gitCalls("layers"); c != "" {
		t.Errorf("`layers` without pins ran git:\n%s", c)
	}
	if c := gitCalls("layers", "--json"); !strings.Contains(c, "rev-parse HEAD") {
		t.Errorf("`layers --json` reported pins without asking git:\n%s", c)
	}
	gitCalls("layers", "lock")
	if c := gitCalls("layers"); !strings.Contains(c, "status --porcelain") {
		t.Errorf("`layers` with pins set did not compare them with the checkouts:\n%s", c)
	}
}
