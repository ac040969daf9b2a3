package awsfake

import (
	"encoding/json"
	"slices"
	"strconv"
)

const templateBodyMax = 10240

// checkTemplateBody accepts a provisioning template body the way AWS does at the API: JSON with a
// Parameters object and a non-empty Resources object whose entries each have a Type.
func checkTemplateBody(body *string) *apiError {
	if body == nil {
		return iotInvalid("1 validation error detected: Value null at 'templateBody' failed to satisfy constraint: Member must not be null")
	}
	if len(*body) > templateBodyMax {
		return iotInvalid("1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to %d", templateBodyMax)
	}
	var t struct {
		Parameters map[string]json.RawMessage `json:"Parameters"`
		Resources  map[string]struct {
			Type string `json:"Type"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal([]byte(*body), &t); err != nil {
		return iotInvalid("The template body is not valid JSON: %v", err)
	}
	if t.Parameters == nil {
		return iotInvalid("The template body must contain a Parameters section")
	}
	if len(t.Resources) == 0 {
		return iotInvalid("The template body must contain a Resources section with at least one resource")
	}
	for name, r := range t.Resources {
		switch r.Type {
		case "AWS::IoT::Thing", "AWS::IoT::Certificate", "AWS::IoT::Policy":
		default:
			return iotInvalid("Resource %s has an unsupported Type %q", name, r.Type)
		}
	}
	return nil
}

// checkPreHook accepts a pre-provisioning hook as the API does: a target
// (the Lambda function's ARN) is required, and the payload version, when
// given, is 2020-04-01 (ProvisioningHook, AWS IoT API reference:
// https://docs.aws.amazon.com/iot/latest/apireference/API_ProvisioningHook.html).
func checkPreHook(h map[string]any) *apiError {
	if h == nil {
		return nil
	}
	if target, _ := h["targetArn"].(string); target == "" {
		return iotInvalid("1 validation error detected: Value null at 'preProvisioningHook.targetArn' failed to satisfy constraint: Member must not be null")
	}
	if v, ok := h["payloadVersion"]; ok && v != "2020-04-01" {
		return iotInvalid("1 validation error detected: Value '%v' at 'preProvisioningHook.payloadVersion' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9-]+$ and be a supported version (2020-04-01)", v)
	}
	return nil
}

type templateIn struct {
	TemplateName        *string        `json:"templateName"`
	Description         *string        `json:"description"`
	TemplateBody        *string        `json:"templateBody"`
	Enabled             *bool          `json:"enabled"`
	ProvisioningRoleArn *string        `json:"provisioningRoleArn"`
	PreProvisioningHook map[string]any `json:"preProvisioningHook"`
	Tags                []tag          `json:"tags"`
	Type                *string        `json:"type"`
	DefaultVersionID    *int           `json:"defaultVersionId"`
	RemoveHook          bool           `json:"removePreProvisioningHook"`
}

func iotCreateTemplate(c *call) (any, *apiError) {
	var in templateIn
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.TemplateName == nil {
		return nil, iotInvalid("1 validation error detected: Value null at 'templateName' failed to satisfy constraint: Member must not be null")
	}
	name := *in.TemplateName
	if e := iotTemplateName.iot(name); e != nil {
		return nil, e
	}
	if e := checkTemplateBody(in.TemplateBody); e != nil {
		return nil, e
	}
	if in.ProvisioningRoleArn == nil {
		return nil, iotInvalid("1 validation error detected: Value null at 'provisioningRoleArn' failed to satisfy constraint: Member must not be null")
	}
	if e := checkPreHook(in.PreProvisioningHook); e != nil {
		return nil, e
	}
	kind := "FLEET_PROVISIONING"
	if in.Type != nil {
		kind = *in.Type
		if kind != "FLEET_PROVISIONING" && kind != "JITP" {
			return nil, iotInvalid("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [FLEET_PROVISIONING, JITP]", kind)
		}
	}
	if e := iotTagsIn(in.Tags); e != nil {
		return nil, e
	}
	st := c.s.st
	arn := c.iotARN("provisioningtemplate/" + name)
	if st.templates[name] != nil {
		return nil, iotExists(name, arn, "Template with name %s already exists", name)
	}
	if e := c.checkAssumable(*in.ProvisioningRoleArn, "provisioningRoleArn", "iot.amazonaws.com"); e != nil {
		return nil, e
	}
	t := &template{name: name, arn: arn, roleArn: *in.ProvisioningRoleArn, kind: kind, preHook: in.PreProvisioningHook,
		created: c.now, modified: c.now, defaultVersion: 1, nextVersion: 2,
		versions: []*templateVersion{{id: 1, body: *in.TemplateBody, created: c.now}}}
	if in.Description != nil {
		t.description = *in.Description
	}
	if in.Enabled != nil {
		t.enabled = *in.Enabled // AWS's default is false: a template is disabled unless asked
	}
	st.templates[name] = t
	if len(in.Tags) > 0 {
		st.iotTags["provisioningtemplate/"+name] = setTags(nil, in.Tags)
	}
	return map[string]any{"templateArn": arn, "templateName": name, "defaultVersionId": 1}, nil
}

func (c *call) template() (*template, *apiError) {
	name := c.labels["templateName"]
	if e := iotTemplateName.iot(name); e != nil {
		return nil, e
	}
	t := c.s.st.templates[name]
	if t == nil {
		return nil, iotNotFound("The template %s does not exist", name)
	}
	return t, nil
}

func (t *template) version(id int) *templateVersion {
	for _, v := range t.versions {
		if v.id == id {
			return v
		}
	}
	return nil
}

func iotDescribeTemplate(c *call) (any, *apiError) {
	t, e := c.template()
	if e != nil {
		return nil, e
	}
	out := map[string]any{
		"templateArn": c.iotARN("provisioningtemplate/" + t.name), "templateName": t.name,
		"creationDate": epoch(t.created), "lastModifiedDate": epoch(t.modified),
		"defaultVersionId": t.defaultVersion, "templateBody": t.version(t.defaultVersion).body,
		"enabled": t.enabled, "provisioningRoleArn": t.roleArn, "type": t.kind,
	}
	if t.description != "" {
		out["description"] = t.description
	}
	if t.preHook != nil {
		out["preProvisioningHook"] = t.preHook
	}
	return out, nil
}

// templateAndBody reads the template named in the path, then the body of
// the request, for UpdateProvisioningTemplate and
// CreateProvisioningTemplateVersion.
func (c *call) templateAndBody() (*template, *templateIn, *apiError) {
	t, e := c.template()
	if e != nil {
		return nil, nil, e
	}
	var in templateIn
	if e := c.decode(&in); e != nil {
		return nil, nil, e
	}
	return t, &in, nil
}

func iotUpdateTemplate(c *call) (any, *apiError) {
	t, in, e := c.templateAndBody()
	if e != nil {
		return nil, e
	}
	if e := checkPreHook(in.PreProvisioningHook); e != nil {
		return nil, e // before anything changes: a refused update changes nothing
	}
	if in.DefaultVersionID != nil && t.version(*in.DefaultVersionID) == nil {
		return nil, iotNotFound("Version %d of template %s does not exist", *in.DefaultVersionID, t.name)
	}
	if in.ProvisioningRoleArn != nil {
		if e := c.checkAssumable(*in.ProvisioningRoleArn, "provisioningRoleArn", "iot.amazonaws.com"); e != nil {
			return nil, e
		}
		t.roleArn = *in.ProvisioningRoleArn
	}
	if in.DefaultVersionID != nil {
		t.defaultVersion = *in.DefaultVersionID
	}
	if in.Description != nil {
		t.description = *in.Description
	}
	if in.Enabled != nil {
		t.enabled = *in.Enabled
	}
	if in.PreProvisioningHook != nil {
		t.preHook = in.PreProvisioningHook
	}
	if in.RemoveHook {
		t.preHook = nil
	}
	t.modified = c.now
	return nil, nil
}

func iotDeleteTemplate(c *call) (any, *apiError) {
	t, e := c.template()
	if e != nil {
		return nil, e
	}
	delete(c.s.st.templates, t.name)
	delete(c.s.st.iotTags, "provisioningtemplate/"+t.name)
	return nil, nil
}

func iotCreateTemplateVersion(c *call) (any, *apiError) {
	t, in, e := c.templateAndBody()
	if e != nil {
		return nil, e
	}
	if e := checkTemplateBody(in.TemplateBody); e != nil {
		return nil, e
	}
	if len(t.versions) >= 5 {
		return nil, iotVersionsLimit("The template %s already has the maximum number of versions (5)", t.name)
	}
	v := &templateVersion{id: t.nextVersion, body: *in.TemplateBody, created: c.now}
	t.nextVersion++
	t.versions = append(t.versions, v)
	isDefault := queryBool(c, "setAsDefault")
	if isDefault {
		t.defaultVersion = v.id
	}
	t.modified = c.now
	return map[string]any{"templateArn": c.iotARN("provisioningtemplate/" + t.name), "templateName": t.name,
		"versionId": v.id, "isDefaultVersion": isDefault}, nil
}

func iotListTemplateVersions(c *call) (any, *apiError) {
	t, e := c.template()
	if e != nil {
		return nil, e
	}
	var all []map[string]any
	for _, v := range t.versions {
		all = append(all, map[string]any{"versionId": v.id, "creationDate": epoch(v.created), "isDefaultVersion": v.id == t.defaultVersion})
	}
	items, next, e := page(all, c.query.Get("nextToken"), queryInt(c, "maxResults"))
	if e != nil {
		return nil, e
	}
	return listAnswer("versions", append([]map[string]any{}, items...), "nextToken", next), nil
}

func iotDeleteTemplateVersion(c *call) (any, *apiError) {
	t, e := c.template()
	if e != nil {
		return nil, e
	}
	id, err := strconv.Atoi(c.labels["versionId"])
	if err != nil {
		return nil, iotInvalid("1 validation error detected: Value '%s' at 'versionId' failed to satisfy constraint: Member must be an integer", c.labels["versionId"])
	}
	v := t.version(id)
	if v == nil {
		return nil, iotNotFound("Version %d of template %s does not exist", id, t.name)
	}
	if id == t.defaultVersion {
		return nil, iotDeleteConflict("Cannot delete the default version %d of template %s", id, t.name)
	}
	t.versions = slices.DeleteFunc(t.versions, func(x *templateVersion) bool { return x == v })
	return nil, nil
}
