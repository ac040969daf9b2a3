package provision

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iotypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// Apply makes AWS match the plan: creates what is missing, repairs drift
// (new default policy or template version, role alias target), and records
// every resource it creates in the state file right after creating it. A
// plan of nil, or one not made by this Provisioner, is made first. Apply
// refuses to start when any name is taken by something fleetbake did not
// create. events may be nil; otherwise the caller must keep reading it
// until Apply returns (Apply never closes it).
func (pv *Provisioner) Apply(ctx context.Context, plan *Plan, events chan<- Event) (*Result, error) {
	calls0, muts0 := pv.Calls()
	planCrit := 0
	if plan == nil || plan.obs == nil {
		o, crit, err := pv.observe(ctx)
		if err != nil {
			return nil, err
		}
		plan, planCrit = o.plan(), crit
	}
	if err := conflictError(plan.Conflicts()); err != nil {
		return nil, err
	}
	o := plan.obs
	res := &Result{Identity: o.id, Region: o.region, Endpoints: o.endpoints, Names: pv.names,
		ClaimCertPath: pv.files.cert, ClaimKeyPath: pv.files.key, RootCAPath: pv.files.root}
	a := &applier{pv: pv, o: o, res: res, events: events}
	crit, err := runGraph(ctx, a.nodes(), pv.opts.Sequential)
	res.CriticalPath = planCrit + crit
	calls1, muts1 := pv.Calls()
	res.Calls, res.Mutations = calls1-calls0, muts1-muts0
	res.Warnings = append(res.Warnings, pv.takeWarnings()...)
	pv.state.view(o.id.Account, o.region, func(t *targetState) {
		if c := t.cert(roleCurrent); c != nil {
			res.ClaimCertID = c.ID
		}
	})
	if err != nil {
		return res, err
	}
	return res, nil
}

func conflictError(items []Item) error {
	if len(items) == 0 {
		return nil
	}
	var b strings.Builder
	for _, it := range items {
		fmt.Fprintf(&b, "\n  %s %s: %s", it.Kind, it.Name, it.Detail)
	}
	return fmt.Errorf("%w; nothing was changed:%s", ErrConflict, b.String())
}

// applier runs one apply: the graph of steps and what they share.
type applier struct {
	pv     *Provisioner
	o      *observed
	res    *Result
	events chan<- Event

	mu          sync.Mutex
	newCert     *stateCert // claim certificate made or adopted in this run
	attachClaim bool       // the claim policy must be attached to newCert
}

func (a *applier) emit(ctx context.Context, kind Kind, st Status, err error) {
	if a.events == nil {
		return
	}
	ob := a.o.get(kind)
	var it Item
	if ob != nil {
		a.o.mu.Lock()
		it = ob.item
		a.o.mu.Unlock()
	} else {
		it = Item{Kind: kind}
	}
	ev := Event{Item: it, Status: st, Err: err}
	var e *Error
	if errors.As(err, &e) {
		ev.Hint = e.Hint
	}
	select {
	case a.events <- ev:
	case <-ctx.Done():
	}
}

func (a *applier) count(created bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if created {
		a.res.Created++
	} else {
		a.res.Updated++
	}
}

// step wraps one unit of work: it reports progress for kind and does
// nothing when the plan has nothing to do there.
func (a *applier) step(id string, kind Kind, deps []string, work bool, f func(ctx context.Context, ob *obs) error) *node {
	return &node{id: id, kind: kind, deps: deps, run: func(ctx context.Context) error {
		if !work {
			return nil
		}
		ob := a.o.get(kind)
		a.emit(ctx, kind, StatusRunning, nil)
		err := f(ctx, ob)
		if err != nil {
			a.emit(ctx, kind, StatusFailed, err)
			return err
		}
		a.emit(ctx, kind, StatusDone, nil)
		return nil
	}}
}

func (a *applier) needs(kind Kind, fixes ...fix) bool {
	ob := a.o.get(kind)
	if ob == nil {
		return false
	}
	if len(fixes) == 0 {
		return len(ob.fixes) > 0
	}
	for _, f := range fixes {
		if ob.has(f) {
			return true
		}
	}
	return false
}

func (a *applier) nodes() []*node {
	pv, n := a.pv, a.pv.names
	docs := a.o.docs
	tesRoleARN := pv.iamARN(a.o.id, "role", n.TokenExchangeRole)
	provRoleARN := pv.iamARN(a.o.id, "role", n.ProvisioningRole)
	return []*node{
		a.step("tes-role", KindTokenExchangeRole, nil, a.needs(KindTokenExchangeRole, fixCreate, fixTrust, fixAdopt), func(ctx context.Context, ob *obs) error {
			return a.ensureRole(ctx, ob, KindTokenExchangeRole, docs.TokenExchangeTrust, "Greengrass token exchange role (fleetbake)")
		}),
		a.step("tes-policy", KindTokenExchangePolicy, nil, a.needs(KindTokenExchangePolicy), func(ctx context.Context, ob *obs) error {
			return a.ensureIAMPolicy(ctx, ob, KindTokenExchangePolicy, docs.TokenExchangeAccess)
		}),
		a.step("tes-attach", KindTokenExchangeRole, []string{"tes-role", "tes-policy"}, a.needs(KindTokenExchangeRole, fixAttach), func(ctx context.Context, ob *obs) error {
			return a.attachRolePolicy(ctx, n.TokenExchangeRole, pv.tesPolicyARN())
		}),
		a.step("role-alias", KindRoleAlias, []string{"tes-role"}, a.needs(KindRoleAlias), func(ctx context.Context, ob *obs) error {
			return a.ensureRoleAlias(ctx, ob, tesRoleARN)
		}),
		a.step("core-policy", KindCorePolicy, nil, a.needs(KindCorePolicy), func(ctx context.Context, ob *obs) error {
			return a.ensureIoTPolicy(ctx, ob, KindCorePolicy, docs.CorePolicy)
		}),
		a.step("thing-group", KindThingGroup, nil, a.needs(KindThingGroup), a.ensureThingGroup),
		a.step("prov-role", KindProvisioningRole, nil, a.needs(KindProvisioningRole, fixCreate, fixTrust, fixAdopt), func(ctx context.Context, ob *obs) error {
			return a.ensureRole(ctx, ob, KindProvisioningRole, docs.ProvisioningTrust, "Greengrass fleet provisioning role (fleetbake)")
		}),
		a.step("prov-attach", KindProvisioningRole, []string{"prov-role"}, a.needs(KindProvisioningRole, fixAttach), func(ctx context.Context, ob *obs) error {
			return a.attachRolePolicy(ctx, n.ProvisioningRole, pv.thingsRegistrationARN())
		}),
		a.step("template", KindProvisioningTemplate, []string{"prov-attach", "thing-group", "core-policy"}, a.needs(KindProvisioningTemplate), func(ctx context.Context, ob *obs) error {
			return a.ensureTemplate(ctx, ob, docs.TemplateBody, provRoleARN)
		}),
		a.step("claim-policy", KindClaimPolicy, nil, a.needs(KindClaimPolicy), func(ctx context.Context, ob *obs) error {
			return a.ensureIoTPolicy(ctx, ob, KindClaimPolicy, docs.ClaimPolicy)
		}),
		a.step("claim-cert", KindClaimCertificate, nil, a.needs(KindClaimCertificate), a.ensureClaimCert),
		a.step("claim-attach", KindClaimCertificate, []string{"claim-policy", "claim-cert"}, a.needs(KindClaimCertificate), a.attachClaimPolicy),
		a.step("claim-retire", KindClaimCertificate, []string{"claim-attach"}, a.needs(KindClaimCertificate, fixNewCert, fixRetireCert, fixLeftovers), a.retireOld),
		a.step("root-ca", KindRootCA, nil, a.needs(KindRootCA), func(ctx context.Context, ob *obs) error {
			if err := pv.files.ensureDir(); err != nil {
				return err
			}
			return writePublic(pv.files.root, AmazonRootCA1())
		}),
	}
}

// record writes a created (or adopted) resource into the state file at once.
func (a *applier) record(kind Kind, name, arn string) error {
	return a.pv.state.update(a.o.id.Account, a.o.region, func(t *targetState) {
		t.Resources[kind] = &stateResource{Name: name, ARN: arn, Created: time.Now().UTC()}
	})
}

// raced handles a create that found its name taken after the plan said it
// was free: typically a request of an earlier, killed apply that AWS
// finished after this run's read. The resource is read again; if it is
// fleetbake's (tags), apply carries on with what the new read says.
func (a *applier) raced(ctx context.Context, kind Kind, createErr error, again func(context.Context, *obs) error) error {
	check := a.o.checks[kind]
	if check == nil {
		return createErr
	}
	nob, err := check(ctx)
	if err != nil {
		return err
	}
	nob.finish()
	if nob.item.Action == ActionConflict {
		return fmt.Errorf("%w: %s %s", ErrConflict, kind, nob.item.Detail)
	}
	if nob.has(fixCreate) {
		return createErr
	}
	a.o.set(kind, nob)
	return again(ctx, nob)
}

func (a *applier) setARN(ob *obs, arn string) {
	a.o.mu.Lock()
	ob.item.ARN = arn
	a.o.mu.Unlock()
}

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
