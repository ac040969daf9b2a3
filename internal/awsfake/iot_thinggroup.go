package awsfake

import (
	"fmt"
	"maps"
	"strconv"
)

type thingGroupProps struct {
	Description      *string `json:"thingGroupDescription,omitempty"`
	AttributePayload *struct {
		Attributes map[string]string `json:"attributes,omitempty"`
		Merge      bool              `json:"merge,omitempty"`
	} `json:"attributePayload,omitempty"`
}

func iotCreateThingGroup(c *call) (any, *apiError) {
	name := c.labels["thingGroupName"]
	if e := iotGroupName.iot(name); e != nil {
		return nil, e
	}
	var in struct {
		Parent *string          `json:"parentGroupName"`
		Props  *thingGroupProps `json:"thingGroupProperties"`
		Tags   []tag            `json:"tags"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if e := iotTagsIn(in.Tags); e != nil {
		return nil, e
	}
	st := c.s.st
	g := &thingGroup{name: name, arn: c.iotARN("thinggroup/" + name), version: 1, created: c.now, attributes: map[string]string{}}
	if in.Parent != nil {
		if e := iotGroupName.iot(*in.Parent); e != nil {
			return nil, e
		}
		if st.thingGroups[*in.Parent] == nil {
			return nil, iotNotFound("Thing group %s does not exist", *in.Parent)
		}
		g.parent = *in.Parent
	}
	if in.Props != nil {
		if in.Props.Description != nil {
			g.description = *in.Props.Description
		}
		if in.Props.AttributePayload != nil {
			maps.Copy(g.attributes, in.Props.AttributePayload.Attributes)
		}
	}
	if old := st.thingGroups[name]; old != nil {
		// Like AWS: creating a group that exists with the same parent and properties returns it.
		if old.parent == g.parent && old.description == g.description && maps.Equal(old.attributes, g.attributes) {
			return map[string]any{"thingGroupName": name, "thingGroupArn": c.iotARN("thinggroup/" + name), "thingGroupId": old.id}, nil
		}
		return nil, iotExists(name, c.iotARN("thinggroup/"+name), "Thing Group %s already exists with different tags or properties", name)
	}
	st.seq++
	g.id = fmt.Sprintf("%08x-7a1e-4c0d-9b1e-%012x", st.seq*2654435761%0xffffffff, st.seq)
	st.thingGroups[name] = g
	if len(in.Tags) > 0 {
		st.iotTags["thinggroup/"+name] = setTags(nil, in.Tags)
	}
	return map[string]any{"thingGroupName": name, "thingGroupArn": g.arn, "thingGroupId": g.id}, nil
}

func iotDescribeThingGroup(c *call) (any, *apiError) {
	name := c.labels["thingGroupName"]
	if e := iotGroupName.iot(name); e != nil {
		return nil, e
	}
	st := c.s.st
	g := st.thingGroups[name]
	if g == nil {
		return nil, iotNotFound("Thing group %s does not exist", name)
	}
	props := map[string]any{"attributePayload": map[string]any{"attributes": g.attributes}}
	if g.description != "" {
		props["thingGroupDescription"] = g.description
	}
	meta := map[string]any{"creationDate": epoch(g.created)}
	if g.parent != "" {
		meta["parentGroupName"] = g.parent
		var chain []map[string]any
		for p := st.thingGroups[g.parent]; p != nil; p = st.thingGroups[p.parent] {
			chain = append([]map[string]any{{"groupName": p.name, "groupArn": c.iotARN("thinggroup/" + p.name)}}, chain...)
		}
		meta["rootToParentThingGroups"] = chain
	}
	return map[string]any{
		"thingGroupName": g.name, "thingGroupId": g.id, "thingGroupArn": c.iotARN("thinggroup/" + g.name),
		"version": g.version, "thingGroupProperties": props, "thingGroupMetadata": meta,
	}, nil
}

func iotDeleteThingGroup(c *call) (any, *apiError) {
	name := c.labels["thingGroupName"]
	if e := iotGroupName.iot(name); e != nil {
		return nil, e
	}
	st := c.s.st
	g := st.thingGroups[name]
	if g == nil {
		return nil, nil // AWS answers success for a group that does not exist
	}
	if ev := c.query.Get("expectedVersion"); ev != "" {
		if n, _ := strconv.ParseInt(ev, 10, 64); n != g.version {
			return nil, errf(409, "VersionConflictException", "The version for thing group %s does not match the expected version.", name)
		}
	}
	for _, other := range st.thingGroups {
		if other.parent == name {
			return nil, iotInvalid("Cannot delete thing group : %s when it still has child groups", name)
		}
	}
	delete(st.thingGroups, name)
	delete(st.iotTags, "thinggroup/"+name)
	for _, ts := range st.attachments {
		delete(ts, g.arn)
		delete(ts, c.iotARN("thinggroup/"+name))
	}
	return nil, nil
}

func iotUpdateThingGroup(c *call) (any, *apiError) {
	name := c.labels["thingGroupName"]
	if e := iotGroupName.iot(name); e != nil {
		return nil, e
	}
	var in struct {
		ExpectedVersion *int64           `json:"expectedVersion"`
		Props           *thingGroupProps `json:"thingGroupProperties"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.Props == nil {
		return nil, iotInvalid("1 validation error detected: Value null at 'thingGroupProperties' failed to satisfy constraint: Member must not be null")
	}
	g := c.s.st.thingGroups[name]
	if g == nil {
		return nil, iotNotFound("Thing group %s does not exist", name)
	}
	if in.ExpectedVersion != nil && *in.ExpectedVersion != g.version {
		return nil, errf(409, "VersionConflictException", "The version for thing group %s does not match the expected version.", name)
	}
	if in.Props.Description != nil {
		g.description = *in.Props.Description
	}
	if ap := in.Props.AttributePayload; ap != nil {
		if !ap.Merge {
			g.attributes = map[string]string{}
		}
		for k, v := range ap.Attributes {
			if v == "" && ap.Merge {
				delete(g.attributes, k) // merge with an empty value removes the attribute
				continue
			}
			g.attributes[k] = v
		}
	}
	g.version++
	return map[string]any{"version": g.version}, nil
}
