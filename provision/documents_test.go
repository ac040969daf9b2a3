package provision

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"

	"fleetbake/model"
)

// The documents a review shows are the ones apply sends: rendered for the
// caller's account, the claim policy, the core policy and the template body
// equal what the fake account holds after apply.
func TestDocumentsAreWhatApplyCreates(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	pv := newPV(t, s, p, Options{})
	id, err := pv.Identity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	docs, err := Documents(p, DocumentOptions{Account: id.Account, CallerARN: id.ARN})
	if err != nil {
		t.Fatal(err)
	}
	mustApply(t, pv)
	byKind := map[Kind]Document{}
	for _, d := range docs {
		byKind[d.Kind] = d
	}
	ctx := context.Background()
	for _, kind := range []Kind{KindClaimPolicy, KindCorePolicy} {
		d := byKind[kind]
		out, err := pv.iot.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String(d.Name)})
		if err != nil {
			t.Fatalf("%s %s: %v", kind, d.Name, err)
		}
		if !sameJSON(aws.ToString(out.PolicyDocument), d.Body) {
			t.Errorf("%s: shown\n%s\napplied\n%s", kind, d.Body, aws.ToString(out.PolicyDocument))
		}
	}
	tpl := byKind[KindProvisioningTemplate]
	out, err := pv.iot.DescribeProvisioningTemplate(ctx, &iot.DescribeProvisioningTemplateInput{TemplateName: aws.String(tpl.Name)})
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(aws.ToString(out.TemplateBody), tpl.Body) {
		t.Errorf("template body: shown\n%s\napplied\n%s", tpl.Body, aws.ToString(out.TemplateBody))
	}
}

// Without an account (no credentials) the documents still render, with a
// placeholder, and the partition follows the region.
func TestDocumentsWithoutAccount(t *testing.T) {
	p := model.Default()
	p.Greengrass.Region = "cn-north-1"
	docs, err := Documents(p, DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 6 || docs[0].Kind != KindClaimPolicy {
		t.Fatalf("documents %v", docs)
	}
	want := "arn:aws-cn:iot:cn-north-1:" + AccountPlaceholder + ":"
	if !strings.Contains(docs[0].Body, want) {
		t.Errorf("claim policy lacks %q:\n%s", want, docs[0].Body)
	}
	if !strings.Contains(docs[0].Body, "\n  \"Statement\"") {
		t.Errorf("claim policy is not indented:\n%s", docs[0].Body)
	}
}
