package ui

import (
	"context"
	"strings"
	"testing"

	"fleetbake/app"
	"fleetbake/internal/awsfake"
	"fleetbake/model"
)

// The Verify step comes after Apply: it runs verify's read-only checks
// against the fake, shows each PASS or FAIL with its fix, runs them again
// on r after the cause is gone, offers the live check on l behind a y/N
// that says it creates and deletes a test thing, and goes on to Build on
// enter.
func TestFlowVerifyAfterApply(t *testing.T) {
	dir, fake := newWorkspace(t)
	addr, err := fake.StartMQTT()
	if err != nil {
		t.Fatal(err)
	}
	var live int
	f := startFlowWith(t, dir, fake, func(svc *Services) {
		verify := svc.Verify
		svc.Verify = func(ctx context.Context, p *model.Project, r VerifyRequest) (*VerifyReport, error) {
			if !r.Register {
				return verify(ctx, p, r)
			}
			// The live check against the fake's MQTT endpoint instead of
			// the account's data endpoint.
			live++
			return app.VerifyWith(ctx, p, app.VerifyOptions{AWSOptions: app.AWSOptions{EndpointURL: fake.URL}, Register: true,
				Live: app.LiveOptions{Addr: addr, RootCAs: fake.MQTTRootCAs()}})
		}
	})
	f.throughWorkspace()
	f.chooseMachine("qemuarm64")
	f.waitStep(StepLayers)
	f.keys("enter")
	f.waitStep(StepImage)
	f.keys("enter enter")
	f.waitStep(StepSettings)
	f.keys("enter enter enter enter enter enter enter enter")
	f.waitStep(StepGreengrass)
	f.waitText("AWS account " + awsfake.DefaultAccount)
	f.keys("enter enter enter ctrl+u type:fbv enter enter enter enter enter enter enter")
	f.waitStep(StepReview)
	f.waitText("+++")
	f.keys("enter")
	f.waitText("y/N") // Review asks before it creates anything in AWS
	f.keys("y")
	f.waitStep(StepApply)
	f.waitText("All done")

	// The account can no longer be read for one look-up: that check fails,
	// named, with its fix, and the others still report.
	fake.Deny("iot:DescribeThingGroup", "*")
	f.keys("enter")
	f.waitStep(StepVerify)
	f.waitText("checks failed")
	f.waitFor("the thing group check failing with its fix and the others passing", func(_ *Model, screen string) bool {
		return strings.Contains(screen, "FAIL thing group") && strings.Contains(screen, "→ fix the AWS access") &&
			strings.Contains(screen, "PASS claim policy")
	})

	fake.ClearDenies()
	f.keys("r")
	f.waitFor("thing group passing after r", func(_ *Model, screen string) bool {
		return strings.Contains(screen, "PASS thing group") && !strings.Contains(screen, "FAIL thing group")
	})
	f.waitText("checks passed. Press enter to build")

	// l asks first; n runs nothing.
	f.keys("l")
	f.waitFor("the live check's question", func(_ *Model, screen string) bool {
		flat := strings.Join(strings.Fields(screen), " ")
		return strings.Contains(flat, "creates a test thing") && strings.Contains(flat, "then deletes both. Run it? y/N")
	})
	f.keys("n")
	f.waitFor("the question gone after n", func(_ *Model, screen string) bool { return !strings.Contains(screen, "Run it?") })
	// y runs it: each exchange shown, nothing left behind.
	f.keys("l")
	f.waitText("Run it?")
	f.keys("y")
	f.waitFor("the live check passing with its exchanges", func(_ *Model, screen string) bool {
		return strings.Contains(screen, "PASS register") && strings.Contains(screen, "ok  RegisterThing")
	})
	if live != 1 {
		t.Errorf("the live check ran %d times, want once (after y only)", live)
	}
	if th := fake.Things(); len(th) != 0 {
		t.Errorf("the live check left things behind: %v", th)
	}
	f.keys("enter")
	f.waitStep(StepBuild)
}
