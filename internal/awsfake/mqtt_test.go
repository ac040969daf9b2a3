package awsfake

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/eclipse/paho.golang/paho"

	"fleetbake/model"
	"fleetbake/provision/claimflow"
)

const arnPrefix = "arn:aws:iot:us-east-1:123456789012:"

// leastClaimPolicy allows exactly the profile's flow for template: connect, its SUBSCRIBEs as sent, its two
// publishes and the four answers.
func leastClaimPolicy(p model.DeviceProfile, template string) string {
	tp := p.Topics(template)
	res := func(kind string, names []string) []string {
		var out []string
		for _, n := range names {
			out = append(out, arnPrefix+kind+"/"+n)
		}
		return out
	}
	st := []map[string]any{
		{"Effect": "Allow", "Action": "iot:Connect", "Resource": arnPrefix + "client/*"},
		{"Effect": "Allow", "Action": "iot:Publish", "Resource": res("topic", tp.Publish)},
		{"Effect": "Allow", "Action": "iot:Receive", "Resource": res("topic", tp.Receive)},
	}
	if len(tp.Subscribe) > 0 {
		st = append(st, map[string]any{"Effect": "Allow", "Action": "iot:Subscribe", "Resource": res("topicfilter", tp.Subscribe)})
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": st})
	return string(b)
}

// profileTemplate takes the profile's parameters; the thing is named after the first.
func profileTemplate(p model.DeviceProfile) string {
	params := map[string]any{"AWS::IoT::Certificate::Id": map[string]string{"Type": "String"}}
	for _, n := range p.ParamNames() {
		params[n] = map[string]string{"Type": "String"}
	}
	b, _ := json.Marshal(map[string]any{"Parameters": params, "Resources": map[string]any{
		"thing":  map[string]any{"Type": "AWS::IoT::Thing", "Properties": map[string]any{"ThingName": map[string]string{"Ref": p.Params[0].Name}}},
		"policy": map[string]any{"Type": "AWS::IoT::Policy", "Properties": map[string]any{"PolicyName": "CorePolicy"}},
		"cert": map[string]any{"Type": "AWS::IoT::Certificate", "Properties": map[string]any{
			"CertificateId": map[string]string{"Ref": "AWS::IoT::Certificate::Id"}, "Status": "Active"}},
	}})
	return string(b)
}

type mqttAccount struct {
	*deviceAccount
	addr string
	cfg  claimflow.Config
}

// newMQTTAccount is the guide's account with the claim policy narrowed to the profile's flow, template P
// taking the profile's parameters, and the MQTT endpoint started. With csrClaim the claim certificate is
// made from a CSR instead of by CreateKeysAndCertificate.
func newMQTTAccount(t *testing.T, p model.DeviceProfile, csrClaim bool) *mqttAccount {
	t.Helper()
	var d *deviceAccount
	if csrClaim {
		d = newGuideAccount(t)
	} else {
		d = newDeviceAccount(t)
	}
	if _, err := d.iot.CreatePolicyVersion(d.ctx, &iot.CreatePolicyVersionInput{PolicyName: aws.String("ClaimPolicy"),
		PolicyDocument: aws.String(leastClaimPolicy(p, "P")), SetAsDefault: true}); err != nil {
		t.Fatal(err)
	}
	desc, err := d.iot.DescribeProvisioningTemplate(d.ctx, &iot.DescribeProvisioningTemplateInput{TemplateName: aws.String("T")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.iot.CreateProvisioningTemplate(d.ctx, &iot.CreateProvisioningTemplateInput{TemplateName: aws.String("P"),
		TemplateBody: aws.String(profileTemplate(p)), ProvisioningRoleArn: desc.ProvisioningRoleArn, Enabled: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if csrClaim {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		csr, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
		out, err := d.iot.CreateCertificateFromCsr(d.ctx, &iot.CreateCertificateFromCsrInput{SetAsActive: true,
			CertificateSigningRequest: aws.String(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr})))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.iot.AttachPolicy(d.ctx, &iot.AttachPolicyInput{PolicyName: aws.String("ClaimPolicy"), Target: out.CertificateArn}); err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalECPrivateKey(key)
		d.certPEM, d.certARN = aws.ToString(out.CertificatePem), aws.ToString(out.CertificateArn)
		d.keyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
	}
	addr, err := d.s.StartMQTT()
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{}
	for _, n := range p.ParamNames() {
		params[n] = "0a_1b_2c_3d_4e_5f"
		if n == "ThingGroupName" {
			params[n] = "Group"
		}
	}
	return &mqttAccount{deviceAccount: d, addr: addr, cfg: claimflow.Config{Profile: p, Template: "P",
		ClaimCertPEM: d.certPEM, ClaimKeyPEM: d.keyPEM, RootCAs: d.s.MQTTRootCAs(), Addr: addr,
		ServerName: MQTTServerName, Parameters: params}}
}

func (m *mqttAccount) run(t *testing.T) (claimflow.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return claimflow.Run(ctx, m.cfg)
}

func profileName(p model.DeviceProfile) string {
	return p.Nucleus + "/" + p.Release + "/" + string(p.Generation)
}

// Every provisionable device of the table provisions over real MQTT over TLS, with a claim made either way.
func TestMQTTDevicesProvision(t *testing.T) {
	for _, p := range model.DeviceProfiles() {
		if p.Refused != "" {
			continue
		}
		for _, csrClaim := range []bool{false, true} {
			name := profileName(p)
			if csrClaim {
				name += "/csr-claim"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				m := newMQTTAccount(t, p, csrClaim)
				res, err := m.run(t)
				if err != nil {
					t.Fatalf("%v\nsteps %+v", err, res.Steps)
				}
				if res.ThingName != "0a_1b_2c_3d_4e_5f" || res.CertificateID == "" || res.PrivateKeyPEM == "" {
					t.Errorf("result %+v", res)
				}
				if want := 1 + len(p.Topics("P").Subscribe) + 2; len(res.Steps) != want {
					t.Errorf("%d steps, want %d: %+v", len(res.Steps), want, res.Steps)
				}
				desc, err := m.iot.DescribeCertificate(m.ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(res.CertificateID)})
				if err != nil || desc.CertificateDescription.Status != iottypes.CertificateStatusActive {
					t.Errorf("device certificate: %v", err)
				}
				if got := m.s.Things(); len(got) != 1 || got[0] != res.ThingName {
					t.Errorf("things %v", got)
				}
			})
		}
	}
}

func bin(t *testing.T) model.DeviceProfile {
	p, err := model.Device(model.NucleusBin, "wrynose", model.GenerationNew)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func lite(t *testing.T) model.DeviceProfile {
	p, err := model.Device(model.NucleusLite, "wrynose", model.GenerationNew)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMQTTRefusals(t *testing.T) {
	for _, tc := range []struct {
		name     string
		profile  func(*testing.T) model.DeviceProfile
		setup    func(m *mqttAccount)
		step     string
		contains string
	}{
		{"a filter with + is literal for the policy", bin, func(m *mqttAccount) {
			m.cfg.Subscribe = []string{"$aws/certificates/create/json/+"}
		}, claimflow.StepSubscribe, "SUBACK reason 0x87"},
		{"no iot:Receive on accepted: the answer never comes", lite, func(m *mqttAccount) {
			tp := m.cfg.Profile.Topics("P")
			doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"},
 {"Effect":"Allow","Action":"iot:Publish","Resource":["` + arnPrefix + "topic/" + tp.Publish[0] + `","` + arnPrefix + "topic/" + tp.Publish[1] + `"]},
 {"Effect":"Allow","Action":"iot:Receive","Resource":"` + arnPrefix + "topic/" + tp.Publish[0] + `/rejected"}]}`
			m.setClaimPolicy(doc)
			m.cfg.StepTimeout = 300 * time.Millisecond
		}, claimflow.StepCertificate, "no answer"},
		{"inactive claim", bin, func(m *mqttAccount) {
			id := m.certARN[strings.LastIndex(m.certARN, "/")+1:]
			if _, err := m.iot.UpdateCertificate(m.ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id), NewStatus: iottypes.CertificateStatusInactive}); err != nil {
				panic(err)
			}
		}, claimflow.StepConnect, "tls: bad certificate"},
		{"unknown template", lite, func(m *mqttAccount) {
			m.setClaimPolicy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iot:Connect","iot:Publish","iot:Receive","iot:Subscribe"],"Resource":"*"}]}`)
			m.cfg.Template = "Nope"
		}, claimflow.StepRegister, "rejected: 404 ResourceNotFoundException"},
		{"publish not allowed: disconnected", bin, func(m *mqttAccount) {
			m.cfg.Template = "Other"
			m.cfg.Subscribe = []string{}
		}, claimflow.StepRegister, "PUBLISH refused"},
		{"connect restricted to another client ID", lite, func(m *mqttAccount) {
			m.setClaimPolicy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"` + arnPrefix + `client/other"},
 {"Effect":"Allow","Action":["iot:Publish","iot:Receive","iot:Subscribe"],"Resource":"*"}]}`)
		}, claimflow.StepConnect, "0x87"},
		{"control: the setup alone provisions", bin, func(m *mqttAccount) {}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMQTTAccount(t, tc.profile(t), false)
			tc.setup(m)
			res, err := m.run(t)
			if tc.step == "" { // a control: the setup alone provisions
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			f := res.Failed()
			if f != nil {
				t.Logf("%s refused: %s", f.Name, f.Reason)
			}
			if err == nil || f == nil || f.Name != tc.step || !strings.Contains(f.Reason, tc.contains) {
				t.Fatalf("err %v, failed step %+v; want %s containing %q", err, f, tc.step, tc.contains)
			}
			if len(m.s.Things()) != 0 {
				t.Errorf("things %v", m.s.Things())
			}
		})
	}
}

func (m *mqttAccount) setClaimPolicy(doc string) {
	if _, err := m.iot.CreatePolicyVersion(m.ctx, &iot.CreatePolicyVersionInput{PolicyName: aws.String("ClaimPolicy"),
		PolicyDocument: aws.String(doc), SetAsDefault: true}); err != nil {
		panic(err)
	}
}

// Deliveries through the broker are authorized one by one with iot:Receive on the topic, apart from the
// iot:Subscribe on the filter as sent: a subscriber to a/+ receives a/yes and not a/no.
func TestMQTTReceiveIsAuthorizedPerDelivery(t *testing.T) {
	d := newDeviceAccount(t)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"},
 {"Effect":"Allow","Action":"iot:Subscribe","Resource":"` + arnPrefix + `topicfilter/a/+"},
 {"Effect":"Allow","Action":"iot:Publish","Resource":"` + arnPrefix + `topic/a/*"},
 {"Effect":"Allow","Action":"iot:Receive","Resource":"` + arnPrefix + `topic/a/yes"}]}`
	if _, err := d.iot.CreatePolicyVersion(d.ctx, &iot.CreatePolicyVersionInput{PolicyName: aws.String("ClaimPolicy"),
		PolicyDocument: aws.String(doc), SetAsDefault: true}); err != nil {
		t.Fatal(err)
	}
	addr, err := d.s.StartMQTT()
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair([]byte(d.certPEM), []byte(d.keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := (&tls.Dialer{Config: &tls.Config{RootCAs: d.s.MQTTRootCAs(), ServerName: "localhost", Certificates: []tls.Certificate{pair}}}).DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 4)
	c := paho.NewClient(paho.ClientConfig{Conn: conn, OnPublishReceived: []func(paho.PublishReceived) (bool, error){
		func(p paho.PublishReceived) (bool, error) { got <- p.Packet.Topic; return true, nil }}})
	defer conn.Close()
	if _, err := c.Connect(ctx, &paho.Connect{ClientID: "sub", KeepAlive: 30, CleanStart: true}); err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(&paho.Disconnect{})
	if _, err := c.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: "a/+", QoS: 1}}}); err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{"a/no", "a/yes"} {
		if _, err := c.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	// Deliveries keep their order on a connection: the first one to arrive tells whether a/no got through.
	select {
	case topic := <-got:
		if topic != "a/yes" {
			t.Fatalf("received %s without iot:Receive on it", topic)
		}
	case <-ctx.Done():
		t.Fatal("a/yes was not delivered")
	}
}
