package awsfake

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

func TestDescribeEndpoint(t *testing.T) {
	c := newClients(t)
	want := map[string]string{
		"iot:Data-ATS":           "abc123xyz-ats.iot.us-east-1.amazonaws.com",
		"iot:CredentialProvider": "c1x2y3.credentials.iot.us-east-1.amazonaws.com",
		"iot:Data":               "abc123xyz.iot.us-east-1.amazonaws.com",
		"iot:Jobs":               "c1x2y3.jobs.iot.us-east-1.amazonaws.com",
	}
	for typ, host := range want {
		out, err := c.iot.DescribeEndpoint(c.ctx, &iot.DescribeEndpointInput{EndpointType: aws.String(typ)})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(out.EndpointAddress); got != host {
			t.Errorf("%s: %q, want %q", typ, got, host)
		}
	}
	_, err := c.iot.DescribeEndpoint(c.ctx, &iot.DescribeEndpointInput{EndpointType: aws.String("iot:Nope")})
	var inv *iottypes.InvalidRequestException
	if !errors.As(err, &inv) {
		t.Fatalf("want InvalidRequestException, got %v", err)
	}
	// The region comes from the request's credential scope.
	cfg := c.s.AWSConfig()
	cfg.Region = "eu-west-1"
	out, err := iot.NewFromConfig(cfg).DescribeEndpoint(c.ctx, &iot.DescribeEndpointInput{EndpointType: aws.String("iot:Data-ATS")})
	if err != nil || aws.ToString(out.EndpointAddress) != "abc123xyz-ats.iot.eu-west-1.amazonaws.com" {
		t.Fatalf("eu-west-1: %v %v", aws.ToString(out.EndpointAddress), err)
	}
}

func TestRoleAliasLifecycle(t *testing.T) {
	c := newClients(t)
	role := c.createRole(t, "tes", trustCredentials)
	role2 := c.createRole(t, "tes2", trustCredentials)
	out, err := c.iot.CreateRoleAlias(c.ctx, &iot.CreateRoleAliasInput{RoleAlias: aws.String("fb-alias"), RoleArn: aws.String(role),
		Tags: []iottypes.Tag{{Key: aws.String("fleetbake"), Value: aws.String("p")}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.RoleAliasArn)
	if arn != "arn:aws:iot:us-east-1:123456789012:rolealias/fb-alias" {
		t.Errorf("arn %q", arn)
	}
	d, err := c.iot.DescribeRoleAlias(c.ctx, &iot.DescribeRoleAliasInput{RoleAlias: aws.String("fb-alias")})
	if err != nil {
		t.Fatal(err)
	}
	ra := d.RoleAliasDescription
	if aws.ToString(ra.RoleArn) != role || aws.ToInt32(ra.CredentialDurationSeconds) != 3600 || aws.ToString(ra.Owner) != DefaultAccount || ra.CreationDate == nil {
		t.Errorf("description %+v", ra)
	}
	if _, err := c.iot.UpdateRoleAlias(c.ctx, &iot.UpdateRoleAliasInput{RoleAlias: aws.String("fb-alias"), RoleArn: aws.String(role2), CredentialDurationSeconds: aws.Int32(7200)}); err != nil {
		t.Fatal(err)
	}
	d, _ = c.iot.DescribeRoleAlias(c.ctx, &iot.DescribeRoleAliasInput{RoleAlias: aws.String("fb-alias")})
	if aws.ToString(d.RoleAliasDescription.RoleArn) != role2 || aws.ToInt32(d.RoleAliasDescription.CredentialDurationSeconds) != 7200 {
		t.Errorf("after update %+v", d.RoleAliasDescription)
	}
	_, err = c.iot.UpdateRoleAlias(c.ctx, &iot.UpdateRoleAliasInput{RoleAlias: aws.String("fb-alias"), CredentialDurationSeconds: aws.Int32(60)})
	wantCode(t, err, "InvalidRequestException")
	_, err = c.iot.CreateRoleAlias(c.ctx, &iot.CreateRoleAliasInput{RoleAlias: aws.String("bad alias!"), RoleArn: aws.String(role)})
	wantCode(t, err, "InvalidRequestException")
	_, err = c.iot.CreateRoleAlias(c.ctx, &iot.CreateRoleAliasInput{RoleAlias: aws.String("ghost"), RoleArn: aws.String("arn:aws:iam::123456789012:role/ghost")})
	wantCode(t, err, "InvalidRequestException")

	tags, err := c.iot.ListTagsForResource(c.ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "fleetbake" {
		t.Fatalf("tags %+v %v", tags, err)
	}
	c.s.CreateRoleAliasDirect("other", role)
	list, err := c.iot.ListRoleAliases(c.ctx, &iot.ListRoleAliasesInput{})
	if err != nil || strings.Join(list.RoleAliases, ",") != "fb-alias,other" {
		t.Fatalf("list %v %v", list.RoleAliases, err)
	}
	if _, err := c.iot.DeleteRoleAlias(c.ctx, &iot.DeleteRoleAliasInput{RoleAlias: aws.String("fb-alias")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.iot.DescribeRoleAlias(c.ctx, &iot.DescribeRoleAliasInput{RoleAlias: aws.String("fb-alias")})
	var nf *iottypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("want ResourceNotFoundException, got %v", err)
	}
	_, err = c.iot.DeleteRoleAlias(c.ctx, &iot.DeleteRoleAliasInput{RoleAlias: aws.String("fb-alias")})
	wantCode(t, err, "ResourceNotFoundException")
}

func TestIoTPolicyVersions(t *testing.T) {
	c := newClients(t)
	out, err := c.iot.CreatePolicy(c.ctx, &iot.CreatePolicyInput{PolicyName: aws.String("fb-core"), PolicyDocument: aws.String(iotDoc),
		Tags: []iottypes.Tag{{Key: aws.String("fleetbake"), Value: aws.String("p")}}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.PolicyVersionId) != "1" || aws.ToString(out.PolicyArn) != "arn:aws:iot:us-east-1:123456789012:policy/fb-core" {
		t.Errorf("create %+v", out)
	}
	_, err = c.iot.CreatePolicy(c.ctx, &iot.CreatePolicyInput{PolicyName: aws.String("fb-core"), PolicyDocument: aws.String(iotDoc)})
	var exists *iottypes.ResourceAlreadyExistsException
	if !errors.As(err, &exists) || aws.ToString(exists.ResourceArn) != aws.ToString(out.PolicyArn) {
		t.Fatalf("want ResourceAlreadyExistsException with ARN, got %v", err)
	}
	doc2 := strings.Replace(iotDoc, "iot:Connect", "iot:Publish", 1)
	for i := 2; i <= 5; i++ {
		v, err := c.iot.CreatePolicyVersion(c.ctx, &iot.CreatePolicyVersionInput{PolicyName: aws.String("fb-core"), PolicyDocument: aws.String(doc2), SetAsDefault: i == 5})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(v.PolicyVersionId) != string(rune('0'+i)) || v.IsDefaultVersion != (i == 5) {
			t.Errorf("version %d: %+v", i, v)
		}
	}
	_, err = c.iot.CreatePolicyVersion(c.ctx, &iot.CreatePolicyVersionInput{PolicyName: aws.String("fb-core"), PolicyDocument: aws.String(doc2)})
	var vle *iottypes.VersionsLimitExceededException
	if !errors.As(err, &vle) {
		t.Fatalf("want VersionsLimitExceededException, got %v", err)
	}
	gp, err := c.iot.GetPolicy(c.ctx, &iot.GetPolicyInput{PolicyName: aws.String("fb-core")})
	if err != nil || aws.ToString(gp.PolicyDocument) != doc2 || aws.ToString(gp.DefaultVersionId) != "5" {
		t.Fatalf("GetPolicy %+v %v", gp, err)
	}
	lv, err := c.iot.ListPolicyVersions(c.ctx, &iot.ListPolicyVersionsInput{PolicyName: aws.String("fb-core")})
	if err != nil || len(lv.PolicyVersions) != 5 {
		t.Fatalf("ListPolicyVersions %+v %v", lv, err)
	}
	_, err = c.iot.DeletePolicyVersion(c.ctx, &iot.DeletePolicyVersionInput{PolicyName: aws.String("fb-core"), PolicyVersionId: aws.String("5")})
	var dce *iottypes.DeleteConflictException
	if !errors.As(err, &dce) {
		t.Fatalf("want DeleteConflictException, got %v", err)
	}
	if _, err := c.iot.SetDefaultPolicyVersion(c.ctx, &iot.SetDefaultPolicyVersionInput{PolicyName: aws.String("fb-core"), PolicyVersionId: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	gv, err := c.iot.GetPolicyVersion(c.ctx, &iot.GetPolicyVersionInput{PolicyName: aws.String("fb-core"), PolicyVersionId: aws.String("1")})
	if err != nil || !gv.IsDefaultVersion || aws.ToString(gv.PolicyDocument) != iotDoc {
		t.Fatalf("GetPolicyVersion %+v %v", gv, err)
	}
	_, err = c.iot.DeletePolicy(c.ctx, &iot.DeletePolicyInput{PolicyName: aws.String("fb-core")})
	wantCode(t, err, "DeleteConflictException") // non-default versions remain
	for _, v := range []string{"2", "3", "4", "5"} {
		if _, err := c.iot.DeletePolicyVersion(c.ctx, &iot.DeletePolicyVersionInput{PolicyName: aws.String("fb-core"), PolicyVersionId: aws.String(v)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.iot.DeletePolicy(c.ctx, &iot.DeletePolicyInput{PolicyName: aws.String("fb-core")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.iot.GetPolicy(c.ctx, &iot.GetPolicyInput{PolicyName: aws.String("fb-core")})
	wantCode(t, err, "ResourceNotFoundException")

	// Documents: size limit without whitespace, JSON, Effect.
	long := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Publish","Resource":[` + strings.Repeat(`"arn:aws:iot:us-east-1:123456789012:topic/x/y",`, 50) + `"*"]}]}`
	_, err = c.iot.CreatePolicy(c.ctx, &iot.CreatePolicyInput{PolicyName: aws.String("long"), PolicyDocument: aws.String(long)})
	var mpe *iottypes.MalformedPolicyException
	if !errors.As(err, &mpe) {
		t.Fatalf("want MalformedPolicyException for a long document, got %v", err)
	}
	spaced := strings.ReplaceAll(iotDoc, ",", ",\n"+strings.Repeat(" ", 1000))
	if _, err := c.iot.CreatePolicy(c.ctx, &iot.CreatePolicyInput{PolicyName: aws.String("spaced"), PolicyDocument: aws.String(spaced)}); err != nil {
		t.Fatalf("whitespace counted against the limit: %v", err)
	}
	_, err = c.iot.CreatePolicy(c.ctx, &iot.CreatePolicyInput{PolicyName: aws.String("broken"), PolicyDocument: aws.String("{")})
	wantCode(t, err, "MalformedPolicyException")
	_, err = c.iot.CreatePolicy(c.ctx, &iot.CreatePolicyInput{PolicyName: aws.String("bad/name"), PolicyDocument: aws.String(iotDoc)})
	wantCode(t, err, "InvalidRequestException")
}

func TestThingGroup(t *testing.T) {
	c := newClients(t)
	in := &iot.CreateThingGroupInput{ThingGroupName: aws.String("fb-fleet"),
		ThingGroupProperties: &iottypes.ThingGroupProperties{ThingGroupDescription: aws.String("fleet")},
		Tags:                 []iottypes.Tag{{Key: aws.String("fleetbake"), Value: aws.String("p")}}}
	out, err := c.iot.CreateThingGroup(c.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	// The same create again returns the same group, as AWS does.
	again, err := c.iot.CreateThingGroup(c.ctx, in)
	if err != nil || aws.ToString(again.ThingGroupId) != aws.ToString(out.ThingGroupId) {
		t.Fatalf("idempotent create: %+v %v", again, err)
	}
	_, err = c.iot.CreateThingGroup(c.ctx, &iot.CreateThingGroupInput{ThingGroupName: aws.String("fb-fleet"),
		ThingGroupProperties: &iottypes.ThingGroupProperties{ThingGroupDescription: aws.String("other")}})
	wantCode(t, err, "ResourceAlreadyExistsException")
	if _, err := c.iot.CreateThingGroup(c.ctx, &iot.CreateThingGroupInput{ThingGroupName: aws.String("child"), ParentGroupName: aws.String("fb-fleet")}); err != nil {
		t.Fatal(err)
	}
	d, err := c.iot.DescribeThingGroup(c.ctx, &iot.DescribeThingGroupInput{ThingGroupName: aws.String("child")})
	if err != nil || aws.ToString(d.ThingGroupMetadata.ParentGroupName) != "fb-fleet" || len(d.ThingGroupMetadata.RootToParentThingGroups) != 1 {
		t.Fatalf("describe child %+v %v", d, err)
	}
	d, err = c.iot.DescribeThingGroup(c.ctx, &iot.DescribeThingGroupInput{ThingGroupName: aws.String("fb-fleet")})
	if err != nil || aws.ToString(d.ThingGroupProperties.ThingGroupDescription) != "fleet" || d.Version != 1 || aws.ToString(d.ThingGroupArn) != aws.ToString(out.ThingGroupArn) {
		t.Fatalf("describe %+v %v", d, err)
	}
	_, err = c.iot.DeleteThingGroup(c.ctx, &iot.DeleteThingGroupInput{ThingGroupName: aws.String("fb-fleet")})
	wantCode(t, err, "InvalidRequestException") // has a child
	if _, err := c.iot.DeleteThingGroup(c.ctx, &iot.DeleteThingGroupInput{ThingGroupName: aws.String("child")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.iot.DeleteThingGroup(c.ctx, &iot.DeleteThingGroupInput{ThingGroupName: aws.String("fb-fleet"), ExpectedVersion: aws.Int64(7)})
	wantCode(t, err, "VersionConflictException")
	if _, err := c.iot.DeleteThingGroup(c.ctx, &iot.DeleteThingGroupInput{ThingGroupName: aws.String("fb-fleet")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.iot.DeleteThingGroup(c.ctx, &iot.DeleteThingGroupInput{ThingGroupName: aws.String("fb-fleet")}); err != nil {
		t.Fatalf("deleting a missing group should succeed like AWS: %v", err)
	}
	_, err = c.iot.DescribeThingGroup(c.ctx, &iot.DescribeThingGroupInput{ThingGroupName: aws.String("fb-fleet")})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = c.iot.CreateThingGroup(c.ctx, &iot.CreateThingGroupInput{ThingGroupName: aws.String("bad name")})
	wantCode(t, err, "InvalidRequestException")
	_, err = c.iot.CreateThingGroup(c.ctx, &iot.CreateThingGroupInput{ThingGroupName: aws.String("orphan"), ParentGroupName: aws.String("missing")})
	wantCode(t, err, "ResourceNotFoundException")
}

func TestProvisioningTemplate(t *testing.T) {
	c := newClients(t)
	role := c.createRole(t, "fb-prov", trustIoT)
	tesRole := c.createRole(t, "fb-tes", trustCredentials)
	out, err := c.iot.CreateProvisioningTemplate(c.ctx, &iot.CreateProvisioningTemplateInput{
		TemplateName: aws.String("fb-template"), TemplateBody: aws.String(templateBody), ProvisioningRoleArn: aws.String(role),
		Enabled: aws.Bool(true), Description: aws.String("d"), Tags: []iottypes.Tag{{Key: aws.String("fleetbake"), Value: aws.String("p")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.TemplateArn) != "arn:aws:iot:us-east-1:123456789012:provisioningtemplate/fb-template" || aws.ToInt32(out.DefaultVersionId) != 1 {
		t.Errorf("create %+v", out)
	}
	d, err := c.iot.DescribeProvisioningTemplate(c.ctx, &iot.DescribeProvisioningTemplateInput{TemplateName: aws.String("fb-template")})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(d.Enabled) || aws.ToString(d.TemplateBody) != templateBody || d.Type != iottypes.TemplateTypeFleetProvisioning || aws.ToString(d.ProvisioningRoleArn) != role {
		t.Errorf("describe %+v", d)
	}
	_, err = c.iot.CreateProvisioningTemplate(c.ctx, &iot.CreateProvisioningTemplateInput{TemplateName: aws.String("fb-template"), TemplateBody: aws.String(templateBody), ProvisioningRoleArn: aws.String(role)})
	wantCode(t, err, "ResourceAlreadyExistsException")

	bad := []struct{ name, body, role string }{
		{"bad name!", templateBody, role},
		{strings.Repeat("t", 37), templateBody, role},
		{"nobody", `{"Parameters":`, role},
		{"noparams", `{"Resources":{"thing":{"Type":"AWS::IoT::Thing"}}}`, role},
		{"noresources", `{"Parameters":{}}`, role},
		{"norole", templateBody, "arn:aws:iam::123456789012:role/missing"},
		{"wrongtrust", templateBody, tesRole}, // trusts credentials.iot, not iot.amazonaws.com
	}
	for _, b := range bad {
		_, err = c.iot.CreateProvisioningTemplate(c.ctx, &iot.CreateProvisioningTemplateInput{TemplateName: aws.String(b.name), TemplateBody: aws.String(b.body), ProvisioningRoleArn: aws.String(b.role)})
		if ae := wantCode(t, err, "InvalidRequestException"); ae.ErrorMessage() == "" {
			t.Errorf("%s: empty message", b.name)
		}
	}
	// Enabled defaults to false, as in AWS.
	if _, err := c.iot.CreateProvisioningTemplate(c.ctx, &iot.CreateProvisioningTemplateInput{TemplateName: aws.String("disabled"), TemplateBody: aws.String(templateBody), ProvisioningRoleArn: aws.String(role)}); err != nil {
		t.Fatal(err)
	}
	dd, _ := c.iot.DescribeProvisioningTemplate(c.ctx, &iot.DescribeProvisioningTemplateInput{TemplateName: aws.String("disabled")})
	if aws.ToBool(dd.Enabled) {
		t.Error("template enabled without asking")
	}

	body2 := strings.Replace(templateBody, `"Status":"Active"`, `"Status":"ACTIVE"`, 1)
	for i := 2; i <= 5; i++ {
		v, err := c.iot.CreateProvisioningTemplateVersion(c.ctx, &iot.CreateProvisioningTemplateVersionInput{TemplateName: aws.String("fb-template"), TemplateBody: aws.String(body2), SetAsDefault: i == 2})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt32(v.VersionId) != int32(i) || v.IsDefaultVersion != (i == 2) {
			t.Errorf("version %d: %+v", i, v)
		}
	}
	_, err = c.iot.CreateProvisioningTemplateVersion(c.ctx, &iot.CreateProvisioningTemplateVersionInput{TemplateName: aws.String("fb-template"), TemplateBody: aws.String(body2)})
	wantCode(t, err, "VersionsLimitExceededException")
	d, _ = c.iot.DescribeProvisioningTemplate(c.ctx, &iot.DescribeProvisioningTemplateInput{TemplateName: aws.String("fb-template")})
	if aws.ToString(d.TemplateBody) != body2 || aws.ToInt32(d.DefaultVersionId) != 2 {
		t.Errorf("default after version 2: %d", aws.ToInt32(d.DefaultVersionId))
	}
	lv, err := c.iot.ListProvisioningTemplateVersions(c.ctx, &iot.ListProvisioningTemplateVersionsInput{TemplateName: aws.String("fb-template")})
	if err != nil || len(lv.Versions) != 5 {
		t.Fatalf("versions %+v %v", lv, err)
	}
	_, err = c.iot.DeleteProvisioningTemplateVersion(c.ctx, &iot.DeleteProvisioningTemplateVersionInput{TemplateName: aws.String("fb-template"), VersionId: aws.Int32(2)})
	wantCode(t, err, "DeleteConflictException")
	if _, err := c.iot.DeleteProvisioningTemplateVersion(c.ctx, &iot.DeleteProvisioningTemplateVersionInput{TemplateName: aws.String("fb-template"), VersionId: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.iot.DeleteProvisioningTemplateVersion(c.ctx, &iot.DeleteProvisioningTemplateVersionInput{TemplateName: aws.String("fb-template"), VersionId: aws.Int32(1)})
	wantCode(t, err, "ResourceNotFoundException")

	if _, err := c.iot.UpdateProvisioningTemplate(c.ctx, &iot.UpdateProvisioningTemplateInput{TemplateName: aws.String("fb-template"), DefaultVersionId: aws.Int32(5), Enabled: aws.Bool(false), Description: aws.String("new")}); err != nil {
		t.Fatal(err)
	}
	d, _ = c.iot.DescribeProvisioningTemplate(c.ctx, &iot.DescribeProvisioningTemplateInput{TemplateName: aws.String("fb-template")})
	if aws.ToInt32(d.DefaultVersionId) != 5 || aws.ToBool(d.Enabled) || aws.ToString(d.Description) != "new" {
		t.Errorf("after update %+v", d)
	}
	_, err = c.iot.UpdateProvisioningTemplate(c.ctx, &iot.UpdateProvisioningTemplateInput{TemplateName: aws.String("fb-template"), DefaultVersionId: aws.Int32(9)})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = c.iot.UpdateProvisioningTemplate(c.ctx, &iot.UpdateProvisioningTemplateInput{TemplateName: aws.String("fb-template"), ProvisioningRoleArn: aws.String(tesRole)})
	wantCode(t, err, "InvalidRequestException")

	for _, name := range []string{"fb-template", "disabled"} {
		if _, err := c.iot.DeleteProvisioningTemplate(c.ctx, &iot.DeleteProvisioningTemplateInput{TemplateName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.iot.DescribeProvisioningTemplate(c.ctx, &iot.DescribeProvisioningTemplateInput{TemplateName: aws.String("fb-template")})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = c.iot.DeleteProvisioningTemplate(c.ctx, &iot.DeleteProvisioningTemplateInput{TemplateName: aws.String("fb-template")})
	wantCode(t, err, "ResourceNotFoundException")
}

func TestIoTTags(t *testing.T) {
	c := newClients(t)
	arn := c.s.CreateIoTPolicyDirect("theirs", iotDoc)
	if _, err := c.iot.TagResource(c.ctx, &iot.TagResourceInput{ResourceArn: aws.String(arn), Tags: []iottypes.Tag{{Key: aws.String("b"), Value: aws.String("1")}, {Key: aws.String("a"), Value: aws.String("2")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.iot.TagResource(c.ctx, &iot.TagResourceInput{ResourceArn: aws.String(arn), Tags: []iottypes.Tag{{Key: aws.String("b"), Value: aws.String("3")}}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.iot.ListTagsForResource(c.ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(out.Tags) != 2 || aws.ToString(out.Tags[0].Key) != "a" || aws.ToString(out.Tags[1].Value) != "3" {
		t.Fatalf("tags %+v %v", out, err)
	}
	if _, err := c.iot.UntagResource(c.ctx, &iot.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	out, _ = c.iot.ListTagsForResource(c.ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if len(out.Tags) != 1 {
		t.Errorf("after untag %+v", out.Tags)
	}
	_, err = c.iot.ListTagsForResource(c.ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:iot:us-east-1:123456789012:policy/missing")})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = c.iot.TagResource(c.ctx, &iot.TagResourceInput{ResourceArn: aws.String(arn), Tags: []iottypes.Tag{{Key: aws.String("aws:reserved"), Value: aws.String("x")}}})
	wantCode(t, err, "InvalidRequestException")
	tg := c.s.CreateThingGroupDirect("g")
	if _, err := c.iot.TagResource(c.ctx, &iot.TagResourceInput{ResourceArn: aws.String(tg), Tags: []iottypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
}

func TestUpdateThingGroup(t *testing.T) {
	c := newClients(t)
	c.s.CreateThingGroupDirect("g")
	out, err := c.iot.UpdateThingGroup(c.ctx, &iot.UpdateThingGroupInput{ThingGroupName: aws.String("g"),
		ThingGroupProperties: &iottypes.ThingGroupProperties{ThingGroupDescription: aws.String("new"),
			AttributePayload: &iottypes.AttributePayload{Attributes: map[string]string{"a": "1"}}}})
	if err != nil || out.Version != 2 {
		t.Fatalf("update %+v %v", out, err)
	}
	d, _ := c.iot.DescribeThingGroup(c.ctx, &iot.DescribeThingGroupInput{ThingGroupName: aws.String("g")})
	if aws.ToString(d.ThingGroupProperties.ThingGroupDescription) != "new" || d.ThingGroupProperties.AttributePayload.Attributes["a"] != "1" || d.Version != 2 {
		t.Errorf("describe %+v", d.ThingGroupProperties)
	}
	_, err = c.iot.UpdateThingGroup(c.ctx, &iot.UpdateThingGroupInput{ThingGroupName: aws.String("g"), ExpectedVersion: aws.Int64(1),
		ThingGroupProperties: &iottypes.ThingGroupProperties{}})
	wantCode(t, err, "VersionConflictException")
	_, err = c.iot.UpdateThingGroup(c.ctx, &iot.UpdateThingGroupInput{ThingGroupName: aws.String("nope"), ThingGroupProperties: &iottypes.ThingGroupProperties{}})
	wantCode(t, err, "ResourceNotFoundException")
}
