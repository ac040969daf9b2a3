package app

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"fleetbake/model"
	"fleetbake/provision"
)

// Check 1, the conf against the account and the claim files, and the
// helpers every check uses. The checks of Checks are one function each. A
// check returns Pass or Fail with the facts in Detail and, on Fail, the
// change to make in Fix; it returns Skip when what it checks cannot be
// looked at because of another failed check (named in Detail).

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
	if v.genMismatch != "" {
		return fail(v.genMismatch, "run `fleetbake generate` and `fleetbake provision apply` (the template follows the generation), then rebuild")
	}
	detail := fmt.Sprintf("%s: %s = %q", v.confPath(), v.confVar("region"), got)
	if v.noAWS {
		return confWithoutAWS(v, detail)
	}
	return pass(detail)
}

// confWithoutAWS is the part of check 1 that needs no account: every
// setting of fleetbake's block in local.conf is there and says what the
// project does (the endpoints as apply recorded them). Whether the account
// agrees is for the checks that were not run.
func confWithoutAWS(v *Verifier, detail string) Check {
	g := v.p.Greengrass
	var bad []string
	for _, s := range []struct{ setting, want, what string }{
		{"data", g.DataEndpoint, "the data endpoint apply recorded"},
		{"cred", g.CredentialEndpoint, "the credential endpoint apply recorded"},
		{"template", v.names.ProvisioningTemplate, "the project's template"},
		{"alias", v.names.RoleAlias, "the project's role alias"},
		{"group", v.names.ThingGroup, "the project's thing group"},
		{"thing", v.names.ThingNamePrefix, "the project's thing name prefix"},
	} {
		if v.confVar(s.setting) == "" {
			continue // not a setting of this generation
		}
		got, c := v.confValue(s.setting, s.want, s.what)
		switch {
		case c != nil:
			bad = append(bad, c.Detail)
		case got == "":
			bad = append(bad, v.confVar(s.setting)+` = "" (AWS fills it)`)
		}
	}
	if len(bad) > 0 {
		return fail(strings.Join(bad, "; "), "run `fleetbake provision apply` with AWS credentials, then `fleetbake generate`, then rebuild")
	}
	return pass(detail + "; endpoints and names as the project records them (not compared with the account)")
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
	ok := pass("template " + name + " exists and is enabled")
	if t.PreHook != "" {
		ok.Detail += "; note: its pre-provisioning hook calls " + t.PreHook + " before each device is provisioned, and refuses the devices it answers no for: " +
			"verify cannot run that Lambda function (only --register, which provisions a test device, goes through it)"
	}
	return ok
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
	b, err := model.ReadRegularFile(c.certPath, maxPEMSize)
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
	b, err := model.ReadRegularFile(root, maxPEMSize)
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

// maxPEMSize bounds the certificate files verify reads from the paths
// local.conf names: a certificate chain is a few KiB.
const maxPEMSize = 1 << 20
