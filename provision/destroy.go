package provision

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iotypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// Status reads what exists now. Rows are Exists (and matches), Update
// (exists, drifted), Missing, or Conflict (a name fleetbake did not create).
func (pv *Provisioner) Status(ctx context.Context) (*Plan, error) {
	p, err := pv.Plan(ctx)
	if err != nil {
		return nil, err
	}
	for i, it := range p.Items {
		if it.Action == ActionCreate {
			p.Items[i].Action = ActionMissing
		}
	}
	return p, nil
}

// Destroy removes exactly what fleetbake created for this project in this
// account and region (the state file, plus resources carrying its tags),
// in reverse dependency order: claim certificates (policies detached,
// deactivated, deleted), template and role alias, then policies (every
// non-default version first), roles (managed policies detached) and the
// thing group. Independent deletions run concurrently; a failure stops only
// what depends on it, and every failure is returned.
func (pv *Provisioner) Destroy(ctx context.Context, events chan<- Event) error {
	if !pv.state.found && !pv.opts.DestroyTagged {
		// Nothing records that this folder made anything: names and tags
		// derive from greengrass.prefix, which another project folder may
		// share (the default "fleetbake" does), and deleting "by tag" would
		// delete that project's fleet provisioning.
		return fmt.Errorf("%w: no state file (%s), so nothing records that this folder created the resources above; "+
			"their names and tags come from greengrass.prefix %q, which another project folder may use too. "+
			"If they are this project's (the state file was lost), run destroy again with --tagged", ErrUntracked, pv.state.path, pv.project.Greengrass.Prefix)
	}
	o, _, err := pv.observe(ctx)
	if err != nil {
		return err
	}
	d := &destroyer{applier{pv: pv, o: o, events: events}}
	owned := func(kind Kind) (string, string, bool) {
		ob := o.get(kind)
		if ob == nil {
			return "", "", false
		}
		var rec *stateResource
		pv.state.view(o.id.Account, o.region, func(t *targetState) { rec = t.resource(kind) })
		if ob.item.Action == ActionCreate {
			// Gone already: forget it.
			if rec != nil {
				pv.state.update(o.id.Account, o.region, func(t *targetState) { delete(t.Resources, kind) })
			}
			return "", "", false
		}
		if ob.item.Action == ActionConflict {
			return "", "", false
		}
		return ob.item.Name, ob.item.ARN, true
	}
	step := func(id string, kind Kind, deps []string, f func(ctx context.Context, name, arn string) error) *node {
		name, arn, ok := owned(kind)
		return d.step(id, kind, deps, ok, func(ctx context.Context, ob *obs) error {
			d.o.mu.Lock()
			ob.item.Action = ActionDelete
			d.o.mu.Unlock()
			if err := f(ctx, name, arn); err != nil {
				return err
			}
			return pv.state.update(o.id.Account, o.region, func(t *targetState) { delete(t.Resources, kind) })
		})
	}
	var haveCerts bool
	pv.state.view(o.id.Account, o.region, func(t *targetState) { haveCerts = len(t.Certs) > 0 || t.Pending != nil })
	haveCerts = haveCerts || d.claimPolicyOwned()
	nodes := []*node{
		d.step("certs", KindClaimCertificate, nil, haveCerts, d.deleteCerts),
		step("template", KindProvisioningTemplate, nil, func(ctx context.Context, name, _ string) error {
			_, err := pv.iot.DeleteProvisioningTemplate(ctx, &iot.DeleteProvisioningTemplateInput{TemplateName: aws.String(name)})
			return ignoreNotFound("iot:DeleteProvisioningTemplate", name, err)
		}),
		step("role-alias", KindRoleAlias, nil, func(ctx context.Context, name, _ string) error {
			_, err := pv.iot.DeleteRoleAlias(ctx, &iot.DeleteRoleAliasInput{RoleAlias: aws.String(name)})
			return ignoreNotFound("iot:DeleteRoleAlias", name, err)
		}),
		step("claim-policy", KindClaimPolicy, []string{"certs"}, d.deleteIoTPolicy),
		step("core-policy", KindCorePolicy, []string{"template"}, d.deleteIoTPolicy),
		step("thing-group", KindThingGroup, []string{"template"}, func(ctx context.Context, name, _ string) error {
			_, err := pv.iot.DeleteThingGroup(ctx, &iot.DeleteThingGroupInput{ThingGroupName: aws.String(name)})
			return ignoreNotFound("iot:DeleteThingGroup", name, err)
		}),
		step("prov-role", KindProvisioningRole, []string{"template"}, d.deleteRole),
		step("tes-role", KindTokenExchangeRole, []string{"role-alias"}, d.deleteRole),
		step("tes-policy", KindTokenExchangePolicy, []string{"tes-role"}, d.deleteIAMPolicy),
	}
	_, err = runGraph(ctx, nodes, pv.opts.Sequential, true)
	return err
}

type destroyer struct{ applier }

func ignoreNotFound(op, name string, err error) error {
	if err == nil || isNotFound(err) {
		return nil
	}
	return wrapErr(op, name, err)
}

// deleteCerts removes every claim certificate fleetbake recorded (current,
// retired, and one an interrupted request made).
func (d *destroyer) deleteCerts(ctx context.Context, ob *obs) error {
	pv := d.pv
	if _, err := pv.recoverPending(ctx, d.o.id); err != nil {
		return err
	}
	var certs []stateCert
	pv.state.view(d.o.id.Account, d.o.region, func(t *targetState) {
		for _, c := range t.Certs {
			certs = append(certs, *c)
		}
	})
	var foreign []string
	if d.claimPolicyOwned() {
		known := map[string]bool{}
		for _, c := range certs {
			known[c.ID] = true
		}
		mine, other, err := d.untrackedClaimCerts(ctx, known)
		if err != nil {
			return err
		}
		certs, foreign = append(certs, mine...), other
	}
	for _, c := range certs {
		if err := pv.deleteCert(ctx, c.ID, c.ARN); err != nil {
			return err
		}
		if err := pv.state.update(d.o.id.Account, d.o.region, func(t *targetState) { t.dropCert(c.ID) }); err != nil {
			return err
		}
	}
	if len(foreign) > 0 {
		return &ForeignCertError{Policy: pv.names.ClaimPolicy, IDs: foreign}
	}
	return nil
}

// claimPolicyOwned: the claim policy exists and is fleetbake's (state or tags).
func (d *destroyer) claimPolicyOwned() bool {
	ob := d.o.get(KindClaimPolicy)
	return ob != nil && ob.item.Action != ActionCreate && ob.item.Action != ActionConflict
}

func (pv *Provisioner) deleteCert(ctx context.Context, id, arn string) error {
	pols, err := pv.iot.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: aws.String(arn)})
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return wrapErr("iot:ListAttachedPolicies", arn, err)
	}
	for _, p := range pols.Policies {
		if _, err := pv.iot.DetachPolicy(ctx, &iot.DetachPolicyInput{PolicyName: p.PolicyName, Target: aws.String(arn)}); err != nil && !isNotFound(err) {
			return wrapErr("iot:DetachPolicy", aws.ToString(p.PolicyName)+" from "+id, err)
		}
	}
	if _, err := pv.iot.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id), NewStatus: iotypes.CertificateStatusInactive}); err != nil {
		if isNotFound(err) {
			return nil
		}
		return wrapErr("iot:UpdateCertificate", id, err)
	}
	if _, err := pv.iot.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(id)}); err != nil && !isNotFound(err) {
		return wrapErr("iot:DeleteCertificate", id, err)
	}
	return nil
}

func (d *destroyer) deleteIoTPolicy(ctx context.Context, name, _ string) error {
	pv := d.pv
	out, err := pv.iot.ListPolicyVersions(ctx, &iot.ListPolicyVersionsInput{PolicyName: aws.String(name)})
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return wrapErr("iot:ListPolicyVersions", name, err)
	}
	for _, v := range out.PolicyVersions {
		if v.IsDefaultVersion {
			continue
		}
		if _, err := pv.iot.DeletePolicyVersion(ctx, &iot.DeletePolicyVersionInput{PolicyName: aws.String(name), PolicyVersionId: v.VersionId}); err != nil && !isNotFound(err) {
			return wrapErr("iot:DeletePolicyVersion", name, err)
		}
	}
	_, err = pv.iot.DeletePolicy(ctx, &iot.DeletePolicyInput{PolicyName: aws.String(name)})
	return ignoreNotFound("iot:DeletePolicy", name, err)
}

func (d *destroyer) deleteIAMPolicy(ctx context.Context, name, arn string) error {
	pv := d.pv
	out, err := pv.iam.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return wrapErr("iam:ListPolicyVersions", arn, err)
	}
	for _, v := range out.Versions {
		if v.IsDefaultVersion {
			continue
		}
		if _, err := pv.iam.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: v.VersionId}); err != nil && !isNotFound(err) {
			return wrapErr("iam:DeletePolicyVersion", arn, err)
		}
	}
	_, err = pv.iam.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	return ignoreNotFound("iam:DeletePolicy", arn, err)
}

func (d *destroyer) deleteRole(ctx context.Context, name, _ string) error {
	pv := d.pv
	out, err := pv.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return wrapErr("iam:ListAttachedRolePolicies", name, err)
	}
	for _, p := range out.AttachedPolicies {
		if _, err := pv.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: p.PolicyArn}); err != nil && !isNotFound(err) {
			return wrapErr("iam:DetachRolePolicy", name+" -/- "+aws.ToString(p.PolicyArn), err)
		}
	}
	_, err = pv.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)})
	return ignoreNotFound("iam:DeleteRole", name, err)
}

// RotateClaim replaces the claim certificate: it first converges like Apply
// (no call when nothing changed), then makes a new key and certificate
// (claim.pkey.pem.next), attaches the claim policy, swaps the files into
// place, records the new certificate as current and deactivates the old
// one (destroy deletes it). Every image built afterwards carries the new
// claim; run generate and rebuild.
func (pv *Provisioner) RotateClaim(ctx context.Context, events chan<- Event) (*Result, error) {
	pv.rotating = true
	defer func() { pv.rotating = false }()
	res, err := pv.Apply(ctx, nil, events)
	if err != nil {
		return res, err
	}
	id := res.Identity
	var old, next *stateCert
	pv.state.view(id.Account, pv.region, func(t *targetState) {
		if c := t.cert(roleCurrent); c != nil {
			cp := *c
			old = &cp
		}
		if c := t.cert(roleNext); c != nil {
			cp := *c
			next = &cp
		}
	})
	if old == nil {
		return res, &Error{Op: "rotate-claim", Hint: "run `fleetbake provision apply` first", Err: errNoClaim}
	}
	nextKey := pv.files.key + nextSuffix
	a := &applier{pv: pv, o: &observed{id: id, region: pv.region, items: map[Kind]*obs{}}, res: res, events: events}
	a.o.items[KindClaimCertificate] = &obs{item: Item{Kind: KindClaimCertificate, Name: old.ID, ARN: old.ARN, Action: ActionUpdate, Detail: "rotate"}}
	a.emit(ctx, KindClaimCertificate, StatusRunning, nil)
	defer func() { res.Warnings = append(res.Warnings, pv.takeWarnings()...) }()
	fail := func(err error) (*Result, error) {
		a.emit(ctx, KindClaimCertificate, StatusFailed, err)
		return res, err
	}
	nextID, err := keyFileID(nextKey)
	if err != nil {
		return fail(err)
	}
	if next != nil && (nextID == "" || next.PublicKey != nextID) {
		// A rotation that lost its key: that certificate is useless.
		if err := pv.retireCert(ctx, id, next.ID); err != nil {
			return fail(err)
		}
		next = nil
	}
	if next == nil {
		if c, err := pv.recoverPending(ctx, id); err != nil {
			return fail(err)
		} else if c != nil && c.Role == roleNext {
			next = c
		}
	}
	if next == nil {
		if next, err = pv.createClaimCert(ctx, id, nextKey, roleNext, nil); err != nil {
			return fail(err)
		}
	}
	if _, err := pv.iot.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String(pv.names.ClaimPolicy), Target: aws.String(next.ARN)}); err != nil {
		return fail(wrapErr("iot:AttachPolicy", pv.names.ClaimPolicy+" -> "+next.ARN, err))
	}
	// Keep the old key under another name until its certificate is inactive,
	// then put the new key in place with one atomic rename.
	retiredKey := pv.files.key + ".retired-" + short(old.ID)
	if fileExists(pv.files.key) && !fileExists(retiredKey) {
		if err := linkFile(pv.files.key, retiredKey); err != nil {
			return fail(err)
		}
	}
	if err := renameFile(nextKey, pv.files.key); err != nil {
		return fail(err)
	}
	if err := pv.writeCertFile(ctx, next.ID, ""); err != nil {
		return fail(err)
	}
	promoted := *next
	promoted.Role = roleCurrent
	if err := pv.recordCert(id, &promoted); err != nil {
		return fail(err)
	}
	if err := pv.retireCert(ctx, id, old.ID); err != nil {
		return fail(err)
	}
	removeFile(retiredKey)
	res.ClaimCertID = next.ID
	res.Created++
	a.o.items[KindClaimCertificate].item.Name = next.ID
	a.o.items[KindClaimCertificate].item.ARN = next.ARN
	a.emit(ctx, KindClaimCertificate, StatusDone, nil)
	return res, nil
}
