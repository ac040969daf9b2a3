package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"

	"fleetbake/app"
	"fleetbake/model"
)

// provisionFlags are the flags every provision subcommand takes.
type provisionFlags struct {
	profile, region, endpoint, generation string
	awsKey, yes, tagged                   bool
	genWhy                                string // how the generation was chosen
}

func parseProvisionFlags(env *cliEnv, name string, args []string, withYes bool) (*provisionFlags, error) {
	f := &provisionFlags{}
	fs := newFlags(env, name)
	fs.StringVar(&f.profile, "profile", "", "AWS shared config profile (default: $AWS_PROFILE or default)")
	fs.StringVar(&f.region, "region", "", "AWS region (default: greengrass.region in the project, else $AWS_REGION)")
	fs.StringVar(&f.endpoint, "endpoint-url", "", "send IoT, IAM and STS calls to this endpoint (LocalStack: http://localhost:4566)")
	fs.BoolVar(&f.awsKey, "aws-generated-key", false, "let AWS make the claim key (CreateKeysAndCertificate) instead of a key made here and a CSR")
	fs.StringVar(&f.generation, "generation", "", "meta-aws generation: new (SerialNumber) or old (ThingName, ThingGroupName); default: detected")
	if withYes {
		fs.BoolVar(&f.yes, "yes", false, "really delete")
		fs.BoolVar(&f.tagged, "tagged", false, "without a state file in this folder, delete what carries fleetbake's tags for this prefix (another folder with the same prefix may use it)")
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("fleetbake %s takes no arguments, got %q", name, fs.Args())
	}
	switch f.generation {
	case "", string(model.GenerationNew), string(model.GenerationOld):
	default:
		return nil, fmt.Errorf("--generation %q: use new or old", f.generation)
	}
	return f, nil
}

// openProvisioner loads the project and makes a Provisioner for it whose
// template matches the meta-aws generation of the tree (app.Generation).
func openProvisioner(ctx context.Context, env *cliEnv, f *provisionFlags) (*model.Project, *app.AWSProvisioner, error) {
	p, err := model.Load(env.configPath)
	if err != nil {
		return nil, nil, err
	}
	pv, why, err := app.Provisioner(ctx, p, nil, app.AWSOptions{Profile: f.profile, Region: f.region, EndpointURL: f.endpoint,
		AWSGeneratedKey: f.awsKey, Generation: model.Generation(f.generation), DestroyTagged: f.tagged})
	if err != nil {
		return nil, nil, err
	}
	f.genWhy = why
	return p, pv, nil
}

// provisionRun is what every provision subcommand starts with: its flags,
// a context that Ctrl-C cancels, the project and its provisioner.
type provisionRun struct {
	ctx context.Context
	f   *provisionFlags
	p   *model.Project
	pv  *app.AWSProvisioner
}

// runProvision starts a provision subcommand and runs its body, then
// releases the Ctrl-C context: the start and the end every subcommand has.
func runProvision(env *cliEnv, name string, args []string, withYes bool, body func(r *provisionRun) error) error {
	f, err := parseProvisionFlags(env, name, args, withYes)
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	p, pv, err := openProvisioner(ctx, env, f)
	if err != nil {
		return err
	}
	return body(&provisionRun{ctx: ctx, f: f, p: p, pv: pv})
}

// showPlan plans, and prints the account, the devices and the plan (plan
// and apply).
func (r *provisionRun) showPlan(w io.Writer) (*app.ProvisionPlan, error) {
	plan, err := r.pv.Plan(r.ctx)
	if err != nil {
		return nil, err
	}
	printAccount(w, plan.Identity.Account, plan.Identity.ARN, plan.Region)
	printDevices(w, r.p, r.pv, r.f)
	printPlan(w, plan)
	return plan, nil
}

// status reads what exists, and prints the account (status and destroy).
func (r *provisionRun) status(w io.Writer) (*app.ProvisionPlan, error) {
	st, err := r.pv.Status(r.ctx)
	if err != nil {
		return nil, err
	}
	printAccount(w, st.Identity.Account, st.Identity.ARN, st.Region)
	return st, nil
}

// printDevices says which devices the template and claim policy are made
// for (the device profile, model.Device).
func printDevices(w io.Writer, p *model.Project, pv *app.AWSProvisioner, f *provisionFlags) {
	d := pv.Device()
	fmt.Fprintf(w, "Devices: %s %s (meta-aws %s), meta-aws %s generation (%s): template parameters %s; claim topics $aws/certificates/%s/json; MQTT port %d\n",
		d.Nucleus, d.Version, d.Release, pv.Generation(), f.genWhy, strings.Join(pv.TemplateParams(), ", "), pv.ClaimFlow(), d.Port)
	if d.Caveat != "" {
		fmt.Fprintln(w, "note: "+d.Caveat)
	}
}

// printAccount names the account, principal and region every provision
// subcommand acts in, before it does anything.
func printAccount(w io.Writer, account, principal, region string) {
	fmt.Fprintf(w, "AWS account %s, principal %s, region %s\n", account, principal, region)
}

func printPlan(w io.Writer, plan *app.ProvisionPlan) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE\tNAME\tACTION\tARN / DETAIL")
	for _, it := range plan.Items[2:] {
		detail := it.ARN
		if it.Detail != "" {
			if detail != "" {
				detail += "  "
			}
			detail += it.Detail
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", it.Kind, it.Name, it.Action, detail)
	}
	tw.Flush()
	fmt.Fprintf(w, "endpoints: data %s, credentials %s\n", plan.Endpoints.Data, plan.Endpoints.Credential)
}

// printEvents prints progress lines until events is closed.
func printEvents(w io.Writer, events <-chan app.ProvisionEvent, wg *sync.WaitGroup) {
	defer wg.Done()
	for ev := range events {
		line := fmt.Sprintf("  %-8s %-22s %s", ev.Status, ev.Item.Kind, ev.Item.Name)
		if ev.Err != nil && ev.Status == app.ProvisionRetrying {
			line += "  (waiting for IAM to propagate)"
		}
		fmt.Fprintln(w, line)
	}
}

func runProvisionPlan(env *cliEnv, args []string) error {
	return runProvision(env, "provision plan", args, false, func(r *provisionRun) error {
		plan, err := r.showPlan(env.stdout)
		if err != nil {
			return err
		}
		if c := plan.Conflicts(); len(c) > 0 {
			return fmt.Errorf("%d name(s) are taken by resources fleetbake did not create; apply would refuse (see the conflict rows)", len(c))
		}
		fmt.Fprintf(env.stdout, "%d to create or update. Run `fleetbake provision apply` to do it.\n", plan.Changes())
		return nil
	})
}

func runProvisionApply(env *cliEnv, args []string) error {
	return runProvision(env, "provision apply", args, false, func(r *provisionRun) error {
		plan, err := r.showPlan(env.stdout)
		if err != nil {
			return err
		}
		if err := conflictsError(plan); err != nil {
			return err
		}
		var done *app.AWSApplied
		_, err = withProgress(env, func(events chan<- app.ProvisionEvent) (*app.ProvisionResult, error) {
			done, err = app.ApplyProvisioned(r.ctx, r.p, r.pv, plan, events)
			return nil, err
		})
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return &exitError{code: 130, err: errors.New("interrupted: what was created is recorded in " + r.pv.StatePath() + "; run apply again to finish")}
			}
			return err
		}
		printApplied(env, r.p, done, fmt.Sprintf("%d created, %d updated, %d AWS calls.", done.Created, done.Updated, done.Calls))
		return nil
	})
}

func conflictsError(plan *app.ProvisionPlan) error {
	c := plan.Conflicts()
	if len(c) == 0 {
		return nil
	}
	var b strings.Builder
	for _, it := range c {
		fmt.Fprintf(&b, "\n  %s: %s", it.Kind, it.Detail)
	}
	return fmt.Errorf("%w; nothing was changed:%s", app.ErrConflict, b.String())
}

// withProgress runs one provision operation, printing each of its events
// as it comes.
func withProgress(env *cliEnv, run func(chan<- app.ProvisionEvent) (*app.ProvisionResult, error)) (*app.ProvisionResult, error) {
	events := make(chan app.ProvisionEvent, 16)
	var wg sync.WaitGroup
	wg.Add(1)
	go printEvents(env.stdout, events, &wg)
	res, err := run(events)
	close(events)
	wg.Wait()
	return res, err
}

// printApplied says what apply (or rotate-claim) made and saved.
func printApplied(env *cliEnv, p *model.Project, done *app.AWSApplied, summary string) {
	fmt.Fprintln(env.stdout, summary)
	if done.Merged {
		fmt.Fprintf(env.stdout, "%s was changed while this ran: the endpoints and names were added to it as it is now.\n", p.Path())
	}
	fmt.Fprintf(env.stdout, "Wrote endpoints and names to %s; `fleetbake generate` puts them in local.conf.\n", p.Path())
	fmt.Fprintf(env.stdout, "Claim certificate %s: %s, key %s (mode 0600), root CA %s\n", done.ClaimCertID, done.ClaimCertPath, done.ClaimKeyPath, done.RootCAPath)
	fmt.Fprintln(env.stdout)
	fmt.Fprintln(env.stdout, app.ClaimKeyWarning)
	for _, w := range done.Warnings {
		fmt.Fprintln(env.stdout)
		fmt.Fprintln(env.stdout, "WARNING: "+w)
	}
}

func runProvisionStatus(env *cliEnv, args []string) error {
	return runProvision(env, "provision status", args, false, func(r *provisionRun) error {
		st, err := r.status(env.stdout)
		if err != nil {
			return err
		}
		printPlan(env.stdout, st)
		return nil
	})
}

func runProvisionDestroy(env *cliEnv, args []string) error {
	return runProvision(env, "provision destroy", args, true, func(r *provisionRun) error {
		st, err := r.status(env.stdout)
		if err != nil {
			return err
		}
		if !r.f.yes {
			printPlan(env.stdout, st)
			return errors.New("destroy deletes the resources above that fleetbake created (state file " + r.pv.StatePath() + " and tags); run again with --yes to do it")
		}
		if _, err := withProgress(env, func(events chan<- app.ProvisionEvent) (*app.ProvisionResult, error) {
			return nil, r.pv.Destroy(r.ctx, events)
		}); err != nil {
			return err
		}
		fmt.Fprintln(env.stdout, "Destroyed. The claim files on disk are kept; their certificate no longer exists, so images built with them can no longer provision.")
		return nil
	})
}

func runProvisionRotate(env *cliEnv, args []string) error {
	return runProvision(env, "provision rotate-claim", args, false, func(r *provisionRun) error {
		ctx, p, pv := r.ctx, r.p, r.pv
		id, err := pv.Identity(ctx)
		if err != nil {
			return err
		}
		printAccount(env.stdout, id.Account, id.ARN, pv.Region())
		res, err := withProgress(env, func(events chan<- app.ProvisionEvent) (*app.ProvisionResult, error) {
			return pv.RotateClaim(ctx, events)
		})
		if err != nil {
			return err
		}
		done, err := app.SaveAWSResult(p, res)
		if err != nil {
			return err
		}
		printApplied(env, p, done, "New claim certificate made; the old one is deactivated (destroy deletes it), so images built before now can no longer provision devices.")
		fmt.Fprintln(env.stdout)
		fmt.Fprintln(env.stdout, app.RebuildAfterRotate)
		return nil
	})
}
