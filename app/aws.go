package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"fleetbake/model"
	"fleetbake/provision"
)

// This file is the AWS side of a project (package provision): which
// meta-aws generation the devices are, the account, the plan, and apply with
// its save into the project file.

// AWSOptions pick the account and how the claim is made.
type AWSOptions struct {
	Profile, Region, EndpointURL string
	// AWSGeneratedKey lets AWS make the claim key (CreateKeysAndCertificate).
	AWSGeneratedKey bool
	// Generation forces the meta-aws generation; empty: detected (Generation).
	Generation model.Generation
	// ReadOnly: the provisioner is only used to read (verify).
	ReadOnly bool
	// DestroyTagged: destroy may delete resources tagged for this prefix
	// that no state file of this folder records (provision.Options).
	DestroyTagged bool
}

// Provisioner makes a provisioner for p whose template and claim policy
// match the devices of the detected (or forced) meta-aws generation. why
// says how the generation was chosen.
func Provisioner(ctx context.Context, p *model.Project, ws *Workspace, o AWSOptions) (pv *provision.Provisioner, why string, err error) {
	if ws == nil {
		ws, _ = Discover(p) // nothing found: the project's release decides
	}
	gen, why := o.Generation, "--generation"
	if gen == model.GenerationUnknown {
		gen, why = Generation(p, ws)
	}
	pv, err = provision.New(ctx, p, provision.Options{Profile: o.Profile, Region: o.Region, EndpointURL: o.EndpointURL,
		AWSGeneratedKey: o.AWSGeneratedKey, Generation: gen, Release: releaseOf(p, ws), ReadOnly: o.ReadOnly,
		DestroyTagged: o.DestroyTagged})
	return pv, why, err
}

// Identity looks up the AWS account in use. Before the Greengrass step is
// answered the project has no region or prefix yet: it looks the account up
// with the defaults, on a copy, so that p still reads as unanswered.
func LookupIdentity(ctx context.Context, p *model.Project, o AWSOptions) (*Identity, error) {
	def := model.Default().Greengrass
	q := *p
	q.Greengrass.Region = cmp.Or(p.Greengrass.Region, def.Region)
	q.Greengrass.Prefix = cmp.Or(p.Greengrass.Prefix, def.Prefix)
	// Read-only: otherwise the provisioner starts making a claim key (RSA
	// 2048) that nothing uses, at every start of the UI, competing with the
	// first screen for the CPU (issue 12).
	o.ReadOnly = true
	pv, _, err := Provisioner(ctx, &q, nil, o)
	if err != nil {
		return nil, err
	}
	id, err := pv.Identity(ctx)
	if err != nil {
		return nil, err
	}
	return &Identity{Account: id.Account, ARN: id.ARN, Region: pv.Region()}, nil
}

// PlanAWS lists what apply would create or change.
func PlanAWS(ctx context.Context, p *model.Project, ws *Workspace, o AWSOptions) ([]PlanRow, error) {
	o.ReadOnly = true // no claim key made ahead for an apply that makes its own
	pv, _, err := Provisioner(ctx, p, ws, o)
	if err != nil {
		return nil, err
	}
	plan, err := pv.Plan(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]PlanRow, 0, len(plan.Items))
	for _, it := range plan.Items {
		rows = append(rows, PlanRow{Kind: string(it.Kind), Name: it.Name, Action: string(it.Action), Detail: it.Detail})
	}
	return rows, nil
}

// ApplyAWS creates the AWS side, reporting each resource as it goes, then
// records what AWS returned (endpoints, names) in the project file with the
// edit-safe save: a file edited while apply ran gets the update on top of
// the edit. The returned update, when not nil, is the same change for a
// caller's own copy of the project.
func ApplyAWS(ctx context.Context, p *model.Project, ws *Workspace, o AWSOptions, report func(ResourceEvent)) (update func(*model.Project), err error) {
	pv, _, err := Provisioner(ctx, p, ws, o)
	if err != nil {
		return nil, err
	}
	events := make(chan provision.Event, 16)
	forwarded := make(chan struct{})
	go func() {
		defer close(forwarded)
		for ev := range events {
			report(resourceEvent(ev))
		}
	}()
	done, err := ApplyProvisioned(ctx, p, pv, nil, events)
	close(events) // ApplyProvisioned has returned, so nothing sends any more
	<-forwarded
	if done == nil {
		return nil, err
	}
	for i, w := range done.Warnings {
		// One row each (rows are per kind): certificates apply could not
		// tie to its own request and so did not delete, for instance.
		report(ResourceEvent{Kind: fmt.Sprintf("%s %d", WarningKind, i+1), State: ResourceDone, Detail: w})
	}
	// The same update `fleetbake provision apply` makes: endpoints, and
	// the names and region AWS now holds, so that the project file says
	// what exists even if the prefix is changed later.
	return done.UpdateProject, err
}

// AWSApplied is what ApplyProvisioned did: provision's result, and whether
// the project file had been edited while it ran (the update went on top).
type AWSApplied struct {
	*provision.Result
	Merged bool
}

// ApplyProvisioned is the one apply of the AWS side, for the UI (ApplyAWS)
// and `fleetbake provision apply` (which shows pv's plan first): pv applies
// plan (nil: it plans now), sending each resource's progress on events
// (which it does not close), then what AWS returned is saved into the
// project file (SaveAWSResult). The result is nil only when nothing was
// applied.
func ApplyProvisioned(ctx context.Context, p *model.Project, pv *provision.Provisioner, plan *provision.Plan, events chan<- provision.Event) (*AWSApplied, error) {
	res, err := pv.Apply(ctx, plan, events)
	if res == nil {
		return nil, err
	}
	done, serr := SaveAWSResult(p, res)
	return done, cmp.Or(err, serr)
}

// SaveAWSResult records what AWS returned (res.UpdateProject: endpoints,
// names) in the project file with the edit-safe save: the file was read
// minutes ago, and if it was edited meanwhile the update goes onto the
// edited file instead of over it. A failed save says what to add by hand.
func SaveAWSResult(p *model.Project, res *provision.Result) (*AWSApplied, error) {
	merged, err := p.SaveUpdate(res.UpdateProject)
	if err != nil {
		err = fmt.Errorf("AWS is set up, but writing %s failed: %w\n  what to do: fix it and run apply again (it changes nothing in AWS), or add these under [greengrass] by hand:\n%s", p.Path(), err, projectUpdateTOML(res))
	}
	return &AWSApplied{Result: res, Merged: merged}, err
}

// projectUpdateTOML is what Result.UpdateProject sets, as lines of the
// [greengrass] table, for an engineer to add by hand.
func projectUpdateTOML(res *provision.Result) string {
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

// WarningKind labels the rows of apply's warnings.
const WarningKind = "warning"

// AWSTrouble names, in a few words, why the AWS account could not be looked
// up: the devices the project describes are refused before any AWS call (no
// credentials would help), the endpoint did not answer (network, proxy,
// --endpoint-url), or, as for anything else, there are no credentials that
// work.
func AWSTrouble(err error) string {
	var netErr net.Error
	var devErr *provision.DeviceError
	switch {
	case errors.As(err, &devErr):
		return DeviceTrouble
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr):
		return "AWS not reachable"
	}
	return "no AWS credentials"
}

// DeviceTrouble is AWSTrouble for a refusal of the project's devices.
const DeviceTrouble = "device settings refused"

// DeviceAdvice says, for a refusal of the project's devices, what is wrong
// and what to pick instead; ok is false for any other error. No AWS account
// or credentials change such a refusal: only another nucleus or release does.
func DeviceAdvice(err error) (wrong, instead string, ok bool) {
	var de *provision.DeviceError
	if !errors.As(err, &de) {
		return "", "", false
	}
	nucleus := cmp.Or(de.Nucleus, model.NucleusBin)
	release := cmp.Or(de.Release, "this release")
	if de.Refused == "" {
		return de.Error(), "pick " + model.NucleusBin + " or " + model.NucleusLite + ", and a release fleetbake knows (" + strings.Join(model.KnownReleases, ", ") + ")", true
	}
	// The device table's reasons end with what to use instead
	// (model/devices.go, "...; use greengrass-bin on kirkstone, or ...").
	reason, use, found := strings.Cut(de.Refused, "; use ")
	instead = "use " + use
	if !found {
		instead = "pick the other nucleus, or another release"
	}
	return fmt.Sprintf("Devices with %s on %s cannot provision by claim: %s.", nucleus, release, reason), instead, true
}

// noCredentialsFix is what to do without credentials, when the error itself
// does not say (provision's errors do).
const noCredentialsFix = "no AWS credentials found: run `aws configure` or `aws sso login`, or set AWS_PROFILE to a profile that has credentials"

// AWSAdvice splits an error of the AWS account lookup into what to do, to
// show first, and the SDK's detail ("" when it is in the first), to show
// after it: the SDK's text for
// missing credentials is its whole provider chain (EC2 metadata service
// included), which came first and buried the fix.
func AWSAdvice(err error) (fix, detail string) {
	detail = err.Error()
	var pe *provision.Error
	if errors.As(err, &pe) {
		fix, detail = pe.Hint, pe.Detail()
	}
	switch {
	case fix != "":
	case AWSTrouble(err) == "no AWS credentials":
		fix = noCredentialsFix
	default:
		// Nothing known to do: the trouble and the SDK's text are the message.
		fix, detail = AWSTrouble(err)+": "+detail, ""
	}
	return fix, detail
}

// releaseOf is the release of the devices: the project's, else the one
// found on disk.
func releaseOf(p *model.Project, ws *Workspace) string {
	if p.Release != "" || ws == nil {
		return p.Release
	}
	return ws.Release
}

// Generation is the meta-aws generation provisioning must match, so that
// the template's parameters match the local.conf variables generate writes:
// the meta-aws layer on disk decides (the greengrass-plugin-fleetprovisioning
// recipe exists only in the new generation); without one, the release (the
// project's, else oe-core's on disk) does. ws may be nil: then it discovers.
// It also says why.
func Generation(p *model.Project, ws *Workspace) (model.Generation, string) {
	var mw *model.Workspace
	if ws != nil {
		mw, _ = ws.Raw.(*model.Workspace)
	} else if w, err := model.Discover(p.SourceRoots()...); err == nil {
		mw = w
	}
	if mw != nil && mw.Generation != model.GenerationUnknown {
		where := "the meta-aws checkout"
		if l := mw.Layer("meta-aws"); l != nil {
			where = l.Path
		}
		return mw.Generation, "found in " + where
	}
	release := p.Release
	if release == "" && mw != nil {
		release = mw.Release
	}
	if g := model.GenerationForRelease(release); g != model.GenerationUnknown {
		return g, "release " + release + ", no meta-aws checkout found"
	}
	return model.GenerationNew, "no release and no meta-aws checkout found; pass --generation old for kirkstone or styhead"
}

func resourceEvent(ev provision.Event) ResourceEvent {
	r := ResourceEvent{Kind: string(ev.Item.Kind), Name: ev.Item.Name, Detail: ev.Item.Detail, Hint: ev.Hint}
	switch ev.Status {
	case provision.StatusRunning:
		r.State = ResourceRunning
	case provision.StatusRetrying:
		r.State, r.Detail = ResourceRunning, "retrying: IAM changes take a few seconds to reach IoT"
	case provision.StatusDone:
		r.State = ResourceDone
		if r.Detail == "" {
			r.Detail = string(ev.Item.Action)
		}
	case provision.StatusFailed:
		r.State = ResourceFailed
		r.Detail = "failed"
		if ev.Err != nil {
			r.Detail = ev.Err.Error()
			var pe *provision.Error
			if r.Hint == "" && errors.As(ev.Err, &pe) {
				r.Hint = pe.Hint
			}
		}
	default:
		r.State = ResourcePending
	}
	if r.Name == "" {
		r.Name = fmt.Sprint(ev.Item.Kind)
	}
	return r
}
