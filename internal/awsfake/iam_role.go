package awsfake

import (
	"slices"
	"strconv"
	"strings"
)

const inlinePolicyQuota = 10240 // bytes of all inline policies of one role, whitespace excluded

// newID makes an IAM unique ID such as AROA... from the request counter.
func (st *state) newID(prefix string) string {
	st.seq++
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	n := uint64(st.seq)*0x9E3779B97F4A7C15 + 12345
	var b strings.Builder
	b.WriteString(prefix)
	for range 17 {
		b.WriteByte(alphabet[n%32])
		n /= 32
		if n == 0 {
			n = uint64(st.seq) * 0xBF58476D1CE4E5B9
		}
	}
	return b.String()
}

func (st *state) role(name string) *role { return st.roles[strings.ToLower(name)] }

// checkTrust validates an assume-role policy document.
func checkTrust(doc string) *apiError {
	if p := policyProblem(doc); p != "" {
		return iamMalformed("%s", p)
	}
	if !strings.Contains(doc, "Principal") {
		return iamMalformed("Has prohibited field Resource or missing Principal")
	}
	if compactLen(doc) > 2048 {
		return iamLimit("Cannot exceed quota for ACLSizePerRole: 2048")
	}
	return nil
}

// maxSessionParam reads the optional MaxSessionDuration of CreateRole and
// UpdateRole, in seconds from 3600 to 43200; 0 when the request has none.
func (c *call) maxSessionParam() (int, *apiError) {
	v := c.form.Get("MaxSessionDuration")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 3600 || n > 43200 {
		return 0, iamValidation("1 validation error detected: Value '%s' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200", v)
	}
	return n, nil
}

func (c *call) roleParam() (*role, *apiError) {
	name, e := iamRoleName.iam(c.form, "RoleName")
	if e != nil {
		return nil, e
	}
	r := c.s.st.role(name)
	if r == nil {
		return nil, iamNoSuchEntity("The role with name %s cannot be found.", name)
	}
	return r, nil
}

func roleXML(b *xb, r *role) {
	b.open("Role")
	b.leaf("Path", r.path)
	b.leaf("RoleName", r.name)
	b.leaf("RoleId", r.id)
	b.leaf("Arn", r.arn)
	b.time("CreateDate", r.created)
	b.leaf("AssumeRolePolicyDocument", awsURLEncode(r.trust))
	b.leafOpt("Description", r.description)
	b.int("MaxSessionDuration", r.maxSession)
	b.tags(r.tags)
	b.close("Role")
}

func iamCreateRole(c *call) (any, *apiError) {
	name, e := iamRoleName.iam(c.form, "RoleName")
	if e != nil {
		return nil, e
	}
	trust, e := iamTrustDoc.iam(c.form, "AssumeRolePolicyDocument")
	if e != nil {
		return nil, e
	}
	path, e := c.iamPathParam()
	if e != nil {
		return nil, e
	}
	maxSession, e := c.maxSessionParam()
	if e != nil {
		return nil, e
	}
	if maxSession == 0 {
		maxSession = 3600 // one hour without it (IAM API Reference, CreateRole, MaxSessionDuration)
	}
	tags, e := c.formTags("Tags")
	if e != nil {
		return nil, e
	}
	st := c.s.st
	if st.role(name) != nil {
		return nil, iamExists("Role with name %s already exists.", name)
	}
	if e := checkTrust(trust); e != nil {
		return nil, e
	}
	r := &role{name: name, id: st.newID("AROA"), path: path, arn: c.iamARN("role" + path + name),
		description: c.form.Get("Description"), trust: trust, maxSession: maxSession,
		created: c.now, ready: c.now, tags: tags, inline: map[string]string{}}
	st.roles[strings.ToLower(name)] = r
	var b xb
	roleXML(&b, r)
	return b.String(), nil
}

func iamGetRole(c *call) (any, *apiError) {
	r, e := c.roleParam()
	if e != nil {
		return nil, e
	}
	var b xb
	roleXML(&b, r)
	return b.String(), nil
}

func iamDeleteRole(c *call) (any, *apiError) {
	r, e := c.roleParam()
	if e != nil {
		return nil, e
	}
	if len(r.attached) > 0 {
		return nil, iamDeleteConflict("Cannot delete entity, must detach all policies first.")
	}
	if len(r.inline) > 0 {
		return nil, iamDeleteConflict("Cannot delete entity, must delete policies first.")
	}
	delete(c.s.st.roles, strings.ToLower(r.name))
	return "", nil
}

func iamUpdateRole(c *call) (any, *apiError) {
	r, e := c.roleParam()
	if e != nil {
		return nil, e
	}
	n, e := c.maxSessionParam()
	if e != nil {
		return nil, e
	}
	if n != 0 {
		r.maxSession = n
	}
	if d, ok := c.form["Description"]; ok {
		r.description = d[0]
	}
	return "", nil
}

func iamUpdateAssumeRolePolicy(c *call) (any, *apiError) {
	r, e := c.roleParam()
	if e != nil {
		return nil, e
	}
	doc, e := iamPolicyDoc.iam(c.form, "PolicyDocument")
	if e != nil {
		return nil, e
	}
	if e := checkTrust(doc); e != nil {
		return nil, e
	}
	r.trust = doc
	r.ready = c.now
	return "", nil
}

func iamListRoleTags(c *call) (any, *apiError) {
	r, e := c.roleParam()
	if e != nil {
		return nil, e
	}
	return iamListTags(c, r.tags), nil
}

func iamTagRole(c *call) (any, *apiError) {
	r, e := c.roleParam()
	if e != nil {
		return nil, e
	}
	tags, e := c.formTags("Tags")
	if e != nil {
		return nil, e
	}
	merged, e := addIAMTags(r.tags, tags)
	if e != nil {
		return nil, e
	}
	r.tags = merged
	return "", nil
}

func iamUntagRole(c *call) (any, *apiError) {
	r, e := c.roleParam()
	if e != nil {
		return nil, e
	}
	r.tags = removeTags(r.tags, c.formList("TagKeys"))
	return "", nil
}

// roleAnd reads the role of RoleName, then a second parameter (PolicyArn,
// PolicyName) in that order, for the calls on one policy of one role.
func (c *call) roleAnd(k constraint, param string) (*role, string, *apiError) {
	r, e := c.roleParam()
	if e != nil {
		return nil, "", e
	}
	v, e := k.iam(c.form, param)
	if e != nil {
		return nil, "", e
	}
	return r, v, nil
}

func iamAttachRolePolicy(c *call) (any, *apiError) {
	r, arn, e := c.roleAnd(iamPolicyArn, "PolicyArn")
	if e != nil {
		return nil, e
	}
	if c.s.st.iamPolicies[arn] == nil {
		return nil, iamNoSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	if slices.Contains(r.attached, arn) {
		return "", nil
	}
	if len(r.attached) >= 10 {
		return nil, iamLimit("Cannot exceed quota for PoliciesPerRole: 10")
	}
	r.attached = append(r.attached, arn)
	return "", nil
}

func iamDetachRolePolicy(c *call) (any, *apiError) {
	r, arn, e := c.roleAnd(iamPolicyArn, "PolicyArn")
	if e != nil {
		return nil, e
	}
	if !slices.Contains(r.attached, arn) {
		return nil, iamNoSuchEntity("Policy %s was not found.", arn)
	}
	r.attached = slices.DeleteFunc(r.attached, func(a string) bool { return a == arn })
	return "", nil
}

func iamListAttachedRolePolicies(c *call) (any, *apiError) {
	r, e := c.roleParam()
	if e != nil {
		return nil, e
	}
	prefix := c.form.Get("PathPrefix")
	var arns []string
	for _, a := range r.attached {
		if p := c.s.st.iamPolicies[a]; p != nil && strings.HasPrefix(p.path, prefix) {
			arns = append(arns, a)
		}
	}
	var b xb
	arns = iamPage(c, &b, arns)
	b.open("AttachedPolicies")
	for _, a := range arns {
		b.open("member")
		b.leaf("PolicyName", c.s.st.iamPolicies[a].name)
		b.leaf("PolicyArn", a)
		b.close("member")
	}
	b.close("AttachedPolicies")
	return b.String(), nil
}

func iamPutRolePolicy(c *call) (any, *apiError) {
	r, name, e := c.roleAnd(iamPolicyName, "PolicyName")
	if e != nil {
		return nil, e
	}
	doc, e := iamPolicyDoc.iam(c.form, "PolicyDocument")
	if e != nil {
		return nil, e
	}
	if p := policyProblem(doc); p != "" {
		return nil, iamMalformed("%s", p)
	}
	total := compactLen(doc)
	for n, d := range r.inline {
		if n != name {
			total += compactLen(d)
		}
	}
	if total > inlinePolicyQuota {
		return nil, iamLimit("Maximum policy size of %d bytes exceeded for role %s", inlinePolicyQuota, r.name)
	}
	r.inline[name] = doc
	return "", nil
}

func (c *call) rolePolicy() (*role, string, *apiError) {
	r, name, e := c.roleAnd(iamPolicyName, "PolicyName")
	if e != nil {
		return nil, "", e
	}
	if _, ok := r.inline[name]; !ok {
		return nil, "", iamNoSuchEntity("The role policy with name %s cannot be found.", name)
	}
	return r, name, nil
}

func iamGetRolePolicy(c *call) (any, *apiError) {
	r, name, e := c.rolePolicy()
	if e != nil {
		return nil, e
	}
	var b xb
	b.leaf("RoleName", r.name)
	b.leaf("PolicyName", name)
	b.leaf("PolicyDocument", awsURLEncode(r.inline[name]))
	return b.String(), nil
}

func iamDeleteRolePolicy(c *call) (any, *apiError) {
	r, name, e := c.rolePolicy()
	if e != nil {
		return nil, e
	}
	delete(r.inline, name)
	return "", nil
}

func iamListRolePolicies(c *call) (any, *apiError) {
	r, e := c.roleParam()
	if e != nil {
		return nil, e
	}
	var b xb
	names := iamPage(c, &b, sortedKeys(r.inline))
	b.open("PolicyNames")
	for _, n := range names {
		b.leaf("member", n)
	}
	b.close("PolicyNames")
	return b.String(), nil
}
