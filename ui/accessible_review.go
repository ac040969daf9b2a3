package ui

// The plain prompts' review: the conf diff, the AWS plan, then apply on a
// yes (the same app.ApplySteps sequence as the Apply screen).

import (
	"context"
	"fmt"
	"strings"

	"fleetbake/app"
)

func (a *asker) review(ctx context.Context, ws *Workspace) error {
	if a.svc.ValidateProject != nil {
		if err := a.svc.ValidateProject(a.p); err != nil {
			a.say("These answers need fixing before anything is written:\n%v", err)
			return fmt.Errorf("fix the answers above (run fleetbake again: they are saved)")
		}
	}
	if a.svc.PlanFiles == nil {
		a.say("Writing conf files is not available in this build; run `fleetbake generate`.")
		return nil
	}
	plan, err := a.svc.PlanFiles(a.p, ws)
	if err != nil {
		return err
	}
	if plan.Empty {
		a.say("conf files: nothing to change.")
	} else {
		a.say("Changes to the conf files:\n%s", strings.TrimRight(plan.Diff, "\n"))
	}
	if a.p.Greengrass.Enabled && a.svc.PlanAWS != nil {
		if rows, err := a.svc.PlanAWS(ctx, a.p, ws); err != nil {
			a.say("AWS plan: %v", err)
		} else {
			// One sentence per resource, no padded columns: a screen
			// reader reads padding aloud and a narrow terminal wraps it.
			a.say("AWS resources:")
			for _, r := range rows {
				line := "  " + r.Action + " " + r.Kind + " " + r.Name
				if r.Detail != "" {
					line += ": " + r.Detail
				}
				a.say("%s", line)
			}
			if len(rows) == 0 {
				a.say("  nothing to do")
			}
		}
	}
	if a.p.Greengrass.Enabled {
		a.sayDocuments(ws)
	}
	ok, err := a.yes("Write the files and create the AWS resources?", false)
	if err != nil {
		return err
	}
	if !ok {
		return a.filesOnly(ctx, ws, plan)
	}
	update, err := a.svc.applySteps().Apply(ctx, a.p, ws, plan, false, func(step app.ApplyStep, ev ResourceEvent) {
		switch {
		case step == app.StepFiles && ev.State == ResourceDone:
			a.say("conf files %s.", ev.Detail)
		case ev.State == ResourceDone:
			a.say("  done    %s %s %s", ev.Kind, ev.Name, ev.Detail)
		case ev.State == ResourceFailed:
			a.say("  FAILED  %s %s: %s", ev.Kind, ev.Name, ev.Detail)
			if ev.Hint != "" {
				a.say("          %s", ev.Hint)
			}
		}
	})
	if update != nil {
		update(a.p)
		if serr := a.save(); serr != nil && err == nil {
			err = serr
		}
	}
	if err != nil {
		return fmt.Errorf("apply: %w (run fleetbake again to retry: what exists is kept)", err)
	}
	if err := a.verify(ctx, false); err != nil {
		return err
	}
	a.say("Done. Start the build with `fleetbake build`.")
	return nil
}

// sayDocuments prints the policy documents and the template body apply
// creates, before the question: what the claim certificate and the devices
// may do is decided here, so it is read first, as on the Review screen.
func (a *asker) sayDocuments(ws *Workspace) {
	if a.svc.Documents == nil {
		return
	}
	docs, err := a.svc.Documents(a.p, ws, a.id)
	if err != nil {
		a.say("Documents apply creates: %v", err)
		return
	}
	a.say("Documents apply creates:")
	if a.id == nil {
		a.say("(The account is not known yet: ACCOUNT_ID stands for it.)")
	}
	for _, d := range docs {
		a.say("\n%s: %s", d.Title, d.Name)
		a.say("%s", strings.TrimRight(d.Body, "\n"))
	}
}
