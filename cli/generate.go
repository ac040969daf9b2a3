package cli

// Subcommands of the generator area: `generate` (the exports are in export.go).

import (
	"errors"
	"fmt"

	"fleetbake/app"
	"fleetbake/model"
)

// loadResolved opens the project and resolves its layer set (app.ResolveProject).
func loadResolved(env *cliEnv) (*model.Project, *model.Resolution, error) {
	p, err := app.Open(env.configPath)
	if err != nil {
		return nil, nil, err
	}
	res, err := app.ResolveProject(p, func(prob string) { fmt.Fprintln(env.stderr, "warning:", model.PrintableLines(prob)) })
	if err != nil {
		return nil, nil, err
	}
	return p, res, nil
}

func runGenerate(env *cliEnv, args []string) error {
	flags := newFlags(env, "generate")
	showDiff := flags.Bool("diff", false, "print a unified diff of what would change; write nothing")
	dryRun := flags.Bool("dry-run", false, "say which files would change; write nothing")
	check := flags.Bool("check", false, "for CI: say which files would change and exit 1 if any would; write nothing")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("generate: unexpected argument %q", flags.Arg(0))
	}
	p, res, err := loadResolved(env)
	if err != nil {
		return err
	}
	c, err := app.PlanGenerate(p, res)
	if err != nil {
		return err
	}
	for _, n := range c.Notes {
		fmt.Fprintln(env.stdout, "note:", model.PrintableLines(n))
	}
	for _, w := range c.Warnings {
		fmt.Fprintln(env.stderr, "warning:", model.PrintableLines(w))
	}
	if *showDiff {
		if c.Empty() {
			fmt.Fprintln(env.stdout, "no changes: every file is up to date")
			return nil
		}
		fmt.Fprint(env.stdout, model.PrintableLines(c.Diff())) // the engineer's lines are from disk
		return nil
	}
	if *dryRun || *check {
		for i := range c.Files {
			f := &c.Files[i]
			status := f.Status()
			if f.Changed {
				status = "would be " + status
			}
			fmt.Fprintf(env.stdout, "%s: %s\n", f.Rel, status)
		}
		if *check && !c.Empty() {
			return &exitError{code: 1, err: errors.New("the conf files are not up to date with fleetbake.toml; run `fleetbake generate`")}
		}
		return nil
	}
	if err := app.ApplyGenerate(c); err != nil {
		return err
	}
	for _, line := range c.Summary() {
		fmt.Fprintln(env.stdout, line)
	}
	if c.Empty() {
		fmt.Fprintln(env.stdout, "nothing to do: every file is up to date")
	}
	return nil
}
