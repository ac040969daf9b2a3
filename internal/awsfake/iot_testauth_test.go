package awsfake

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

func authPolicyNames(ps []iottypes.Policy) string {
	var out []string
	for _, p := range ps {
		out = append(out, aws.ToString(p.PolicyName))
	}
	return strings.Join(out, ",")
}

func TestTestAuthorizationOverHTTP(t *testing.T) {
	d := newDeviceAccount(t)
	const thingPolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}"},
 {"Effect":"Allow","Action":"iot:Publish","Resource":"arn:aws:iot:us-east-1:123456789012:topic/${iot:Connection.Thing.ThingName}/*"}]}`
	const denyPolicy = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iot:Subscribe","Resource":"arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/certificates/create/json/rejected"}}`
	for _, p := range [][2]string{{"ThingPolicy", thingPolicy}, {"DenyRejected", denyPolicy}} {
		if _, err := d.iot.CreatePolicy(d.ctx, &iot.CreatePolicyInput{PolicyName: aws.String(p[0]), PolicyDocument: aws.String(p[1])}); err != nil {
			t.Fatal(err)
		}
	}
	dev, err := d.s.ProvisionDevice(d.request())
	if err != nil {
		t.Fatal(err)
	}
	devARN := "arn:aws:iot:us-east-1:123456789012:cert/" + dev.CertificateID
	if _, err := d.iot.AttachPolicy(d.ctx, &iot.AttachPolicyInput{PolicyName: aws.String("ThingPolicy"), Target: aws.String(devARN)}); err != nil {
		t.Fatal(err)
	}
	arn := func(r string) string { return "arn:aws:iot:us-east-1:123456789012:" + r }
	claimID := d.certARN[strings.LastIndex(d.certARN, "/")+1:]

	for _, tc := range []struct {
		name, principal, clientID string
		add, skip                 []string
		action                    iottypes.ActionType
		resource                  string
		decision                  iottypes.AuthDecision
		allowed, implicit, deny   string
		missing                   string
	}{
		{"claim connects", d.certARN, "c1", nil, nil, iottypes.ActionTypeConnect, arn("client/c1"), iottypes.AuthDecisionAllowed, "ClaimPolicy", "", "", ""},
		{"claim subscribes by ID", claimID, "", nil, nil, iottypes.ActionTypeSubscribe, arn("topicfilter/$aws/certificates/create/json/accepted"), iottypes.AuthDecisionAllowed, "ClaimPolicy", "", "", ""},
		{"+ filter covered by *", d.certARN, "", nil, nil, iottypes.ActionTypeSubscribe, arn("topicfilter/$aws/certificates/create/+"), iottypes.AuthDecisionAllowed, "ClaimPolicy", "", "", ""},
		{"other topic implicitly denied", d.certARN, "", nil, nil, iottypes.ActionTypePublish, arn("topic/other"), iottypes.AuthDecisionImplicitDeny, "", "ClaimPolicy", "", ""},
		{"added deny wins", d.certARN, "", []string{"DenyRejected"}, nil, iottypes.ActionTypeSubscribe, arn("topicfilter/$aws/certificates/create/json/rejected"), iottypes.AuthDecisionExplicitDeny, "ClaimPolicy", "", "DenyRejected", ""},
		{"skipped policy grants nothing", d.certARN, "", nil, []string{"ClaimPolicy"}, iottypes.ActionTypeConnect, arn("client/c1"), iottypes.AuthDecisionImplicitDeny, "", "", "", ""},
		{"thing name resolves for the device", devARN, dev.ThingName, nil, nil, iottypes.ActionTypePublish, arn("topic/" + dev.ThingName + "/telemetry"), iottypes.AuthDecisionAllowed, "ThingPolicy", "", "", ""},
		{"another thing's topic", devARN, dev.ThingName, nil, nil, iottypes.ActionTypePublish, arn("topic/core_other/telemetry"), iottypes.AuthDecisionImplicitDeny, "", "CorePolicy,ThingPolicy", "", ""},
		{"no thing for the claim", d.certARN, "c1", []string{"ThingPolicy"}, nil, iottypes.ActionTypePublish, arn("topic/c1/telemetry"), iottypes.AuthDecisionImplicitDeny, "", "ClaimPolicy,ThingPolicy", "", "iot:Connection.Thing.ThingName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &iot.TestAuthorizationInput{Principal: aws.String(tc.principal), PolicyNamesToAdd: tc.add, PolicyNamesToSkip: tc.skip,
				AuthInfos: []iottypes.AuthInfo{{ActionType: tc.action, Resources: []string{tc.resource}}}}
			if tc.clientID != "" {
				in.ClientId = aws.String(tc.clientID)
			}
			out, err := d.iot.TestAuthorization(d.ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.AuthResults) != 1 {
				t.Fatalf("results %+v", out.AuthResults)
			}
			r := out.AuthResults[0]
			if r.AuthDecision != tc.decision {
				t.Errorf("decision %s, want %s", r.AuthDecision, tc.decision)
			}
			if r.AuthInfo == nil || r.AuthInfo.ActionType != tc.action || !slices.Equal(r.AuthInfo.Resources, []string{tc.resource}) {
				t.Errorf("authInfo %+v", r.AuthInfo)
			}
			if got := authPolicyNames(r.Allowed.Policies); got != tc.allowed {
				t.Errorf("allowed %q, want %q", got, tc.allowed)
			}
			var implicit, deny string
			if r.Denied != nil && r.Denied.ImplicitDeny != nil {
				implicit = authPolicyNames(r.Denied.ImplicitDeny.Policies)
			}
			if r.Denied != nil && r.Denied.ExplicitDeny != nil {
				deny = authPolicyNames(r.Denied.ExplicitDeny.Policies)
			}
			if implicit != tc.implicit || deny != tc.deny {
				t.Errorf("implicit %q explicit %q, want %q %q", implicit, deny, tc.implicit, tc.deny)
			}
			if got := strings.Join(r.MissingContextValues, ","); got != tc.missing {
				t.Errorf("missing %q, want %q", got, tc.missing)
			}
			for _, p := range r.Allowed.Policies {
				if aws.ToString(p.PolicyArn) != arn("policy/"+aws.ToString(p.PolicyName)) {
					t.Errorf("policy ARN %s", aws.ToString(p.PolicyArn))
				}
			}
		})
	}

	one := []iottypes.AuthInfo{{ActionType: iottypes.ActionTypeConnect, Resources: []string{arn("client/c1")}}}
	_, err = d.iot.TestAuthorization(d.ctx, &iot.TestAuthorizationInput{Principal: aws.String(arn("cert/" + strings.Repeat("ab", 32))), AuthInfos: one})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = d.iot.TestAuthorization(d.ctx, &iot.TestAuthorizationInput{Principal: aws.String("not-a-principal"), AuthInfos: one})
	wantCode(t, err, "InvalidRequestException")
	_, err = d.iot.TestAuthorization(d.ctx, &iot.TestAuthorizationInput{Principal: aws.String(d.certARN), AuthInfos: one, PolicyNamesToAdd: []string{"Nope"}})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = d.iot.TestAuthorization(d.ctx, &iot.TestAuthorizationInput{Principal: aws.String(d.certARN),
		AuthInfos: []iottypes.AuthInfo{{ActionType: "DANCE", Resources: []string{"*"}}}})
	wantCode(t, err, "InvalidRequestException")
}
