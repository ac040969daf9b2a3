package provision

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
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
