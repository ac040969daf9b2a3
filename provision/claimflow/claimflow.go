// Package claimflow is a device that provisions itself by claim over MQTT 5 over TLS, the way
// model.DeviceProfile says the device of one nucleus and meta-aws branch does it: a fresh UUIDv4 client
// ID, ALPN when the profile uses port 443, exactly the SUBSCRIBEs the nucleus sends, then the certificate
// request (CreateKeysAndCertificate or CreateCertificateFromCsr) and RegisterThing, each answered on
// accepted or rejected. `fleetbake verify --register` runs it against the account's data endpoint, and
// the AWS fake's tests run it against the fake's.
package claimflow

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"

	"fleetbake/model"
)

// Config is one device and the endpoint it connects to.
type Config struct {
	Profile      model.DeviceProfile
	Template     string
	ClaimCertPEM string
	ClaimKeyPEM  string
	RootCAs      *x509.CertPool
	Addr         string // host:port of the data endpoint
	ServerName   string // TLS server name; default the host of Addr
	Parameters   map[string]string
	// Subscribe, when not nil, replaces the filters the profile sends (tests of a misbehaving device).
	Subscribe []string
	// StepTimeout bounds each exchange; default DefaultStepTimeout.
	StepTimeout time.Duration
	// OnStep, when not nil, is called after each step, in order (progress, and tests that stop a run
	// after a given exchange by cancelling its context).
	OnStep func(Step)
}

// DefaultStepTimeout bounds one exchange when Config sets none. A refusal
// comes back at once (SUBACK, a closed connection); only an answer AWS IoT
// drops (no iot:Receive) is waited for, so the bound is generous: a slow
// link, or a test machine under load, must not look like a refusal.
const DefaultStepTimeout = 10 * time.Second

// Step names, in the terms of the provision-by-claim sequence.
const (
	StepConnect     = "connect"     // TLS with the claim certificate, then CONNECT (iot:Connect)
	StepSubscribe   = "subscribe"   // one SUBSCRIBE (iot:Subscribe)
	StepCertificate = "certificate" // CreateKeysAndCertificate or CreateCertificateFromCsr (iot:Publish, iot:Receive)
	StepRegister    = "register"    // RegisterThing through the template (iot:Publish, iot:Receive)
)

// Step is one exchange with the endpoint.
type Step struct {
	Name   string
	Topic  string // the client ID for connect, the filter for subscribe, the request topic otherwise
	OK     bool
	Reason string // why it failed, or the answer topic when it succeeded
}

// Result is what the device went through and, on success, what it got.
type Result struct {
	ClientID       string
	Steps          []Step
	CertificateID  string
	CertificatePEM string
	PrivateKeyPEM  string // the device key: AWS's (create) or the device's own (create-from-csr)
	ThingName      string
}

// Exchange names a step in the terms of the provision-by-claim sequence: the MQTT API the certificate
// step calls for this key flow, RegisterThing, or the step's own name.
func Exchange(p model.DeviceProfile, step string) string {
	switch step {
	case StepCertificate:
		if p.KeyFlow == model.KeyFlowCSR {
			return "CreateCertificateFromCsr"
		}
		return "CreateKeysAndCertificate"
	case StepRegister:
		return "RegisterThing"
	}
	return step
}

// Failed is the failed step, if any.
func (r Result) Failed() *Step {
	for i := range r.Steps {
		if !r.Steps[i].OK {
			return &r.Steps[i]
		}
	}
	return nil
}

type message struct {
	topic   string
	payload []byte
}

// session is one MQTT connection with the claim certificate.
type session struct {
	c    *paho.Client
	conn net.Conn
	msgs chan message
	gone chan string
}

func (ss *session) close() {
	ss.c.Disconnect(&paho.Disconnect{ReasonCode: 0})
	ss.conn.Close()
}

// connect opens TLS with the claim certificate (and the profile's ALPN) and sends CONNECT with a fresh
// client ID; reason says why it failed.
func connect(ctx context.Context, cfg Config, clientID string) (ss *session, reason string) {
	claim, err := tls.X509KeyPair([]byte(cfg.ClaimCertPEM), []byte(cfg.ClaimKeyPEM))
	if err != nil {
		return nil, "claim files: " + err.Error()
	}
	serverName := cfg.ServerName
	if serverName == "" {
		serverName, _, _ = net.SplitHostPort(cfg.Addr)
	}
	tcfg := &tls.Config{RootCAs: cfg.RootCAs, ServerName: serverName, Certificates: []tls.Certificate{claim}, MinVersion: tls.VersionTLS12}
	if cfg.Profile.ALPN != "" {
		tcfg.NextProtos = []string{cfg.Profile.ALPN}
	}
	step, cancel := context.WithTimeout(ctx, cfg.StepTimeout)
	defer cancel()
	conn, err := (&tls.Dialer{Config: tcfg}).DialContext(step, "tcp", cfg.Addr)
	if err != nil {
		return nil, "TLS: " + err.Error()
	}
	if p := cfg.Profile.ALPN; p != "" && conn.(*tls.Conn).ConnectionState().NegotiatedProtocol != p {
		conn.Close()
		return nil, "TLS: the endpoint did not accept ALPN " + p
	}
	ss = &session{conn: conn, msgs: make(chan message, 16), gone: make(chan string, 2)}
	lost := func(why string) {
		select {
		case ss.gone <- why:
		default:
		}
	}
	ss.c = paho.NewClient(paho.ClientConfig{
		// paho writes one packet in several Writes (net.Buffers on a tls.Conn) and its pinger writes from
		// another goroutine (a PINGREQ right after CONNACK): without the lock its documented
		// NewThreadSafeConn takes, the two interleave and the broker reads a malformed SUBSCRIBE (seen as
		// "malformed packet: topic" and a dropped connection under load; paho.golang packets/packets.go,
		// issue eclipse-paho/paho.golang#90).
		Conn: packets.NewThreadSafeConn(conn),
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(p paho.PublishReceived) (bool, error) {
			select {
			case ss.msgs <- message{p.Packet.Topic, p.Packet.Payload}:
			default:
			}
			return true, nil
		}},
		OnServerDisconnect: func(d *paho.Disconnect) { lost(fmt.Sprintf("the endpoint disconnected (reason 0x%02x)", d.ReasonCode)) },
		OnClientError:      func(err error) { lost("connection lost: " + err.Error()) },
	})
	ca, err := ss.c.Connect(step, &paho.Connect{ClientID: clientID, KeepAlive: 30, CleanStart: true})
	if err != nil {
		conn.Close()
		reason := err.Error()
		if ca != nil {
			reason = fmt.Sprintf("CONNACK reason 0x%02x: %s", ca.ReasonCode, reason)
		}
		return nil, reason
	}
	return ss, ""
}

// Connect is the connect step alone: TLS with the claim certificate and CONNECT with a fresh client ID,
// then DISCONNECT. It tells whether the device could reach the endpoint this way (another port).
func Connect(ctx context.Context, cfg Config) Step {
	if cfg.StepTimeout == 0 {
		cfg.StepTimeout = DefaultStepTimeout
	}
	id := newUUID()
	ss, reason := connect(ctx, cfg, id)
	if ss == nil {
		return Step{Name: StepConnect, Topic: id, Reason: reason}
	}
	ss.close()
	return Step{Name: StepConnect, Topic: id, OK: true}
}

// Run provisions one device. The error names the step that failed; Result holds every step up to it.
func Run(ctx context.Context, cfg Config) (Result, error) {
	var res Result
	if cfg.StepTimeout == 0 {
		cfg.StepTimeout = DefaultStepTimeout
	}
	res.ClientID = newUUID()
	record := func(st Step) {
		res.Steps = append(res.Steps, st)
		if cfg.OnStep != nil {
			cfg.OnStep(st)
		}
	}
	fail := func(name, topic, reason string) (Result, error) {
		record(Step{Name: name, Topic: topic, Reason: reason})
		return res, fmt.Errorf("%s %s: %s", name, topic, reason)
	}
	pass := func(name, topic, reason string) {
		record(Step{Name: name, Topic: topic, OK: true, Reason: reason})
	}

	ss, reason := connect(ctx, cfg, res.ClientID)
	if ss == nil {
		return fail(StepConnect, res.ClientID, reason)
	}
	defer ss.close()
	c, msgs, gone := ss.c, ss.msgs, ss.gone
	pass(StepConnect, res.ClientID, "")
	if err := ctx.Err(); err != nil {
		return res, err
	}

	topics := cfg.Profile.Topics(cfg.Template)
	subs := topics.Subscribe
	if cfg.Subscribe != nil {
		subs = cfg.Subscribe
	}
	for _, f := range subs {
		// One SUBSCRIBE per filter, as IotIdentityClient sends them.
		step, cancel := context.WithTimeout(ctx, cfg.StepTimeout)
		type subscribed struct {
			sa  *paho.Suback
			err error
		}
		done := make(chan subscribed, 1)
		go func() {
			sa, err := c.Subscribe(step, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: f, QoS: 1}}})
			done <- subscribed{sa, err}
		}()
		var sa *paho.Suback
		var err error
		select {
		case r := <-done:
			sa, err = r.sa, r.err
		case why := <-gone:
			// paho's Subscribe waits for its context even when the connection is gone: say why now.
			err = errors.New(why)
		}
		cancel()
		if err != nil {
			reason := err.Error()
			if sa != nil && len(sa.Reasons) == 1 {
				reason = fmt.Sprintf("SUBACK reason 0x%02x", sa.Reasons[0])
			}
			return fail(StepSubscribe, f, reason)
		}
		pass(StepSubscribe, f, "")
	}

	// exchange publishes a request and waits for its answer.
	exchange := func(name, topic string, body any, into any) (ok bool, reason string) {
		payload, _ := json.Marshal(body)
		step, cancel := context.WithTimeout(ctx, cfg.StepTimeout)
		defer cancel()
		// A refused PUBLISH closes the connection: do not wait for a PUBACK that will not come.
		published := make(chan error, 1)
		go func() {
			_, err := c.Publish(step, &paho.Publish{Topic: topic, QoS: 1, Payload: payload})
			published <- err
		}()
		select {
		case err := <-published:
			if err != nil {
				return false, "PUBLISH: " + err.Error()
			}
		case why := <-gone:
			return false, "PUBLISH refused: " + why
		}
		for {
			select {
			case m := <-msgs:
				switch m.topic {
				case topic + "/accepted":
					if err := json.Unmarshal(m.payload, into); err != nil {
						return false, "accepted answer: " + err.Error()
					}
					return true, m.topic
				case topic + "/rejected":
					var rej struct {
						StatusCode   int    `json:"statusCode"`
						ErrorCode    string `json:"errorCode"`
						ErrorMessage string `json:"errorMessage"`
					}
					json.Unmarshal(m.payload, &rej)
					return false, fmt.Sprintf("rejected: %d %s: %s", rej.StatusCode, rej.ErrorCode, rej.ErrorMessage)
				}
			case why := <-gone:
				return false, why
			case <-step.Done():
				return false, "no answer on " + topic + "/accepted or /rejected: " + step.Err().Error()
			}
		}
	}

	certTopic, provTopic := topics.Publish[0], topics.Publish[1]
	var certReq any = struct{}{}
	if cfg.Profile.KeyFlow == model.KeyFlowCSR {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return res, err
		}
		csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
		if err != nil {
			return res, err
		}
		der, _ := x509.MarshalECPrivateKey(key)
		res.PrivateKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
		certReq = map[string]string{"certificateSigningRequest": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr}))}
	}
	var certAns struct {
		CertificateID  string `json:"certificateId"`
		CertificatePEM string `json:"certificatePem"`
		PrivateKey     string `json:"privateKey"`
		Token          string `json:"certificateOwnershipToken"`
	}
	ok, answer := exchange(StepCertificate, certTopic, certReq, &certAns)
	if !ok {
		return fail(StepCertificate, certTopic, answer)
	}
	// Known before the step is reported, so that a caller stopped from OnStep can still delete it.
	res.CertificateID, res.CertificatePEM = certAns.CertificateID, certAns.CertificatePEM
	if certAns.PrivateKey != "" {
		res.PrivateKeyPEM = certAns.PrivateKey
	}
	pass(StepCertificate, certTopic, answer)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	params := cfg.Parameters
	if params == nil {
		params = map[string]string{}
	}
	var provAns struct {
		ThingName string `json:"thingName"`
	}
	ok, answer = exchange(StepRegister, provTopic, map[string]any{"certificateOwnershipToken": certAns.Token, "parameters": params}, &provAns)
	if !ok {
		return fail(StepRegister, provTopic, answer)
	}
	res.ThingName = provAns.ThingName
	pass(StepRegister, provTopic, answer)
	return res, ctx.Err()
}

// newUUID is a random (version 4) UUID, the client ID both nuclei use.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(errors.New("crypto/rand: " + err.Error()))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
