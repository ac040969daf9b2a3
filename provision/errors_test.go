package provision

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"

	"fleetbake/internal/awsfake"
)

func TestNameTakenBySomeoneElseIsRefused(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	s.CreateRoleDirect("fb-tes-role", nil)
	s.CreateThingGroupDirect("fb-Group")
	before := s.Resources().Total()
	pv := newPV(t, s, p, Options{})
	plan, err := pv.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := plan.Conflicts()
	if len(c) != 2 {
		t.Fatalf("conflicts %+v", plan.Items)
	}
	s.ResetCalls()
	_, err = pv.Apply(context.Background(), plan, nil)
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("apply: %v", err)
	}
	for _, want := range []string{"fb-tes-role", "fb-Group", "greengrass.prefix"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
	if m := s.MutatingCalls(); m != 0 || s.Resources().Total() != before {
		t.Errorf("refused apply still changed AWS: %d mutating calls", m)
	}
	// Destroy leaves them alone.
	if err := pv.Destroy(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if s.Resources().Total() != before {
		t.Errorf("destroy removed resources fleetbake did not create: %v", s.Resources())
	}
}

func TestTaggedResourceWithoutStateIsAdopted(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	// Made by fleetbake for this project, state file lost.
	s.CreateRoleDirect("fb-tes-role", map[string]string{TagManagedBy: "fleetbake", TagProject: "fb"})
	s.CreateRoleDirect("fb-prov-role", map[string]string{TagManagedBy: "fleetbake", TagProject: "other"})
	pv := newPV(t, s, p, Options{})
	plan, err := pv.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if it, _ := plan.Item(KindTokenExchangeRole); it.Action != ActionUpdate || !strings.Contains(it.Detail, "tagged by fleetbake") {
		t.Errorf("tagged role: %+v", it)
	}
	if it, _ := plan.Item(KindProvisioningRole); it.Action != ActionConflict || !strings.Contains(it.Detail, `"other"`) {
		t.Errorf("role of another project: %+v", it)
	}
}

func TestAccessDeniedNamesActionAndResource(t *testing.T) {
	s := newFake(t)
	s.Deny("iot:CreateRoleAlias", "*")
	_, err := newPV(t, s, newProject(t), Options{}).Apply(context.Background(), nil, nil)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err %T %v", err, err)
	}
	for _, want := range []string{"iot:CreateRoleAlias", "rolealias/fb-TokenExchangeRoleAlias", awsfake.DefaultCallerARN} {
		if !strings.Contains(e.Hint, want) {
			t.Errorf("hint %q does not name %q", e.Hint, want)
		}
	}
}

func TestExpiredCredentials(t *testing.T) {
	s := newFake(t)
	s.ExpireCredentials(true)
	_, err := newPV(t, s, newProject(t), Options{}).Plan(context.Background())
	if err == nil || !strings.Contains(err.Error(), "expired") || !strings.Contains(err.Error(), "sso login") {
		t.Errorf("err %v", err)
	}
}

func TestNoCredentials(t *testing.T) {
	s := newFake(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	_, err := newPV(t, s, newProject(t), Options{}).Plan(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no AWS credentials") {
		t.Errorf("err %v", err)
	}
}

func TestUnknownProfile(t *testing.T) {
	_, err := New(context.Background(), newProject(t), Options{Profile: "nosuch"})
	if err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("err %v", err)
	}
}

func TestBadRegionAndNamesFailBeforeAnyCall(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	_, err := New(context.Background(), p, Options{Region: "mars-1", EndpointURL: s.URL})
	if err == nil || !strings.Contains(err.Error(), "mars-1") {
		t.Errorf("region: %v", err)
	}
	p.Greengrass.Prefix = "a-prefix-long-enough-to-break-the-template-name"
	p.Greengrass.ThingGroup = "bad group"
	_, err = New(context.Background(), p, Options{EndpointURL: s.URL})
	if err == nil || !strings.Contains(err.Error(), "greengrass.provisioning_template") || !strings.Contains(err.Error(), "greengrass.thing_group") {
		t.Errorf("names: %v", err)
	}
	if n := len(s.Calls()); n != 0 {
		t.Errorf("calls made: %v", s.Calls())
	}
}

func TestNameTakenBetweenPlanAndApply(t *testing.T) {
	for _, ours := range []bool{true, false} {
		s := newFake(t)
		p := newProject(t)
		pv := newPV(t, s, p, Options{})
		plan, err := pv.Plan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// A late request of a killed apply (tagged for this project), or someone else.
		tags := []iottypes.Tag{{Key: aws.String(TagManagedBy), Value: aws.String("fleetbake")}, {Key: aws.String(TagProject), Value: aws.String("fb")}}
		if !ours {
			tags = nil
		}
		if _, err := iot.NewFromConfig(s.AWSConfig()).CreatePolicy(context.Background(), &iot.CreatePolicyInput{PolicyName: aws.String("fb-ClaimPolicy"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}`), Tags: tags}); err != nil {
			t.Fatal(err)
		}
		_, err = pv.Apply(context.Background(), plan, nil)
		if ours {
			if err != nil {
				t.Fatalf("late tagged create: %v", err)
			}
			if plan2, _ := pv.Plan(context.Background()); plan2.Changes() != 0 {
				t.Errorf("not converged: %+v", plan2.Items)
			}
		} else if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "fb-ClaimPolicy") {
			t.Errorf("someone else's late create: %v", err)
		}
	}
}

func TestEndpointFromEnvironment(t *testing.T) {
	s := newFake(t)
	t.Setenv("AWS_ENDPOINT_URL", s.URL)
	pv, err := New(context.Background(), newProject(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pv.Plan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.Calls()["sts:GetCallerIdentity"] != 1 {
		t.Errorf("AWS_ENDPOINT_URL not honoured: %v", s.Calls())
	}
}
