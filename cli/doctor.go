package cli

// `fleetbake doctor`: the host checks a BitBake build needs.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"fleetbake/engine"
	"fleetbake/model"
)

func runDoctor(env *cliEnv, args []string) error {
	flags := newFlags(env, "doctor")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("doctor: unexpected argument %q", flags.Arg(0))
	}
	// Without a project file, check the current folder as the defaults would.
	opts := engine.DoctorOptions{}
	p, err := model.Load(env.configPath)
	switch {
	case err == nil:
		opts = engine.DoctorOptions{SourceRoots: p.SourceRoots(), BuildDir: p.Abs(p.BuildDir), Release: p.Release}
	case errors.Is(err, os.ErrNotExist) || !fileExistsCLI(env.configPath):
		wd, _ := os.Getwd()
		opts = engine.DoctorOptions{SourceRoots: model.DefaultSourceRoots(wd), BuildDir: filepath.Join(wd, model.Default().BuildDir)}
		fmt.Fprintf(env.stdout, "(no %s: checking %s with the default layout)\n", env.configPath, wd)
	default:
		return err
	}
	checks := engine.Doctor(opts)
	printChecks(env.stdout, checks, true)
	if err := engine.Failed(checks); err != nil {
		return &exitError{code: 1}
	}
	fmt.Fprintln(env.stdout, "this host can build")
	return nil
}

func fileExistsCLI(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// printChecks prints one line per check and its fix; all of them when all
// is set, else only those that are not Pass.
func printChecks(w io.Writer, checks []engine.Check, all bool) {
	for _, c := range checks {
		if c.Status == engine.Pass && !all {
			continue
		}
		fmt.Fprintf(w, "%-7s %-11s %s\n", c.Status, c.Name, c.Detail)
		if c.Status != engine.Pass && c.Fix != "" {
			fmt.Fprintf(w, "        %-11s fix: %s\n", "", c.Fix)
		}
	}
}

// countFailed says how many checks failed: "1 check", "3 checks".
func countFailed(checks []engine.Check) string {
	n := 0
	for _, c := range checks {
		if c.Status == engine.Fail {
			n++
		}
	}
	if n == 1 {
		return "1 check"
	}
	return fmt.Sprintf("%d checks", n)
}
