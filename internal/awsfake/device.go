package awsfake

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"fleetbake/provision/iotpolicy"
)

// This file plays the device side of fleet provisioning by claim: what a Greengrass nucleus does on first
// boot with the claim certificate baked into its image. It goes through the AWS IoT authorization of the
// claim certificate's policies for every MQTT operation of the flow, then runs the provisioning template
// the way RegisterThing does. Tests use it to check that what fleetbake set up actually provisions a device
// of the nucleus and meta-aws generation chosen, and lets it do nothing else.

// DeviceRequest is one device provisioning itself.
type DeviceRequest struct {
	// ClaimCertPEM and ClaimKeyPEM are the claim files of the image. The certificate must be one the account
	// holds, ACTIVE, and the key must match it (the TLS handshake fails otherwise).
	ClaimCertPEM, ClaimKeyPEM string
	// Template is the provisioning template name the device is configured with.
	Template string
	// CSR selects the certificate API: true for CreateCertificateFromCsr ($aws/certificates/create-from-csr,
	// greengrass-lite), false for CreateKeysAndCertificate ($aws/certificates/create, the Java nucleus's
	// fleet provisioning plugin without csrPath, as meta-aws configures it).
	CSR bool
	// Parameters are the template parameters the device sends.
	Parameters map[string]string
	// ClientID is the MQTT client ID; empty means a random UUID-like ID, as both nuclei use.
	ClientID string
	// Subscribe are the topic filters the device sends as MQTT SUBSCRIBE, exactly as it sends them
	// (model.DeviceProfile.Topics). AWS IoT answers the fleet provisioning API on the connection that
	// published, so a device that subscribes to nothing (greengrass-lite) still receives the answers.
	Subscribe []string
}

// DeviceResult is what RegisterThing made.
type DeviceResult struct {
	ThingName     string
	CertificateID string // the device's own certificate
	ThingGroups   []string
	Policies      []string // IoT policies attached to the device certificate
}

// KindThing is the thing kind in Resources: things made by ProvisionDevice.
const KindThing = "iot:thing"

type thing struct {
	name, arn  string
	groups     []string
	principals []string
	created    time.Time
}

// ProvisionDevice runs the MQTT fleet provisioning flow of one device against the account: connect with the
// claim certificate, send the device's SUBSCRIBEs, publish the certificate request, receive the answer, then
// the same for the template's provision topic, and finally RegisterThing. Every
// MQTT step is authorized against the IoT policies attached to the claim certificate, as AWS IoT does; a
// refused step returns an error naming the action and resource. Nothing is counted as an API call.
func (s *Server) ProvisionDevice(req DeviceRequest) (*DeviceResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	claim, err := s.claimCertLocked(req.ClaimCertPEM, req.ClaimKeyPEM)
	if err != nil {
		return nil, err
	}
	clientID := req.ClientID
	if clientID == "" {
		clientID = fmt.Sprintf("%08x-0000-4000-8000-%012x", st.seq, time.Now().UnixNano()&0xffffffffffff)
	}
	flow := "create"
	if req.CSR {
		flow = "create-from-csr"
	}
	certTopic := "$aws/certificates/" + flow + "/json"
	provTopic := "$aws/provisioning-templates/" + req.Template + "/provision/json"
	steps := [][2]string{{"iot:Connect", "client/" + clientID}}
	for _, f := range req.Subscribe {
		steps = append(steps, [2]string{"iot:Subscribe", "topicfilter/" + f})
	}
	steps = append(steps,
		[2]string{"iot:Publish", "topic/" + certTopic},
		[2]string{"iot:Receive", "topic/" + certTopic + "/accepted"},
		[2]string{"iot:Publish", "topic/" + provTopic},
		[2]string{"iot:Receive", "topic/" + provTopic + "/accepted"},
	)
	for _, step := range steps {
		arn := s.iotARN(step[1])
		if d := s.authorizedLocked(claim.arn, clientID, step[0], arn); !d.Allowed {
			return nil, fmt.Errorf("AUTHORIZATION_FAILURE: the claim certificate's policies do not allow %s on %s: %s", step[0], arn, d)
		}
	}
	// The certificate API answered: a new certificate, inactive until the template activates it.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	ca, err := s.caLocked()
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	x, p, id, err := ca.issue(&key.PublicKey, now)
	if err != nil {
		return nil, err
	}
	device := &certificate{id: id, arn: s.iotARN("cert/" + id), pem: p, status: "INACTIVE", created: now, modified: now, cert: x, customerVersion: 1}
	st.certs[id] = device
	res, err := s.registerThingLocked(req.Template, req.Parameters, device)
	if err != nil {
		// RegisterThing failed: the certificate stays, inactive and without a thing, as on AWS.
		return nil, err
	}
	return res, nil
}

// claimCertLocked finds the claim certificate by its PEM and checks it may connect.
func (s *Server) claimCertLocked(certPEM, keyPEM string) (*certificate, error) {
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("TLS: the claim certificate file is not a PEM certificate")
	}
	sum := sha256.Sum256(block.Bytes)
	cert := s.st.certs[hex.EncodeToString(sum[:])]
	if cert == nil {
		return nil, fmt.Errorf("TLS: the claim certificate is not registered in this account")
	}
	if cert.status != "ACTIVE" {
		return nil, fmt.Errorf("TLS: the claim certificate %s is %s", cert.id, cert.status)
	}
	if keyPEM != "" {
		kb, _ := pem.Decode([]byte(keyPEM))
		if kb == nil {
			return nil, fmt.Errorf("TLS: the claim key file is not PEM")
		}
		var pub crypto.PublicKey
		if k, err := x509.ParsePKCS1PrivateKey(kb.Bytes); err == nil {
			pub = &k.PublicKey
		} else if k, err := x509.ParseECPrivateKey(kb.Bytes); err == nil {
			pub = &k.PublicKey
		} else if k, err := x509.ParsePKCS8PrivateKey(kb.Bytes); err == nil {
			if sg, ok := k.(crypto.Signer); ok {
				pub = sg.Public()
			}
		}
		type equaler interface{ Equal(crypto.PublicKey) bool }
		e, ok := pub.(equaler)
		if !ok || !e.Equal(cert.cert.PublicKey) {
			return nil, fmt.Errorf("TLS: the claim key does not belong to the claim certificate")
		}
	}
	return cert, nil
}

// authorizedLocked evaluates the default versions of the IoT policies attached to principal for one
// action on one resource, with the AWS IoT Core rules of provision/iotpolicy.
func (s *Server) authorizedLocked(principal, clientID, action, resource string) iotpolicy.Decision {
	return iotpolicy.Evaluate(s.st.policyDocs(s.st.policiesOf(principal)),
		iotpolicy.Request{Action: action, Resource: resource, Vars: s.st.connectionVars(principal, clientID)})
}

// policyDocs parses the default versions of the named IoT policies, in order. A document the evaluator
// cannot read (a Condition operator it does not support) is left out: it grants nothing here.
func (st *state) policyDocs(names []string) []iotpolicy.Document {
	var docs []iotpolicy.Document
	for _, name := range names {
		p := st.iotPolicies[name]
		if p == nil {
			continue
		}
		v := p.version(p.defaultVersion)
		if v == nil {
			continue
		}
		if d, err := iotpolicy.Parse(name, v.document); err == nil {
			docs = append(docs, d)
		}
	}
	return docs
}

// connectionVars are the policy variables of a connection by a certificate: the client ID and, when the
// certificate is attached to a thing, the thing variables (thing-policy-variables.html). Of several things
// the one named as the client ID is taken, as the guide asks for non-exclusive association.
func (st *state) connectionVars(principal, clientID string) iotpolicy.Context {
	vars := iotpolicy.Context{}
	if clientID != "" {
		vars[iotpolicy.KeyClientID] = clientID
	}
	var attached []*thing
	for _, name := range sortedKeys(st.things) {
		if th := st.things[name]; slices.Contains(th.principals, principal) {
			attached = append(attached, th)
		}
	}
	var th *thing
	if len(attached) == 1 {
		th = attached[0]
	}
	for _, a := range attached {
		if a.name == clientID {
			th = a
		}
	}
	vars[iotpolicy.KeyThingIsAttached] = strconv.FormatBool(th != nil)
	if th != nil {
		vars[iotpolicy.KeyThingName] = th.name
	}
	return vars
}

var thingNamePattern = regexp.MustCompile(`^[a-zA-Z0-9:_-]{1,128}$`)

// registerThingLocked runs a fleet provisioning template for a device certificate, all or nothing, with
// the checks RegisterThing makes: the template exists, is a FLEET_PROVISIONING template and enabled, its
// provisioning role can be assumed by IoT and may register things, every Ref has a value, the thing name is
// valid, the thing groups and policies it names exist.
func (s *Server) registerThingLocked(name string, params map[string]string, device *certificate) (*DeviceResult, error) {
	st := s.st
	t := st.templates[name]
	if t == nil {
		return nil, fmt.Errorf("RegisterThing rejected (404 ResourceNotFoundException): template %s does not exist", name)
	}
	if t.kind != "FLEET_PROVISIONING" {
		return nil, fmt.Errorf("RegisterThing rejected (400 InvalidRequestException): template %s is of type %s", name, t.kind)
	}
	if !t.enabled {
		return nil, fmt.Errorf("RegisterThing rejected (400 InvalidRequestException): template %s is disabled", name)
	}
	m := roleARNPattern.FindStringSubmatch(t.roleArn)
	var r *role
	if m != nil && m[1] == s.account {
		r = st.role(m[2])
	}
	if r == nil || !trustAllows(r.trust, "iot.amazonaws.com") {
		return nil, fmt.Errorf("RegisterThing rejected (400 InvalidRequestException): AWS IoT cannot assume the provisioning role %s", t.roleArn)
	}
	if !slices.Contains(r.attached, ThingsRegistrationPolicyARN) && len(r.inline) == 0 && len(r.attached) == 0 {
		return nil, fmt.Errorf("RegisterThing rejected (403 AccessDenied): the provisioning role %s has no permissions (attach %s)", t.roleArn, ThingsRegistrationPolicyARN)
	}
	var body string
	for _, v := range t.versions {
		if v.id == t.defaultVersion {
			body = v.body
		}
	}
	var tb struct {
		Parameters map[string]struct {
			Type    string  `json:"Type"`
			Default *string `json:"Default"`
		} `json:"Parameters"`
		Resources map[string]struct {
			Type       string                     `json:"Type"`
			Properties map[string]json.RawMessage `json:"Properties"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal([]byte(body), &tb); err != nil {
		return nil, fmt.Errorf("RegisterThing rejected (400 InvalidRequestException): template body: %v", err)
	}
	values := map[string]string{}
	for p, decl := range tb.Parameters {
		if v, ok := params[p]; ok {
			values[p] = v
		} else if decl.Default != nil {
			values[p] = *decl.Default
		}
	}
	if _, ok := tb.Parameters["AWS::IoT::Certificate::Id"]; ok {
		values["AWS::IoT::Certificate::Id"] = device.id
	}
	resolve := func(raw json.RawMessage) (any, error) { return resolveTemplateValue(raw, values, tb.Parameters) }

	// Pass one: resolve and check everything; pass two: change the account.
	var thingName string
	var groups, policies []string
	activate := false
	for logical, res := range tb.Resources {
		switch res.Type {
		case "AWS::IoT::Thing":
			v, err := resolve(res.Properties["ThingName"])
			if err != nil {
				return nil, fmt.Errorf("RegisterThing rejected (400 InvalidParametersException): %s.ThingName: %v", logical, err)
			}
			n, _ := v.(string)
			if !thingNamePattern.MatchString(n) {
				return nil, fmt.Errorf("RegisterThing rejected (400 InvalidRequestException): thing name %q does not match [a-zA-Z0-9:_-]{1,128}", n)
			}
			thingName = n
			if raw, ok := res.Properties["ThingGroups"]; ok {
				v, err := resolve(raw)
				if err != nil {
					return nil, fmt.Errorf("RegisterThing rejected (400 InvalidParametersException): %s.ThingGroups: %v", logical, err)
				}
				list, _ := v.([]any)
				for _, g := range list {
					gs, _ := g.(string)
					if st.thingGroups[gs] == nil {
						return nil, fmt.Errorf("RegisterThing rejected (400 InvalidRequestException): thing group %q does not exist", gs)
					}
					groups = append(groups, gs)
				}
			}
		case "AWS::IoT::Policy":
			v, err := resolve(res.Properties["PolicyName"])
			if err != nil {
				return nil, fmt.Errorf("RegisterThing rejected (400 InvalidParametersException): %s.PolicyName: %v", logical, err)
			}
			pn, _ := v.(string)
			if st.iotPolicies[pn] == nil {
				return nil, fmt.Errorf("RegisterThing rejected (400 InvalidRequestException): policy %q does not exist", pn)
			}
			policies = append(policies, pn)
		case "AWS::IoT::Certificate":
			v, err := resolve(res.Properties["CertificateId"])
			if err != nil {
				return nil, fmt.Errorf("RegisterThing rejected (400 InvalidParametersException): %s.CertificateId: %v", logical, err)
			}
			if v != device.id {
				return nil, fmt.Errorf("RegisterThing rejected (400 InvalidRequestException): %s.CertificateId is not the certificate of this request", logical)
			}
			if raw, ok := res.Properties["Status"]; ok {
				sv, err := resolve(raw)
				if err != nil {
					return nil, err
				}
				switch strings.ToUpper(fmt.Sprint(sv)) {
				case "ACTIVE":
					activate = true
				case "INACTIVE":
				default:
					return nil, fmt.Errorf("RegisterThing rejected (400 InvalidRequestException): certificate status %v", sv)
				}
			}
		default:
			return nil, fmt.Errorf("RegisterThing rejected (400 InvalidRequestException): resource %s has unsupported type %s", logical, res.Type)
		}
	}
	if thingName == "" {
		return nil, fmt.Errorf("RegisterThing rejected (400 InvalidRequestException): template %s makes no thing", name)
	}
	if st.things == nil {
		st.things = map[string]*thing{}
	}
	th := st.things[thingName]
	if th == nil {
		th = &thing{name: thingName, arn: s.iotARN("thing/" + thingName), created: time.Now().UTC()}
		st.things[thingName] = th
	}
	th.groups = groups // OverrideSettings REPLACE
	th.principals = append(th.principals, device.arn)
	for _, pn := range policies {
		if st.attachments[pn] == nil {
			st.attachments[pn] = map[string]bool{}
		}
		st.attachments[pn][device.arn] = true
	}
	if activate {
		device.status = "ACTIVE"
		device.modified = time.Now().UTC()
	}
	return &DeviceResult{ThingName: thingName, CertificateID: device.id, ThingGroups: groups, Policies: st.policiesOf(device.arn)}, nil
}

// resolveTemplateValue evaluates a template property: a literal, {"Ref": p}, {"Fn::Join": [sep, [parts]]} or
// a list of those.
func resolveTemplateValue(raw json.RawMessage, values map[string]string, declared map[string]struct {
	Type    string  `json:"Type"`
	Default *string `json:"Default"`
}) (any, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("missing")
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	var eval func(v any) (any, error)
	eval = func(v any) (any, error) {
		switch x := v.(type) {
		case string, bool, float64:
			return x, nil
		case []any:
			out := make([]any, 0, len(x))
			for _, e := range x {
				r, err := eval(e)
				if err != nil {
					return nil, err
				}
				out = append(out, r)
			}
			return out, nil
		case map[string]any:
			if ref, ok := x["Ref"]; ok && len(x) == 1 {
				name, _ := ref.(string)
				if _, ok := declared[name]; !ok {
					return nil, fmt.Errorf("Ref to undeclared parameter %q", name)
				}
				val, ok := values[name]
				if !ok {
					return nil, fmt.Errorf("parameter %q has no value: the device did not send it and it has no Default", name)
				}
				return val, nil
			}
			if j, ok := x["Fn::Join"]; ok && len(x) == 1 {
				args, _ := j.([]any)
				if len(args) != 2 {
					return nil, fmt.Errorf("Fn::Join needs [delimiter, [values]]")
				}
				sep, _ := args[0].(string)
				parts, err := eval(args[1])
				if err != nil {
					return nil, err
				}
				list, ok := parts.([]any)
				if !ok {
					return nil, fmt.Errorf("Fn::Join needs a list of values")
				}
				var ss []string
				for _, p := range list {
					ps, ok := p.(string)
					if !ok {
						return nil, fmt.Errorf("Fn::Join value %v is not a string", p)
					}
					ss = append(ss, ps)
				}
				return strings.Join(ss, sep), nil
			}
			return x, nil // a literal object (AttributePayload)
		}
		return v, nil
	}
	return eval(v)
}

// Things lists the things in the account (made by ProvisionDevice), sorted.
func (s *Server) Things() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.st.things)
}
