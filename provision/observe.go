package provision

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iotypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// Tags fleetbake puts on everything it creates where AWS supports tags, so
// it can recognise its own resources even without the state file.
const (
	TagManagedBy = "managed-by"
	TagProject   = "fleetbake-project"
	managedByVal = "fleetbake"
)

// fix is one change apply must make to a resource.
type fix string

const (
	fixCreate     fix = "create"
	fixDocument   fix = "new policy version"
	fixTrust      fix = "trust policy"
	fixAttach     fix = "attach"
	fixTarget     fix = "role alias target"
	fixBody       fix = "new template version"
	fixSettings   fix = "template settings"
	fixActivate   fix = "activate certificate"
	fixNewCert    fix = "new certificate"
	fixCertFile   fix = "write certificate file"
	fixRecover    fix = "recover interrupted certificate request"
	fixWriteFile  fix = "write file"
	fixAdopt      fix = "record in state"
	fixRetireCert fix = "deactivate old certificate"
	fixLeftovers  fix = "settle an interrupted rotation"
)

// obs is what the read calls found for one resource.
type obs struct {
	item  Item
	fixes []fix
	// For a claim certificate being replaced: the certificate to retire.
	retire *stateCert
	// For a claim certificate: finish an interrupted rotation with this one.
	promote *stateCert
	// Retired claim certificates still active: deactivate these ids.
	deactivate []string
	// Found but gone from AWS: forget these certificate ids.
	forget []string
	// Key files a killed rotate-claim left (claim.pkey.pem.next, .retired-*).
	removeFiles []string
	// The current claim certificate's PEM, as AWS has it.
	certPEM string
}

func (o *obs) has(f fix) bool {
	for _, g := range o.fixes {
		if g == f {
			return true
		}
	}
	return false
}

// observed is the whole read-only picture a plan is made from.
type observed struct {
	id        Identity
	region    string
	docs      documents
	endpoints Endpoints

	mu    sync.Mutex
	items map[Kind]*obs
	// checks re-read one resource (apply uses them when a create finds
	// the name taken since the plan was made).
	checks map[Kind]func(context.Context) (*obs, error)
}

func (o *observed) set(kind Kind, ob *obs) {
	o.mu.Lock()
	defer o.mu.Unlock()
	ob.item.Kind = kind
	o.items[kind] = ob
}

func (o *observed) get(kind Kind) *obs {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.items[kind]
}

// finish sets each row's Action and Detail from its fixes.
func (ob *obs) finish() {
	switch {
	case ob.item.Action == ActionConflict:
	case ob.has(fixCreate):
		ob.item.Action = ActionCreate
	case len(ob.fixes) == 0:
		ob.item.Action = ActionExists
	default:
		only := len(ob.fixes) == 1 && ob.fixes[0] == fixAdopt
		if only {
			ob.item.Action = ActionExists
		} else {
			ob.item.Action = ActionUpdate
		}
	}
}

func (ob *obs) note(f fix, detail string) {
	ob.fixes = append(ob.fixes, f)
	if detail != "" {
		if ob.item.Detail != "" {
			ob.item.Detail += "; "
		}
		ob.item.Detail += detail
	}
}

// arns for the resources, built from names (the account comes from STS).
func (pv *Provisioner) iamARN(id Identity, kind, name string) string {
	return fmt.Sprintf("arn:%s:iam::%s:%s/%s", id.partition(), id.Account, kind, name)
}

func (pv *Provisioner) iotARN(id Identity, kind, name string) string {
	return fmt.Sprintf("arn:%s:iot:%s:%s:%s/%s", id.partition(), pv.region, id.Account, kind, name)
}

func (pv *Provisioner) projectTag() string {
	if p := pv.project.Greengrass.Prefix; p != "" {
		return p
	}
	return pv.names.ThingNamePrefix
}

// ownership decides whether an existing resource is fleetbake's for this
// project: recorded in the state file, or tagged by fleetbake for it.
func (pv *Provisioner) ownership(ob *obs, kind Kind, name string, tags map[string]string, tagsKnown bool) {
	var rec *stateResource
	pv.state.view(pv.identity.Account, pv.region, func(t *targetState) {
		if r := t.resource(kind); r != nil {
			cp := *r
			rec = &cp
		}
	})
	if rec != nil && rec.Name == name {
		return
	}
	if tags[TagManagedBy] == managedByVal && tags[TagProject] == pv.projectTag() {
		ob.note(fixAdopt, "tagged by fleetbake for this project, not in the state file: recorded on apply")
		return
	}
	ob.item.Action = ActionConflict
	switch {
	case tags[TagManagedBy] == managedByVal:
		ob.item.Detail = fmt.Sprintf("%q exists, made by fleetbake for project %q, not this one (%q): pick another greengrass.prefix or set a name override", name, tags[TagProject], pv.projectTag())
	case !tagsKnown:
		ob.item.Detail = fmt.Sprintf("%q exists and fleetbake did not create it: pick another greengrass.prefix or a name override in fleetbake.toml, or delete it yourself", name)
	default:
		ob.item.Detail = fmt.Sprintf("%q exists and fleetbake did not create it (not in %s, no %s=fleetbake tag): pick another greengrass.prefix or a name override in fleetbake.toml, or delete it yourself", name, StateFile, TagManagedBy)
	}
}

func iamTags(tags []iamtypes.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// iotTags reads an IoT resource's tags; only called for resources not in the state file.
func (pv *Provisioner) iotTags(ctx context.Context, arn string) (map[string]string, error) {
	m := map[string]string{}
	var next *string
	for {
		out, err := pv.iot.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(arn), NextToken: next})
		if err != nil {
			return nil, wrapErr("iot:ListTagsForResource", arn, err)
		}
		for _, t := range out.Tags {
			m[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		if out.NextToken == nil || *out.NextToken == "" {
			return m, nil
		}
		next = out.NextToken
	}
}

func (pv *Provisioner) inState(kind Kind, name string) bool {
	in := false
	pv.state.view(pv.identity.Account, pv.region, func(t *targetState) {
		r := t.resource(kind)
		in = r != nil && r.Name == name
	})
	return in
}

func (pv *Provisioner) iamTagList() []iamtypes.Tag {
	return []iamtypes.Tag{{Key: aws.String(TagManagedBy), Value: aws.String(managedByVal)}, {Key: aws.String(TagProject), Value: aws.String(pv.projectTag())}}
}

func (pv *Provisioner) iotTagList() []iotypes.Tag {
	return []iotypes.Tag{{Key: aws.String(TagManagedBy), Value: aws.String(managedByVal)}, {Key: aws.String(TagProject), Value: aws.String(pv.projectTag())}}
}

// decodeIAMDoc undoes the URL encoding IAM applies to policy documents.
func decodeIAMDoc(s string) string {
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

func joinErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errors.Join(errs...)
}

func (pv *Provisioner) describeEndpoint(ctx context.Context, typ string) (string, error) {
	out, err := pv.iot.DescribeEndpoint(ctx, &iot.DescribeEndpointInput{EndpointType: aws.String(typ)})
	if err != nil {
		return "", wrapErr("iot:DescribeEndpoint", typ, err)
	}
	return aws.ToString(out.EndpointAddress), nil
}
