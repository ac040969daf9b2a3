package ui

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"

	"fleetbake/model"
)

// AccessibleOptions configure RunAccessible.
type AccessibleOptions struct {
	In       io.Reader
	Out      io.Writer
	Services *Services
	Project  *model.Project
	Existing bool
}

// RunAccessible asks the wizard's questions as plain prompts, one per line,
// for screen readers, TERM=dumb and scripts. Each answer is validated like
// in the UI and saved at once; an empty answer keeps the value in brackets.
// It stops after writing the files and the AWS side and says how to build.
func RunAccessible(o AccessibleOptions) error {
	a := &asker{in: bufio.NewScanner(o.In), out: o.Out, svc: o.Services, p: o.Project}
	return a.run(context.Background())
}

type asker struct {
	in  *bufio.Scanner
	out io.Writer
	svc *Services
	p   *model.Project
	ans *answers
	id  *Identity // the AWS account, once looked up
}

var errEOF = fmt.Errorf("input ended before the questions did; answers so far are saved")

// say prints one line; its arguments may come from files fleetbake did not
// write (machine names and descriptions), so what a terminal would act on
// is escaped.
func (a *asker) say(format string, args ...any) {
	fmt.Fprintln(a.out, model.PrintableLines(fmt.Sprintf(format, args...)))
}

// ask prompts until the answer passes check; an empty answer is def.
func (a *asker) ask(question, def string, check func(string) error) (string, error) {
	for {
		if def != "" {
			fmt.Fprintf(a.out, "%s [%s]: ", question, def)
		} else {
			fmt.Fprintf(a.out, "%s: ", question)
		}
		if !a.in.Scan() {
			fmt.Fprintln(a.out)
			return "", errEOF
		}
		v := cmp.Or(strings.TrimSpace(a.in.Text()), def)
		if check != nil {
			if err := check(v); err != nil {
				a.say("  not accepted: %s", problem(err))
				continue
			}
		}
		return v, nil
	}
}

func (a *asker) save() error {
	if a.svc.Save == nil {
		return nil
	}
	if err := a.svc.Save(a.p); err != nil {
		return fmt.Errorf("could not save %s: %w", a.p.Path(), err)
	}
	return nil
}

// yes asks a y/N (or Y/n) question; enter takes the default, and the
// prompt says which it is.
func (a *asker) yes(question string, def bool) (bool, error) {
	d := "y/N, enter: no"
	if def {
		d = "Y/n, enter: yes"
	}
	v, err := a.ask(question+" ("+d+")", "", func(v string) error {
		switch strings.ToLower(v) {
		case "", "y", "yes", "n", "no":
			return nil
		}
		return fmt.Errorf("answer y or n (enter: %s)", boolAnswer(def, "yes", "no"))
	})
	if err != nil {
		return false, err
	}
	switch strings.ToLower(v) {
	case "y", "yes":
		return true, nil
	case "n", "no":
		return false, nil
	}
	return def, nil
}

func (a *asker) run(ctx context.Context) error {
	p := a.p
	a.say("fleetbake: answers are saved to %s after each question. Empty answer: the value in brackets.", p.Path())
	var ws *Workspace
	var guess *ConfGuess
	if a.svc.Discover != nil {
		var err error
		if ws, err = a.svc.Discover(p); err != nil {
			a.say("layer discovery: %v", err)
		}
	}
	if a.svc.ReadConf != nil {
		guess, _ = a.svc.ReadConf(p)
	}
	if ws != nil {
		layers, machines := onDisk(ws)
		if layers == 0 {
			a.say("No layers on disk: offering the built-in catalog (%d machines); release %s.", len(ws.Machines), orDash(ws.Release))
		} else {
			a.say("Found %d layers and %d machines on disk (%d more machines in the catalog); release %s.",
				layers, machines, len(ws.Machines)-machines, orDash(ws.Release))
		}
	}
	a.ans = &answers{p: p, ws: ws, guess: guess, regions: a.svc.Regions}
	for i := range questions {
		q := &questions[i]
		if q.DependsOn != "" && !q.asked(questionFor(q.DependsOn).Get(a.ans)) {
			continue
		}
		if q.Key == "greengrass.enabled" {
			a.sayIdentity(ctx)
		}
		v, err := a.askQuestion(q)
		if err != nil {
			return err
		}
		q.Set(a.ans, v)
		switch {
		case q.Key == "release" && v == "":
			a.say("  release %s (the one on disk, or fleetbake's default when there is none).", p.Release)
		case q.Key == "layers":
			a.sayResolution(ws)
		}
		if err := a.save(); err != nil {
			return err
		}
	}
	return a.review(ctx, ws)
}
