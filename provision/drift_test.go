package provision

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iot"

	"fleetbake/internal/awsfake"
)

func TestDriftIsRepairedThenNothingChanges(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	pv := newPV(t, s, p, Options{})
	res := mustApply(t, pv)
	ctx := context.Background()
	cfg := s.AWSConfig()
	iotc, iamc := iot.NewFromConfig(cfg), iam.NewFromConfig(cfg)
	n := pv.Names()
	other := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}`

	// Core policy: fill it up to 5 versions, the default one drifted, so
	// apply must delete the oldest non-default version to add its own.
	for i := 0; i < 4; i++ {
		if _, err := iotc.CreatePolicyVersion(ctx, &iot.CreatePolicyVersionInput{PolicyName: aws.String(n.CorePolicy),
			PolicyDocument: aws.String(strings.Replace(other, "*", "arn:aws:iot:us-east-1:123456789012:client/x"+string(rune('a'+i)), 1)), SetAsDefault: true}); err != nil {
			t.Fatal(err)
		}
	}
	// Claim policy, IAM access policy, trust policy, role alias target,
	// template body, and the claim policy detached from the certificate.
	if _, err := iotc.CreatePolicyVersion(ctx, &iot.CreatePolicyVersionInput{PolicyName: aws.String(n.ClaimPolicy), PolicyDocument: aws.String(other), SetAsDefault: true}); err != nil {
		t.Fatal(err)
	}
	tesPolicyARN := "arn:aws:iam::" + s.Account() + ":policy/" + n.TokenExchangePolicy
	if _, err := iamc.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(tesPolicyARN),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`), SetAsDefault: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(n.ProvisioningRole),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["iot.amazonaws.com","ec2.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	otherRole := s.CreateRoleDirect("someone-elses-role", nil)
	if _, err := iotc.UpdateRoleAlias(ctx, &iot.UpdateRoleAliasInput{RoleAlias: aws.String(n.RoleAlias), RoleArn: aws.String(otherRole)}); err != nil {
		t.Fatal(err)
	}
	body := `{"Parameters":{"SerialNumber":{"Type":"String"}},"Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"SerialNumber"}}}}}`
	if _, err := iotc.CreateProvisioningTemplateVersion(ctx, &iot.CreateProvisioningTemplateVersionInput{TemplateName: aws.String(n.ProvisioningTemplate), TemplateBody: aws.String(body), SetAsDefault: true}); err != nil {
		t.Fatal(err)
	}
	certARN := "arn:aws:iot:us-east-1:" + s.Account() + ":cert/" + res.ClaimCertID
	if _, err := iotc.DetachPolicy(ctx, &iot.DetachPolicyInput{PolicyName: aws.String(n.ClaimPolicy), Target: aws.String(certARN)}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(n.TokenExchangeRole), PolicyArn: aws.String(tesPolicyARN)}); err != nil {
		t.Fatal(err)
	}

	plan, err := pv.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []Kind{KindCorePolicy, KindClaimPolicy, KindTokenExchangePolicy, KindTokenExchangeRole, KindProvisioningRole, KindRoleAlias, KindProvisioningTemplate, KindClaimCertificate} {
		it, _ := plan.Item(k)
		if it.Action != ActionUpdate {
			t.Errorf("%s: %s (%s), want update", k, it.Action, it.Detail)
		}
	}
	for _, k := range []Kind{KindThingGroup, KindRootCA} {
		if it, _ := plan.Item(k); it.Action != ActionExists {
			t.Errorf("%s: %s, want exists", k, it.Action)
		}
	}
	if _, err := pv.Apply(ctx, plan, nil); err != nil {
		t.Fatal(err)
	}
	if c := s.Calls(); c["iot:DeletePolicyVersion"] != 1 {
		t.Errorf("core policy at 5 versions: want one DeletePolicyVersion, calls %v", c)
	}
	plan, err = pv.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Changes() != 0 {
		t.Fatalf("after repair: %+v", plan.Items)
	}
	s.ResetCalls()
	mustApply(t, pv)
	if m := s.MutatingCalls(); m != 0 {
		t.Errorf("apply after repair made %d mutating calls: %v", m, s.Calls())
	}
	if err := pv.Destroy(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// Only the role fleetbake did not create is left.
	r := s.Resources()
	if r.Total() != 1 || len(r[awsfake.KindRole]) != 1 || r[awsfake.KindRole][0] != "someone-elses-role" {
		t.Errorf("after destroy: %v", r)
	}
}
