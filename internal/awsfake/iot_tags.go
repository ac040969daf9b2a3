package awsfake

import (
	"regexp"
	"slices"
	"strings"
)

var iotARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iot:[a-z0-9-]+:(\d{12}):([a-z]+)/(.+)$`)

// parseIoTARN splits an IoT ARN of this account into its resource kind and name.
func parseIoTARN(arn string) (kind, name string, ok bool) {
	m := iotARNPattern.FindStringSubmatch(arn)
	if m == nil {
		return "", "", false
	}
	return m[2], m[3], true
}

// taggable finds the tag key ("kind/name") of an existing taggable IoT resource.
func (c *call) taggable(arn string) (string, *apiError) {
	if arn == "" {
		return "", iotInvalid("1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null")
	}
	kind, name, ok := parseIoTARN(arn)
	if !ok {
		return "", iotInvalid("Invalid resource ARN: %s", arn)
	}
	st := c.s.st
	var exists bool
	switch kind {
	case "policy":
		exists = st.iotPolicies[name] != nil
	case "rolealias":
		exists = st.roleAliases[name] != nil
	case "thinggroup":
		exists = st.thingGroups[name] != nil
	case "provisioningtemplate":
		exists = st.templates[name] != nil
	default:
		return "", iotInvalid("Resource type %s does not support tagging: %s", kind, arn)
	}
	if !exists {
		return "", iotNotFound("Resource %s does not exist", arn)
	}
	return kind + "/" + name, nil
}

func iotTagResource(c *call) (any, *apiError) {
	var in struct {
		ResourceArn string `json:"resourceArn"`
		Tags        []tag  `json:"tags"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	key, e := c.taggable(in.ResourceArn)
	if e != nil {
		return nil, e
	}
	if e := iotTagsIn(in.Tags); e != nil {
		return nil, e
	}
	merged := setTags(slices.Clone(c.s.st.iotTags[key]), in.Tags)
	if len(merged) > 50 {
		return nil, iotInvalid("Too many tags: at most 50 tags per resource")
	}
	c.s.st.iotTags[key] = merged
	return nil, nil
}

func iotUntagResource(c *call) (any, *apiError) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	key, e := c.taggable(in.ResourceArn)
	if e != nil {
		return nil, e
	}
	c.s.st.iotTags[key] = removeTags(c.s.st.iotTags[key], in.TagKeys)
	return nil, nil
}

func iotListTagsForResource(c *call) (any, *apiError) {
	key, e := c.taggable(c.query.Get("resourceArn"))
	if e != nil {
		return nil, e
	}
	ts := slices.Clone(c.s.st.iotTags[key])
	slices.SortFunc(ts, func(a, b tag) int { return strings.Compare(a.Key, b.Key) })
	items, next, e := page(ts, c.query.Get("nextToken"), 0)
	if e != nil {
		return nil, e
	}
	return listAnswer("tags", append([]tag{}, items...), "nextToken", next), nil
}
