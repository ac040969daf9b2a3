package awsfake

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// This file is the fake's AWS IoT data endpoint: MQTT (3.1.1 and 5) over TLS with client certificates,
// served by the mochi-mqtt broker. Every CONNECT, SUBSCRIBE, PUBLISH and delivery is authorized with the
// AWS IoT Core policy rules (provision/iotpolicy) against the IoT policies attached to the certificate the
// client presented, and the fleet provisioning MQTT API (CreateKeysAndCertificate,
// CreateCertificateFromCsr, RegisterThing) is answered on the connection that published the request.

// MQTTALPN is the ALPN protocol AWS IoT accepts for MQTT with X.509 client certificates on port 443.
const MQTTALPN = "x-amzn-mqtt-ca"

// MQTTServerName is a host name the endpoint's certificate is valid for (besides localhost and 127.0.0.1),
// shaped like an account's ATS data endpoint.
const MQTTServerName = "fleetbake-fake-ats.iot.us-east-1.amazonaws.com"

type mqttEndpoint struct {
	broker *mqtt.Server
	ln     net.Listener
	roots  *x509.CertPool

	mu    sync.Mutex                 // guards conns
	conns map[*mqtt.Client]*mqttConn // authenticated connections

	tokens map[string]string // certificateOwnershipToken -> certificate ID; guarded by Server.mu
}

// mqttConn is one connection's identity: the certificate it presented.
type mqttConn struct {
	principal string // certificate ARN
	// subscribing are the filters of the SUBSCRIBE being handled, so that the broker's ACL check of a
	// filter is told apart from its ACL check of a delivery (iot:Subscribe vs iot:Receive).
	subscribing map[string]bool
}

// StartMQTT starts the MQTT-over-TLS endpoint on 127.0.0.1 and returns its address (host:port). The server
// certificate is issued by the fake's CA (MQTTRootCAs) for localhost, 127.0.0.1 and MQTTServerName. Clients
// must present a certificate the fake holds, ACTIVE; ALPN x-amzn-mqtt-ca and plain TLS are both accepted.
// Calling it again returns the running endpoint's address. Close stops it.
func (s *Server) StartMQTT() (string, error) {
	s.mqttMu.Lock()
	defer s.mqttMu.Unlock()
	if s.mqtt != nil {
		return s.mqtt.ln.Addr().String(), nil
	}
	s.mu.Lock()
	ca, err := s.caLocked()
	s.mu.Unlock()
	if err != nil {
		return "", err
	}
	serverCert, err := ca.issueServer()
	if err != nil {
		return "", err
	}
	ep := &mqttEndpoint{roots: x509.NewCertPool(), conns: map[*mqtt.Client]*mqttConn{}, tokens: map[string]string{}}
	ep.roots.AddCert(ca.cert)
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{serverCert},
		NextProtos:   []string{MQTTALPN},
		// AWS IoT checks the client certificate against the account's registered certificates, not a chain.
		ClientAuth:            tls.RequireAnyClientCert,
		VerifyPeerCertificate: s.verifyClientCert,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	ep.ln = &refusingListener{Listener: ln, cfg: cfg}
	ep.broker = mqtt.New(&mqtt.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := ep.broker.AddHook(&iotHook{s: s, ep: ep}, nil); err != nil {
		ln.Close()
		return "", err
	}
	if err := ep.broker.AddListener(listeners.NewNet("iot", ep.ln)); err != nil {
		ln.Close()
		return "", err
	}
	if err := ep.broker.Serve(); err != nil {
		ln.Close()
		return "", err
	}
	s.mqtt = ep
	return ep.ln.Addr().String(), nil
}

// MQTTRootCAs is the pool that verifies the MQTT endpoint's server certificate (the fake's CA), or nil
// before StartMQTT.
func (s *Server) MQTTRootCAs() *x509.CertPool {
	s.mqttMu.Lock()
	defer s.mqttMu.Unlock()
	if s.mqtt == nil {
		return nil
	}
	return s.mqtt.roots
}

func (s *Server) stopMQTT() {
	s.mqttMu.Lock()
	defer s.mqttMu.Unlock()
	if s.mqtt != nil {
		s.mqtt.broker.Close()
		s.mqtt = nil
	}
}

// verifyClientCert refuses the TLS handshake unless the client certificate is one the account holds and
// it is ACTIVE, as AWS IoT does.
func (s *Server) verifyClientCert(raw [][]byte, _ [][]*x509.Certificate) error {
	if len(raw) == 0 {
		return errors.New("no client certificate")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.certByDERLocked(raw[0])
	return err
}

func (s *Server) certByDERLocked(der []byte) (*certificate, error) {
	sum := sha256.Sum256(der)
	cert := s.st.certs[hex.EncodeToString(sum[:])]
	if cert == nil {
		return nil, errors.New("the client certificate is not registered in this account")
	}
	if cert.status != "ACTIVE" {
		return nil, fmt.Errorf("the client certificate %s is %s", cert.id, cert.status)
	}
	return cert, nil
}

// issueServer makes the endpoint's TLS certificate.
func (ca *fakeCA) issueServer() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "*.iot.us-east-1.amazonaws.com"},
		DNSNames:     []string{"localhost", MQTTServerName, "*.iot.us-east-1.amazonaws.com"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// iotHook authorizes every MQTT operation with AWS IoT policy rules and serves the fleet provisioning API.
type iotHook struct {
	mqtt.HookBase
	s  *Server
	ep *mqttEndpoint
}

func (h *iotHook) ID() string { return "aws-iot" }

func (h *iotHook) Provides(b byte) bool {
	switch b {
	case mqtt.OnConnect, mqtt.OnConnectAuthenticate, mqtt.OnACLCheck, mqtt.OnSubscribe, mqtt.OnSubscribed,
		mqtt.OnPublished, mqtt.OnDisconnect:
		return true
	}
	return false
}

func (h *iotHook) conn(cl *mqtt.Client) *mqttConn {
	h.ep.mu.Lock()
	defer h.ep.mu.Unlock()
	return h.ep.conns[cl]
}

// authorize evaluates one action of a connection on an IoT resource ("client/…", "topic/…", "topicfilter/…").
func (h *iotHook) authorize(cl *mqtt.Client, principal, action, resource string) bool {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.s.authorizedLocked(principal, cl.ID, action, h.s.iotARN(resource)).Allowed
}

// OnConnect maps the TLS client certificate to the account's certificate and authorizes iot:Connect on
// client/<clientId>. A refused CONNECT gets CONNACK "not authorized" and the connection is closed.
func (h *iotHook) OnConnect(cl *mqtt.Client, pk packets.Packet) error {
	refuse := func() error {
		code := packets.ErrNotAuthorized
		if cl.Properties.ProtocolVersion < 5 {
			code = packets.Err3NotAuthorized
		}
		h.ep.broker.SendConnack(cl, code, false, nil)
		return packets.ErrNotAuthorized
	}
	tc, ok := cl.Net.Conn.(interface{ ConnectionState() tls.ConnectionState })
	if !ok {
		return refuse()
	}
	peers := tc.ConnectionState().PeerCertificates
	if len(peers) == 0 {
		return refuse()
	}
	h.s.mu.Lock()
	cert, err := h.s.certByDERLocked(peers[0].Raw)
	h.s.mu.Unlock()
	if err != nil || !h.authorize(cl, cert.arn, "iot:Connect", "client/"+cl.ID) {
		return refuse()
	}
	h.ep.mu.Lock()
	h.ep.conns[cl] = &mqttConn{principal: cert.arn}
	h.ep.mu.Unlock()
	return nil
}

// OnConnectAuthenticate lets in the connections OnConnect authorized.
func (h *iotHook) OnConnectAuthenticate(cl *mqtt.Client, _ packets.Packet) bool {
	return h.conn(cl) != nil
}

func (h *iotHook) OnDisconnect(cl *mqtt.Client, _ error, _ bool) {
	h.ep.mu.Lock()
	delete(h.ep.conns, cl)
	h.ep.mu.Unlock()
}

func (h *iotHook) OnSubscribe(cl *mqtt.Client, pk packets.Packet) packets.Packet {
	if c := h.conn(cl); c != nil {
		h.ep.mu.Lock()
		c.subscribing = map[string]bool{}
		for _, f := range pk.Filters {
			c.subscribing[f.Filter] = true
		}
		h.ep.mu.Unlock()
	}
	return pk
}

func (h *iotHook) OnSubscribed(cl *mqtt.Client, _ packets.Packet, _ []byte) {
	if c := h.conn(cl); c != nil {
		h.ep.mu.Lock()
		c.subscribing = nil
		h.ep.mu.Unlock()
	}
}

// OnACLCheck authorizes a PUBLISH (iot:Publish on topic/<topic>), a SUBSCRIBE filter (iot:Subscribe on
// topicfilter/<filter as sent>, wildcards literal) and each delivery to the client (iot:Receive on
// topic/<topic>). An unauthorized PUBLISH disconnects the client, as AWS IoT does; an unauthorized filter
// gets a failure code in SUBACK; an unauthorized delivery is dropped.
func (h *iotHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	c := h.conn(cl)
	if c == nil {
		return false
	}
	if write {
		if h.authorize(cl, c.principal, "iot:Publish", "topic/"+topic) {
			return true
		}
		h.ep.broker.DisconnectClient(cl, packets.ErrNotAuthorized)
		return false
	}
	h.ep.mu.Lock()
	subscribing := c.subscribing[topic]
	h.ep.mu.Unlock()
	if subscribing {
		return h.authorize(cl, c.principal, "iot:Subscribe", "topicfilter/"+topic)
	}
	return h.authorize(cl, c.principal, "iot:Receive", "topic/"+topic)
}

var provisionTopic = regexp.MustCompile(`^\$aws/provisioning-templates/([^/]+)/provision/(json|cbor)$`)

// OnPublished serves the fleet provisioning MQTT API: the answer goes to <request>/accepted or
// <request>/rejected on the connection that published the request, whether or not it subscribed, and only
// if the connection may iot:Receive that topic.
func (h *iotHook) OnPublished(cl *mqtt.Client, pk packets.Packet) {
	c := h.conn(cl)
	if c == nil {
		return
	}
	topic := pk.TopicName
	var answer any
	var ok bool
	switch {
	case topic == "$aws/certificates/create/json":
		answer, ok = h.s.mqttCreateKeysAndCertificate(h.ep.tokens, pk.Payload)
	case topic == "$aws/certificates/create-from-csr/json":
		answer, ok = h.s.mqttCreateCertificateFromCsr(h.ep.tokens, pk.Payload)
	case provisionTopic.MatchString(topic) && strings.HasSuffix(topic, "/json"):
		answer, ok = h.s.mqttRegisterThing(h.ep.tokens, provisionTopic.FindStringSubmatch(topic)[1], pk.Payload)
	case topic == "$aws/certificates/create/cbor", topic == "$aws/certificates/create-from-csr/cbor", provisionTopic.MatchString(topic):
		answer = mqttRejection(400, "InvalidPayload", "the fake serves the JSON payload format only")
	default:
		return
	}
	out := topic + "/rejected"
	if ok {
		out = topic + "/accepted"
	}
	if !h.authorize(cl, c.principal, "iot:Receive", "topic/"+out) {
		return // AWS IoT does not deliver what the client may not receive
	}
	body, _ := json.Marshal(answer)
	cl.WritePacket(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish}, TopicName: out, Payload: body})
}

func mqttRejection(status int, code, msg string) map[string]any {
	return map[string]any{"statusCode": status, "errorCode": code, "errorMessage": msg}
}

// newOwnershipTokenLocked records a certificateOwnershipToken for a certificate the MQTT API made.
func (s *Server) newOwnershipTokenLocked(tokens map[string]string, certID string) string {
	b := make([]byte, 32)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	tokens[tok] = certID
	return tok
}

func (s *Server) mqttIssueLocked(pub any) (*certificate, error) {
	ca, err := s.caLocked()
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	x, p, id, err := ca.issue(pub, now)
	if err != nil {
		return nil, err
	}
	cert := &certificate{id: id, arn: s.iotARN("cert/" + id), pem: p, status: "INACTIVE", created: now, modified: now, cert: x, customerVersion: 1}
	s.st.certs[id] = cert
	return cert, nil
}

// mqttCreateKeysAndCertificate is $aws/certificates/create/json: a new key and an inactive certificate.
func (s *Server) mqttCreateKeysAndCertificate(tokens map[string]string, payload []byte) (any, bool) {
	if len(payload) > 0 && !json.Valid(payload) {
		return mqttRejection(400, "InvalidPayload", "the payload is not JSON"), false
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return mqttRejection(500, "InternalError", err.Error()), false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cert, err := s.mqttIssueLocked(&key.PublicKey)
	if err != nil {
		return mqttRejection(500, "InternalError", err.Error()), false
	}
	der, _ := x509.MarshalECPrivateKey(key)
	return map[string]any{"certificateId": cert.id, "certificatePem": cert.pem,
		"privateKey":                string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})),
		"certificateOwnershipToken": s.newOwnershipTokenLocked(tokens, cert.id)}, true
}

// mqttCreateCertificateFromCsr is $aws/certificates/create-from-csr/json.
func (s *Server) mqttCreateCertificateFromCsr(tokens map[string]string, payload []byte) (any, bool) {
	var in struct {
		CSR string `json:"certificateSigningRequest"`
	}
	if err := json.Unmarshal(payload, &in); err != nil || in.CSR == "" {
		return mqttRejection(400, "InvalidPayload", "the payload must be JSON with certificateSigningRequest"), false
	}
	block, _ := pem.Decode([]byte(in.CSR))
	if block == nil || block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST" {
		return mqttRejection(400, "InvalidCertificateSigningRequest", "the certificate signing request is not a PEM CERTIFICATE REQUEST"), false
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err == nil {
		err = csr.CheckSignature()
	}
	if err != nil {
		return mqttRejection(400, "InvalidCertificateSigningRequest", err.Error()), false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cert, err := s.mqttIssueLocked(csr.PublicKey)
	if err != nil {
		return mqttRejection(400, "InvalidCertificateSigningRequest", err.Error()), false
	}
	return map[string]any{"certificateId": cert.id, "certificatePem": cert.pem,
		"certificateOwnershipToken": s.newOwnershipTokenLocked(tokens, cert.id)}, true
}

var registerRejection = regexp.MustCompile(`^RegisterThing rejected \((\d+) (\w+)\): (.*)$`)

// mqttRegisterThing is $aws/provisioning-templates/<name>/provision/json.
func (s *Server) mqttRegisterThing(tokens map[string]string, template string, payload []byte) (any, bool) {
	var in struct {
		Token      string            `json:"certificateOwnershipToken"`
		Parameters map[string]string `json:"parameters"`
	}
	if err := json.Unmarshal(payload, &in); err != nil {
		return mqttRejection(400, "InvalidPayload", "the payload must be JSON with certificateOwnershipToken and parameters"), false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := tokens[in.Token]
	cert := s.st.certs[id]
	if !ok || cert == nil {
		return mqttRejection(400, "InvalidCertificateOwnershipToken", "the certificate ownership token is not valid"), false
	}
	res, err := s.registerThingLocked(template, in.Parameters, cert)
	if err != nil {
		if m := registerRejection.FindStringSubmatch(err.Error()); m != nil {
			status, _ := strconv.Atoi(m[1])
			return mqttRejection(status, m[2], m[3]), false
		}
		return mqttRejection(400, "InvalidRequestException", err.Error()), false
	}
	delete(tokens, in.Token)
	return map[string]any{"deviceConfiguration": map[string]any{}, "thingName": res.ThingName}, true
}

// refusingListener is tls.NewListener, except that a connection whose handshake fails is kept open,
// read and discarded, until the client closes it (or 2 s pass). With TLS 1.3 the client's handshake ends
// before the server has judged its certificate; a server that closes at once makes the client's first
// write fail with a broken pipe or a reset, which loses the bad_certificate alert already sent. Lingering
// lets the client read that alert, as a device reads it from AWS IoT, whatever the timing.
type refusingListener struct {
	net.Listener
	cfg *tls.Config
}

func (l *refusingListener) Accept() (net.Conn, error) {
	raw, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &refusingConn{Conn: tls.Server(raw, l.cfg), raw: raw}, nil
}

type refusingConn struct {
	*tls.Conn
	raw net.Conn
}

func (c *refusingConn) Read(b []byte) (int, error) {
	if err := c.Conn.Handshake(); err != nil {
		c.raw.SetReadDeadline(time.Now().Add(2 * time.Second))
		io.Copy(io.Discard, c.raw)
		return 0, err
	}
	return c.Conn.Read(b)
}
