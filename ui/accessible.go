package ui

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"fleetbake/app"
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
}

var errEOF = fmt.Errorf("input ended before the questions did; answers so far are saved")

// say prints one line; its arguments may come from files fleetbake did not
// write (machine names and descriptions), so what a terminal would act on
// is escaped.
func (a *asker) say(format string, args ...any) {
	fmt.Fprintln(a.out, model.PrintableLines(fmt.Sprintf(format, args...)))
}

// ask prompts until the answer passes ValidateField (and check, if any).
func (a *asker) ask(field, question, def string, check func(string) error) (string, error) {
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
		v := strings.TrimSpace(a.in.Text())
		if v == "" {
			v = def
		}
		var err error
		if check != nil {
			err = check(v)
		}
		if err == nil && field != "" && v != "" && a.svc.ValidateField != nil {
			err = a.svc.ValidateField(field, v)
		}
		if err != nil {
			a.say("  not accepted: %v", err)
			continue
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

func (a *asker) yes(question string, def bool) (bool, error) {
	d := "y/N"
	if def {
		d = "Y/n"
	}
	v, err := a.ask("", question+" ("+d+")", "", func(v string) error {
		switch strings.ToLower(v) {
		case "", "y", "yes", "n", "no":
			return nil
		}
		return fmt.Errorf("answer y or n")
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
	p, def := a.p, model.Default()
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
	if rel := app.ReleaseToWrite(p, ws); rel != p.Release {
		// Nothing on disk names the release: the default, as init and the
		// full UI do, so the files can be generated from the catalog.
		p.Release = rel
		a.say("No oe-core on disk: release %s (change release in %s to build another).", rel, p.Path())
	}
	var err error
	if p.BuildDir, err = a.ask("build_dir", "Build folder", cmp.Or(p.BuildDir, def.BuildDir), nil); err != nil {
		return err
	}
	if err := a.save(); err != nil {
		return err
	}

	machines := func(v string) error {
		if v == "?" {
			if ws != nil {
				for _, m := range ws.Machines {
					a.say("  %-28s %s (%s)", m.Name, m.Description, m.Layer)
				}
			}
			return fmt.Errorf("choose one of the machines above")
		}
		return nil
	}
	if p.Machine, err = a.ask("machine", "MACHINE (? lists them)", cmp.Or(p.Machine, guessMachine(guess), def.Machine), machines); err != nil {
		return err
	}
	if err := a.save(); err != nil {
		return err
	}

	layersDef := strings.Join(firstNonEmptyList(p.Layers, guessLayers(guess), def.Layers), " ")
	v, err := a.ask("", "Layers, space separated (dependencies are added)", layersDef, func(v string) error {
		for _, l := range strings.Fields(v) {
			if a.svc.ValidateField != nil {
				if err := a.svc.ValidateField("layers", l); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.Layers = strings.Fields(v)
	if a.svc.Resolve != nil && ws != nil {
		if res, err := a.svc.Resolve(p, ws); err != nil {
			a.say("  layers: %v", err)
		} else {
			for _, l := range res.Layers {
				switch {
				case l.AddedBy != "" && !slices.Contains(p.Layers, l.Name):
					a.say("  + %s (added: %s)", l.Name, l.AddedBy)
				case !l.OnDisk:
					a.say("  %s: not on disk, fetch with `fleetbake layers fetch`", l.Name)
				}
			}
			for _, m := range append(res.Missing, res.Incompatible...) {
				a.say("  ! %s", m)
			}
		}
	}
	if err := a.save(); err != nil {
		return err
	}
	if p.Image, err = a.ask("image", "Image", cmp.Or(p.Image, def.Image), nil); err != nil {
		return err
	}
	if p.Distro, err = a.ask("distro", "DISTRO", cmp.Or(p.Distro, guessDistro(guess), def.Distro), nil); err != nil {
		return err
	}
	if err := a.save(); err != nil {
		return err
	}
	if err := a.askShared(); err != nil {
		return err
	}
	if err := a.askGreengrass(ctx); err != nil {
		return err
	}
	return a.review(ctx, ws)
}

func (a *asker) askShared() error {
	sh := &a.p.Shared
	n := func(field, q string, dst *int) error {
		v, err := a.ask(field, q+" (empty: BitBake's default)", countString(*dst), checkCount)
		if err != nil {
			return err
		}
		*dst, _ = strconv.Atoi(v)
		return nil
	}
	if err := n("shared.bb_number_threads", "BB_NUMBER_THREADS", &sh.BBNumberThreads); err != nil {
		return err
	}
	if err := n("shared.parallel_make", "PARALLEL_MAKE jobs", &sh.ParallelMake); err != nil {
		return err
	}
	for _, q := range []struct {
		field, label string
		dst          *string
	}{
		{"shared.dl_dir", "DL_DIR", &sh.DLDir},
		{"shared.sstate_dir", "SSTATE_DIR", &sh.SstateDir},
		{"shared.sstate_mirrors", "SSTATE_MIRRORS", &sh.SstateMirrors},
		{"shared.hashserve", "BB_HASHSERVE (auto or host:port)", &sh.HashServe},
		{"shared.hashserve_upstream", "BB_HASHSERVE_UPSTREAM", &sh.HashServeUpstream},
		{"shared.prserv_host", "PRSERV_HOST", &sh.PRServHost},
	} {
		v, err := a.ask(q.field, q.label+" (- clears)", *q.dst, nil)
		if err != nil {
			return err
		}
		if v == "-" {
			v = ""
		}
		*q.dst = v
	}
	return a.save()
}

func (a *asker) askGreengrass(ctx context.Context) error {
	g, def := &a.p.Greengrass, model.Default().Greengrass
	if a.svc.Identity != nil {
		if id, err := a.svc.Identity(ctx, a.p); err != nil {
			// What to do first, then going on without AWS, the SDK's text last.
			fix, detail := app.AWSAdvice(err)
			if fix == "" {
				fix, detail = app.AWSTrouble(err)+": "+detail, ""
			}
			a.say("%s.", capitalize(fix))
			a.say("Or go on without AWS: answer n to creating the AWS resources at the end, then y to write the conf files only; you can build with them.")
			if detail != "" {
				a.say("AWS SDK: %s", detail)
			}
		} else {
			a.say("AWS account %s (%s)", id.Account, id.ARN)
		}
	}
	on, err := a.yes("Greengrass and fleet provisioning in the image?", !greengrassAnswered(a.p) || g.Enabled)
	if err != nil {
		return err
	}
	g.Enabled = on
	if g.Region == "" {
		g.Region = def.Region
	}
	if g.Prefix == "" {
		g.Prefix = def.Prefix
	}
	if !on {
		return a.save()
	}
	oneOf := func(choices ...string) func(string) error {
		return func(v string) error {
			if slices.Contains(choices, v) {
				return nil
			}
			return fmt.Errorf("answer one of: %s", strings.Join(choices, ", "))
		}
	}
	steps := []struct {
		field, q string
		dst      *string
		check    func(string) error
	}{
		{"greengrass.nucleus", "Nucleus (greengrass-bin or greengrass-lite)", &g.Nucleus, oneOf(model.NucleusBin, model.NucleusLite)},
		{"greengrass.region", "Region (" + strings.Join(a.svc.Regions, " ") + ")", &g.Region, nil},
		{"greengrass.prefix", "Name prefix for AWS resources", &g.Prefix, nil},
		{"greengrass.thing_group", "Thing group (empty: derived)", &g.ThingGroup, nil},
		{"greengrass.thing_name_prefix", "Thing name prefix (empty: derived)", &g.ThingNamePrefix, nil},
		{"greengrass.provisioning_template", "Provisioning template (empty: derived)", &g.ProvisioningTemplate, nil},
		{"greengrass.role_alias", "Role alias (empty: derived)", &g.RoleAlias, nil},
		{"greengrass.claim_dir", "Claim certificate folder", &g.ClaimDir, nil},
	}
	if g.Nucleus == "" {
		g.Nucleus = def.Nucleus
	}
	if g.ClaimDir == "" {
		g.ClaimDir = def.ClaimDir
	}
	for _, s := range steps {
		v, err := a.ask(s.field, s.q, *s.dst, s.check)
		if err != nil {
			return err
		}
		*s.dst = v
		if err := a.save(); err != nil {
			return err
		}
	}
	byAWS, err := a.yes("Let AWS make the claim key (else made here, never leaving this machine)?", g.AWSGeneratedKey)
	if err != nil {
		return err
	}
	g.AWSGeneratedKey = byAWS
	return a.save()
}

func guessMachine(g *ConfGuess) string {
	if g == nil {
		return ""
	}
	return g.Machine
}

func guessLayers(g *ConfGuess) []string {
	if g == nil {
		return nil
	}
	return g.Layers
}

func firstNonEmptyList(lists ...[]string) []string {
	for _, l := range lists {
		if len(l) > 0 {
			return l
		}
	}
	return nil
}
