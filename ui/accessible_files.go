package ui

import (
	"context"
	"fmt"

	"fleetbake/app"
)

// filesOnly offers to write the conf files without the AWS step (no
// credentials yet), as s does on the Review screen, says what they lack,
// and runs the checks that need no AWS account.
func (a *asker) filesOnly(ctx context.Context, ws *Workspace, plan *FilePlan) error {
	if !a.p.Greengrass.Enabled {
		return nil
	}
	ok, err := a.yes("Write the conf files only, without the AWS step (to build before AWS credentials work)?", false)
	if err != nil || !ok {
		return err
	}
	skipped, err := a.svc.applySteps().ApplyWithoutAWS(a.p, ws, plan, false, func(step app.ApplyStep, ev ResourceEvent) {
		if ev.State == ResourceDone {
			a.say("conf files %s.", ev.Detail)
		}
	})
	if err != nil {
		return fmt.Errorf("writing the conf files: %w", err)
	}
	a.say("%s", skipped.Advice())
	if err := a.verify(ctx, true); err != nil {
		return err
	}
	a.say("Start the build with `fleetbake build`.")
	return nil
}
