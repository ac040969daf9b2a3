package provision

import (
	"context"
	"fmt"
	"sync"

	"fleetbake/model"
)

// Device is the profile of the devices this project's image will hold
// (model.Device): the claim policy and the template are made for it.
func (pv *Provisioner) Device() model.DeviceProfile { return pv.device }

// ClaimFlow is the MQTT certificate API the devices call with the claim:
// "create" (CreateKeysAndCertificate) or "create-from-csr".
func (pv *Provisioner) ClaimFlow() string { return pv.device.KeyFlow }

// Generation is the meta-aws generation the template is made for.
func (pv *Provisioner) Generation() model.Generation { return pv.opts.Generation }

// TemplateParams are the template parameters the devices send.
func (pv *Provisioner) TemplateParams() []string { return pv.device.ParamNames() }

func (pv *Provisioner) tesPolicyARN() string {
	return pv.iamARN(*pv.identity, "policy", pv.names.TokenExchangePolicy)
}

func (pv *Provisioner) thingsRegistrationARN() string {
	return fmt.Sprintf("arn:%s:iam::aws:policy/service-role/AWSIoTThingsRegistration", pv.identity.partition())
}

// Plan reads what exists and says what apply would do. It makes no change,
// in AWS or on disk.
func (pv *Provisioner) Plan(ctx context.Context) (*Plan, error) {
	o, _, err := pv.observe(ctx)
	if err != nil {
		return nil, err
	}
	return o.plan(), nil
}

func (o *observed) plan() *Plan {
	p := &Plan{Identity: o.id, Region: o.region, Endpoints: o.endpoints, obs: o}
	p.Items = append(p.Items,
		Item{Kind: KindIdentity, Name: o.id.Account, ARN: o.id.ARN, Action: ActionExists, Detail: "region " + o.region},
		Item{Kind: KindEndpoints, Name: o.endpoints.Data, Action: ActionExists, Detail: "data " + o.endpoints.Data + ", credentials " + o.endpoints.Credential})
	for _, k := range Kinds[2:] {
		if ob := o.get(k); ob != nil {
			p.Items = append(p.Items, ob.item)
		}
	}
	return p
}

// observe runs every read call, concurrently, and returns the picture and
// the longest chain of dependent calls it made.
func (pv *Provisioner) observe(ctx context.Context) (*observed, int, error) {
	o := &observed{region: pv.region, items: map[Kind]*obs{}, checks: map[Kind]func(context.Context) (*obs, error){}}
	var epMu sync.Mutex
	add := func(kind Kind, f func(ctx context.Context) (*obs, error)) *node {
		o.checks[kind] = f
		return &node{id: string(kind), deps: []string{"identity"}, kind: kind, run: func(ctx context.Context) error {
			ob, err := f(ctx)
			if err != nil {
				return err
			}
			ob.finish()
			o.set(kind, ob)
			return nil
		}}
	}
	n := pv.names
	nodes := []*node{
		{id: "identity", run: func(ctx context.Context) error {
			id, err := pv.Identity(ctx)
			if err != nil {
				return err
			}
			o.id = id
			o.docs, err = renderDocuments(renderData{Partition: id.partition(), Region: pv.region, Account: id.Account,
				Names: n, Device: pv.device})
			return err
		}},
		{id: "endpoint-data", deps: []string{"identity"}, run: func(ctx context.Context) error {
			e, err := pv.describeEndpoint(ctx, "iot:Data-ATS")
			epMu.Lock()
			o.endpoints.Data = e
			epMu.Unlock()
			return err
		}},
		{id: "endpoint-credential", deps: []string{"identity"}, run: func(ctx context.Context) error {
			e, err := pv.describeEndpoint(ctx, "iot:CredentialProvider")
			epMu.Lock()
			o.endpoints.Credential = e
			epMu.Unlock()
			return err
		}},
		add(KindTokenExchangeRole, func(ctx context.Context) (*obs, error) {
			return pv.checkRole(ctx, KindTokenExchangeRole, n.TokenExchangeRole, o.docs.TokenExchangeTrust, pv.tesPolicyARN())
		}),
		add(KindTokenExchangePolicy, func(ctx context.Context) (*obs, error) {
			return pv.checkIAMPolicy(ctx, KindTokenExchangePolicy, n.TokenExchangePolicy, o.docs.TokenExchangeAccess)
		}),
		add(KindRoleAlias, func(ctx context.Context) (*obs, error) {
			return pv.checkRoleAlias(ctx, pv.iamARN(*pv.identity, "role", n.TokenExchangeRole))
		}),
		add(KindCorePolicy, func(ctx context.Context) (*obs, error) {
			return pv.checkIoTPolicy(ctx, KindCorePolicy, n.CorePolicy, func() string { return o.docs.CorePolicy })
		}),
		add(KindThingGroup, pv.checkThingGroup),
		add(KindProvisioningRole, func(ctx context.Context) (*obs, error) {
			return pv.checkRole(ctx, KindProvisioningRole, n.ProvisioningRole, o.docs.ProvisioningTrust, pv.thingsRegistrationARN())
		}),
		add(KindProvisioningTemplate, func(ctx context.Context) (*obs, error) {
			return pv.checkTemplate(ctx, func() string { return o.docs.TemplateBody },
				func() string { return pv.iamARN(*pv.identity, "role", n.ProvisioningRole) })
		}),
		add(KindClaimPolicy, func(ctx context.Context) (*obs, error) {
			return pv.checkIoTPolicy(ctx, KindClaimPolicy, n.ClaimPolicy, func() string { return o.docs.ClaimPolicy })
		}),
		add(KindClaimCertificate, pv.checkClaimCert),
		add(KindRootCA, func(ctx context.Context) (*obs, error) { return pv.checkRootCA(), nil }),
	}
	crit, err := runGraph(ctx, nodes, pv.opts.Sequential)
	if err != nil {
		return nil, crit, err
	}
	return o, crit, nil
}
