package awsfake

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

const iotPolicyMaxLen = 2048 // characters without whitespace

func checkIoTDocument(doc *string) *apiError {
	if doc == nil {
		return iotInvalid("1 validation error detected: Value null at 'policyDocument' failed to satisfy constraint: Member must not be null")
	}
	if n := compactLen(*doc); n > iotPolicyMaxLen {
		return iotMalformedPolicy("Policy document is too long: %d characters without whitespace, the limit is %d", n, iotPolicyMaxLen)
	}
	if p := policyProblem(*doc); p != "" {
		return iotMalformedPolicy("%s", p)
	}
	return nil
}

func generationID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func iotCreatePolicy(c *call) (any, *apiError) {
	name := c.labels["policyName"]
	if e := iotPolicyName.iot(name); e != nil {
		return nil, e
	}
	var in struct {
		PolicyDocument *string `json:"policyDocument"`
		Tags           []tag   `json:"tags"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if e := checkIoTDocument(in.PolicyDocument); e != nil {
		return nil, e
	}
	if e := iotTagsIn(in.Tags); e != nil {
		return nil, e
	}
	st := c.s.st
	arn := c.iotARN("policy/" + name)
	if st.iotPolicies[name] != nil {
		return nil, iotExists(name, arn, "Policy cannot be created - name already exists (name=%s)", name)
	}
	p := &iotPolicy{name: name, arn: arn, created: c.now, updated: c.now, defaultVersion: "1", nextVersion: 2,
		versions: []*iotPolicyVersion{{id: "1", document: *in.PolicyDocument, created: c.now}}}
	st.iotPolicies[name] = p
	if len(in.Tags) > 0 {
		st.iotTags["policy/"+name] = setTags(nil, in.Tags)
	}
	return map[string]any{"policyName": name, "policyArn": arn, "policyDocument": *in.PolicyDocument, "policyVersionId": "1"}, nil
}

func (c *call) iotPolicy() (*iotPolicy, *apiError) {
	name := c.labels["policyName"]
	if e := iotPolicyName.iot(name); e != nil {
		return nil, e
	}
	p := c.s.st.iotPolicies[name]
	if p == nil {
		return nil, iotNotFound("Policy not found (name=%s)", name)
	}
	return p, nil
}

func (p *iotPolicy) version(id string) *iotPolicyVersion {
	for _, v := range p.versions {
		if v.id == id {
			return v
		}
	}
	return nil
}

func (c *call) iotPolicyVersion() (*iotPolicy, *iotPolicyVersion, *apiError) {
	p, e := c.iotPolicy()
	if e != nil {
		return nil, nil, e
	}
	id := c.labels["policyVersionId"]
	if e := iotVersionID.iot(id); e != nil {
		return nil, nil, e
	}
	v := p.version(id)
	if v == nil {
		return nil, nil, iotNotFound("Policy version %s of policy %s does not exist", id, p.name)
	}
	return p, v, nil
}

func iotGetPolicy(c *call) (any, *apiError) {
	p, e := c.iotPolicy()
	if e != nil {
		return nil, e
	}
	v := p.version(p.defaultVersion)
	return map[string]any{
		"policyName": p.name, "policyArn": c.iotARN("policy/" + p.name), "policyDocument": v.document,
		"defaultVersionId": p.defaultVersion, "creationDate": epoch(p.created), "lastModifiedDate": epoch(p.updated),
		"generationId": generationID(p.name, v.id),
	}, nil
}

func iotDeletePolicy(c *call) (any, *apiError) {
	p, e := c.iotPolicy()
	if e != nil {
		return nil, e
	}
	st := c.s.st
	if len(st.attachments[p.name]) > 0 {
		return nil, iotDeleteConflict("The policy cannot be deleted as the policy is attached to one or more principals (name=%s)", p.name)
	}
	if len(p.versions) > 1 {
		return nil, iotDeleteConflict("Cannot delete the policy because it has one or more non-default versions (name=%s)", p.name)
	}
	delete(st.iotPolicies, p.name)
	delete(st.attachments, p.name)
	delete(st.iotTags, "policy/"+p.name)
	return nil, nil
}

func iotCreatePolicyVersion(c *call) (any, *apiError) {
	p, e := c.iotPolicy()
	if e != nil {
		return nil, e
	}
	var in struct {
		PolicyDocument *string `json:"policyDocument"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if e := checkIoTDocument(in.PolicyDocument); e != nil {
		return nil, e
	}
	if len(p.versions) >= 5 {
		return nil, iotVersionsLimit("The policy %s already has the maximum number of versions (5)", p.name)
	}
	v := &iotPolicyVersion{id: strconv.Itoa(p.nextVersion), document: *in.PolicyDocument, created: c.now}
	p.nextVersion++
	p.versions = append(p.versions, v)
	p.updated = c.now
	isDefault := queryBool(c, "setAsDefault")
	if isDefault {
		p.defaultVersion = v.id
	}
	return map[string]any{"policyArn": c.iotARN("policy/" + p.name), "policyDocument": v.document,
		"policyVersionId": v.id, "isDefaultVersion": isDefault}, nil
}

func iotListPolicyVersions(c *call) (any, *apiError) {
	p, e := c.iotPolicy()
	if e != nil {
		return nil, e
	}
	out := []map[string]any{}
	for i := len(p.versions) - 1; i >= 0; i-- { // newest first, as AWS lists them
		v := p.versions[i]
		out = append(out, map[string]any{"versionId": v.id, "isDefaultVersion": v.id == p.defaultVersion, "createDate": epoch(v.created)})
	}
	return map[string]any{"policyVersions": out}, nil
}

func iotGetPolicyVersion(c *call) (any, *apiError) {
	p, v, e := c.iotPolicyVersion()
	if e != nil {
		return nil, e
	}
	return map[string]any{
		"policyArn": c.iotARN("policy/" + p.name), "policyName": p.name, "policyDocument": v.document,
		"policyVersionId": v.id, "isDefaultVersion": v.id == p.defaultVersion,
		"creationDate": epoch(v.created), "lastModifiedDate": epoch(v.created), "generationId": generationID(p.name, v.id),
	}, nil
}

func iotDeletePolicyVersion(c *call) (any, *apiError) {
	p, v, e := c.iotPolicyVersion()
	if e != nil {
		return nil, e
	}
	if v.id == p.defaultVersion {
		return nil, iotDeleteConflict("Cannot delete the default version of a policy")
	}
	for i, x := range p.versions {
		if x == v {
			p.versions = append(p.versions[:i], p.versions[i+1:]...)
			break
		}
	}
	return nil, nil
}

func iotSetDefaultPolicyVersion(c *call) (any, *apiError) {
	p, v, e := c.iotPolicyVersion()
	if e != nil {
		return nil, e
	}
	p.defaultVersion = v.id
	p.updated = c.now
	return nil, nil
}

// attachTarget checks that an AttachPolicy target exists; certificates and thing groups are checked,
// other principals (Cognito identities) are taken as they are.
func (c *call) attachTarget(target string) *apiError {
	if target == "" {
		return nullTarget()
	}
	kind, name, ok := parseIoTARN(target)
	if !ok {
		return nil
	}
	switch kind {
	case "cert":
		if c.s.st.certs[name] == nil {
			return iotNotFound("Certificate %s does not exist", target)
		}
	case "thinggroup":
		if c.s.st.thingGroups[name] == nil {
			return iotNotFound("Thing group %s does not exist", target)
		}
	default:
		return iotInvalid("Target %s can not have policies attached", target)
	}
	return nil
}

// nullTarget is the refusal of a call without its target.
func nullTarget() *apiError {
	return iotInvalid("1 validation error detected: Value null at 'target' failed to satisfy constraint: Member must not be null")
}

// policyTarget reads the policy named in the path and the target of the
// body, in that order, for AttachPolicy and DetachPolicy.
func (c *call) policyTarget() (*iotPolicy, string, *apiError) {
	p, e := c.iotPolicy()
	if e != nil {
		return nil, "", e
	}
	var in struct {
		Target string `json:"target"`
	}
	if e := c.decode(&in); e != nil {
		return nil, "", e
	}
	if in.Target == "" {
		return nil, "", nullTarget()
	}
	return p, in.Target, nil
}

func iotAttachPolicy(c *call) (any, *apiError) {
	p, target, e := c.policyTarget()
	if e != nil {
		return nil, e
	}
	if e := c.attachTarget(target); e != nil {
		return nil, e
	}
	st := c.s.st
	if st.attachments[p.name][target] {
		return nil, nil // attaching twice is not an error
	}
	if len(st.policiesOf(target)) >= 10 {
		return nil, errf(410, "LimitExceededException", "The number of attached policies for %s exceeds the limit of 10", target)
	}
	if st.attachments[p.name] == nil {
		st.attachments[p.name] = map[string]bool{}
	}
	st.attachments[p.name][target] = true
	return nil, nil
}

func iotDetachPolicy(c *call) (any, *apiError) {
	p, target, e := c.policyTarget()
	if e != nil {
		return nil, e
	}
	delete(c.s.st.attachments[p.name], target)
	return nil, nil
}

func iotListAttachedPolicies(c *call) (any, *apiError) {
	target := c.labels["target"]
	if e := c.attachTarget(target); e != nil {
		return nil, e
	}
	var all []map[string]any
	for _, name := range c.s.st.policiesOf(target) {
		all = append(all, map[string]any{"policyName": name, "policyArn": c.iotARN("policy/" + name)})
	}
	items, next, e := page(all, c.query.Get("marker"), queryInt(c, "pageSize"))
	if e != nil {
		return nil, e
	}
	return listAnswer("policies", append([]map[string]any{}, items...), "nextMarker", next), nil
}

func iotListTargetsForPolicy(c *call) (any, *apiError) {
	p, e := c.iotPolicy()
	if e != nil {
		return nil, e
	}
	items, next, e := page(sortedKeys(c.s.st.attachments[p.name]), c.query.Get("marker"), queryInt(c, "pageSize"))
	if e != nil {
		return nil, e
	}
	return listAnswer("targets", append([]string{}, items...), "nextMarker", next), nil
}
