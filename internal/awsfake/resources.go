package awsfake

import (
	"slices"
	"strings"
	"time"
)

// Resource kinds used as keys of Resources.
const (
	KindRole             = "iam:role"
	KindIAMPolicy        = "iam:policy"          // customer managed policies (AWS managed ones are not counted)
	KindRoleInline       = "iam:role-policy"     // "role/policy"
	KindRoleAttachment   = "iam:role-attachment" // "role -> policyArn"
	KindIoTPolicy        = "iot:policy"
	KindRoleAlias        = "iot:rolealias"
	KindThingGroup       = "iot:thinggroup"
	KindTemplate         = "iot:provisioningtemplate"
	KindCertificate      = "iot:cert"              // certificate IDs
	KindPolicyAttachment = "iot:policy-attachment" // "policy -> target"
)

// Resources is a snapshot of what the fake account holds: for each kind, the sorted names.
type Resources map[string][]string

// Total counts every resource and attachment in the snapshot.
func (r Resources) Total() int {
	n := 0
	for _, names := range r {
		n += len(names)
	}
	return n
}

// Resources returns a snapshot of everything in the account, so that a test can check that destroy
// leaves nothing behind (Total() == 0) or name what was left. The AWS managed policies are left out.
func (s *Server) Resources() Resources {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	r := Resources{}
	add := func(kind, name string) { r[kind] = append(r[kind], name) }
	for _, ro := range st.roles {
		add(KindRole, ro.name)
		for p := range ro.inline {
			add(KindRoleInline, ro.name+"/"+p)
		}
		for _, a := range ro.attached {
			add(KindRoleAttachment, ro.name+" -> "+a)
		}
	}
	for _, p := range st.iamPolicies {
		if !p.awsManaged {
			add(KindIAMPolicy, p.name)
		}
	}
	for name := range st.iotPolicies {
		add(KindIoTPolicy, name)
	}
	for p, ts := range st.attachments {
		for t := range ts {
			add(KindPolicyAttachment, p+" -> "+t)
		}
	}
	for name := range st.roleAliases {
		add(KindRoleAlias, name)
	}
	for name := range st.thingGroups {
		add(KindThingGroup, name)
	}
	for name := range st.templates {
		add(KindTemplate, name)
	}
	for id := range st.certs {
		add(KindCertificate, id)
	}
	for name := range st.things {
		add(KindThing, name)
	}
	for _, names := range r {
		slices.Sort(names)
	}
	return r
}

// Seeding: resources made "by someone else", straight into the state. These bypass counting, Deny,
// faults, latency and the role propagation delay, and carry no tags unless given.

// CreateRoleDirect adds an IAM role with a trust policy for iot.amazonaws.com and
// credentials.iot.amazonaws.com and returns its ARN. It panics if the name is taken.
func (s *Server) CreateRoleDirect(name string, tags map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	if st.role(name) != nil {
		panic("awsfake: role " + name + " exists")
	}
	now := time.Now().UTC().Add(-time.Hour)
	r := &role{name: name, id: st.newID("AROA"), path: "/", arn: "arn:aws:iam::" + s.account + ":role/" + name,
		trust:      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["iot.amazonaws.com","credentials.iot.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`,
		maxSession: 3600, created: now, ready: now, tags: mapTags(tags), inline: map[string]string{}}
	st.roles[strings.ToLower(name)] = r
	return r.arn
}

// CreateIAMPolicyDirect adds a customer managed IAM policy and returns its ARN.
func (s *Server) CreateIAMPolicyDirect(name, document string, tags map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	now := time.Now().UTC().Add(-time.Hour)
	arn := "arn:aws:iam::" + s.account + ":policy/" + name
	st.iamPolicies[arn] = &iamPolicy{name: name, id: st.newID("ANPA"), path: "/", arn: arn, created: now, updated: now,
		defaultVersion: "v1", nextVersion: 2, tags: mapTags(tags),
		versions: []*iamPolicyVersion{{id: "v1", document: document, created: now}}}
	return arn
}

// CreateIoTPolicyDirect adds an IoT policy and returns its ARN (in the default region).
func (s *Server) CreateIoTPolicyDirect(name, document string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UTC().Add(-time.Hour)
	arn := s.iotARN("policy/" + name)
	s.st.iotPolicies[name] = &iotPolicy{name: name, arn: arn, created: now, updated: now, defaultVersion: "1", nextVersion: 2,
		versions: []*iotPolicyVersion{{id: "1", document: document, created: now}}}
	return arn
}

// CreateRoleAliasDirect adds a role alias pointing at roleArn and returns its ARN.
func (s *Server) CreateRoleAliasDirect(name, roleArn string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UTC().Add(-time.Hour)
	arn := s.iotARN("rolealias/" + name)
	s.st.roleAliases[name] = &roleAlias{name: name, arn: arn, roleArn: roleArn, duration: 3600, created: now, modified: now}
	return arn
}

// CreateThingGroupDirect adds a thing group and returns its ARN.
func (s *Server) CreateThingGroupDirect(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.seq++
	arn := s.iotARN("thinggroup/" + name)
	st.thingGroups[name] = &thingGroup{name: name, id: "seeded-" + name, arn: arn, version: 1,
		created: time.Now().UTC().Add(-time.Hour), attributes: map[string]string{}}
	return arn
}

// CreateProvisioningTemplateDirect adds an enabled fleet provisioning template and returns its ARN.
func (s *Server) CreateProvisioningTemplateDirect(name, body, roleArn string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UTC().Add(-time.Hour)
	arn := s.iotARN("provisioningtemplate/" + name)
	s.st.templates[name] = &template{name: name, arn: arn, roleArn: roleArn, kind: "FLEET_PROVISIONING", enabled: true,
		created: now, modified: now, defaultVersion: 1, nextVersion: 2,
		versions: []*templateVersion{{id: 1, body: body, created: now}}}
	return arn
}

func (s *Server) iotARN(resource string) string {
	return "arn:aws:iot:" + s.region + ":" + s.account + ":" + resource
}

func mapTags(m map[string]string) []tag {
	var out []tag
	for _, k := range sortedKeys(m) {
		out = append(out, tag{Key: k, Value: m[k]})
	}
	return out
}
