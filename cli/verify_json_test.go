package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"

	"fleetbake/app"
	"fleetbake/internal/awsfake"
	"fleetbake/model"
	"fleetbake/provision"
)

// setPreHook gives the project's template a pre-provisioning hook that
// calls target, through the real SDK, and returns the template's name.
func setPreHook(t *testing.T, s *awsfake.Server, cfg, target string) string {
	t.Helper()
	p, err := model.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	name := provision.ResolveNames(p.Greengrass).ProvisioningTemplate
	_, err = iot.NewFromConfig(s.AWSConfig()).UpdateProvisioningTemplate(context.Background(), &iot.UpdateProvisioningTemplateInput{
		TemplateName:        aws.String(name),
		PreProvisioningHook: &iottypes.ProvisioningHook{TargetArn: aws.String(target), PayloadVersion: aws.String("2020-04-01")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// A template with a pre-provisioning hook: check 1 still passes (the
// template exists and is enabled) and notes the hook's Lambda function,
// which verify cannot run.
func TestVerifyNotesPreProvisioningHook(t *testing.T) {
	s := fakeAWS(t)
	_, cfg := verifyProject(t, s)
	if code, out := runVerifyCLI(t, cfg, s.URL); code != 0 || strings.Contains(out, "pre-provisioning hook") {
		t.Fatalf("without a hook: exit %d, or a hook is named:\n%s", code, out)
	}
	const lambda = "arn:aws:lambda:us-east-1:" + awsfake.DefaultAccount + ":function:fleet-allow"
	name := setPreHook(t, s, cfg, lambda)
	code, out := runVerifyCLI(t, cfg, s.URL)
	if code != 0 {
		t.Fatalf("a hook fails nothing: exit %d\n%s", code, out)
	}
	want := "PASS  provisioning template: template " + name + " exists and is enabled; note: its pre-provisioning hook calls " + lambda
	if !strings.Contains(out, want) || !strings.Contains(out, "verify cannot run that Lambda function (only --register") {
		t.Errorf("output lacks the hook's note %q:\n%s", want, out)
	}
}

// verify --json escapes what a terminal acts on, as layers --json does: a
// value from AWS (here the hook's target) carrying ESC, BEL and CSI (U+009B,
// which starts a terminal sequence alone and which encoding/json leaves raw)
// reaches the output only as \u escapes, and the JSON still decodes to the
// value as AWS gave it. The text report shows it escaped too.
func TestVerifyJSONEscapesControls(t *testing.T) {
	s := fakeAWS(t)
	_, cfg := verifyProject(t, s)
	const evil = "arn:aws:lambda:us-east-1:" + awsfake.DefaultAccount + ":function:x\x1b]0;owned\a\u009b2J"
	setPreHook(t, s, cfg, evil)
	for _, asJSON := range []bool{true, false} {
		args := []string{"--config", cfg, "verify", "--endpoint-url", s.URL}
		if asJSON {
			args = append(args, "--json")
		}
		code, out, errs := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("json %v: exit %d\n%s\n%s", asJSON, code, out, errs)
		}
		for _, r := range out {
			if r == 0x1b || r == 0x9b || r == 0x07 {
				t.Fatalf("json %v: verify printed %U raw:\n%q", asJSON, r, out)
			}
		}
		if !asJSON {
			if !strings.Contains(out, `function:x\x1b]0;owned\x07\u009b2J`) {
				t.Errorf("the text report does not show the target escaped:\n%q", out)
			}
			continue
		}
		var rep app.VerifyReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		found := false
		for _, c := range rep.Checks {
			found = found || strings.Contains(c.Detail, evil)
		}
		if !found {
			t.Errorf("no check carries the hook's target as AWS gave it:\n%s", out)
		}
	}
}
