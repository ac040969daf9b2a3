package ui

import (
	"strings"
	"testing"

	"fleetbake/internal/awsfake"
)

// The Verify step comes after Apply: it runs verify's read-only checks
// against the fake, shows each PASS or FAIL with its fix, runs them again
// on r after the cause is gone, and goes on to Build on enter.
func TestFlowVerifyAfterApply(t *testing.T) {
	dir, fake := newWorkspace(t)
	f := startFlow(t, dir, fake)
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
	f.waitText("checks passed. Press enter to build.")
	f.keys("enter")
	f.waitStep(StepBuild)
}
