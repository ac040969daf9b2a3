package awsfake

import (
	"slices"
	"strings"

	"fleetbake/provision/iotpolicy"
)

// TestAuthorization (IoT API reference, API_TestAuthorization.html) evaluates the default versions of the
// policies of a principal for MQTT actions with provision/iotpolicy, the way the device gateway would.
// Principals are certificates (ARN or ID) and thing groups; Cognito identities are refused. A certificate
// attached to a thing gets that thing's policy variables, and the policies of the thing's groups apply too
// (iot-policies.html: "The policies attached to a thing group apply to any thing within that group").
// An unknown certificate, thing group or policyNamesToAdd entry is ResourceNotFoundException (404, "The
// specified resource does not exist" in the API reference's error list); a principal of no known form is
// InvalidRequestException. Several resources in one authInfo give one result: EXPLICIT_DENY if any is
// denied, ALLOWED if all are allowed, IMPLICIT_DENY otherwise.

type authInfo struct {
	ActionType string   `json:"actionType"`
	Resources  []string `json:"resources"`
}

var authActions = map[string]string{
	"PUBLISH": iotpolicy.ActionPublish, "SUBSCRIBE": iotpolicy.ActionSubscribe,
	"RECEIVE": iotpolicy.ActionReceive, "CONNECT": iotpolicy.ActionConnect,
}

func iotTestAuthorization(c *call) (any, *apiError) {
	var in struct {
		AuthInfos             []authInfo `json:"authInfos"`
		Principal             string     `json:"principal"`
		CognitoIdentityPoolID string     `json:"cognitoIdentityPoolId"`
		PolicyNamesToAdd      []string   `json:"policyNamesToAdd"`
		PolicyNamesToSkip     []string   `json:"policyNamesToSkip"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if len(in.AuthInfos) == 0 {
		return nil, iotInvalid("1 validation error detected: Value null at 'authInfos' failed to satisfy constraint: Member must not be null")
	}
	if len(in.AuthInfos) > 10 {
		return nil, iotInvalid("1 validation error detected: Value at 'authInfos' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	for _, a := range in.AuthInfos {
		if authActions[a.ActionType] == "" {
			return nil, iotInvalid("1 validation error detected: Value '%s' at 'authInfos.member.actionType' failed to satisfy constraint: Member must satisfy enum value set: [PUBLISH, SUBSCRIBE, RECEIVE, CONNECT]", a.ActionType)
		}
		if len(a.Resources) == 0 {
			return nil, iotInvalid("1 validation error detected: Value null at 'authInfos.member.resources' failed to satisfy constraint: Member must not be null")
		}
	}
	for _, n := range append(slices.Clone(in.PolicyNamesToAdd), in.PolicyNamesToSkip...) {
		if e := iotPolicyName.iot(n); e != nil {
			return nil, e
		}
	}
	targets, vars, e := c.authPrincipal(in.Principal)
	if e != nil {
		return nil, e
	}
	st := c.s.st
	var names []string
	for _, t := range targets {
		names = append(names, st.policiesOf(t)...)
	}
	for _, n := range in.PolicyNamesToAdd {
		if st.iotPolicies[n] == nil {
			return nil, iotNotFound("Policy not found (name=%s)", n)
		}
		names = append(names, n)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	names = slices.DeleteFunc(names, func(n string) bool { return slices.Contains(in.PolicyNamesToSkip, n) })
	docs := st.policyDocs(names)

	policy := func(name string) map[string]any {
		return map[string]any{"policyName": name, "policyArn": c.iotARN("policy/" + name)}
	}
	policies := func(ms []iotpolicy.Match) []map[string]any {
		var seen []string
		out := []map[string]any{}
		for _, m := range ms {
			if !slices.Contains(seen, m.PolicyName) {
				seen = append(seen, m.PolicyName)
				out = append(out, policy(m.PolicyName))
			}
		}
		return out
	}
	results := []map[string]any{}
	for _, a := range in.AuthInfos {
		var allows, denies []iotpolicy.Match
		var missing []string
		allAllowed := true
		for _, res := range a.Resources {
			d := iotpolicy.Evaluate(docs, iotpolicy.Request{Action: authActions[a.ActionType], Resource: res, Vars: vars})
			allows = append(allows, d.Allows...)
			denies = append(denies, d.Denies...)
			missing = append(missing, d.Missing...)
			allAllowed = allAllowed && d.Allowed
		}
		slices.Sort(missing)
		r := map[string]any{
			"authInfo":             map[string]any{"actionType": a.ActionType, "resources": a.Resources},
			"allowed":              map[string]any{"policies": policies(allows)},
			"missingContextValues": append([]string{}, slices.Compact(missing)...),
		}
		denied := map[string]any{}
		switch {
		case len(denies) > 0:
			r["authDecision"] = "EXPLICIT_DENY"
			denied["explicitDeny"] = map[string]any{"policies": policies(denies)}
		case allAllowed:
			r["authDecision"] = "ALLOWED"
		default:
			r["authDecision"] = "IMPLICIT_DENY"
			evaluated := []map[string]any{}
			for _, d := range docs {
				evaluated = append(evaluated, policy(d.Name))
			}
			denied["implicitDeny"] = map[string]any{"policies": evaluated}
		}
		r["denied"] = denied
		results = append(results, r)
	}
	return map[string]any{"authResults": results}, nil
}

// authPrincipal finds the attachment targets whose policies apply to a TestAuthorization principal, and
// the policy variables of its connection.
func (c *call) authPrincipal(principal string) ([]string, iotpolicy.Context, *apiError) {
	clientID := c.query.Get("clientId")
	st := c.s.st
	if principal == "" {
		return nil, nil, iotInvalid("The fake supports certificate and thing group principals only: principal is required")
	}
	kind, name, isARN := parseIoTARN(principal)
	if !isARN {
		if iotCertID.check(principal, true) != "" {
			return nil, nil, iotInvalid("Invalid principal %s: want a certificate ARN or ID, or a thing group ARN", principal)
		}
		kind, name = "cert", principal
	}
	switch kind {
	case "cert":
		cert := st.certs[strings.ToLower(strings.TrimPrefix(name, "0x"))]
		if cert == nil {
			return nil, nil, iotNotFound("Certificate %s does not exist", principal)
		}
		targets := []string{cert.arn, c.iotARN("cert/" + cert.id)}
		if isARN {
			targets = append(targets, principal)
		}
		vars := st.connectionVars(cert.arn, clientID)
		if tn, ok := vars[iotpolicy.KeyThingName]; ok {
			for _, g := range st.things[tn].groups {
				if tg := st.thingGroups[g]; tg != nil {
					targets = append(targets, tg.arn)
				}
			}
		}
		return targets, vars, nil
	case "thinggroup":
		if st.thingGroups[name] == nil {
			return nil, nil, iotNotFound("Thing group %s does not exist", principal)
		}
		vars := iotpolicy.Context{}
		if clientID != "" {
			vars[iotpolicy.KeyClientID] = clientID
		}
		return []string{principal}, vars, nil
	}
	return nil, nil, iotInvalid("Invalid principal %s: want a certificate ARN or ID, or a thing group ARN", principal)
}
