package awsfake

import (
	"fmt"
	"strconv"
	"strings"
)

// queryRoute is one IAM or STS action.
type queryRoute struct {
	h        handler
	resource func(*call) string // ARN checked by Deny; nil means "*"
}

var iamRoutes, stsRoutes map[string]queryRoute

func init() {
	roleRes := func(c *call) string { return c.iamARN("role/" + c.form.Get("RoleName")) }
	polRes := func(c *call) string { return c.form.Get("PolicyArn") }
	iamRoutes = map[string]queryRoute{
		"CreateRole":               {iamCreateRole, roleRes},
		"GetRole":                  {iamGetRole, roleRes},
		"DeleteRole":               {iamDeleteRole, roleRes},
		"UpdateRole":               {iamUpdateRole, roleRes},
		"UpdateAssumeRolePolicy":   {iamUpdateAssumeRolePolicy, roleRes},
		"ListRoleTags":             {iamListRoleTags, roleRes},
		"TagRole":                  {iamTagRole, roleRes},
		"UntagRole":                {iamUntagRole, roleRes},
		"AttachRolePolicy":         {iamAttachRolePolicy, roleRes},
		"DetachRolePolicy":         {iamDetachRolePolicy, roleRes},
		"ListAttachedRolePolicies": {iamListAttachedRolePolicies, roleRes},
		"PutRolePolicy":            {iamPutRolePolicy, roleRes},
		"GetRolePolicy":            {iamGetRolePolicy, roleRes},
		"DeleteRolePolicy":         {iamDeleteRolePolicy, roleRes},
		"ListRolePolicies":         {iamListRolePolicies, roleRes},
		"CreatePolicy": {iamCreatePolicy, func(c *call) string {
			path := c.form.Get("Path")
			if path == "" {
				path = "/"
			}
			return c.iamARN("policy" + path + c.form.Get("PolicyName"))
		}},
		"GetPolicy":               {iamGetPolicy, polRes},
		"DeletePolicy":            {iamDeletePolicy, polRes},
		"CreatePolicyVersion":     {iamCreatePolicyVersion, polRes},
		"ListPolicyVersions":      {iamListPolicyVersions, polRes},
		"GetPolicyVersion":        {iamGetPolicyVersion, polRes},
		"DeletePolicyVersion":     {iamDeletePolicyVersion, polRes},
		"SetDefaultPolicyVersion": {iamSetDefaultPolicyVersion, polRes},
		"TagPolicy":               {iamTagPolicy, polRes},
		"UntagPolicy":             {iamUntagPolicy, polRes},
		"ListPolicyTags":          {iamListPolicyTags, polRes},
	}
	stsRoutes = map[string]queryRoute{
		"GetCallerIdentity": {stsGetCallerIdentity, nil},
	}
}

// routeQuery finds the IAM or STS action named by the form's Action parameter.
func (s *Server) routeQuery(c *call) (handler, func(*call) string) {
	routes := iamRoutes
	if c.service == "sts" {
		routes = stsRoutes
	}
	rt, ok := routes[c.op]
	if !ok {
		return nil, nil
	}
	return rt.h, rt.resource
}

// iamARN builds an IAM ARN in the server's account (IAM is global: no region).
func (c *call) iamARN(resource string) string {
	return "arn:aws:iam::" + c.s.account + ":" + resource
}

// formTags reads Tags.member.N.Key/Value parameters.
func (c *call) formTags(prefix string) ([]tag, *apiError) {
	var out []tag
	for i := 1; ; i++ {
		k, ok := c.form[fmt.Sprintf("%s.member.%d.Key", prefix, i)]
		if !ok {
			break
		}
		v := c.form.Get(fmt.Sprintf("%s.member.%d.Value", prefix, i))
		if k[0] == "" || len(k[0]) > 128 || len(v) > 256 {
			return nil, iamValidation("1 validation error detected: Value '%s' at 'tags.%d.member.key' failed to satisfy constraint: Member must have length between 1 and 128", k[0], i)
		}
		if strings.HasPrefix(strings.ToLower(k[0]), "aws:") {
			return nil, iamInvalid("User-defined tag keys can't start with 'aws:'")
		}
		out = append(out, tag{Key: k[0], Value: v})
	}
	if len(out) > 50 {
		return nil, iamLimit("The number of tags has reached the maximum limit of 50")
	}
	return out, nil
}

// formList reads Name.member.N parameters.
func (c *call) formList(prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := c.form[fmt.Sprintf("%s.member.%d", prefix, i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

// iamPage cuts a list for IAM's Marker/MaxItems pagination and writes IsTruncated and Marker.
func iamPage[T any](c *call, b *xb, items []T) []T {
	start := 0
	if m := c.form.Get("Marker"); m != "" {
		if n, err := strconv.Atoi(m); err == nil && n >= 0 && n <= len(items) {
			start = n
		}
	}
	size := 100
	if m, err := strconv.Atoi(c.form.Get("MaxItems")); err == nil && m > 0 && m <= 1000 {
		size = m
	}
	end := min(start+size, len(items))
	b.bool("IsTruncated", end < len(items))
	if end < len(items) {
		b.leaf("Marker", strconv.Itoa(end))
	}
	return items[start:end]
}

// iamListTags is the answer of ListRoleTags and ListPolicyTags: one page
// of the resource's tags (IsTruncated, Marker), then the Tags list.
func iamListTags(c *call, ts []tag) string {
	var b xb
	b.tagList(iamPage(c, &b, ts))
	return b.String()
}

func stsGetCallerIdentity(c *call) (any, *apiError) {
	var b xb
	b.leaf("Arn", c.s.callerARN)
	b.leaf("UserId", c.s.userID)
	b.leaf("Account", c.s.account)
	return b.String(), nil
}
