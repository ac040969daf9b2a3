package ui

import (
	"context"
	"errors"
	"fmt"
	"net"

	"fleetbake/model"
	"fleetbake/provision"
)

// This file wires the AWS side (package provision) into Services.

func awsServices(s *Services, o RealOptions) {
	opts := func(p *model.Project, ws *Workspace) provision.Options {
		return provision.Options{Profile: o.Profile, EndpointURL: o.EndpointURL, Generation: generationOf(p, ws)}
	}
	s.Identity = func(ctx context.Context, p *model.Project) (*Identity, error) {
		// Before the Greengrass step is answered the project has no region
		// or prefix yet: look the account up with the defaults, on a copy,
		// so that the caller's project still reads as unanswered.
		def := model.Default().Greengrass
		q := *p
		q.Greengrass.Region = firstNonEmpty(p.Greengrass.Region, def.Region)
		q.Greengrass.Prefix = firstNonEmpty(p.Greengrass.Prefix, def.Prefix)
		pv, err := provision.New(ctx, &q, opts(&q, nil))
		if err != nil {
			return nil, err
		}
		id, err := pv.Identity(ctx)
		if err != nil {
			return nil, err
		}
		return &Identity{Account: id.Account, ARN: id.ARN, Region: pv.Region()}, nil
	}
	s.PlanAWS = func(ctx context.Context, p *model.Project, ws *Workspace) ([]PlanRow, error) {
		pv, err := provision.New(ctx, p, opts(p, ws))
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
	s.ApplyAWS = func(ctx context.Context, p *model.Project, ws *Workspace, report func(ResourceEvent)) (func(*model.Project), error) {
		pv, err := provision.New(ctx, p, opts(p, ws))
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
		res, err := pv.Apply(ctx, nil, events)
		close(events) // Apply never closes it; it has returned, so nothing sends any more
		<-forwarded
		if res == nil {
			return nil, err
		}
		for i, w := range res.Warnings {
			// One row each (rows are per kind): certificates apply could not
			// tie to its own request and so did not delete, for instance.
			report(ResourceEvent{Kind: fmt.Sprintf("%s %d", warningKind, i+1), State: ResourceDone, Detail: w})
		}
		// The same update `fleetbake provision apply` makes: endpoints, and
		// the names and region AWS now holds, so that the project file says
		// what exists even if the prefix is changed later.
		return res.UpdateProject, err
	}
}

// awsTrouble names, in a few words, why the AWS account could not be looked
// up: the endpoint did not answer (network, proxy, --endpoint-url), or, as
// for anything else, there are no credentials that work.
func awsTrouble(err error) string {
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) {
		return "AWS not reachable"
	}
	return "no AWS credentials"
}

// generationOf is the meta-aws generation provisioning must match: the one
// on disk, else the one the release implies.
func generationOf(p *model.Project, ws *Workspace) model.Generation {
	if ws != nil && ws.Generation != "" {
		return ws.Generation
	}
	rel := p.Release
	if rel == "" && ws != nil {
		rel = ws.Release
	}
	if rel == "" {
		return ""
	}
	return model.GenerationForRelease(rel)
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
