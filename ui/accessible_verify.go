package ui

import (
	"context"
	"fmt"

	"fleetbake/app"
)

// verify is the plain-prompt Verify step, after apply: verify's read-only
// checks, each PASS or FAIL with its fix; then enter goes on, r runs them
// again and l runs the live check, after a y/N that says what it creates
// and deletes. noAWS (after a files-only apply): only the checks that need
// no AWS account run, and the others are named with why.
func (a *asker) verify(ctx context.Context, noAWS bool) error {
	if a.svc.Verify == nil || !a.p.Greengrass.Enabled {
		return nil
	}
	a.runVerify(ctx, VerifyRequest{NoAWS: noAWS})
	question, answers := "Press enter to go on to the build, r to verify again, l for the live check, or b to check the first boot with BitBake", "press enter, or type r, l or b"
	if noAWS {
		question, answers = "Press enter to go on to the build, r to verify again, or b to check the first boot with BitBake", "press enter, or type r or b"
	}
	for {
		v, err := a.ask(question, "", func(v string) error {
			if v != "" && v != "r" && v != "b" && (v != "l" || noAWS) {
				return fmt.Errorf("%s", answers)
			}
			return nil
		})
		if err != nil || v == "" {
			return err
		}
		if v == "b" || v == "l" {
			warning := liveWarning
			if v == "b" {
				warning = bitbakeWarning + " (Ctrl-C stops it.)"
			}
			ok, err := a.yes(warning, false)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		a.runVerify(ctx, VerifyRequest{NoAWS: noAWS, Register: v == "l", BitBake: v == "b"})
	}
}

// runVerify runs verify once and prints its report.
func (a *asker) runVerify(ctx context.Context, req VerifyRequest) {
	switch {
	case req.BitBake:
		// Said when the parse starts: verify may still refuse to run BitBake
		// (root, no build environment, no BitBake in the sources).
		req.OnBitBakeStart = func() {
			a.say("BitBake is parsing the build folder's configuration for the first-boot checks (a cold parse takes minutes)...")
		}
	case req.Register:
		a.say("Verifying, with the live check: a test device provisions itself with the claim...")
	case req.NoAWS:
		a.say("Verifying local.conf, the claim files and the first boot (no AWS: the AWS step was skipped)...")
	default:
		a.say("Verifying local.conf, the claim files and the AWS account (read-only)...")
	}
	rep, err := a.svc.Verify(ctx, a.p, req)
	if err != nil {
		a.say("verify could not run: %v", err)
		return
	}
	for _, c := range rep.Checks {
		if c.Status == app.Skip && c.Detail == app.NotRunWithoutAWS {
			continue // named in the summary
		}
		a.say("  %-4s  %s: %s", c.Status, c.Name, c.Detail)
		for _, st := range c.Steps {
			mark := "ok  "
			if !st.OK {
				mark = "FAIL"
			}
			a.say("          %s %s: %s", mark, st.Name, st.Detail)
		}
		if c.Status == app.Fail && c.Fix != "" {
			a.say("        fix: %s", c.Fix)
		}
	}
	a.say("%s", rep.Summary())
}
