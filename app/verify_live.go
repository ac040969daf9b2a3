package app

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"fleetbake/model"
	"fleetbake/provision"
	"fleetbake/provision/claimflow"
)

// Check 3, the live handshake (`fleetbake verify --register`): a device
// with the claim provisions itself over MQTT against the account's data
// endpoint, following the device profile, with a serial marked as a check
// (provision.VerifyMarker); what it made is deleted afterwards, and what an
// interrupted run left is deleted before.

// VerifyMarker is in the name of every test thing the live check makes.
const VerifyMarker = provision.VerifyMarker

// LiveOptions are for the live check. Addr, RootCAs and ServerName are for
// tests and local stand-ins only (fleetbake's AWS fake): with AWS the check
// connects to the account's iot:Data-ATS endpoint, trusting the root CA the
// image carries.
type LiveOptions struct {
	Addr        string         // host:port for every port, instead of the data endpoint's 8883 and 443
	RootCAs     *x509.CertPool // instead of the image's root CA
	ServerName  string         // TLS server name; default the host of the address
	StepTimeout time.Duration  // per MQTT exchange; default claimflow.DefaultStepTimeout
	// OnStep is called after each MQTT exchange (tests stop a run midway by
	// cancelling its context from here).
	OnStep func(claimflow.Step)
}

// VerifyOptions are Verify's: the account, whether to run the live checks
// (Register) and how, and the checks' sources.
type VerifyOptions struct {
	AWSOptions
	Register bool
	Live     LiveOptions
	// NoAWS runs only the checks that need no AWS account (after the
	// conf files were written without the AWS step); the others are
	// reported as not run, and why.
	NoAWS bool
	// BitBake reads the first-boot facts from real BitBake (a parse of
	// the build folder's configuration, minutes when cold) instead of
	// only local.conf's text.
	BitBake bool
	// OnBitBakeStart, when set, is called once, just before the BitBake
	// query starts (after the checks that refuse it: root, no build
	// environment, no BitBake in the sources), so that a front end says
	// "this takes minutes" only when it does.
	OnBitBakeStart func()
	// FirstBootOnly runs only the first-boot checks (CheckSpec.FirstBoot):
	// a front end that shows a report already runs them again with BitBake
	// and puts their results in place of the conf-only ones (Replace).
	FirstBootOnly bool
}

// Exchange is one step of a live check, in the terms of the
// provision-by-claim sequence.
type Exchange struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// otherPort is the data endpoint port a profile does not use, with its ALPN:
// AWS IoT takes MQTT with a client certificate on 8883, and on 443 with ALPN
// x-amzn-mqtt-ca ("Protocols, port mappings, and authentication", AWS IoT
// developer guide).
func otherPort(d model.DeviceProfile) (int, string) {
	if d.Port == 443 {
		return 8883, ""
	}
	return 443, "x-amzn-mqtt-ca"
}

func portLabel(port int, alpn string) string {
	if alpn != "" {
		return fmt.Sprintf("port %d (ALPN %s)", port, alpn)
	}
	return fmt.Sprintf("port %d", port)
}

// liveConfig is the device configuration of the live checks: the claim
// files and root CA the image gets, the data endpoint on the profile's port.
func (v *Verifier) liveConfig() (claimflow.Config, *Check) {
	c, err := v.claim()
	if err != nil {
		f := fail(err.Error(), "run `fleetbake provision apply` to make the claim files")
		return claimflow.Config{}, &f
	}
	key, err := provision.ReadClaimKey(c.keyPath) // the checks apply makes: no link, yours, private
	if err != nil {
		f := fail("claim key: "+err.Error(), "run `fleetbake provision apply` to make the claim files")
		return claimflow.Config{}, &f
	}
	ep, err := v.dataEP()
	if err != nil {
		f := awsErr(err)
		return claimflow.Config{}, &f
	}
	o := v.live
	cfg := claimflow.Config{Profile: v.device, Template: v.names.ProvisioningTemplate, ClaimCertPEM: string(c.certPEM),
		ClaimKeyPEM: string(key), RootCAs: o.RootCAs, ServerName: o.ServerName, StepTimeout: o.StepTimeout, OnStep: o.OnStep,
		Addr: net.JoinHostPort(ep, strconv.Itoa(v.device.Port))}
	if o.Addr != "" {
		cfg.Addr = o.Addr
	}
	if cfg.RootCAs == nil {
		// The root CA file the image carries, as the device trusts it.
		_, _, root := v.claimPaths()
		b, err := model.ReadRegularFile(root, maxPEMSize)
		pool := x509.NewCertPool()
		if err != nil || !pool.AppendCertsFromPEM(b) {
			f := fail("root CA "+root+" cannot be read as PEM", applyFix("write Amazon Root CA 1"))
			return claimflow.Config{}, &f
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

func checkOtherPort(ctx context.Context, v *Verifier) Check {
	cfg, c := v.liveConfig()
	if c != nil {
		return skip("cannot connect: " + c.Detail)
	}
	port, alpn := otherPort(v.device)
	cfg.Profile.Port, cfg.Profile.ALPN, cfg.OnStep = port, alpn, nil
	if v.live.Addr == "" {
		host, _, _ := net.SplitHostPort(cfg.Addr)
		cfg.Addr = net.JoinHostPort(host, strconv.Itoa(port))
	}
	where := fmt.Sprintf("%s on %s", cfg.Addr, portLabel(port, alpn))
	st := claimflow.Connect(ctx, cfg)
	own := portLabel(v.device.Port, v.device.ALPN)
	if !st.OK {
		return Check{Status: Info, Detail: fmt.Sprintf("the claim could not connect to %s: %s; the devices use %s", where, st.Reason, own)}
	}
	return Check{Status: Info, Detail: fmt.Sprintf("the claim also connects to %s; the devices use %s", where, own)}
}

func checkRegister(ctx context.Context, v *Verifier) Check {
	cfg, c := v.liveConfig()
	if c != nil {
		return *c
	}
	if t, err := v.template(); err != nil {
		return awsErr(err)
	} else if !t.Found {
		return skip("no template (see provisioning template)")
	}
	var steps []Exchange
	add := func(name string, ok bool, detail string) { steps = append(steps, Exchange{name, ok, detail}) }
	done := func(ch Check) Check { ch.Steps = steps; return ch }

	// What an interrupted run left: deleted first, and said.
	left, err := v.pv.VerifyThings(ctx)
	if err != nil {
		return done(fail("could not look for things an earlier verify run left: "+err.Error(), verifyPermsFix))
	}
	for _, name := range sortedNames(left) {
		if err := v.pv.DeleteVerifyDevice(ctx, name, left[name]); err != nil {
			add("earlier run", false, "thing "+name+" left by an interrupted verify run: "+err.Error())
			return done(fail("could not delete what an earlier verify run left", verifyPermsFix))
		}
		add("earlier run", true, fmt.Sprintf("deleted thing %s and certificate %s, left by a verify run that was interrupted", name, shortIDs(left[name])))
	}

	b := make([]byte, 4)
	rand.Read(b)
	serial := provision.VerifyMarker + hex.EncodeToString(b)
	cfg.Parameters = provision.VerifyParams(v.device, v.names, serial)
	res, runErr := claimflow.Run(ctx, cfg)
	for _, st := range res.Steps {
		add(claimflow.Exchange(v.device, st.Name), st.OK, v.describeStep(cfg, res, st))
	}
	if ctx.Err() != nil {
		// Killed midway: nothing more is sent; the next run deletes it.
		what := "nothing was registered"
		if res.ThingName != "" {
			what = "thing " + res.ThingName + " is deleted by the next `fleetbake verify --register`"
		}
		return done(fail("interrupted: "+what, "run `fleetbake verify --register` again"))
	}
	// Delete what the run made, even if it failed after the certificate.
	if res.CertificateID != "" {
		if err := v.pv.DeleteVerifyDevice(context.WithoutCancel(ctx), res.ThingName, []string{res.CertificateID}); err != nil {
			add("clean up", false, err.Error())
			if runErr == nil {
				return done(fail("the device provisioned, but what it made could not all be deleted: "+err.Error(),
					verifyPermsFix+"; the next verify --register deletes what is left"))
			}
		} else if res.ThingName != "" {
			add("clean up", true, fmt.Sprintf("core policy detached from certificate %s, thing %s removed from group %s and detached, thing deleted, certificate deactivated and deleted",
				res.CertificateID[:12], res.ThingName, v.names.ThingGroup))
		} else {
			add("clean up", true, "certificate "+res.CertificateID[:12]+" deactivated and deleted")
		}
	}
	if runErr != nil {
		f := res.Failed()
		if f == nil {
			return done(fail(runErr.Error(), "run `fleetbake verify --register` again"))
		}
		return done(fail(fmt.Sprintf("%s failed: %s", claimflow.Exchange(v.device, f.Name), f.Reason), v.stepFix(cfg, *f)))
	}
	return done(pass(fmt.Sprintf("a %s device (meta-aws %s) provisioned thing %s through template %s over %s",
		v.device.Nucleus, v.device.Release, res.ThingName, v.names.ProvisioningTemplate, portLabel(cfg.Profile.Port, cfg.Profile.ALPN))))
}

const verifyPermsFix = "verify --register needs iot:ListThings, ListThingPrincipals, DetachPolicy, RemoveThingFromThingGroup, DetachThingPrincipal, DeleteThing, UpdateCertificate and DeleteCertificate (see README)"

// describeStep says what one exchange did.
func (v *Verifier) describeStep(cfg claimflow.Config, res claimflow.Result, st claimflow.Step) string {
	if !st.OK {
		return st.Reason
	}
	switch st.Name {
	case claimflow.StepConnect:
		return fmt.Sprintf("TLS with the claim certificate and CONNECT to %s on %s, client ID %s", cfg.Addr, portLabel(cfg.Profile.Port, cfg.Profile.ALPN), st.Topic)
	case claimflow.StepSubscribe:
		return "SUBSCRIBE " + st.Topic
	case claimflow.StepCertificate:
		return fmt.Sprintf("accepted on %s: certificate %s", st.Reason, res.CertificateID[:min(12, len(res.CertificateID))])
	case claimflow.StepRegister:
		return fmt.Sprintf("accepted on %s: thing %s", st.Reason, res.ThingName)
	}
	return st.Reason
}

// stepFix says what to change when an exchange failed, naming the policy
// action and resource it needed.
func (v *Verifier) stepFix(cfg claimflow.Config, f claimflow.Step) string {
	claim := fmt.Sprintf("the claim policy %s must allow ", v.names.ClaimPolicy)
	switch {
	case f.Name == claimflow.StepConnect && strings.HasPrefix(f.Reason, "TLS"):
		return "the claim certificate must be ACTIVE in this account and the root CA Amazon Root CA 1 (see the claim certificate and root CA checks)"
	case f.Name == claimflow.StepConnect:
		return claim + "iot:Connect on " + v.iotARN("client/"+f.Topic)
	case f.Name == claimflow.StepSubscribe:
		return claim + "iot:Subscribe on " + v.iotARN("topicfilter/"+f.Topic)
	case strings.HasPrefix(f.Reason, "PUBLISH"):
		return claim + "iot:Publish on " + v.iotARN("topic/"+f.Topic)
	case strings.HasPrefix(f.Reason, "no answer"):
		// AWS IoT drops a delivery the client may not receive, so a refused
		// Receive shows as silence.
		return fmt.Sprintf("AWS IoT delivers no answer the claim may not receive: %siot:Receive on %s and %s (see the claim policy check)",
			claim, v.iotARN("topic/"+f.Topic+"/accepted"), v.iotARN("topic/"+f.Topic+"/rejected"))
	case f.Name == claimflow.StepRegister:
		return "AWS IoT refused RegisterThing with template " + v.names.ProvisioningTemplate + ": " + applyFix("set the template, its role and group right")
	}
	return "run `fleetbake provision apply`, then verify again"
}

func sortedNames(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func shortIDs(ids []string) string {
	if len(ids) == 0 {
		return "(none)"
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id[:min(12, len(id))]
	}
	return strings.Join(out, ", ")
}
