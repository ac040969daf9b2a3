package app

import (
	"context"
	"errors"

	"fleetbake/model"
)

// ApplySteps are the three steps of applying a reviewed project: render the
// conf files, write them, create the AWS side. ui.Services wires them to
// this package; a front end's tests may stand in for one.
type ApplySteps struct {
	PlanConf  func(p *model.Project, ws *Workspace) (*FilePlan, error)
	WriteConf func(plan *FilePlan) error
	ApplyAWS  func(ctx context.Context, p *model.Project, ws *Workspace, report func(ResourceEvent)) (func(*model.Project), error)
}

// ApplyStep names the part of Apply an event belongs to.
type ApplyStep string

// The parts of Apply.
const (
	StepFiles ApplyStep = "files" // the reviewed conf files
	StepAWS   ApplyStep = "aws"   // AWS resources, then local.conf with the endpoints
)

// ErrUnavailable is a step this build of fleetbake does not have.
var ErrUnavailable = errors.New("not available in this build of fleetbake")

// ErrNoPlan: the review did not finish rendering the conf changes.
var ErrNoPlan = errors.New("the conf changes were not rendered: go back to Review (esc) and wait for the diff")

// Apply writes the reviewed conf files (rendered again first when rerender
// is set: a retry, whose plan may be written already), then, when the
// project enables Greengrass, creates the AWS side and writes local.conf
// again so that it carries the endpoints and claim files that exist only
// now. Every step reports as it goes. The returned update records what AWS
// returned in a caller's own copy of the project (ApplyAWS has saved it).
// It is the one apply sequence of the screens and the plain prompts.
func (s ApplySteps) Apply(ctx context.Context, p *model.Project, ws *Workspace, plan *FilePlan, rerender bool,
	report func(ApplyStep, ResourceEvent)) (update func(*model.Project), err error) {
	if _, err := s.writeFiles(p, ws, plan, rerender, report); err != nil {
		return nil, err
	}
	if !p.Greengrass.Enabled {
		return nil, nil
	}
	if s.ApplyAWS == nil {
		return nil, ErrUnavailable
	}
	update, err = s.ApplyAWS(ctx, p, ws, func(ev ResourceEvent) { report(StepAWS, ev) })
	if update == nil || err != nil || s.PlanConf == nil {
		return update, err
	}
	update(p)
	ev := ResourceEvent{Kind: "files", Name: "local.conf with the AWS endpoints", State: ResourceDone, Detail: "written"}
	np, err := s.PlanConf(p, ws)
	if err == nil && !np.Empty {
		err = s.WriteConf(np)
	} else if err == nil {
		ev.Detail = "already up to date"
	}
	if err != nil {
		ev.State, ev.Detail, ev.Hint = ResourceFailed, err.Error(), "run fleetbake generate once the problem is fixed"
	}
	report(StepAWS, ev)
	return update, err
}

// writeFiles writes the reviewed conf files (rendered again first when
// rerender is set) and reports it; it returns the plan written.
func (s ApplySteps) writeFiles(p *model.Project, ws *Workspace, plan *FilePlan, rerender bool,
	report func(ApplyStep, ResourceEvent)) (*FilePlan, error) {
	var err error
	if rerender && s.PlanConf != nil {
		plan, err = s.PlanConf(p, ws)
	}
	switch {
	case err != nil:
	case s.WriteConf == nil:
		err = ErrUnavailable
	case plan == nil:
		err = ErrNoPlan
	case plan.Empty:
		// Nothing left to write: the files already match.
	default:
		err = s.WriteConf(plan)
	}
	if err != nil {
		report(StepFiles, ResourceEvent{State: ResourceFailed, Detail: err.Error()})
		return nil, err
	}
	detail := "written"
	if plan.Empty {
		detail = "already up to date"
	}
	report(StepFiles, ResourceEvent{State: ResourceDone, Detail: detail})
	return plan, nil
}
