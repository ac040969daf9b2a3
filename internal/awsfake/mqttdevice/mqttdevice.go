// Package mqttdevice plays a Greengrass device provisioning itself by claim over real MQTT 5 over TLS, the
// way model.DeviceProfile says the device of one nucleus and meta-aws branch does it: a fresh UUIDv4
// client ID, ALPN when the profile uses port 443, exactly the SUBSCRIBEs the nucleus sends, then the
// certificate request and RegisterThing, each answered on accepted or rejected.
package mqttdevice

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
	// StepTimeout bounds each exchange; default 3s.
	StepTimeout time.Duration
}

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

// Run provisions one device. The error names the step that failed; Result holds every step up to it.
func Run(ctx context.Context, cfg Config) (Result, error) {
	var res Result
	if cfg.StepTimeout == 0 {
		cfg.StepTimeout = 3 * time.Second
	}
	res.ClientID = newUUID()
	fail := func(name, topic, reason string) (Result, error) {
		res.Steps = append(res.Steps, Step{Name: name, Topic: topic, Reason: reason})
		return res, fmt.Errorf("%s %s: %s", name, topic, reason)
	}
	pass := func(name, topic, reason string) {
		res.Steps = append(res.Steps, Step{Name: name, Topic: topic, OK: true, Reason: reason})
	}

	claim, err := tls.X509KeyPair([]byte(cfg.ClaimCertPEM), []byte(cfg.ClaimKeyPEM))
	if err != nil {
		return fail(StepConnect, res.ClientID, "claim files: "+err.Error())
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
	conn, err := (&tls.Dialer{Config: tcfg}).DialContext(step, "tcp", cfg.Addr)
	cancel()
	if err != nil {
		return fail(StepConnect, res.ClientID, "TLS: "+err.Error())
	}
	if p := cfg.Profile.ALPN; p != "" && conn.(*tls.Conn).ConnectionState().NegotiatedProtocol != p {
		conn.Close()
		return fail(StepConnect, res.ClientID, "TLS: the endpoint did not accept ALPN "+p)
	}

	msgs := make(chan message, 16)
	gone := make(chan string, 2)
	lost := func(why string) {
		select {
		case gone <- why:
		default:
		}
	}
	c := paho.NewClient(paho.ClientConfig{
		// paho writes one packet in several Writes (net.Buffers on a tls.Conn) and its pinger writes from
		// another goroutine (a PINGREQ right after CONNACK): without the lock its documented
		// NewThreadSafeConn takes, the two interleave and the broker reads a malformed SUBSCRIBE (seen as
		// "malformed packet: topic" and a dropped connection under load; paho.golang packets/packets.go,
		// issue eclipse-paho/paho.golang#90).
		Conn: packets.NewThreadSafeConn(conn),
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(p paho.PublishReceived) (bool, error) {
			select {
			case msgs <- message{p.Packet.Topic, p.Packet.Payload}:
			default:
			}
			return true, nil
		}},
		OnServerDisconnect: func(d *paho.Disconnect) { lost(fmt.Sprintf("the endpoint disconnected (reason 0x%02x)", d.ReasonCode)) },
		OnClientError:      func(err error) { lost("connection lost: " + err.Error()) },
	})
	defer conn.Close()
	step, cancel = context.WithTimeout(ctx, cfg.StepTimeout)
	ca, err := c.Connect(step, &paho.Connect{ClientID: res.ClientID, KeepAlive: 30, CleanStart: true})
	cancel()
	if err != nil {
		reason := err.Error()
		if ca != nil {
			reason = fmt.Sprintf("CONNACK reason 0x%02x: %s", ca.ReasonCode, reason)
		}
		return fail(StepConnect, res.ClientID, reason)
	}
	pass(StepConnect, res.ClientID, "")
	defer c.Disconnect(&paho.Disconnect{ReasonCode: 0})

	topics := cfg.Profile.Topics(cfg.Template)
	subs := topics.Subscribe
	if cfg.Subscribe != nil {
		subs = cfg.Subscribe
	}
	for _, f := range subs {
		// One SUBSCRIBE per filter, as IotIdentityClient sends them.
		step, cancel = context.WithTimeout(ctx, cfg.StepTimeout)
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
	if ok, reason := exchange(StepCertificate, certTopic, certReq, &certAns); !ok {
		return fail(StepCertificate, certTopic, reason)
	} else {
		pass(StepCertificate, certTopic, reason)
	}
	res.CertificateID, res.CertificatePEM = certAns.CertificateID, certAns.CertificatePEM
	if certAns.PrivateKey != "" {
		res.PrivateKeyPEM = certAns.PrivateKey
	}
	params := cfg.Parameters
	if params == nil {
		params = map[string]string{}
	}
	var provAns struct {
		ThingName string `json:"thingName"`
	}
	if ok, reason := exchange(StepRegister, provTopic, map[string]any{"certificateOwnershipToken": certAns.Token, "parameters": params}, &provAns); !ok {
		return fail(StepRegister, provTopic, reason)
	} else {
		pass(StepRegister, provTopic, reason)
	}
	res.ThingName = provAns.ThingName
	return res, nil
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
