package awsfake

import (
	"slices"
)

// This file is the thing registry API a device's thing is read and deleted with (RegisterThing makes
// things, device.go): ListThings, ListThingPrincipals, ListThingGroupsForThing, DetachThingPrincipal,
// RemoveThingFromThingGroup and DeleteThing, with AWS's rules for deletion: a certificate attached to a
// thing cannot be deleted, nor a thing with principals attached.

func (c *call) thing() (*thing, *apiError) {
	name := c.labels["thingName"]
	th := c.s.st.things[name]
	if th == nil {
		return nil, iotNotFound("Thing %s cannot be found.", name)
	}
	return th, nil
}

func iotListThings(c *call) (any, *apiError) {
	names := sortedKeys(c.s.st.things)
	items, next, e := page(names, c.query.Get("nextToken"), queryInt(c, "maxResults"))
	if e != nil {
		return nil, e
	}
	out := []map[string]any{}
	for _, n := range items {
		th := c.s.st.things[n]
		out = append(out, map[string]any{"thingName": th.name, "thingArn": th.arn, "attributes": map[string]string{}, "version": 1})
	}
	return listAnswer("things", out, "nextToken", next), nil
}

func iotListThingPrincipals(c *call) (any, *apiError) {
	th, e := c.thing()
	if e != nil {
		return nil, e
	}
	return map[string]any{"principals": slices.Clone(th.principals)}, nil
}

func iotListThingGroupsForThing(c *call) (any, *apiError) {
	th, e := c.thing()
	if e != nil {
		return nil, e
	}
	out := []map[string]any{}
	for _, g := range th.groups {
		out = append(out, map[string]any{"groupName": g, "groupArn": c.iotARN("thinggroup/" + g)})
	}
	return map[string]any{"thingGroups": out}, nil
}

func iotDetachThingPrincipal(c *call) (any, *apiError) {
	th, e := c.thing()
	if e != nil {
		return nil, e
	}
	p := c.header.Get("X-Amzn-Principal")
	if p == "" {
		return nil, iotInvalid("principal is required")
	}
	th.principals = slices.DeleteFunc(th.principals, func(x string) bool { return x == p })
	return nil, nil
}

func iotRemoveThingFromThingGroup(c *call) (any, *apiError) {
	var in struct {
		Group string `json:"thingGroupName"`
		Thing string `json:"thingName"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if c.s.st.thingGroups[in.Group] == nil {
		return nil, iotNotFound("Thing group %s does not exist", in.Group)
	}
	th := c.s.st.things[in.Thing]
	if th == nil {
		return nil, iotNotFound("Thing %s cannot be found.", in.Thing)
	}
	th.groups = slices.DeleteFunc(th.groups, func(g string) bool { return g == in.Group })
	return nil, nil
}

// iotDeleteThing: a thing with principals attached is refused, as AWS IoT does (detach them with
// DetachThingPrincipal first); a thing that does not exist is success (DeleteThing API reference).
func iotDeleteThing(c *call) (any, *apiError) {
	name := c.labels["thingName"]
	th := c.s.st.things[name]
	if th == nil {
		return nil, nil
	}
	if len(th.principals) > 0 {
		return nil, iotInvalid("Cannot delete thing %s: it has principals attached (%d)", name, len(th.principals))
	}
	delete(c.s.st.things, name)
	return nil, nil
}

// thingsOf are the things a principal is attached to.
func (st *state) thingsOf(principal string) []string {
	var out []string
	for _, n := range sortedKeys(st.things) {
		if slices.Contains(st.things[n].principals, principal) {
			out = append(out, n)
		}
	}
	return out
}
