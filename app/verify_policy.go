package app

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"fleetbake/model"
	"fleetbake/provision"
	"fleetbake/provision/iotpolicy"
)

// Check 2: the claim and core policies, asked of AWS IoT with
// TestAuthorization (no side effect) and explained from the policy
// document with provision/iotpolicy.

// authItem is one action and resource to test.
type authItem struct{ action, resource string }

func actionType(action string) string { return strings.ToUpper(strings.TrimPrefix(action, "iot:")) }

// testAuth asks TestAuthorization about every item, one authInfo each, and
// returns the results in the order of items.
func (v *Verifier) testAuth(ctx context.Context, principal, clientID string, add, skipNames []string, items []authItem) ([]provision.AuthResult, error) {
	checks := make([]provision.AuthCheck, len(items))
	for i, it := range items {
		checks[i] = provision.AuthCheck{ActionType: actionType(it.action), Resources: []string{it.resource}}
	}
	return v.pv.TestAuthorization(ctx, principal, clientID, add, skipNames, checks)
}

// explain says which statement of doc would have to change so that
// action is allowed on resources, evaluating the document locally with
// provision/iotpolicy: the statement that denies one, or the Allow statement
// for the action to add the others to, or the statement to add.
func explain(doc iotpolicy.Document, action string, resources []string, vars iotpolicy.Context) string {
	var msgs, notAllowed []string
	for _, r := range resources {
		d := iotpolicy.Evaluate([]iotpolicy.Document{doc}, iotpolicy.Request{Action: action, Resource: r, Vars: vars})
		switch {
		case d.ExplicitDeny:
			msgs = append(msgs, fmt.Sprintf("%s denies %s on %s; remove that from it", d.By, action, r))
		case d.Allowed:
			msgs = append(msgs, fmt.Sprintf("%s allows %s on %s, but another policy attached to the certificate denies it", d.By, action, r))
		default:
			notAllowed = append(notAllowed, r)
		}
	}
	if len(notAllowed) > 0 {
		msg := fmt.Sprintf("no statement of policy %q allows %s on %s; ", doc.Name, action, quoteList(notAllowed))
		at := slices.IndexFunc(doc.Statements, func(st iotpolicy.Statement) bool {
			return st.Effect == iotpolicy.Allow && slices.ContainsFunc(st.Action, func(a string) bool { return matchAction(a, action) })
		})
		if at >= 0 {
			msg += fmt.Sprintf("add them to the Resource of statement %d", at+1)
		} else {
			res, _ := json.Marshal(notAllowed)
			if len(notAllowed) == 1 {
				res, _ = json.Marshal(notAllowed[0])
			}
			msg += fmt.Sprintf(`add a statement {"Effect": "Allow", "Action": %q, "Resource": %s}`, action, res)
		}
		msgs = append(msgs, msg)
	}
	return strings.Join(msgs, "; ")
}

func checkClaimPolicy(ctx context.Context, v *Verifier) Check {
	c, err := v.claim()
	if err != nil {
		return skip("no claim certificate on disk (see claim certificate)")
	}
	t := v.device.Topics(v.names.ProvisioningTemplate)
	// The devices connect with a fresh random UUID as client ID.
	const clientID = "3f2b8c1e-5d4a-4e7b-9c0d-1a2b3c4d5e6f"
	items := []authItem{{iotpolicy.ActionConnect, v.iotARN("client/" + clientID)}}
	for _, f := range t.Subscribe {
		items = append(items, authItem{iotpolicy.ActionSubscribe, v.iotARN("topicfilter/" + f)})
	}
	for _, topic := range t.Publish {
		items = append(items, authItem{iotpolicy.ActionPublish, v.iotARN("topic/" + topic)})
	}
	for _, topic := range t.Receive {
		items = append(items, authItem{iotpolicy.ActionReceive, v.iotARN("topic/" + topic)})
	}
	// TestAuthorization needs only the certificate ID on disk: it is asked
	// while the policy and certificate are looked up, and its answer is
	// used only if both exist.
	auth := goAuth(ctx, v, v.iotARN("cert/"+c.certID), clientID, nil, nil, items)
	if pol, err := v.claimPolicy(); err == nil && !pol.Found {
		<-auth
		return fail("claim policy "+v.names.ClaimPolicy+" does not exist", applyFix("create it and attach it to the claim certificate"))
	}
	if ci, err := v.cert(); err == nil && !ci.Found {
		<-auth
		return skip("claim certificate not in AWS IoT (see claim certificate)")
	}
	a := <-auth
	if a.err != nil {
		return awsErr(a.err)
	}
	pol, perr := v.claimPolicy()
	return v.authOutcome(items, a.res, v.names.ClaimPolicy, pol, perr, nil,
		fmt.Sprintf("TestAuthorization: the claim certificate may Connect, Subscribe (%d filters), Publish (%d) and Receive (%d) for template %s",
			len(t.Subscribe), len(t.Publish), len(t.Receive), v.names.ProvisioningTemplate), "policy "+v.names.ClaimPolicy)
}

type authAnswer struct {
	res []provision.AuthResult
	err error
}

// goAuth asks TestAuthorization in the background; the channel gets the answer.
func goAuth(ctx context.Context, v *Verifier, principal, clientID string, add, skip []string, items []authItem) <-chan authAnswer {
	ch := make(chan authAnswer, 1)
	go func() {
		res, err := v.testAuth(ctx, principal, clientID, add, skip, items)
		ch <- authAnswer{res, err}
	}()
	return ch
}

// authOutcome turns TestAuthorization results into a check, explaining
// each denial from the policy document. local, when set, decides items
// TestAuthorization could not (missing context values) by local evaluation.
func (v *Verifier) authOutcome(items []authItem, res []provision.AuthResult, policyName string, pol provision.IoTPolicyInfo, perr error,
	vars iotpolicy.Context, passDetail, fixWhere string) Check {
	var doc *iotpolicy.Document
	if perr == nil && pol.Found {
		if d, err := iotpolicy.Parse(policyName, pol.Document); err == nil {
			doc = &d
		}
	}
	var denied, fixes, notes []string
	var actions []string              // in the order first denied
	byAction := map[string][]string{} // action -> denied resources
	for i, r := range res {
		it := items[i]
		if r.Decision == "ALLOWED" {
			continue
		}
		// The claim certificate is attached to no thing, so thing policy
		// variables have no value in TestAuthorization: those items are
		// evaluated locally, with the sample thing's values.
		if r.Decision == "IMPLICIT_DENY" && len(r.Missing) > 0 && vars != nil && doc != nil {
			if d := iotpolicy.Evaluate([]iotpolicy.Document{*doc}, iotpolicy.Request{Action: it.action, Resource: it.resource, Vars: vars}); d.Allowed {
				notes = append(notes, fmt.Sprintf("%s on %s allowed by local evaluation (%s)", it.action, it.resource, d.By))
				continue
			}
		}
		what := fmt.Sprintf("%s on %s (%s", it.action, it.resource, strings.ToLower(strings.ReplaceAll(r.Decision, "_", " ")))
		if len(r.DenyingPolicies) > 0 {
			what += " by " + quoteList(r.DenyingPolicies)
		}
		denied = append(denied, what+")")
		if byAction[it.action] == nil {
			actions = append(actions, it.action)
		}
		byAction[it.action] = append(byAction[it.action], it.resource)
	}
	for _, a := range actions {
		switch {
		case !pol.Found && perr == nil:
			fixes = append(fixes, fmt.Sprintf("policy %s does not exist: run `fleetbake provision apply`", policyName))
		case doc != nil:
			fixes = append(fixes, explain(*doc, a, byAction[a], vars))
		}
	}
	if len(denied) > 0 {
		fix := strings.Join(slices.Compact(fixes), "; ")
		if fix == "" {
			fix = "allow these in " + fixWhere
		}
		return fail("denied: "+strings.Join(denied, "; "), fix+"; `fleetbake provision apply` restores fleetbake's policy document")
	}
	if len(notes) > 0 {
		passDetail += "; " + strings.Join(notes, "; ")
	}
	return pass(passDetail)
}

// sampleThing is a thing name the template would give a device.
func (v *Verifier) sampleThing() string {
	if v.gen == model.GenerationOld && v.device.Nucleus != model.NucleusLite {
		return v.names.ThingNamePrefix + "_0a_1b_2c_3d_4e_5f"
	}
	return v.names.ThingNamePrefix + "-0a_1b_2c_3d_4e_5f"
}

func checkCorePolicy(ctx context.Context, v *Verifier) Check {
	if _, err := v.claim(); err != nil {
		return skip("no claim certificate on disk to test with (see claim certificate)")
	}
	name := v.corePolicyName()
	// The policy document is only needed to explain a denial: it is read
	// while TestAuthorization is asked.
	go v.corePolicy()
	ci, err := v.cert()
	if err != nil {
		return awsErr(err)
	}
	if !ci.Found {
		if pol, err := v.corePolicy(); err == nil && !pol.Found {
			return fail("core policy "+name+" (attached by the template to each device) does not exist", applyFix("create it"))
		}
		return skip("claim certificate not in AWS IoT, needed as TestAuthorization's principal (see claim certificate)")
	}
	thing := v.sampleThing()
	p := "$aws/things/" + thing + "/"
	deploy := p + "shadow/name/AWSManagedGreengrassV2Deployment/"
	jobs := p + "jobs/$next/namespace-aws-gg-deployment/get"
	items := []authItem{{iotpolicy.ActionConnect, v.iotARN("client/" + thing)}}
	for _, topic := range []string{p + "greengrassv2/health/json", jobs, deploy + "get", deploy + "update"} {
		items = append(items, authItem{iotpolicy.ActionPublish, v.iotARN("topic/" + topic)})
	}
	answers := []string{p + "jobs/notify-next-namespace-aws-gg-deployment", jobs + "/accepted", deploy + "get/accepted", deploy + "update/delta"}
	for _, f := range answers {
		items = append(items, authItem{iotpolicy.ActionSubscribe, v.iotARN("topicfilter/" + f)})
	}
	for _, topic := range answers {
		items = append(items, authItem{iotpolicy.ActionReceive, v.iotARN("topic/" + topic)})
	}
	// TestAuthorization with the claim certificate as principal, the core
	// policy added (policyNamesToAdd) and every policy attached to the
	// claim certificate skipped (policyNamesToSkip): only the core policy
	// decides, as on a provisioned device, and nothing is attached.
	skipNames := slices.DeleteFunc(slices.Clone(ci.Policies), func(n string) bool { return n == name })
	auth := goAuth(ctx, v, ci.ARN, thing, []string{name}, skipNames, items)
	pol, perr := v.corePolicy()
	a := <-auth
	if perr != nil {
		return awsErr(perr)
	}
	if !pol.Found {
		return fail("core policy "+name+" (attached by the template to each device) does not exist", applyFix("create it"))
	}
	res, err := a.res, a.err
	if err != nil {
		return awsErr(err)
	}
	vars := iotpolicy.Context{iotpolicy.KeyClientID: thing, iotpolicy.KeyThingName: thing, iotpolicy.KeyThingIsAttached: "true"}
	out := v.authOutcome(items, res, name, pol, nil, vars,
		fmt.Sprintf("TestAuthorization with %s for thing %s: Connect, Greengrass deployment, jobs and health topics allowed", name, thing), "policy "+name)
	// iot:AssumeRoleWithCertificate is not an MQTT action, so
	// TestAuthorization cannot test it: it is evaluated locally with
	// provision/iotpolicy against the core policy's default version.
	aliasARN := v.iotARN("rolealias/" + v.names.RoleAlias)
	if a, err := v.alias(); err == nil && a.Found {
		aliasARN = a.ARN
	}
	doc, err := iotpolicy.Parse(name, pol.Document)
	if err != nil {
		return fail("core policy "+name+" cannot be evaluated: "+err.Error(), "fix the policy document, or run `fleetbake provision apply` to restore fleetbake's")
	}
	const assume = "iot:AssumeRoleWithCertificate"
	if d := iotpolicy.Evaluate([]iotpolicy.Document{doc}, iotpolicy.Request{Action: assume, Resource: aliasARN, Vars: vars}); !d.Allowed {
		msg := fmt.Sprintf("denied: %s on %s: %s (local evaluation)", assume, aliasARN, d)
		fix := explain(doc, assume, []string{aliasARN}, vars) + "; `fleetbake provision apply` restores fleetbake's policy document"
		if out.Status == Fail {
			return fail(out.Detail+"; "+msg, out.Fix+"; "+fix)
		}
		return fail(msg, fix)
	}
	if out.Status == Pass {
		out.Detail += "; " + assume + " on " + aliasARN + " allowed (local evaluation)"
	}
	return out
}

// templatePolicyName finds the AWS::IoT::Policy a template body attaches.
func templatePolicyName(body string) string {
	var t struct {
		Resources map[string]struct {
			Type       string
			Properties struct{ PolicyName json.RawMessage }
		}
	}
	if json.Unmarshal([]byte(body), &t) != nil {
		return ""
	}
	for _, r := range t.Resources {
		if r.Type == "AWS::IoT::Policy" {
			var n string
			if json.Unmarshal(r.Properties.PolicyName, &n) == nil {
				return n
			}
		}
	}
	return ""
}
