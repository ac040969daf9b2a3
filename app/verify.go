package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"fleetbake/engine"
	"fleetbake/generator"
	"fleetbake/model"
	"fleetbake/provision"
)

// This file is `fleetbake verify`: read-only checks that the generated
// local.conf, the claim files and the AWS account agree, that the claim and
// core policies allow what the devices will do, and that the image has what
// a first boot needs. The checks are in verify_checks.go (conf against the
// account, claim files), verify_policy.go (TestAuthorization and the policy
// documents) and verify_boot.go (first boot); this file runs them
// concurrently over shared, memoised look-ups.

// CheckStatus is the outcome of one check.
type CheckStatus string

const (
	Pass CheckStatus = "PASS"
	Fail CheckStatus = "FAIL"
	Skip CheckStatus = "SKIP"
	// Info is a fact worth knowing that passes or fails nothing.
	Info CheckStatus = "INFO"
)

// Check is the outcome of one verify check: what it proves when it passes,
// what it found, and what to do when it fails.
type Check struct {
	Name   string      `json:"name"`
	Proves string      `json:"proves"`
	Status CheckStatus `json:"status"`
	Detail string      `json:"detail,omitempty"`
	Fix    string      `json:"fix,omitempty"`
	// Steps are the exchanges of a live check, in order.
	Steps []Exchange `json:"steps,omitempty"`
}

// VerifyReport is every check's outcome, in the order of Checks.
type VerifyReport struct {
	Account    string  `json:"account"`
	Region     string  `json:"region"`
	Nucleus    string  `json:"nucleus"`
	Generation string  `json:"generation"`
	LocalConf  string  `json:"local_conf"`
	Checks     []Check `json:"checks"`
	Passed     bool    `json:"passed"`
}

// CheckSpec is one check verify can run. Live checks talk to the device
// side of AWS IoT (an MQTT connection with the claim) and make and delete a
// thing; they run only when asked for (--register, verify_live.go).
type CheckSpec struct {
	Name, Proves string
	Live         bool
	// Local checks need no AWS account: they run when the AWS step was
	// skipped too (VerifyOptions.NoAWS), without their AWS parts.
	Local bool
	// FirstBoot checks are check 4's: read from local.conf, or from real
	// BitBake with VerifyOptions.BitBake.
	FirstBoot bool
	Run       func(ctx context.Context, v *Verifier) Check
}

// Checks is the list verify runs, in report order. Each Run is independent:
// they run concurrently and share the AWS look-ups through the Verifier.
var Checks = []CheckSpec{
	{Name: "local.conf", Local: true, Proves: "the generated local.conf is there, BitBake can read it, and it is for this region", Run: checkConf},
	{Name: "data endpoint", Proves: "devices connect to this account's iot:Data-ATS endpoint", Run: checkDataEndpoint},
	{Name: "credential endpoint", Proves: "devices get AWS credentials from this account's iot:CredentialProvider endpoint", Run: checkCredEndpoint},
	{Name: "provisioning template", Proves: "the template the devices name exists and is enabled", Run: checkTemplate},
	{Name: "provisioning role", Proves: "AWS IoT can assume the template's provisioning role to create things", Run: checkProvisioningRole},
	{Name: "role alias", Proves: "the role alias the devices name points at the token exchange role", Run: checkRoleAlias},
	{Name: "thing group", Proves: "the template can add new devices to the thing group", Run: checkThingGroup},
	{Name: "claim certificate", Proves: "AWS IoT accepts the claim certificate in the image, with the claim policy", Run: checkClaimCertificate},
	{Name: "claim key", Local: true, Proves: "the claim key in the image belongs to the claim certificate, which is not about to expire", Run: checkClaimKey},
	{Name: "root CA", Local: true, Proves: "devices trust AWS IoT's server certificate (Amazon Root CA 1)", Run: checkRootCA},
	{Name: "claim policy", Proves: "the claim certificate may do every MQTT step of the device's provisioning flow (TestAuthorization, no side effect)", Run: checkClaimPolicy},
	{Name: "core policy", Proves: "a provisioned device may connect as its thing, use the Greengrass topics and get AWS credentials through the role alias", Run: checkCorePolicy},
	{Name: "time sync", Local: true, FirstBoot: true, Proves: "the device clock is set at first boot, so TLS certificate dates check out", Run: checkTimeSync},
	{Name: "claim files in image", Local: true, FirstBoot: true, Proves: "the recipe that installs the claim files is told where they are, and they exist", Run: checkClaimFilesConf},
	{Name: "device serial", Local: true, FirstBoot: true, Proves: "each device sends the template parameters the template needs, from a per-device source", Run: checkSerial},
	{Name: "register", Proves: "a device with the claim provisions itself over MQTT as the device profile does, and what it made is deleted (live, --register)", Live: true, Run: checkRegister},
	{Name: "other port", Proves: "whether the claim can also reach the data endpoint on the port the devices do not use (information, --register)", Live: true, Run: checkOtherPort},
}

// Verifier holds the project, the provisioner and the memoised look-ups the
// checks share: each AWS call is made once, by whichever check needs it
// first, while the other checks run.
type Verifier struct {
	p      *model.Project
	pv     *provision.Provisioner
	ident  func() (provision.Identity, error)
	region string
	names  provision.Names
	device model.DeviceProfile
	gen    model.Generation
	live   LiveOptions
	// noAWS: the account is not looked at (VerifyOptions.NoAWS); pv is nil.
	noAWS bool
	// genMismatch says how the meta-aws tree on disk disagrees with the
	// generation local.conf was written for; "" when it does not.
	genMismatch string

	conf        func() (*confView, error)
	dataEP      func() (string, error)
	credEP      func() (string, error)
	template    func() (provision.TemplateInfo, error)
	provRole    func() (provision.RoleInfo, error)
	tesRole     func() (provision.RoleInfo, error)
	alias       func() (provision.RoleAliasInfo, error)
	group       func() (bool, error)
	claim       func() (*claimOnDisk, error)
	cert        func() (provision.CertInfo, error)
	claimPolicy func() (provision.IoTPolicyInfo, error)
	corePolicy  func() (provision.IoTPolicyInfo, error)
	// bb is what real BitBake resolves (VerifyOptions.BitBake); nil when
	// check 4 reads local.conf alone.
	bb func() (*engine.BBAnswer, error)
}

// Verify runs every check that is not live, concurrently, and reports them
// in the order of Checks. An error means verify could not run at all (no
// AWS configuration or credentials); a failed check is in the report.
func Verify(ctx context.Context, p *model.Project, o AWSOptions) (*VerifyReport, error) {
	return VerifyWith(ctx, p, VerifyOptions{AWSOptions: o})
}

// VerifyWith is Verify, with the live checks too when vo.Register is set,
// without the account when vo.NoAWS is, and with real BitBake's values for
// the first-boot checks when vo.BitBake is.
func VerifyWith(ctx context.Context, p *model.Project, vo VerifyOptions) (*VerifyReport, error) {
	o := vo.AWSOptions
	if !p.Greengrass.Enabled {
		return nil, fmt.Errorf("greengrass is off in %s: there is nothing to verify", p.Path())
	}
	if vo.NoAWS && vo.Register {
		return nil, errors.New("the live check (--register) needs the AWS account: it cannot run without AWS")
	}
	// The devices are what local.conf was written for: its variables say
	// which meta-aws generation generate used, whatever the tree says now.
	gen, mismatch, err := confGeneration(p, o.Generation)
	if err != nil {
		return nil, err
	}
	o.Generation = gen
	var v *Verifier
	if vo.NoAWS {
		if v, err = newLocalVerifier(p, gen); err != nil {
			return nil, err
		}
	} else {
		o.ReadOnly = true
		pv, _, err := Provisioner(ctx, p, nil, o)
		if err != nil {
			return nil, err
		}
		// The account is looked up while the checks run: only the ARNs they
		// ask TestAuthorization about need it, so it is not a round trip of
		// its own before them. Without it verify could not run at all.
		v = newVerifier(ctx, p, pv)
	}
	v.live, v.genMismatch = vo.Live, mismatch
	if vo.BitBake {
		if v.bb, err = bitbakeQuery(ctx, v, vo.OnBitBakeStart); err != nil {
			return nil, fmt.Errorf("--bitbake: %w", err)
		}
	}
	var specs []CheckSpec
	for _, c := range Checks {
		if (!c.Live || vo.Register) && (c.FirstBoot || !vo.FirstBootOnly) && c.Run != nil {
			specs = append(specs, c)
		}
	}
	checks := make([]Check, len(specs))
	var wg sync.WaitGroup
	for i, c := range specs {
		wg.Go(func() {
			var r Check
			if vo.NoAWS && !c.Local {
				r = skip(NotRunWithoutAWS)
			} else {
				r = c.Run(ctx, v)
			}
			r.Name, r.Proves = c.Name, c.Proves
			checks[i] = r
		})
	}
	var id provision.Identity
	if !vo.NoAWS {
		id, err = v.ident()
	}
	wg.Wait()
	if err != nil {
		return nil, err
	}
	rep := &VerifyReport{Account: id.Account, Region: v.region, Nucleus: v.device.Nucleus, Generation: string(v.gen), LocalConf: v.confPath(), Checks: checks}
	rep.Passed = true
	for _, c := range rep.Checks {
		if c.Status == Fail {
			rep.Passed = false
		}
	}
	return rep, nil
}

// newLocalVerifier is a Verifier for the checks that need no AWS: the
// names, region and device come from the project alone.
func newLocalVerifier(p *model.Project, gen model.Generation) (*Verifier, error) {
	ws, _ := Discover(p) // nothing found: the project's release decides
	if gen == model.GenerationUnknown {
		gen, _ = Generation(p, ws)
	}
	device, err := model.Device(p.Greengrass.Nucleus, releaseOf(p, ws), gen)
	if err != nil {
		return nil, err
	}
	if device.Refused != "" {
		return nil, fmt.Errorf("devices of this project cannot provision by claim: %s", device.Refused)
	}
	v := &Verifier{p: p, noAWS: true, region: p.Greengrass.Region, names: provision.ResolveNames(p.Greengrass), device: device, gen: gen}
	v.conf = sync.OnceValues(func() (*confView, error) { return readConfView(v.confPath()) })
	v.claim = sync.OnceValues(func() (*claimOnDisk, error) { return v.readClaim() })
	return v, nil
}

func newVerifier(ctx context.Context, p *model.Project, pv *provision.Provisioner) *Verifier {
	v := &Verifier{p: p, pv: pv, region: pv.Region(), names: pv.Names(), device: pv.Device(), gen: pv.Generation()}
	v.ident = sync.OnceValues(func() (provision.Identity, error) { return pv.Identity(ctx) })
	v.conf = sync.OnceValues(func() (*confView, error) { return readConfView(v.confPath()) })
	v.dataEP = sync.OnceValues(func() (string, error) { return pv.DescribeEndpoint(ctx, "iot:Data-ATS") })
	v.credEP = sync.OnceValues(func() (string, error) { return pv.DescribeEndpoint(ctx, "iot:CredentialProvider") })
	v.template = sync.OnceValues(func() (provision.TemplateInfo, error) { return pv.DescribeTemplate(ctx) })
	v.provRole = sync.OnceValues(func() (provision.RoleInfo, error) {
		t, err := v.template()
		if err != nil || !t.Found || t.RoleARN == "" {
			return provision.RoleInfo{}, err
		}
		return pv.GetRole(ctx, provision.RoleNameFromARN(t.RoleARN))
	})
	v.tesRole = sync.OnceValues(func() (provision.RoleInfo, error) { return pv.GetRole(ctx, v.names.TokenExchangeRole) })
	v.alias = sync.OnceValues(func() (provision.RoleAliasInfo, error) { return pv.DescribeRoleAlias(ctx) })
	v.group = sync.OnceValues(func() (bool, error) { return pv.ThingGroupExists(ctx) })
	v.claim = sync.OnceValues(func() (*claimOnDisk, error) { return v.readClaim() })
	v.cert = sync.OnceValues(func() (provision.CertInfo, error) {
		c, err := v.claim()
		if err != nil {
			return provision.CertInfo{}, err
		}
		return pv.DescribeCertificate(ctx, c.certID)
	})
	v.claimPolicy = sync.OnceValues(func() (provision.IoTPolicyInfo, error) { return pv.GetIoTPolicy(ctx, v.names.ClaimPolicy) })
	v.corePolicy = sync.OnceValues(func() (provision.IoTPolicyInfo, error) { return pv.GetIoTPolicy(ctx, v.corePolicyName()) })
	return v
}

// confPath is the local.conf `fleetbake generate` writes.
func (v *Verifier) confPath() string { return confPathOf(v.p) }

func confPathOf(p *model.Project) string {
	return filepath.Join(p.Abs(p.BuildDir), "conf", "local.conf")
}

// confView is local.conf as BitBake's reader sees it: the last plain
// assignment of each variable (overrides included in the name), and every
// value given to a variable by any operator or override (for lists such as
// IMAGE_INSTALL).
type confView struct {
	path string
	last map[string]string   // "AWS_REGION:pn-greengrass-lite" -> value
	all  map[string][]string // "IMAGE_INSTALL" -> values of every assignment
}

func readConfView(path string) (*confView, error) {
	data, err := model.ReadRegularFile(path, model.MaxEditedConfSize) // a FIFO named local.conf must not hang verify
	if err != nil {
		return nil, err
	}
	c, err := generator.ReadConf(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	cv := &confView{path: path, last: map[string]string{}, all: map[string][]string{}}
	for _, a := range c.Assignments {
		if a.Flag != "" {
			continue
		}
		cv.all[a.Name()] = append(cv.all[a.Name()], a.Value)
		switch a.Op {
		case "=", ":=":
			cv.last[a.Var] = a.Value
		case "?=", "??=":
			if _, ok := cv.last[a.Var]; !ok {
				cv.last[a.Var] = a.Value
			}
		}
	}
	return cv, nil
}

func (c *confView) get(name string) (string, bool) {
	val, ok := c.last[name]
	return val, ok
}

// confVar names the local.conf variable the devices' recipe reads for one
// setting, as generator writes it for this nucleus and generation
// (templates/bitbake/local.conf.block.tmpl). "" when that generation has
// no such variable.
func (v *Verifier) confVar(setting string) string {
	if v.device.Nucleus == model.NucleusLite || v.gen != model.GenerationOld {
		pn := ":pn-greengrass-plugin-fleetprovisioning"
		if v.device.Nucleus == model.NucleusLite {
			pn = ":pn-greengrass-lite"
		}
		switch setting {
		case "region":
			return "AWS_REGION" + pn
		case "data":
			return "IOT_DATA_ENDPOINT" + pn
		case "cred":
			return "IOT_CRED_ENDPOINT" + pn
		case "alias":
			return "IOT_ROLE_ALIAS" + pn
		case "template":
			return "FLEET_PROVISIONING_TEMPLATE" + pn
		case "cert":
			return "CLAIM_CERT_PATH" + pn
		case "key":
			return "CLAIM_KEY_PATH" + pn
		case "root":
			return "ROOT_CA_PATH" + pn
		}
		return ""
	}
	return map[string]string{
		"region": "GGV2_REGION", "data": "GGV2_DATA_EP", "cred": "GGV2_CRED_EP", "alias": "GGV2_TES_RALIAS",
		"template": "GGV2_FLEET_PROVISIONING_TEMPLATE_NAME", "thing": "GGV2_THING_NAME", "group": "GGV2_THING_GROUP",
	}[setting]
}

// corePolicyName is the policy the template attaches to a provisioned
// device: read from the template body when there is one, else the
// project's name for it.
func (v *Verifier) corePolicyName() string {
	if t, err := v.template(); err == nil && t.Found {
		if n := templatePolicyName(t.Body); n != "" {
			return n
		}
	}
	return v.names.CorePolicy
}

// iotARN is an IoT resource ARN of this account and region. It waits for
// the account; when that look-up failed, Verify reports only its error.
func (v *Verifier) iotARN(resource string) string {
	id, _ := v.ident()
	return fmt.Sprintf("arn:%s:iot:%s:%s:%s", id.Partition(), v.region, id.Account, resource)
}
