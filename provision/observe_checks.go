package provision

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iotypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// The checks of each resource against what it should be (plan and status).

// checkRole reads an IAM role: trust policy and the managed policy it must have.
func (pv *Provisioner) checkRole(ctx context.Context, kind Kind, name, trust, wantPolicyARN string) (*obs, error) {
	ob := &obs{item: Item{Name: name}}
	out, err := pv.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if isNotFound(err) {
		ob.note(fixCreate, "")
		ob.fixes = append(ob.fixes, fixAttach)
		ob.item.ARN = pv.iamARN(*pv.identity, "role", name)
		return ob, nil
	}
	if err != nil {
		return nil, wrapErr("iam:GetRole", name, err)
	}
	ob.item.ARN = aws.ToString(out.Role.Arn)
	tags := iamTags(out.Role.Tags)
	pv.ownership(ob, kind, name, tags, true)
	if ob.item.Action == ActionConflict {
		return ob, nil
	}
	if !sameJSON(decodeIAMDoc(aws.ToString(out.Role.AssumeRolePolicyDocument)), trust) {
		ob.note(fixTrust, "trust policy differs: it will be replaced")
	}
	attached, err := pv.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return nil, wrapErr("iam:ListAttachedRolePolicies", name, err)
	}
	found := false
	for _, a := range attached.AttachedPolicies {
		if aws.ToString(a.PolicyArn) == wantPolicyARN {
			found = true
		}
	}
	if !found {
		ob.note(fixAttach, "policy "+wantPolicyARN[strings.LastIndex(wantPolicyARN, "/")+1:]+" will be attached")
	}
	return ob, nil
}

// checkIAMPolicy reads a customer managed policy and its default version.
func (pv *Provisioner) checkIAMPolicy(ctx context.Context, kind Kind, name, doc string) (*obs, error) {
	arn := pv.iamARN(*pv.identity, "policy", name)
	ob := &obs{item: Item{Name: name, ARN: arn}}
	out, err := pv.iam.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if isNotFound(err) {
		ob.note(fixCreate, "")
		return ob, nil
	}
	if err != nil {
		return nil, wrapErr("iam:GetPolicy", arn, err)
	}
	pv.ownership(ob, kind, name, iamTags(out.Policy.Tags), true)
	if ob.item.Action == ActionConflict {
		return ob, nil
	}
	v, err := pv.iam.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: out.Policy.DefaultVersionId})
	if err != nil {
		return nil, wrapErr("iam:GetPolicyVersion", arn, err)
	}
	if !sameJSON(decodeIAMDoc(aws.ToString(v.PolicyVersion.Document)), doc) {
		ob.note(fixDocument, fmt.Sprintf("document differs from version %s: a new default version will be made", aws.ToString(out.Policy.DefaultVersionId)))
	}
	return ob, nil
}

// checkIoTPolicy reads an IoT policy's default version.
func (pv *Provisioner) checkIoTPolicy(ctx context.Context, kind Kind, name string, doc func() string) (*obs, error) {
	ob := &obs{item: Item{Name: name}}
	out, err := pv.iot.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String(name)})
	if isNotFound(err) {
		ob.note(fixCreate, "")
		ob.item.ARN = pv.iotARN(*pv.identity, "policy", name)
		return ob, nil
	}
	if err != nil {
		return nil, wrapErr("iot:GetPolicy", name, err)
	}
	ob.item.ARN = aws.ToString(out.PolicyArn)
	if err := pv.ownIoT(ctx, ob, kind, name); err != nil || ob.item.Action == ActionConflict {
		return ob, err
	}
	if !sameJSON(aws.ToString(out.PolicyDocument), doc()) {
		ob.note(fixDocument, fmt.Sprintf("document differs from version %s: a new default version will be made", aws.ToString(out.DefaultVersionId)))
	}
	return ob, nil
}

// ownIoT checks ownership of an IoT resource, reading tags only when the
// state file does not already say it is fleetbake's.
func (pv *Provisioner) ownIoT(ctx context.Context, ob *obs, kind Kind, name string) error {
	if pv.inState(kind, name) {
		return nil
	}
	tags, err := pv.iotTags(ctx, ob.item.ARN)
	if err != nil {
		return err
	}
	pv.ownership(ob, kind, name, tags, true)
	return nil
}

func (pv *Provisioner) checkRoleAlias(ctx context.Context, roleARN string) (*obs, error) {
	name := pv.names.RoleAlias
	ob := &obs{item: Item{Name: name}}
	out, err := pv.iot.DescribeRoleAlias(ctx, &iot.DescribeRoleAliasInput{RoleAlias: aws.String(name)})
	if isNotFound(err) {
		ob.note(fixCreate, "")
		ob.item.ARN = pv.iotARN(*pv.identity, "rolealias", name)
		return ob, nil
	}
	if err != nil {
		return nil, wrapErr("iot:DescribeRoleAlias", name, err)
	}
	d := out.RoleAliasDescription
	ob.item.ARN = aws.ToString(d.RoleAliasArn)
	if err := pv.ownIoT(ctx, ob, KindRoleAlias, name); err != nil || ob.item.Action == ActionConflict {
		return ob, err
	}
	if aws.ToString(d.RoleArn) != roleARN || aws.ToInt32(d.CredentialDurationSeconds) != credentialDuration {
		ob.note(fixTarget, fmt.Sprintf("points at %s for %ds: will point at %s for %ds", aws.ToString(d.RoleArn), aws.ToInt32(d.CredentialDurationSeconds), roleARN, credentialDuration))
	}
	return ob, nil
}

// credentialDuration is the role alias's credential lifetime (AWS's default).
const credentialDuration int32 = 3600

func (pv *Provisioner) checkThingGroup(ctx context.Context) (*obs, error) {
	name := pv.names.ThingGroup
	ob := &obs{item: Item{Name: name}}
	out, err := pv.iot.DescribeThingGroup(ctx, &iot.DescribeThingGroupInput{ThingGroupName: aws.String(name)})
	if isNotFound(err) {
		ob.note(fixCreate, "")
		ob.item.ARN = pv.iotARN(*pv.identity, "thinggroup", name)
		return ob, nil
	}
	if err != nil {
		return nil, wrapErr("iot:DescribeThingGroup", name, err)
	}
	ob.item.ARN = aws.ToString(out.ThingGroupArn)
	err = pv.ownIoT(ctx, ob, KindThingGroup, name)
	return ob, err
}

func (pv *Provisioner) checkTemplate(ctx context.Context, body func() string, roleARN func() string) (*obs, error) {
	name := pv.names.ProvisioningTemplate
	ob := &obs{item: Item{Name: name}}
	out, err := pv.iot.DescribeProvisioningTemplate(ctx, &iot.DescribeProvisioningTemplateInput{TemplateName: aws.String(name)})
	if isNotFound(err) {
		ob.note(fixCreate, "")
		ob.item.ARN = pv.iotARN(*pv.identity, "provisioningtemplate", name)
		return ob, nil
	}
	if err != nil {
		return nil, wrapErr("iot:DescribeProvisioningTemplate", name, err)
	}
	ob.item.ARN = aws.ToString(out.TemplateArn)
	if err := pv.ownIoT(ctx, ob, KindProvisioningTemplate, name); err != nil || ob.item.Action == ActionConflict {
		return ob, err
	}
	if out.Type != "" && out.Type != iotypes.TemplateTypeFleetProvisioning {
		ob.item.Action = ActionConflict
		ob.item.Detail = fmt.Sprintf("template %q is of type %s, not FLEET_PROVISIONING: set greengrass.provisioning_template to another name", name, out.Type)
		return ob, nil
	}
	if !sameJSON(aws.ToString(out.TemplateBody), body()) {
		ob.note(fixBody, fmt.Sprintf("body differs from version %d: a new default version will be made", aws.ToInt32(out.DefaultVersionId)))
	}
	if aws.ToString(out.ProvisioningRoleArn) != roleARN() || !aws.ToBool(out.Enabled) {
		ob.note(fixSettings, "provisioning role or enabled flag differs: will be updated")
	}
	return ob, nil
}
