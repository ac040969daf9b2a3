package awsfake

import (
	"slices"
	"strconv"
	"strings"
)

const managedPolicyQuota = 6144 // characters without whitespace

func checkManagedDoc(doc string) *apiError {
	if p := policyProblem(doc); p != "" {
		return iamMalformed("%s", p)
	}
	if compactLen(doc) > managedPolicyQuota {
		return iamLimit("Cannot exceed quota for PolicySize: %d", managedPolicyQuota)
	}
	return nil
}

// iamPathParam reads the optional Path of CreateRole and CreatePolicy: "/"
// when the request has none.
func (c *call) iamPathParam() (string, *apiError) {
	if _, ok := c.form["Path"]; !ok {
		return "/", nil
	}
	return iamPath.iam(c.form, "Path")
}

func (c *call) policyParam() (*iamPolicy, *apiError) {
	arn, e := iamPolicyArn.iam(c.form, "PolicyArn")
	if e != nil {
		return nil, e
	}
	p := c.s.st.iamPolicies[arn]
	if p == nil {
		return nil, iamNoSuchEntity("Policy %s was not found.", arn)
	}
	return p, nil
}

func (p *iamPolicy) version(id string) *iamPolicyVersion {
	for _, v := range p.versions {
		if v.id == id {
			return v
		}
	}
	return nil
}

func policyXML(b *xb, st *state, p *iamPolicy, withDescription bool) {
	b.open("Policy")
	b.leaf("PolicyName", p.name)
	b.leaf("PolicyId", p.id)
	b.leaf("Arn", p.arn)
	b.leaf("Path", p.path)
	b.leaf("DefaultVersionId", p.defaultVersion)
	b.int("AttachmentCount", st.attachmentCount(p.arn))
	b.int("PermissionsBoundaryUsageCount", 0)
	b.bool("IsAttachable", true)
	if withDescription {
		b.leafOpt("Description", p.description)
	}
	b.time("CreateDate", p.created)
	b.time("UpdateDate", p.updated)
	b.tags(p.tags)
	b.close("Policy")
}

func versionXML(b *xb, elem string, p *iamPolicy, v *iamPolicyVersion, withDoc bool) {
	b.open(elem)
	if withDoc {
		b.leaf("Document", awsURLEncode(v.document))
	}
	b.leaf("VersionId", v.id)
	b.bool("IsDefaultVersion", v.id == p.defaultVersion)
	b.time("CreateDate", v.created)
	b.close(elem)
}

func iamCreatePolicy(c *call) (any, *apiError) {
	name, e := iamPolicyName.iam(c.form, "PolicyName")
	if e != nil {
		return nil, e
	}
	doc, e := iamPolicyDoc.iam(c.form, "PolicyDocument")
	if e != nil {
		return nil, e
	}
	path, e := c.iamPathParam()
	if e != nil {
		return nil, e
	}
	tags, e := c.formTags("Tags")
	if e != nil {
		return nil, e
	}
	st := c.s.st
	arn := c.iamARN("policy" + path + name)
	for _, p := range st.iamPolicies {
		if !p.awsManaged && strings.EqualFold(p.name, name) {
			return nil, iamExists("A policy called %s already exists. Duplicate names are not allowed.", name)
		}
	}
	if e := checkManagedDoc(doc); e != nil {
		return nil, e
	}
	p := &iamPolicy{name: name, id: st.newID("ANPA"), path: path, arn: arn, description: c.form.Get("Description"),
		created: c.now, updated: c.now, defaultVersion: "v1", nextVersion: 2, tags: tags,
		versions: []*iamPolicyVersion{{id: "v1", document: doc, created: c.now}}}
	st.iamPolicies[arn] = p
	var b xb
	policyXML(&b, st, p, false)
	return b.String(), nil
}

func iamGetPolicy(c *call) (any, *apiError) {
	p, e := c.policyParam()
	if e != nil {
		return nil, e
	}
	var b xb
	policyXML(&b, c.s.st, p, true)
	return b.String(), nil
}

func iamDeletePolicy(c *call) (any, *apiError) {
	p, e := c.policyParam()
	if e != nil {
		return nil, e
	}
	if p.awsManaged {
		return nil, iamInvalid("Cannot delete the AWS managed policy %s.", p.arn)
	}
	if c.s.st.attachmentCount(p.arn) > 0 {
		return nil, iamDeleteConflict("Cannot delete a policy attached to entities.")
	}
	if len(p.versions) > 1 {
		return nil, iamDeleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	}
	delete(c.s.st.iamPolicies, p.arn)
	return "", nil
}

func iamCreatePolicyVersion(c *call) (any, *apiError) {
	p, e := c.policyParam()
	if e != nil {
		return nil, e
	}
	doc, e := iamPolicyDoc.iam(c.form, "PolicyDocument")
	if e != nil {
		return nil, e
	}
	if p.awsManaged {
		return nil, iamInvalid("Cannot create a version of the AWS managed policy %s.", p.arn)
	}
	if e := checkManagedDoc(doc); e != nil {
		return nil, e
	}
	if len(p.versions) >= 5 {
		return nil, iamLimit("A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
	}
	v := &iamPolicyVersion{id: "v" + strconv.Itoa(p.nextVersion), document: doc, created: c.now}
	p.nextVersion++
	p.versions = append(p.versions, v)
	if c.form.Get("SetAsDefault") == "true" {
		p.defaultVersion = v.id
		p.updated = c.now
	}
	var b xb
	versionXML(&b, "PolicyVersion", p, v, false)
	return b.String(), nil
}

func iamListPolicyVersions(c *call) (any, *apiError) {
	p, e := c.policyParam()
	if e != nil {
		return nil, e
	}
	vs := slices.Clone(p.versions)
	slices.Reverse(vs) // newest first
	var b xb
	vs = iamPage(c, &b, vs)
	b.open("Versions")
	for _, v := range vs {
		versionXML(&b, "member", p, v, false)
	}
	b.close("Versions")
	return b.String(), nil
}

func (c *call) policyVersion() (*iamPolicy, *iamPolicyVersion, *apiError) {
	p, e := c.policyParam()
	if e != nil {
		return nil, nil, e
	}
	id, e := iamVersionID.iam(c.form, "VersionId")
	if e != nil {
		return nil, nil, e
	}
	v := p.version(id)
	if v == nil {
		return nil, nil, iamNoSuchEntity("Policy %s version %s does not exist or is not attachable.", p.arn, id)
	}
	return p, v, nil
}

func iamGetPolicyVersion(c *call) (any, *apiError) {
	p, v, e := c.policyVersion()
	if e != nil {
		return nil, e
	}
	var b xb
	versionXML(&b, "PolicyVersion", p, v, true)
	return b.String(), nil
}

func iamDeletePolicyVersion(c *call) (any, *apiError) {
	p, v, e := c.policyVersion()
	if e != nil {
		return nil, e
	}
	if v.id == p.defaultVersion {
		return nil, iamDeleteConflict("Cannot delete the default version of a policy.")
	}
	p.versions = slices.DeleteFunc(p.versions, func(x *iamPolicyVersion) bool { return x == v })
	return "", nil
}

func iamSetDefaultPolicyVersion(c *call) (any, *apiError) {
	p, v, e := c.policyVersion()
	if e != nil {
		return nil, e
	}
	p.defaultVersion = v.id
	p.updated = c.now
	return "", nil
}

func iamTagPolicy(c *call) (any, *apiError) {
	p, e := c.policyParam()
	if e != nil {
		return nil, e
	}
	tags, e := c.formTags("Tags")
	if e != nil {
		return nil, e
	}
	merged, e := addIAMTags(p.tags, tags)
	if e != nil {
		return nil, e
	}
	p.tags = merged
	return "", nil
}

func iamUntagPolicy(c *call) (any, *apiError) {
	p, e := c.policyParam()
	if e != nil {
		return nil, e
	}
	p.tags = removeTags(p.tags, c.formList("TagKeys"))
	return "", nil
}

func iamListPolicyTags(c *call) (any, *apiError) {
	p, e := c.policyParam()
	if e != nil {
		return nil, e
	}
	return iamListTags(c, p.tags), nil
}

// addIAMTags adds tags to have (a key already there takes the new value)
// and refuses a total over 50: "Tags per IAM role" and "Tags per IAM
// customer managed policy" are both 50, and "if you exceed the allowed
// maximum number of tags, then the entire request fails" (IAM User Guide,
// reference_iam-quotas.html; IAM API Reference, API_TagRole.html and
// API_TagPolicy.html, LimitExceeded).
func addIAMTags(have, tags []tag) ([]tag, *apiError) {
	merged := setTags(slices.Clone(have), tags)
	if len(merged) > 50 {
		return nil, iamLimit("The number of tags has reached the maximum limit of 50")
	}
	return merged, nil
}
