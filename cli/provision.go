package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
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

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

func printIdentity(w io.Writer, plan *app.ProvisionPlan) {
	fmt.Fprintf(w, "AWS account %s, principal %s, region %s\n", plan.Identity.Account, plan.Identity.ARN, plan.Region)
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
	f, err := parseProvisionFlags(env, "provision plan", args, false)
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	p, pv, err := openProvisioner(ctx, env, f)
	if err != nil {
		return err
	}
	plan, err := pv.Plan(ctx)
	if err != nil {
		return err
	}
	printIdentity(env.stdout, plan)
	printDevices(env.stdout, p, pv, f)
	printPlan(env.stdout, plan)
	if c := plan.Conflicts(); len(c) > 0 {
		return fmt.Errorf("%d name(s) are taken by resources fleetbake did not create; apply would refuse (see the conflict rows)", len(c))
	}
	fmt.Fprintf(env.stdout, "%d to create or update. Run `fleetbake provision apply` to do it.\n", plan.Changes())
	return nil
}

func runProvisionApply(env *cliEnv, args []string) error {
	f, err := parseProvisionFlags(env, "provision apply", args, false)
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	p, pv, err := openProvisioner(ctx, env, f)
	if err != nil {
		return err
	}
	plan, err := pv.Plan(ctx)
	if err != nil {
		return err
	}
	printIdentity(env.stdout, plan)
	printDevices(env.stdout, p, pv, f)
	printPlan(env.stdout, plan)
	if err := conflictsError(plan); err != nil {
		return err
	}
	res, err := withProgress(env, func(events chan<- app.ProvisionEvent) (*app.ProvisionResult, error) {
		return pv.Apply(ctx, plan, events)
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return &exitError{code: 130, err: errors.New("interrupted: what was created is recorded in " + pv.StatePath() + "; run apply again to finish")}
		}
		return err
	}
	return finishApply(env, p, res, fmt.Sprintf("%d created, %d updated, %d AWS calls.", res.Created, res.Updated, res.Calls))
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

func finishApply(env *cliEnv, p *model.Project, res *app.ProvisionResult, summary string) error {
	// The file was read minutes ago: if it was edited meanwhile, the
	// endpoints and names go onto the edited file instead of over it.
	merged, err := p.SaveUpdate(res.UpdateProject)
	if err != nil {
		return fmt.Errorf("AWS is set up, but writing %s failed: %w\n  what to do: fix it and run apply again (it changes nothing in AWS), or add these under [greengrass] by hand:\n%s", p.Path(), err, projectUpdateTOML(res))
	}
	fmt.Fprintln(env.stdout, summary)
	if merged {
		fmt.Fprintf(env.stdout, "%s was changed while this ran: the endpoints and names were added to it as it is now.\n", p.Path())
	}
	fmt.Fprintf(env.stdout, "Wrote endpoints and names to %s; `fleetbake generate` puts them in local.conf.\n", p.Path())
	fmt.Fprintf(env.stdout, "Claim certificate %s: %s, key %s (mode 0600), root CA %s\n", res.ClaimCertID, res.ClaimCertPath, res.ClaimKeyPath, res.RootCAPath)
	fmt.Fprintln(env.stdout)
	fmt.Fprintln(env.stdout, app.ClaimKeyWarning)
	for _, w := range res.Warnings {
		fmt.Fprintln(env.stdout)
		fmt.Fprintln(env.stdout, "WARNING: "+w)
	}
	return nil
}

// projectUpdateTOML is what Result.UpdateProject sets, as lines of the
// [greengrass] table, for an engineer to add by hand.
func projectUpdateTOML(res *app.ProvisionResult) string {
	var q model.Project
	res.UpdateProject(&q)
	g := q.Greengrass
	var b strings.Builder
	for _, kv := range [][2]string{{"region", g.Region}, {"data_endpoint", g.DataEndpoint}, {"credential_endpoint", g.CredentialEndpoint},
		{"provisioning_template", g.ProvisioningTemplate}, {"role_alias", g.RoleAlias}, {"thing_group", g.ThingGroup},
		{"thing_name_prefix", g.ThingNamePrefix}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "    %s = %q\n", kv[0], kv[1])
		}
	}
	return b.String()
}

func runProvisionStatus(env *cliEnv, args []string) error {
	f, err := parseProvisionFlags(env, "provision status", args, false)
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	_, pv, err := openProvisioner(ctx, env, f)
	if err != nil {
		return err
	}
	st, err := pv.Status(ctx)
	if err != nil {
		return err
	}
	printIdentity(env.stdout, st)
	printPlan(env.stdout, st)
	return nil
}

func runProvisionDestroy(env *cliEnv, args []string) error {
	f, err := parseProvisionFlags(env, "provision destroy", args, true)
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	_, pv, err := openProvisioner(ctx, env, f)
	if err != nil {
		return err
	}
	st, err := pv.Status(ctx)
	if err != nil {
		return err
	}
	printIdentity(env.stdout, st)
	if !f.yes {
		printPlan(env.stdout, st)
		return errors.New("destroy deletes the resources above that fleetbake created (state file " + pv.StatePath() + " and tags); run again with --yes to do it")
	}
	if _, err := withProgress(env, func(events chan<- app.ProvisionEvent) (*app.ProvisionResult, error) {
		return nil, pv.Destroy(ctx, events)
	}); err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, "Destroyed. The claim files on disk are kept; their certificate no longer exists, so images built with them can no longer provision.")
	return nil
}

func runProvisionRotate(env *cliEnv, args []string) error {
	f, err := parseProvisionFlags(env, "provision rotate-claim", args, false)
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	p, pv, err := openProvisioner(ctx, env, f)
	if err != nil {
		return err
	}
	id, err := pv.Identity(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "AWS account %s, principal %s, region %s\n", id.Account, id.ARN, pv.Region())
	res, err := withProgress(env, func(events chan<- app.ProvisionEvent) (*app.ProvisionResult, error) {
		return pv.RotateClaim(ctx, events)
	})
	if err != nil {
		return err
	}
	if err := finishApply(env, p, res, "New claim certificate made; the old one is deactivated (destroy deletes it), so images built before now can no longer provision devices."); err != nil {
		return err
	}
	fmt.Fprintln(env.stdout)
	fmt.Fprintln(env.stdout, app.RebuildAfterRotate)
	return nil
}
