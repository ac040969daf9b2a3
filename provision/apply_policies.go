package provision

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iotypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// The roles and policies apply makes: IAM roles and policies, IoT policies, and their versions.

func (a *applier) ensureRole(ctx context.Context, ob *obs, kind Kind, trust, description string) error {
	name := ob.item.Name
	switch {
	case ob.has(fixCreate):
		out, err := a.pv.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust),
			Description: aws.String(description), Tags: a.pv.iamTagList()})
		if isAlreadyExists(err) {
			return a.raced(ctx, kind, wrapErr("iam:CreateRole", name, err), func(ctx context.Context, nob *obs) error {
				return a.ensureRole(ctx, nob, kind, trust, description)
			})
		}
		if err != nil {
			return wrapErr("iam:CreateRole", name, err)
		}
		a.setARN(ob, aws.ToString(out.Role.Arn))
		a.count(true)
		return a.record(kind, name, aws.ToString(out.Role.Arn))
	case ob.has(fixAdopt):
		if err := a.record(kind, name, ob.item.ARN); err != nil {
			return err
		}
	}
	if ob.has(fixTrust) {
		if _, err := a.pv.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(name), PolicyDocument: aws.String(trust)}); err != nil {
			return wrapErr("iam:UpdateAssumeRolePolicy", name, err)
		}
		a.count(false)
	}
	return nil
}

func (a *applier) attachRolePolicy(ctx context.Context, role, policyARN string) error {
	if _, err := a.pv.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(policyARN)}); err != nil {
		return wrapErr("iam:AttachRolePolicy", role+" <- "+policyARN, err)
	}
	return nil
}

func (a *applier) ensureIAMPolicy(ctx context.Context, ob *obs, kind Kind, doc string) error {
	name := ob.item.Name
	switch {
	case ob.has(fixCreate):
		out, err := a.pv.iam.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc),
			Description: aws.String("Greengrass token exchange role access (fleetbake)"), Tags: a.pv.iamTagList()})
		if isAlreadyExists(err) {
			return a.raced(ctx, kind, wrapErr("iam:CreatePolicy", name, err), func(ctx context.Context, nob *obs) error {
				return a.ensureIAMPolicy(ctx, nob, kind, doc)
			})
		}
		if err != nil {
			return wrapErr("iam:CreatePolicy", name, err)
		}
		a.setARN(ob, aws.ToString(out.Policy.Arn))
		a.count(true)
		return a.record(kind, name, aws.ToString(out.Policy.Arn))
	case ob.has(fixAdopt):
		if err := a.record(kind, name, ob.item.ARN); err != nil {
			return err
		}
	}
	if !ob.has(fixDocument) {
		return nil
	}
	arn := ob.item.ARN
	err := newDefaultVersion(func() error {
		_, err := a.pv.iam.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(doc), SetAsDefault: true})
		return err
	}, "LimitExceeded", func() error { return a.deleteOldestIAMVersion(ctx, arn) })
	if err != nil {
		return wrapErr("iam:CreatePolicyVersion", arn, err)
	}
	a.count(false)
	return nil
}

func (a *applier) deleteOldestIAMVersion(ctx context.Context, arn string) error {
	out, err := a.pv.iam.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if err != nil {
		return wrapErr("iam:ListPolicyVersions", arn, err)
	}
	oldest := oldestNonDefault(out.Versions, func(v iamtypes.PolicyVersion) (string, time.Time, bool) {
		return aws.ToString(v.VersionId), aws.ToTime(v.CreateDate), v.IsDefaultVersion
	})
	if oldest == "" {
		return nil
	}
	if _, err := a.pv.iam.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(oldest)}); err != nil {
		return wrapErr("iam:DeletePolicyVersion", arn+" "+oldest, err)
	}
	return nil
}

func (a *applier) ensureIoTPolicy(ctx context.Context, ob *obs, kind Kind, doc string) error {
	name := ob.item.Name
	switch {
	case ob.has(fixCreate):
		out, err := a.pv.iot.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc), Tags: a.pv.iotTagList()})
		if isAlreadyExists(err) {
			return a.raced(ctx, kind, wrapErr("iot:CreatePolicy", name, err), func(ctx context.Context, nob *obs) error {
				return a.ensureIoTPolicy(ctx, nob, kind, doc)
			})
		}
		if err != nil {
			return wrapErr("iot:CreatePolicy", name, err)
		}
		a.setARN(ob, aws.ToString(out.PolicyArn))
		a.count(true)
		return a.record(kind, name, aws.ToString(out.PolicyArn))
	case ob.has(fixAdopt):
		if err := a.record(kind, name, ob.item.ARN); err != nil {
			return err
		}
	}
	if !ob.has(fixDocument) {
		return nil
	}
	err := newDefaultVersion(func() error {
		_, err := a.pv.iot.CreatePolicyVersion(ctx, &iot.CreatePolicyVersionInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc), SetAsDefault: true})
		return err
	}, "VersionsLimitExceededException", func() error { return a.deleteOldestIoTVersion(ctx, name) })
	if err != nil {
		return wrapErr("iot:CreatePolicyVersion", name, err)
	}
	a.count(false)
	return nil
}

func (a *applier) deleteOldestIoTVersion(ctx context.Context, name string) error {
	out, err := a.pv.iot.ListPolicyVersions(ctx, &iot.ListPolicyVersionsInput{PolicyName: aws.String(name)})
	if err != nil {
		return wrapErr("iot:ListPolicyVersions", name, err)
	}
	oldest := oldestNonDefault(out.PolicyVersions, func(v iotypes.PolicyVersion) (string, time.Time, bool) {
		return aws.ToString(v.VersionId), aws.ToTime(v.CreateDate), v.IsDefaultVersion
	})
	if oldest == "" {
		return nil
	}
	if _, err := a.pv.iot.DeletePolicyVersion(ctx, &iot.DeletePolicyVersionInput{PolicyName: aws.String(name), PolicyVersionId: aws.String(oldest)}); err != nil {
		return wrapErr("iot:DeletePolicyVersion", name+" "+oldest, err)
	}
	return nil
}

// newDefaultVersion runs create, which makes a new default version of a
// policy; when the service already holds its five versions (limitCode:
// IAM's LimitExceeded, IoT's VersionsLimitExceededException) it drops the
// oldest non-default one and tries once more.
func newDefaultVersion(create func() error, limitCode string, dropOldest func() error) error {
	err := create()
	if apiCode(err) == limitCode {
		if err := dropOldest(); err != nil {
			return err
		}
		err = create()
	}
	return err
}

// oldestNonDefault returns the ID of the oldest version that is not the
// default one, or "" when there is none. fields reads a version's ID,
// creation time and default flag (IAM's and IoT's types differ).
func oldestNonDefault[V any](versions []V, fields func(V) (id string, created time.Time, isDefault bool)) string {
	var oldest string
	var when time.Time
	for _, v := range versions {
		id, t, isDefault := fields(v)
		if isDefault {
			continue
		}
		if oldest == "" || t.Before(when) {
			oldest, when = id, t
		}
	}
	return oldest
}

// waitForIAM retries f while IoT says it cannot use a role that IAM has
// only just created or changed (IAM is eventually consistent).
func (a *applier) waitForIAM(ctx context.Context, kind Kind, f func() error) error {
	wait := consistencyWait
	deadline := time.Now().Add(consistencyDeadline)
	for {
		err := f()
		if err == nil || !isIAMPropagation(err) || time.Now().After(deadline) {
			return err
		}
		a.emit(ctx, kind, StatusRetrying, err)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		if wait *= 2; wait > 10*time.Second {
			wait = 10 * time.Second
		}
	}
}

func isIAMPropagation(err error) bool {
	if apiCode(err) != "InvalidRequestException" {
		return false
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "role")
}
