package provision

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iotypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// The IoT resources apply makes besides policies: role alias, thing group, provisioning template.

func (a *applier) ensureRoleAlias(ctx context.Context, ob *obs, roleARN string) error {
	name := ob.item.Name
	switch {
	case ob.has(fixCreate):
		var out *iot.CreateRoleAliasOutput
		err := a.waitForIAM(ctx, KindRoleAlias, func() (err error) {
			out, err = a.pv.iot.CreateRoleAlias(ctx, &iot.CreateRoleAliasInput{RoleAlias: aws.String(name), RoleArn: aws.String(roleARN),
				CredentialDurationSeconds: aws.Int32(credentialDuration), Tags: a.pv.iotTagList()})
			return err
		})
		if isAlreadyExists(err) {
			return a.raced(ctx, KindRoleAlias, wrapErr("iot:CreateRoleAlias", name, err), func(ctx context.Context, nob *obs) error {
				return a.ensureRoleAlias(ctx, nob, roleARN)
			})
		}
		if err != nil {
			return wrapErr("iot:CreateRoleAlias", name, err)
		}
		a.setARN(ob, aws.ToString(out.RoleAliasArn))
		a.count(true)
		return a.record(KindRoleAlias, name, aws.ToString(out.RoleAliasArn))
	case ob.has(fixAdopt):
		if err := a.record(KindRoleAlias, name, ob.item.ARN); err != nil {
			return err
		}
	}
	if ob.has(fixTarget) {
		err := a.waitForIAM(ctx, KindRoleAlias, func() error {
			_, err := a.pv.iot.UpdateRoleAlias(ctx, &iot.UpdateRoleAliasInput{RoleAlias: aws.String(name), RoleArn: aws.String(roleARN),
				CredentialDurationSeconds: aws.Int32(credentialDuration)})
			return err
		})
		if err != nil {
			return wrapErr("iot:UpdateRoleAlias", name, err)
		}
		a.count(false)
	}
	return nil
}

func (a *applier) ensureThingGroup(ctx context.Context, ob *obs) error {
	name := ob.item.Name
	if ob.has(fixCreate) {
		out, err := a.pv.iot.CreateThingGroup(ctx, &iot.CreateThingGroupInput{ThingGroupName: aws.String(name), Tags: a.pv.iotTagList(),
			ThingGroupProperties: &iotypes.ThingGroupProperties{ThingGroupDescription: aws.String("Greengrass core devices provisioned by fleetbake's template")}})
		if isAlreadyExists(err) {
			return a.raced(ctx, KindThingGroup, wrapErr("iot:CreateThingGroup", name, err), a.ensureThingGroup)
		}
		if err != nil {
			return wrapErr("iot:CreateThingGroup", name, err)
		}
		a.setARN(ob, aws.ToString(out.ThingGroupArn))
		a.count(true)
		return a.record(KindThingGroup, name, aws.ToString(out.ThingGroupArn))
	}
	if ob.has(fixAdopt) {
		return a.record(KindThingGroup, name, ob.item.ARN)
	}
	return nil
}

func (a *applier) ensureTemplate(ctx context.Context, ob *obs, body, roleARN string) error {
	name := ob.item.Name
	switch {
	case ob.has(fixCreate):
		var out *iot.CreateProvisioningTemplateOutput
		err := a.waitForIAM(ctx, KindProvisioningTemplate, func() (err error) {
			out, err = a.pv.iot.CreateProvisioningTemplate(ctx, &iot.CreateProvisioningTemplateInput{TemplateName: aws.String(name),
				TemplateBody: aws.String(body), ProvisioningRoleArn: aws.String(roleARN), Enabled: aws.Bool(true),
				Type: iotypes.TemplateTypeFleetProvisioning, Description: aws.String("Greengrass fleet provisioning by claim (fleetbake)"),
				Tags: a.pv.iotTagList()})
			return err
		})
		if isAlreadyExists(err) {
			return a.raced(ctx, KindProvisioningTemplate, wrapErr("iot:CreateProvisioningTemplate", name, err), func(ctx context.Context, nob *obs) error {
				return a.ensureTemplate(ctx, nob, body, roleARN)
			})
		}
		if err != nil {
			return wrapErr("iot:CreateProvisioningTemplate", name, err)
		}
		a.setARN(ob, aws.ToString(out.TemplateArn))
		a.count(true)
		return a.record(KindProvisioningTemplate, name, aws.ToString(out.TemplateArn))
	case ob.has(fixAdopt):
		if err := a.record(KindProvisioningTemplate, name, ob.item.ARN); err != nil {
			return err
		}
	}
	if ob.has(fixSettings) {
		err := a.waitForIAM(ctx, KindProvisioningTemplate, func() error {
			_, err := a.pv.iot.UpdateProvisioningTemplate(ctx, &iot.UpdateProvisioningTemplateInput{TemplateName: aws.String(name),
				ProvisioningRoleArn: aws.String(roleARN), Enabled: aws.Bool(true)})
			return err
		})
		if err != nil {
			return wrapErr("iot:UpdateProvisioningTemplate", name, err)
		}
		a.count(false)
	}
	if ob.has(fixBody) {
		create := func() error {
			_, err := a.pv.iot.CreateProvisioningTemplateVersion(ctx, &iot.CreateProvisioningTemplateVersionInput{TemplateName: aws.String(name),
				TemplateBody: aws.String(body), SetAsDefault: true})
			return err
		}
		err := create()
		if apiCode(err) == "VersionsLimitExceededException" {
			if err := a.deleteOldestTemplateVersion(ctx, name); err != nil {
				return err
			}
			err = create()
		}
		if err != nil {
			return wrapErr("iot:CreateProvisioningTemplateVersion", name, err)
		}
		a.count(false)
	}
	return nil
}

func (a *applier) deleteOldestTemplateVersion(ctx context.Context, name string) error {
	out, err := a.pv.iot.ListProvisioningTemplateVersions(ctx, &iot.ListProvisioningTemplateVersionsInput{TemplateName: aws.String(name)})
	if err != nil {
		return wrapErr("iot:ListProvisioningTemplateVersions", name, err)
	}
	var oldest *int32
	var when time.Time
	for _, v := range out.Versions {
		if v.IsDefaultVersion {
			continue
		}
		if t := aws.ToTime(v.CreationDate); oldest == nil || t.Before(when) {
			oldest, when = v.VersionId, t
		}
	}
	if oldest == nil {
		return nil
	}
	if _, err := a.pv.iot.DeleteProvisioningTemplateVersion(ctx, &iot.DeleteProvisioningTemplateVersionInput{TemplateName: aws.String(name), VersionId: oldest}); err != nil {
		return wrapErr("iot:DeleteProvisioningTemplateVersion", name, err)
	}
	return nil
}
