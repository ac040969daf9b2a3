package awsfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// iotRoute maps one REST path of the IoT API (as in the SDK's serializers) to an operation.
type iotRoute struct {
	method, pattern, op string
	h                   handler
	resource            func(*call) string // ARN checked by Deny; nil means "*"
}

var iotRoutes []iotRoute

func init() {
	pol := func(c *call) string { return c.iotARN("policy/" + c.labels["policyName"]) }
	alias := func(c *call) string { return c.iotARN("rolealias/" + c.labels["roleAlias"]) }
	group := func(c *call) string { return c.iotARN("thinggroup/" + c.labels["thingGroupName"]) }
	tmpl := func(c *call) string { return c.iotARN("provisioningtemplate/" + c.labels["templateName"]) }
	cert := func(c *call) string { return c.iotARN("cert/" + c.labels["certificateId"]) }
	thingARN := func(c *call) string { return c.iotARN("thing/" + c.labels["thingName"]) }
	tagged := func(c *call) string {
		if arn := c.query.Get("resourceArn"); arn != "" {
			return arn
		}
		var in struct {
			ResourceArn string `json:"resourceArn"`
		}
		_ = json.Unmarshal(c.body, &in)
		return in.ResourceArn
	}
	iotRoutes = []iotRoute{
		{"GET", "/endpoint", "DescribeEndpoint", iotDescribeEndpoint, nil},

		{"POST", "/role-aliases/{roleAlias}", "CreateRoleAlias", iotCreateRoleAlias, alias},
		{"GET", "/role-aliases/{roleAlias}", "DescribeRoleAlias", iotDescribeRoleAlias, alias},
		{"PUT", "/role-aliases/{roleAlias}", "UpdateRoleAlias", iotUpdateRoleAlias, alias},
		{"DELETE", "/role-aliases/{roleAlias}", "DeleteRoleAlias", iotDeleteRoleAlias, alias},
		{"GET", "/role-aliases", "ListRoleAliases", iotListRoleAliases, nil},

		{"POST", "/policies/{policyName}", "CreatePolicy", iotCreatePolicy, pol},
		{"GET", "/policies/{policyName}", "GetPolicy", iotGetPolicy, pol},
		{"DELETE", "/policies/{policyName}", "DeletePolicy", iotDeletePolicy, pol},
		{"POST", "/policies/{policyName}/version", "CreatePolicyVersion", iotCreatePolicyVersion, pol},
		{"GET", "/policies/{policyName}/version", "ListPolicyVersions", iotListPolicyVersions, pol},
		{"GET", "/policies/{policyName}/version/{policyVersionId}", "GetPolicyVersion", iotGetPolicyVersion, pol},
		{"DELETE", "/policies/{policyName}/version/{policyVersionId}", "DeletePolicyVersion", iotDeletePolicyVersion, pol},
		{"PATCH", "/policies/{policyName}/version/{policyVersionId}", "SetDefaultPolicyVersion", iotSetDefaultPolicyVersion, pol},
		{"PUT", "/target-policies/{policyName}", "AttachPolicy", iotAttachPolicy, pol},
		{"POST", "/target-policies/{policyName}", "DetachPolicy", iotDetachPolicy, pol},
		{"POST", "/attached-policies/{target}", "ListAttachedPolicies", iotListAttachedPolicies, func(c *call) string { return c.labels["target"] }},
		{"POST", "/policy-targets/{policyName}", "ListTargetsForPolicy", iotListTargetsForPolicy, pol},

		{"POST", "/thing-groups/{thingGroupName}", "CreateThingGroup", iotCreateThingGroup, group},
		{"GET", "/thing-groups/{thingGroupName}", "DescribeThingGroup", iotDescribeThingGroup, group},
		{"DELETE", "/thing-groups/{thingGroupName}", "DeleteThingGroup", iotDeleteThingGroup, group},
		{"PATCH", "/thing-groups/{thingGroupName}", "UpdateThingGroup", iotUpdateThingGroup, group},

		{"POST", "/provisioning-templates", "CreateProvisioningTemplate", iotCreateTemplate, func(c *call) string {
			var in struct {
				TemplateName string `json:"templateName"`
			}
			_ = json.Unmarshal(c.body, &in)
			return c.iotARN("provisioningtemplate/" + in.TemplateName)
		}},
		{"GET", "/provisioning-templates/{templateName}", "DescribeProvisioningTemplate", iotDescribeTemplate, tmpl},
		{"PATCH", "/provisioning-templates/{templateName}", "UpdateProvisioningTemplate", iotUpdateTemplate, tmpl},
		{"DELETE", "/provisioning-templates/{templateName}", "DeleteProvisioningTemplate", iotDeleteTemplate, tmpl},
		{"POST", "/provisioning-templates/{templateName}/versions", "CreateProvisioningTemplateVersion", iotCreateTemplateVersion, tmpl},
		{"GET", "/provisioning-templates/{templateName}/versions", "ListProvisioningTemplateVersions", iotListTemplateVersions, tmpl},
		{"DELETE", "/provisioning-templates/{templateName}/versions/{versionId}", "DeleteProvisioningTemplateVersion", iotDeleteTemplateVersion, tmpl},

		{"POST", "/keys-and-certificate", "CreateKeysAndCertificate", iotCreateKeysAndCertificate, nil},
		{"POST", "/certificates", "CreateCertificateFromCsr", iotCreateCertificateFromCsr, nil},
		{"GET", "/certificates", "ListCertificates", iotListCertificates, nil},
		{"GET", "/certificates/{certificateId}", "DescribeCertificate", iotDescribeCertificate, cert},
		{"PUT", "/certificates/{certificateId}", "UpdateCertificate", iotUpdateCertificate, cert},
		{"DELETE", "/certificates/{certificateId}", "DeleteCertificate", iotDeleteCertificate, cert},

		{"GET", "/things", "ListThings", iotListThings, nil},
		{"DELETE", "/things/{thingName}", "DeleteThing", iotDeleteThing, thingARN},
		{"GET", "/things/{thingName}/principals", "ListThingPrincipals", iotListThingPrincipals, thingARN},
		{"DELETE", "/things/{thingName}/principals", "DetachThingPrincipal", iotDetachThingPrincipal, thingARN},
		{"GET", "/things/{thingName}/thing-groups", "ListThingGroupsForThing", iotListThingGroupsForThing, thingARN},
		{"PUT", "/thing-groups/removeThingFromThingGroup", "RemoveThingFromThingGroup", iotRemoveThingFromThingGroup, nil},

		{"POST", "/test-authorization", "TestAuthorization", iotTestAuthorization, nil},

		{"POST", "/tags", "TagResource", iotTagResource, tagged},
		{"POST", "/untag", "UntagResource", iotUntagResource, tagged},
		{"GET", "/tags", "ListTagsForResource", iotListTagsForResource, tagged},
	}
}

// routeIoT finds the operation for a REST request and fills c.op and c.labels.
func (s *Server) routeIoT(c *call, r *http.Request) (handler, func(*call) string) {
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	for _, rt := range iotRoutes {
		if rt.method != r.Method {
			continue
		}
		pat := strings.Split(strings.TrimPrefix(rt.pattern, "/"), "/")
		if len(pat) != len(segs) {
			continue
		}
		labels := map[string]string{}
		ok := true
		for i, p := range pat {
			if strings.HasPrefix(p, "{") {
				v, err := url.PathUnescape(segs[i])
				if err != nil || v == "" {
					ok = false
					break
				}
				labels[strings.Trim(p, "{}")] = v
			} else if p != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			c.op, c.labels = rt.op, labels
			return rt.h, rt.resource
		}
	}
	return nil, nil
}

// iotARN builds an IoT ARN in the caller's region and the server's account.
func (c *call) iotARN(resource string) string {
	return "arn:aws:iot:" + c.region + ":" + c.s.account + ":" + resource
}

// decode reads the JSON body into v; an empty body leaves v as it is.
func (c *call) decode(v any) *apiError {
	if len(strings.TrimSpace(string(c.body))) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return iotInvalid("Could not parse request body: %v", err)
	}
	return nil
}

// epoch renders a timestamp as REST-JSON does: seconds since the epoch with milliseconds.
func epoch(t time.Time) json.Number {
	return json.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64))
}

// page cuts a sorted list for IoT's marker/pageSize (or nextToken/maxResults) pagination. The marker is
// the index of the next item.
func page[T any](items []T, marker string, size int) ([]T, string, *apiError) {
	start := 0
	if marker != "" {
		n, err := strconv.Atoi(marker)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", iotInvalid("Invalid marker %q", marker)
		}
		start = n
	}
	if size <= 0 || size > 250 {
		size = 250
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

// listAnswer is the answer of a List call: the page of items under key and,
// when more remain, where the next page starts under nextKey, the name the
// call gives it ("nextMarker" beside marker, "nextToken" beside nextToken).
func listAnswer(key string, items any, nextKey, next string) map[string]any {
	out := map[string]any{key: items}
	if next != "" {
		out[nextKey] = next
	}
	return out
}

func queryInt(c *call, name string) int {
	n, _ := strconv.Atoi(c.query.Get(name))
	return n
}

func queryBool(c *call, name string) bool {
	return c.query.Get(name) == "true"
}

// iotTagsIn checks tags sent on a create call or TagResource.
func iotTagsIn(ts []tag) *apiError {
	if len(ts) > 50 {
		return iotInvalid("Too many tags: at most 50 tags per resource")
	}
	for _, t := range ts {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return iotInvalid("Invalid tag key or value: %q", t.Key)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return iotInvalid("Tag keys starting with 'aws:' are reserved for AWS use")
		}
	}
	return nil
}
