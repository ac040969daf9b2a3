package app

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fleetbake/generator"
	"fleetbake/model"
	"fleetbake/provision"
	"fleetbake/provision/iotpolicy"
)

// The checks of Checks, one function each. A check returns Pass or Fail
// with the facts in Detail and, on Fail, the change to make in Fix; it
// returns Skip when what it checks cannot be looked at because of another
// failed check (named in Detail).

const regenerate = "run `fleetbake generate` (after `fleetbake provision apply`) and rebuild the image"

func pass(detail string) Check      { return Check{Status: Pass, Detail: detail} }
func fail(detail, fix string) Check { return Check{Status: Fail, Detail: detail, Fix: fix} }
func skip(detail string) Check      { return Check{Status: Skip, Detail: detail} }
func awsErr(err error) Check {
	return fail("could not check: "+err.Error(), "fix the AWS access above and run verify again")
}
func noConf(err error) Check         { return fail("cannot read local.conf: "+err.Error(), regenerate) }
func applyFix(what string) string    { return what + ": run `fleetbake provision apply`" }
func quoteList(s []string) string    { return strings.Join(s, ", ") }
func confMissing(name string) string { return name + " is not set in local.conf" }

// confValue checks one local.conf setting against want.
func (v *Verifier) confValue(setting, want, what string) (string, *Check) {
	cv, err := v.conf()
	if err != nil {
		c := noConf(err)
		return "", &c
	}
	name := v.confVar(setting)
	got, ok := cv.get(name)
	if !ok {
		c := fail(confMissing(name), regenerate)
		return "", &c
	}
	if want != "" && got != want {
		c := fail(fmt.Sprintf("local.conf has %s = %q but %s is %q", name, got, what, want), regenerate)
		return got, &c
	}
	return got, nil
}

func checkConf(ctx context.Context, v *Verifier) Check {
	got, c := v.confValue("region", v.region, "the region in use")
	if c != nil {
		return *c
	}
	return pass(fmt.Sprintf("%s: %s = %q", v.confPath(), v.confVar("region"), got))
}

func checkEndpoint(v *Verifier, setting, typ string, lookup func() (string, error)) Check {
	ep, err := lookup()
	if err != nil {
		return awsErr(err)
	}
	got, c := v.confValue(setting, ep, "the account's "+typ+" endpoint")
	if c != nil {
		return *c
	}
	return pass(fmt.Sprintf("%s = %s (DescribeEndpoint %s)", v.confVar(setting), got, typ))
}

func checkDataEndpoint(ctx context.Context, v *Verifier) Check {
	return checkEndpoint(v, "data", "iot:Data-ATS", v.dataEP)
}

func checkCredEndpoint(ctx context.Context, v *Verifier) Check {
	return checkEndpoint(v, "cred", "iot:CredentialProvider", v.credEP)
}

func checkTemplate(ctx context.Context, v *Verifier) Check {
	name, c := v.confValue("template", v.names.ProvisioningTemplate, "the project's template")
	if c != nil {
		return *c
	}
	t, err := v.template()
	if err != nil {
		return awsErr(err)
	}
	if !t.Found {
		return fail(fmt.Sprintf("template %s does not exist in %s", name, v.region), applyFix("create it"))
	}
	if !t.Enabled {
		return fail("template "+name+" is disabled: devices are refused", applyFix("enable it"))
	}
	return pass("template " + name + " exists and is enabled")
}

func checkProvisioningRole(ctx context.Context, v *Verifier) Check {
	t, err := v.template()
	if err != nil {
		return awsErr(err)
	}
	if !t.Found {
		return skip("no template (see provisioning template)")
	}
	if t.RoleARN == "" {
		return fail("template "+v.names.ProvisioningTemplate+" has no provisioning role", applyFix("set it"))
	}
	r, err := v.provRole()
	if err != nil {
		return awsErr(err)
	}
	if !r.Found {
		return fail("provisioning role "+t.RoleARN+" does not exist", applyFix("create it"))
	}
	if !trustsIoT(r.Trust) {
		return fail("the trust policy of "+t.RoleARN+" does not let iot.amazonaws.com assume it (sts:AssumeRole)", applyFix("replace the trust policy"))
	}
	return pass(t.RoleARN + " exists and trusts iot.amazonaws.com")
}

// trustsIoT reports whether a trust policy allows iot.amazonaws.com sts:AssumeRole.
func trustsIoT(doc string) bool {
	var d struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(doc), &d) != nil {
		return false
	}
	var sts []map[string]json.RawMessage
	if json.Unmarshal(d.Statement, &sts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(d.Statement, &one) != nil {
			return false
		}
		sts = append(sts, one)
	}
	for _, st := range sts {
		var effect string
		json.Unmarshal(st["Effect"], &effect)
		var principal struct{ Service json.RawMessage }
		json.Unmarshal(st["Principal"], &principal)
		if effect == "Allow" && slices.Contains(stringOrList(principal.Service), "iot.amazonaws.com") &&
			slices.ContainsFunc(stringOrList(st["Action"]), func(a string) bool { return matchAction(a, "sts:AssumeRole") }) {
			return true
		}
	}
	return false
}

func stringOrList(raw json.RawMessage) []string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}
	}
	var l []string
	json.Unmarshal(raw, &l)
	return l
}

// matchAction matches an IAM action pattern (with * and ?) without regard to case.
func matchAction(pattern, action string) bool {
	ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(action))
	return ok
}

func checkRoleAlias(ctx context.Context, v *Verifier) Check {
	name, c := v.confValue("alias", v.names.RoleAlias, "the project's role alias")
	if c != nil {
		return *c
	}
	a, err := v.alias()
	if err != nil {
		return awsErr(err)
	}
	if !a.Found {
		return fail("role alias "+name+" does not exist", applyFix("create it"))
	}
	tes, err := v.tesRole()
	if err != nil {
		return awsErr(err)
	}
	if !tes.Found {
		return fail("token exchange role "+v.names.TokenExchangeRole+" does not exist", applyFix("create it"))
	}
	if a.RoleARN != tes.ARN {
		return fail(fmt.Sprintf("role alias %s points at %s, not the token exchange role %s", name, a.RoleARN, tes.ARN), applyFix("point it at the token exchange role"))
	}
	return pass(fmt.Sprintf("role alias %s -> %s", name, a.RoleARN))
}

func checkThingGroup(ctx context.Context, v *Verifier) Check {
	if name := v.confVar("group"); name != "" {
		if _, c := v.confValue("group", v.names.ThingGroup, "the project's thing group"); c != nil {
			return *c
		}
	}
	ok, err := v.group()
	if err != nil {
		return awsErr(err)
	}
	if !ok {
		return fail("thing group "+v.names.ThingGroup+" does not exist", applyFix("create it"))
	}
	return pass("thing group " + v.names.ThingGroup + " exists")
}

// claimOnDisk are the claim files the image gets: where, and what is in them.
type claimOnDisk struct {
	certPath, keyPath, rootPath string
	certPEM                     []byte
	cert                        *x509.Certificate
	certID                      string
}

// claimPaths are the claim files the recipe installs: CLAIM_CERT_PATH,
// CLAIM_KEY_PATH and ROOT_CA_PATH from local.conf when the generation has
// them, else the project's claim_dir (the old generation's claim layer).
func (v *Verifier) claimPaths() (cert, key, root string) {
	cert, key, root = v.p.ClaimFiles()
	if cv, err := v.conf(); err == nil {
		for setting, dst := range map[string]*string{"cert": &cert, "key": &key, "root": &root} {
			if name := v.confVar(setting); name != "" {
				if val, ok := cv.get(name); ok && val != "" {
					*dst = val
				}
			}
		}
	}
	return cert, key, root
}

func (v *Verifier) readClaim() (*claimOnDisk, error) {
	c := &claimOnDisk{}
	c.certPath, c.keyPath, c.rootPath = v.claimPaths()
	b, err := os.ReadFile(c.certPath)
	if err != nil {
		return nil, fmt.Errorf("claim certificate: %w", err)
	}
	c.certPEM = b
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("claim certificate %s is not PEM", c.certPath)
	}
	if c.cert, err = x509.ParseCertificate(block.Bytes); err != nil {
		return nil, fmt.Errorf("claim certificate %s: %w", c.certPath, err)
	}
	if c.certID, err = provision.CertificateID(b); err != nil {
		return nil, fmt.Errorf("claim certificate %s: %w", c.certPath, err)
	}
	return c, nil
}

func checkClaimCertificate(ctx context.Context, v *Verifier) Check {
	c, err := v.claim()
	if err != nil {
		return fail(err.Error(), "run `fleetbake provision apply` to make the claim files")
	}
	ci, err := v.cert()
	if err != nil {
		return awsErr(err)
	}
	id := c.certID[:12]
	if !ci.Found {
		return fail(fmt.Sprintf("claim certificate %s (%s) does not exist in AWS IoT", id, c.certPath), "run `fleetbake provision apply`, which makes a new claim certificate; then generate and rebuild")
	}
	if ci.Status != "ACTIVE" {
		return fail(fmt.Sprintf("claim certificate %s is %s, not ACTIVE", id, ci.Status), applyFix("activate it"))
	}
	if !slices.Contains(ci.Policies, v.names.ClaimPolicy) {
		return fail(fmt.Sprintf("claim policy %s is not attached to claim certificate %s (attached: %s)", v.names.ClaimPolicy, id, quoteList(ci.Policies)), applyFix("attach it"))
	}
	return pass(fmt.Sprintf("certificate %s is ACTIVE with policy %s", id, v.names.ClaimPolicy))
}

// expiryMargin: a claim certificate expiring sooner than this fails.
const expiryMargin = 30 * 24 * time.Hour

func checkClaimKey(ctx context.Context, v *Verifier) Check {
	c, err := v.claim()
	if err != nil {
		return fail(err.Error(), "run `fleetbake provision apply` to make the claim files")
	}
	ok, err := provision.KeyMatchesCert(c.keyPath, c.certPEM)
	if err != nil {
		return fail("claim key: "+err.Error(), "run `fleetbake provision apply`: it makes a new key and certificate when the key is missing or does not match")
	}
	if !ok {
		return fail(fmt.Sprintf("claim key %s does not belong to claim certificate %s (their public keys differ)", c.keyPath, c.certPath),
			"run `fleetbake provision apply` (a key that does not match gets a new certificate), then generate and rebuild")
	}
	end := c.cert.NotAfter.UTC().Format("2006-01-02")
	if time.Until(c.cert.NotAfter) < expiryMargin {
		return fail("claim certificate expires "+end+" (less than 30 days)", "run `fleetbake provision rotate-claim`, then rebuild the image")
	}
	return pass("key and certificate match; the certificate is valid until " + end)
}

func checkRootCA(ctx context.Context, v *Verifier) Check {
	_, _, root := v.claimPaths()
	b, err := os.ReadFile(root)
	if err != nil {
		return fail("root CA: "+err.Error(), applyFix("write Amazon Root CA 1"))
	}
	got, want := pemFingerprint(b), pemFingerprint(provision.AmazonRootCA1())
	if got == "" || got != want {
		return fail(root+" is not Amazon Root CA 1 (SHA-256 fingerprint differs)", "replace it with templates/aws/AmazonRootCA1.pem: run `fleetbake provision apply`")
	}
	return pass(root + " is Amazon Root CA 1 (SHA-256 " + want[:16] + "...)")
}

func pemFingerprint(b []byte) string {
	block, _ := pem.Decode(b)
	if block == nil {
		return ""
	}
	sum := sha256.Sum256(block.Bytes)
	return fmt.Sprintf("%x", sum)
}

// authItem is one action and resource to test.
type authItem struct{ action, resource string }

func actionType(action string) string { return strings.ToUpper(strings.TrimPrefix(action, "iot:")) }

// testAuth asks TestAuthorization about every item and returns, for each
// denied one, its decision.
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
	if pol, err := v.claimPolicy(); err == nil && !pol.Found {
		return fail("claim policy "+v.names.ClaimPolicy+" does not exist", applyFix("create it and attach it to the claim certificate"))
	}
	if ci, err := v.cert(); err == nil && !ci.Found {
		return skip("claim certificate not in AWS IoT (see claim certificate)")
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
	res, err := v.testAuth(ctx, v.iotARN("cert/"+c.certID), clientID, nil, nil, items)
	if err != nil {
		return awsErr(err)
	}
	pol, perr := v.claimPolicy()
	return v.authOutcome(items, res, v.names.ClaimPolicy, pol, perr, nil,
		fmt.Sprintf("TestAuthorization: the claim certificate may Connect, Subscribe (%d filters), Publish (%d) and Receive (%d) for template %s",
			len(t.Subscribe), len(t.Publish), len(t.Receive), v.names.ProvisioningTemplate), "policy "+v.names.ClaimPolicy)
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
	pol, perr := v.corePolicy()
	if perr != nil {
		return awsErr(perr)
	}
	if !pol.Found {
		return fail("core policy "+name+" (attached by the template to each device) does not exist", applyFix("create it"))
	}
	ci, err := v.cert()
	if err != nil {
		return awsErr(err)
	}
	if !ci.Found {
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
	res, err := v.testAuth(ctx, ci.ARN, thing, []string{name}, skipNames, items)
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

func checkTimeSync(ctx context.Context, v *Verifier) Check {
	cv, err := v.conf()
	if err != nil {
		return noConf(err)
	}
	var facts []string
	if m, _ := cv.get("INIT_MANAGER"); m == "systemd" {
		facts = append(facts, `INIT_MANAGER = "systemd" (systemd-timesyncd comes with systemd)`)
	}
	for _, list := range []string{"DISTRO_FEATURES", "IMAGE_INSTALL"} {
		for _, val := range cv.all[list] {
			for _, w := range strings.Fields(val) {
				switch w {
				case "systemd", "systemd-timesyncd", "ntp", "ntpd", "chrony", "ntpdate", "sntp":
					facts = append(facts, list+" has "+w)
				}
			}
		}
	}
	if len(facts) == 0 {
		return fail("no time-sync service in the image: neither systemd (INIT_MANAGER, DISTRO_FEATURES) nor ntp or chrony in IMAGE_INSTALL",
			`add to [local_conf] in fleetbake.toml: INIT_MANAGER = "systemd", or "IMAGE_INSTALL:append" = " chrony"; then generate`)
	}
	return pass(strings.Join(slices.Compact(facts), "; "))
}

func checkClaimFilesConf(ctx context.Context, v *Verifier) Check {
	cv, err := v.conf()
	if err != nil {
		return noConf(err)
	}
	var facts, missing []string
	for _, s := range []string{"cert", "key", "root"} {
		name := v.confVar(s)
		if name == "" {
			continue
		}
		val, ok := cv.get(name)
		if !ok || val == "" {
			missing = append(missing, confMissing(name))
			continue
		}
		if _, err := os.Stat(val); err != nil {
			missing = append(missing, name+" = "+val+": not found")
			continue
		}
		facts = append(facts, name+" = "+val)
	}
	if v.confVar("cert") == "" {
		// Old generation: the claim layer's bbappend installs them from
		// claim_dir; the layer must be in bblayers.conf.
		layer, _ := filepath.Abs(v.p.Abs(filepath.FromSlash(generator.ClaimLayerDir)))
		bbl, err := readConfView(filepath.Join(filepath.Dir(v.confPath()), "bblayers.conf"))
		switch {
		case err != nil:
			missing = append(missing, "cannot read bblayers.conf: "+err.Error())
		case !slices.Contains(strings.Fields(strings.Join(bbl.all["BBLAYERS"], " ")), layer):
			missing = append(missing, "the claim layer "+layer+" is not in BBLAYERS")
		default:
			facts = append(facts, "claim layer "+layer+" in BBLAYERS")
		}
		cert, key, root := v.p.ClaimFiles()
		for _, f := range []string{cert, key, root} {
			if _, err := os.Stat(f); err != nil {
				missing = append(missing, f+" missing (the claim layer installs it)")
			} else {
				facts = append(facts, f)
			}
		}
	}
	if len(missing) > 0 {
		return fail(strings.Join(missing, "; "), "run `fleetbake provision apply` for the files and `fleetbake generate` for the settings")
	}
	return pass("set and on disk: " + strings.Join(facts, ", "))
}

func checkSerial(ctx context.Context, v *Verifier) Check {
	var facts []string
	for _, prm := range v.device.Params {
		facts = append(facts, prm.Name+" from "+prm.Source)
	}
	if v.gen == model.GenerationOld && v.device.Nucleus != model.NucleusLite {
		if _, c := v.confValue("thing", v.names.ThingNamePrefix, "the project's thing name prefix"); c != nil {
			return *c
		}
	}
	t, err := v.template()
	if err == nil && t.Found {
		var body struct{ Parameters map[string]json.RawMessage }
		if json.Unmarshal([]byte(t.Body), &body) == nil {
			var undeclared []string
			for _, n := range v.device.ParamNames() {
				if _, ok := body.Parameters[n]; !ok {
					undeclared = append(undeclared, n)
				}
			}
			if len(undeclared) > 0 {
				return fail("the device sends "+quoteList(undeclared)+", which template "+v.names.ProvisioningTemplate+" does not declare",
					"run `fleetbake provision apply` with the same meta-aws tree `fleetbake generate` uses")
			}
		}
	}
	return pass("the device sends " + strings.Join(facts, "; "))
}
