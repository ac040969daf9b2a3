package cli

// `fleetbake doctor`: the host checks a BitBake build needs.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"fleetbake/app"
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
	opts := app.DoctorOptions{}
	p, err := model.Load(env.configPath)
	switch {
	case err == nil:
		opts = app.DoctorOptions{SourceRoots: p.SourceRoots(), BuildDir: p.Abs(p.BuildDir), Release: p.Release}
	case errors.Is(err, os.ErrNotExist) || !fileExistsCLI(env.configPath):
		wd, _ := os.Getwd()
		opts = app.DoctorOptions{SourceRoots: model.DefaultSourceRoots(wd), BuildDir: filepath.Join(wd, model.Default().BuildDir)}
		fmt.Fprintf(env.stdout, "(no %s: checking %s with the default layout)\n", env.configPath, wd)
	default:
		return err
	}
	checks := app.Doctor(opts)
	printChecks(env.stdout, checks, true)
	if failedChecks(checks) > 0 {
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
func printChecks(w io.Writer, checks []app.HostCheck, all bool) {
	for _, c := range checks {
		if c.Status == app.HostPass && !all {
			continue
		}
		fmt.Fprintf(w, "%-7s %-11s %s\n", c.Status, c.Name, c.Detail)
		if c.Status != app.HostPass && c.Fix != "" {
			fmt.Fprintf(w, "        %-11s fix: %s\n", "", c.Fix)
		}
	}
}

// failedChecks counts the checks that failed.
func failedChecks(checks []app.HostCheck) int {
	n := 0
	for _, c := range checks {
		if c.Status == app.HostFail {
			n++
		}
	}
	return n
}
