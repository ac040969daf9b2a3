package ui

import (
	"context"
	"fmt"

	"fleetbake/app"
)

// verify is the plain-prompt Verify step, after apply: verify's read-only
// checks, each PASS or FAIL with its fix; enter goes on, r runs them again.
func (a *asker) verify(ctx context.Context) error {
	if a.svc.Verify == nil || !a.p.Greengrass.Enabled {
		return nil
	}
	for {
		a.say("Verifying local.conf, the claim files and the AWS account (read-only)...")
		rep, err := a.svc.Verify(ctx, a.p)
		if err != nil {
			a.say("verify could not run: %v", err)
		} else {
			failed := 0
			for _, c := range rep.Checks {
				a.say("  %-4s  %s: %s", c.Status, c.Name, c.Detail)
				if c.Status == app.Fail {
					failed++
					if c.Fix != "" {
						a.say("        fix: %s", c.Fix)
					}
				}
			}
			if failed == 0 {
				a.say("All %d checks passed.", len(rep.Checks))
				return nil
			}
			a.say("%d of %d checks failed.", failed, len(rep.Checks))
		}
		v, err := a.ask("Press enter to go on to the build anyway, or r to verify again", "", func(v string) error {
			if v != "" && v != "r" {
				return fmt.Errorf("press enter, or type r")
			}
			return nil
		})
		if err != nil || v == "" {
			return err
		}
	}
}
