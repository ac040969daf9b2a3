package ui

import (
	"context"
	"strings"
	"testing"

	"fleetbake/app"
	"fleetbake/model"
)

// The Verify step with a failed check: the check's fix under it, the skip
// it causes, and the way on (enter builds anyway, r verifies again).
func TestGoldenVerifyFailed(t *testing.T) {
	svc := fakeServices()
	svc.Verify = func(context.Context, *model.Project, VerifyRequest) (*VerifyReport, error) {
		return &VerifyReport{Checks: []app.Check{
			{Name: "local.conf", Status: app.Pass, Detail: `/src/build/conf/local.conf: AWS_REGION:pn-greengrass-plugin-fleetprovisioning = "eu-west-1"`},
			{Name: "provisioning template", Status: app.Pass, Detail: "template fb-Template exists and is enabled"},
			{Name: "claim policy", Status: app.Fail, Detail: "denied: iot:Receive on arn:aws:iot:eu-west-1:123456789012:topic/$aws/certificates/create/json/accepted",
				Fix: `no statement of policy "fb-ClaimPolicy" allows iot:Receive; add a statement {"Effect": "Allow", "Action": "iot:Receive", "Resource": "arn:aws:iot:eu-west-1:123456789012:topic/$aws/certificates/create/json/accepted"}`},
			{Name: "core policy", Status: app.Skip, Detail: "claim certificate not in AWS IoT (see claim certificate)"},
			{Name: "time sync", Status: app.Pass, Detail: `INIT_MANAGER = "systemd" (systemd-timesyncd comes with systemd)`},
		}}, nil
	}
	m := at(t, StepVerify, svc)
	if m.Step() != StepVerify {
		t.Fatalf("at %v", m.Step())
	}
	golden(t, "verify_failed", m)
}

// l on the Verify step asks before the live check, saying what it creates
// and deletes; the help shows only the answers.
func TestGoldenVerifyLiveConfirm(t *testing.T) {
	svc := fakeServices()
	var reqs []VerifyRequest
	svc.Verify = func(_ context.Context, _ *model.Project, r VerifyRequest) (*VerifyReport, error) {
		reqs = append(reqs, r)
		return &VerifyReport{Checks: []app.Check{
			{Name: "claim policy", Status: app.Pass, Detail: "TestAuthorization: the claim certificate may Connect, Subscribe (4 filters), Publish (2) and Receive (4)"},
			{Name: "time sync", Status: app.Pass, Detail: `INIT_MANAGER = "systemd" (systemd-timesyncd comes with systemd)`},
		}}, nil
	}
	m := at(t, StepVerify, svc)
	drive(t, m, press("l")...)
	golden(t, "verify_live_confirm", m)
	if len(reqs) != 1 || reqs[0].Register {
		t.Errorf("l alone ran verify %+v, want only the read-only run", reqs)
	}
	drive(t, m, press("y")...)
	if len(reqs) != 2 || !reqs[1].Register || reqs[1].NoAWS {
		t.Errorf("y after l ran verify %+v, want the live check", reqs)
	}
}

// A detail or fix from AWS or a file carrying ESC or CSI (U+009B) is shown
// escaped on the Verify step, never sent raw to the terminal.
func TestVerifyScreenEscapesControls(t *testing.T) {
	svc := fakeServices()
	svc.Verify = func(context.Context, *model.Project, VerifyRequest) (*VerifyReport, error) {
		return &VerifyReport{Checks: []app.Check{
			{Name: "provisioning template", Status: app.Pass, Detail: "hook calls x\x1b]0;owned\a"},
			{Name: "role alias", Status: app.Fail, Detail: "points at y\u009b2J", Fix: "fix z\u009b31m"},
		}}, nil
	}
	m := at(t, StepVerify, svc)
	screen := m.Render()
	for _, r := range []rune{0x07, 0x9b} {
		if strings.ContainsRune(screen, r) {
			t.Errorf("the Verify step sends %U raw:\n%q", r, screen)
		}
	}
	if strings.Contains(screen, "\x1b]0;") {
		t.Errorf("the Verify step sends ESC ] raw:\n%q", screen)
	}
	flat := strings.Join(strings.Fields(frame(t, m)), " ")
	for _, want := range []string{`hook calls x\x1b]0;owned\x07`, `points at y\u009b2J`, `fix z\u009b31m`} {
		if !strings.Contains(flat, want) {
			t.Errorf("the Verify step does not show %q escaped:\n%s", want, frame(t, m))
		}
	}
}
