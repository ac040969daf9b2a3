package awsfake

import (
	"crypto/x509"
	"sort"
	"time"
)

// tag is one key/value tag; the JSON names match IoT's Tag shape.
type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// state is everything the fake account holds. The server's mutex guards it.
type state struct {
	seq int64 // request and ID counter

	roles       map[string]*role      // by role name
	iamPolicies map[string]*iamPolicy // by ARN (customer managed and AWS managed)

	iotPolicies map[string]*iotPolicy      // by name
	roleAliases map[string]*roleAlias      // by name
	thingGroups map[string]*thingGroup     // by name
	templates   map[string]*template       // by name
	certs       map[string]*certificate    // by certificate ID
	attachments map[string]map[string]bool // IoT policy name -> target ARN set
	iotTags     map[string][]tag           // IoT resource ARN -> tags
	things      map[string]*thing          // by name; only ProvisionDevice makes them
	ca          *fakeCA
}

type role struct {
	name, id, path, arn, description string
	trust                            string // assume-role policy document as sent
	maxSession                       int
	created                          time.Time
	ready                            time.Time // created or trust last updated: IAM propagation starts here
	tags                             []tag
	inline                           map[string]string // policy name -> document
	attached                         []string          // managed policy ARNs, in attach order
}

type iamPolicy struct {
	name, id, path, arn, description string
	awsManaged                       bool
	created, updated                 time.Time
	versions                         []*iamPolicyVersion // oldest first
	defaultVersion                   string
	nextVersion                      int
	tags                             []tag
}

type iamPolicyVersion struct {
	id       string // "v1", "v2", ...
	document string
	created  time.Time
}

type iotPolicy struct {
	name, arn        string
	created, updated time.Time
	versions         []*iotPolicyVersion
	defaultVersion   string
	nextVersion      int
}

type iotPolicyVersion struct {
	id       string // "1", "2", ...
	document string
	created  time.Time
}

type roleAlias struct {
	name, arn, roleArn string
	duration           int
	created, modified  time.Time
}

type thingGroup struct {
	name, id, arn, parent, description string
	attributes                         map[string]string
	version                            int64
	created                            time.Time
}

type template struct {
	name, arn, description, roleArn, kind string
	enabled                               bool
	preHook                               map[string]any
	created, modified                     time.Time
	versions                              []*templateVersion
	defaultVersion                        int
	nextVersion                           int
}

type templateVersion struct {
	id      int
	body    string
	created time.Time
}

type certificate struct {
	id, arn, pem, status string
	created, modified    time.Time
	cert                 *x509.Certificate
	customerVersion      int
}

func newState() *state {
	st := &state{
		roles:       map[string]*role{},
		iamPolicies: map[string]*iamPolicy{},
		iotPolicies: map[string]*iotPolicy{},
		roleAliases: map[string]*roleAlias{},
		thingGroups: map[string]*thingGroup{},
		templates:   map[string]*template{},
		certs:       map[string]*certificate{},
		attachments: map[string]map[string]bool{},
		iotTags:     map[string][]tag{},
		things:      map[string]*thing{},
	}
	st.addAWSManagedPolicies()
	return st
}

// ThingsRegistrationPolicyARN is the AWS managed policy a provisioning role attaches; it always exists.
const ThingsRegistrationPolicyARN = "arn:aws:iam::aws:policy/service-role/AWSIoTThingsRegistration"

const thingsRegistrationDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iot:AddThingToThingGroup","iot:AttachPolicy","iot:AttachPrincipalPolicy","iot:AttachThingPrincipal","iot:CreateCertificateFromCsr","iot:CreatePolicy","iot:CreateThing","iot:DescribeCertificate","iot:DescribeThing","iot:DescribeThingGroup","iot:DescribeThingType","iot:DetachPolicy","iot:DetachThingPrincipal","iot:GetPolicy","iot:ListAttachedPolicies","iot:ListPolicyPrincipals","iot:ListPrincipalPolicies","iot:ListPrincipalThings","iot:ListTargetsForPolicy","iot:ListThingGroupsForThing","iot:ListThingPrincipals","iot:RegisterCertificate","iot:RegisterThing","iot:RemoveThingFromThingGroup","iot:UpdateCertificate","iot:UpdateThing","iot:UpdateThingGroupsForThing","iot:AddThingToBillingGroup","iot:DescribeBillingGroup","iot:RemoveThingFromBillingGroup"],"Resource":["*"]}]}`

func (st *state) addAWSManagedPolicies() {
	t := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	st.iamPolicies[ThingsRegistrationPolicyARN] = &iamPolicy{
		name: "AWSIoTThingsRegistration", id: "ANPAIFLEETBAKEREGISTR", path: "/service-role/",
		arn: ThingsRegistrationPolicyARN, awsManaged: true, created: t, updated: t,
		versions:       []*iamPolicyVersion{{id: "v1", document: thingsRegistrationDoc, created: t}},
		defaultVersion: "v1", nextVersion: 2,
		description: "This policy allows users to register things at bulk using AWS IoT StartThingRegistrationTask API",
	}
}

// attachmentCount counts the roles a managed policy is attached to.
func (st *state) attachmentCount(arn string) int {
	n := 0
	for _, r := range st.roles {
		for _, a := range r.attached {
			if a == arn {
				n++
			}
		}
	}
	return n
}

// targetsOf lists the IoT policies attached to a target, sorted.
func (st *state) policiesOf(target string) []string {
	var out []string
	for p, ts := range st.attachments {
		if ts[target] {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// setTags merges tags into ts, replacing values of keys already present.
func setTags(ts []tag, add []tag) []tag {
	for _, a := range add {
		found := false
		for i := range ts {
			if ts[i].Key == a.Key {
				ts[i].Value = a.Value
				found = true
			}
		}
		if !found {
			ts = append(ts, a)
		}
	}
	return ts
}

func removeTags(ts []tag, keys []string) []tag {
	out := ts[:0:0]
	for _, t := range ts {
		keep := true
		for _, k := range keys {
			if t.Key == k {
				keep = false
			}
		}
		if keep {
			out = append(out, t)
		}
	}
	return out
}
