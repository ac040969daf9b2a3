package awsfake

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// A template's pre-provisioning hook is stored and returned by
// DescribeProvisioningTemplate, replaced by an update, and removed with
// removePreProvisioningHook; one without a target is refused and changes
// nothing, as the API does (the SDK refuses a nil target itself; an empty
// one reaches the server).
func TestTemplatePreProvisioningHook(t *testing.T) {
	c := newClients(t)
	role := c.s.CreateRoleDirect("prov", nil)
	hook := func(target string) *iottypes.ProvisioningHook {
		return &iottypes.ProvisioningHook{TargetArn: aws.String(target), PayloadVersion: aws.String("2020-04-01")}
	}
	const first, second = "arn:aws:lambda:us-east-1:123456789012:function:allow", "arn:aws:lambda:us-east-1:123456789012:function:check"
	if _, err := c.iot.CreateProvisioningTemplate(c.ctx, &iot.CreateProvisioningTemplateInput{TemplateName: aws.String("t"),
		TemplateBody: aws.String(templateBody), ProvisioningRoleArn: aws.String(role), PreProvisioningHook: hook(first), Enabled: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	target := func() string {
		t.Helper()
		out, err := c.iot.DescribeProvisioningTemplate(c.ctx, &iot.DescribeProvisioningTemplateInput{TemplateName: aws.String("t")})
		if err != nil {
			t.Fatal(err)
		}
		if out.PreProvisioningHook == nil {
			return ""
		}
		return aws.ToString(out.PreProvisioningHook.TargetArn)
	}
	if got := target(); got != first {
		t.Errorf("after create: hook %q, want %q", got, first)
	}
	_, err := c.iot.UpdateProvisioningTemplate(c.ctx, &iot.UpdateProvisioningTemplateInput{TemplateName: aws.String("t"),
		PreProvisioningHook: hook(""), Enabled: aws.Bool(false)})
	wantCode(t, err, "InvalidRequestException")
	out, _ := c.iot.DescribeProvisioningTemplate(c.ctx, &iot.DescribeProvisioningTemplateInput{TemplateName: aws.String("t")})
	if got := target(); got != first || aws.ToBool(out.Enabled) != true {
		t.Errorf("a refused update changed the template: hook %q, enabled %v", got, aws.ToBool(out.Enabled))
	}
	if _, err := c.iot.UpdateProvisioningTemplate(c.ctx, &iot.UpdateProvisioningTemplateInput{TemplateName: aws.String("t"), PreProvisioningHook: hook(second)}); err != nil {
		t.Fatal(err)
	}
	if got := target(); got != second {
		t.Errorf("after update: hook %q, want %q", got, second)
	}
	if _, err := c.iot.UpdateProvisioningTemplate(c.ctx, &iot.UpdateProvisioningTemplateInput{TemplateName: aws.String("t"), RemovePreProvisioningHook: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if got := target(); got != "" {
		t.Errorf("after removal: hook %q", got)
	}
}
