package awsfake

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// deviceAccount is an account set up by hand for fleet provisioning, the way the Greengrass guide does it.
type deviceAccount struct {
	*clients
	certPEM, keyPEM, certARN string
}

const claimPolicyDoc = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iot:Connect","Resource":"*"},
 {"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":[
   "arn:aws:iot:us-east-1:123456789012:topic/$aws/certificates/create/*",
   "arn:aws:iot:us-east-1:123456789012:topic/$aws/provisioning-templates/T/provision/*"]},
 {"Effect":"Allow","Action":"iot:Subscribe","Resource":[
   "arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/certificates/create/*",
   "arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/provisioning-templates/T/provision/*"]}]}`

const guideTemplate = `{"Parameters":{"ThingName":{"Type":"String"},"ThingGroupName":{"Type":"String"},"AWS::IoT::Certificate::Id":{"Type":"String"}},
 "Resources":{"MyThing":{"OverrideSettings":{"AttributePayload":"REPLACE","ThingGroups":"REPLACE","ThingTypeName":"REPLACE"},
   "Properties":{"AttributePayload":{},"ThingGroups":[{"Ref":"ThingGroupName"}],"ThingName":{"Ref":"ThingName"}},"Type":"AWS::IoT::Thing"},
  "MyPolicy":{"Properties":{"PolicyName":"CorePolicy"},"Type":"AWS::IoT::Policy"},
  "MyCertificate":{"Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"},"Status":"Active"},"Type":"AWS::IoT::Certificate"}}}`

func newDeviceAccount(t *testing.T) *deviceAccount {
	t.Helper()
	d := newGuideAccount(t)
	out, err := d.iot.CreateKeysAndCertificate(d.ctx, &iot.CreateKeysAndCertificateInput{SetAsActive: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.iot.AttachPolicy(d.ctx, &iot.AttachPolicyInput{PolicyName: aws.String("ClaimPolicy"), Target: out.CertificateArn}); err != nil {
		t.Fatal(err)
	}
	d.certPEM, d.keyPEM, d.certARN = aws.ToString(out.CertificatePem), aws.ToString(out.KeyPair.PrivateKey), aws.ToString(out.CertificateArn)
	return d
}

// newGuideAccount is the guide's account without a claim certificate.
func newGuideAccount(t *testing.T) *deviceAccount {
	t.Helper()
	c := newClients(t)
	roleARN := c.createRole(t, "ProvRole", trustIoT)
	if _, err := c.iam.AttachRolePolicy(c.ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("ProvRole"), PolicyArn: aws.String(ThingsRegistrationPolicyARN)}); err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2]string{{"CorePolicy", iotDoc}, {"ClaimPolicy", claimPolicyDoc}} {
		if _, err := c.iot.CreatePolicy(c.ctx, &iot.CreatePolicyInput{PolicyName: aws.String(p[0]), PolicyDocument: aws.String(p[1])}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.iot.CreateThingGroup(c.ctx, &iot.CreateThingGroupInput{ThingGroupName: aws.String("Group")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.iot.CreateProvisioningTemplate(c.ctx, &iot.CreateProvisioningTemplateInput{TemplateName: aws.String("T"),
		TemplateBody: aws.String(guideTemplate), ProvisioningRoleArn: aws.String(roleARN), Enabled: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	return &deviceAccount{clients: c}
}

func (d *deviceAccount) request() DeviceRequest {
	// The Java plugin's four exact SUBSCRIBEs (the guide's claim policy allows them).
	var subs []string
	for _, req := range []string{"$aws/certificates/create/json", "$aws/provisioning-templates/T/provision/json"} {
		subs = append(subs, req+"/accepted", req+"/rejected")
	}
	return DeviceRequest{ClaimCertPEM: d.certPEM, ClaimKeyPEM: d.keyPEM, Template: "T", Subscribe: subs,
		Parameters: map[string]string{"ThingName": "core_aa_bb_cc_dd_ee_ff", "ThingGroupName": "Group"}}
}

func TestProvisionDeviceAsTheGuideSetsItUp(t *testing.T) {
	d := newDeviceAccount(t)
	d.s.ResetCalls()
	res, err := d.s.ProvisionDevice(d.request())
	if err != nil {
		t.Fatal(err)
	}
	if res.ThingName != "core_aa_bb_cc_dd_ee_ff" || strings.Join(res.ThingGroups, ",") != "Group" || strings.Join(res.Policies, ",") != "CorePolicy" {
		t.Errorf("result %+v", res)
	}
	if got := d.s.Things(); len(got) != 1 || got[0] != res.ThingName {
		t.Errorf("things %v", got)
	}
	if len(d.s.Resources()[KindThing]) != 1 {
		t.Errorf("resources %v", d.s.Resources())
	}
	if len(d.s.Calls()) != 0 {
		t.Errorf("the device flow counted as API calls: %v", d.s.Calls())
	}
	desc, err := d.iot.DescribeCertificate(d.ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(res.CertificateID)})
	if err != nil || desc.CertificateDescription.Status != iottypes.CertificateStatusActive {
		t.Errorf("device certificate: %v %+v", err, desc)
	}
	// The core policy is now attached to a device certificate: deleting it is refused.
	_, err = d.iot.DeletePolicy(d.ctx, &iot.DeletePolicyInput{PolicyName: aws.String("CorePolicy")})
	wantCode(t, err, "DeleteConflictException")
}

func TestProvisionDeviceRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(d *deviceAccount, r *DeviceRequest)
		want  string
	}{
		{"csr flow not allowed by the policy", func(d *deviceAccount, r *DeviceRequest) { r.CSR = true }, "topic/$aws/certificates/create-from-csr/json"},
		{"another template", func(d *deviceAccount, r *DeviceRequest) { r.Template = "Other" }, "provisioning-templates/Other/provision/json"},
		{"parameter missing", func(d *deviceAccount, r *DeviceRequest) { r.Parameters = map[string]string{"SerialNumber": "x"} }, `parameter "ThingName" has no value`},
		{"group missing", func(d *deviceAccount, r *DeviceRequest) { r.Parameters["ThingGroupName"] = "Nope" }, `thing group "Nope" does not exist`},
		{"bad thing name", func(d *deviceAccount, r *DeviceRequest) { r.Parameters["ThingName"] = "a b" }, "does not match"},
		{"key of another certificate", func(d *deviceAccount, r *DeviceRequest) {
			out, _ := d.iot.CreateKeysAndCertificate(d.ctx, &iot.CreateKeysAndCertificateInput{})
			r.ClaimKeyPEM = aws.ToString(out.KeyPair.PrivateKey)
		}, "does not belong"},
		{"claim deactivated", func(d *deviceAccount, r *DeviceRequest) {
			id := d.certARN[strings.LastIndex(d.certARN, "/")+1:]
			d.iot.UpdateCertificate(d.ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id), NewStatus: iottypes.CertificateStatusInactive})
		}, "INACTIVE"},
		{"template disabled", func(d *deviceAccount, r *DeviceRequest) {
			d.iot.UpdateProvisioningTemplate(d.ctx, &iot.UpdateProvisioningTemplateInput{TemplateName: aws.String("T"), Enabled: aws.Bool(false)})
		}, "disabled"},
		{"explicit deny", func(d *deviceAccount, r *DeviceRequest) {
			deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iot:Publish","Resource":"*"}]}`
			d.iot.CreatePolicy(d.ctx, &iot.CreatePolicyInput{PolicyName: aws.String("Deny"), PolicyDocument: aws.String(deny)})
			d.iot.AttachPolicy(d.ctx, &iot.AttachPolicyInput{PolicyName: aws.String("Deny"), Target: aws.String(d.certARN)})
		}, "iot:Publish"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDeviceAccount(t)
			r := d.request()
			tc.setup(d, &r)
			_, err := d.s.ProvisionDevice(r)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want it to contain %q", err, tc.want)
			}
			if len(d.s.Things()) != 0 {
				t.Errorf("a refused registration made things %v", d.s.Things())
			}
		})
	}
}

func TestLostResponsesTakeEffectAndAreRetried(t *testing.T) {
	c := newClients(t)
	c.s.SetLostResponses(1)
	_, err := c.iot.CreateThingGroup(c.ctx, &iot.CreateThingGroupInput{ThingGroupName: aws.String("G")})
	// Every answer is lost: the first attempt made the group, and every retry's answer is lost as well.
	if err == nil {
		t.Fatal("want the lost answer to surface after the retries")
	}
	c.s.SetLostResponses(0)
	if _, err := c.iot.DescribeThingGroup(c.ctx, &iot.DescribeThingGroupInput{ThingGroupName: aws.String("G")}); err != nil {
		t.Fatalf("the call whose answer was lost did not take effect: %v", err)
	}
	if c.s.Faults() == 0 {
		t.Error("lost answers not counted as faults")
	}
	// Not idempotent: a lost CreateKeysAndCertificate answer leaves a certificate the caller never saw.
	c.s.SetLostResponses(0.5)
	before := len(c.s.Resources()[KindCertificate])
	var got int
	for i := 0; i < 6; i++ {
		if _, err := c.iot.CreateKeysAndCertificate(c.ctx, &iot.CreateKeysAndCertificateInput{}); err == nil {
			got++
		}
	}
	c.s.SetLostResponses(0)
	if made := len(c.s.Resources()[KindCertificate]) - before; made <= got {
		t.Errorf("%d certificates made for %d answers: lost answers did not leave extra certificates", made, got)
	}
}

// The device flow goes through the AWS IoT policy rules of provision/iotpolicy: policy variables resolve to
// the connection's client ID, and MQTT wildcards in a policy are literal characters.
func TestProvisionDeviceUsesIoTPolicyRules(t *testing.T) {
	for _, tc := range []struct {
		name, doc, clientID, want string
	}{
		{"client ID variable", `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:us-east-1:123456789012:client/${iot:ClientId}"},
 {"Effect":"Allow","Action":["iot:Publish","iot:Receive","iot:Subscribe"],"Resource":["arn:aws:iot:us-east-1:123456789012:topic/$aws/*","arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/*"]}]}`, "dev-1", ""},
		{"connect restricted to another client", `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:us-east-1:123456789012:client/other"},
 {"Effect":"Allow","Action":["iot:Publish","iot:Receive","iot:Subscribe"],"Resource":"*"}]}`, "dev-1", "implicitly denied"},
		{"# in a policy is literal", `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["iot:Connect","iot:Publish","iot:Receive"],"Resource":"*"},
 {"Effect":"Allow","Action":"iot:Subscribe","Resource":"arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/#"}]}`, "dev-1", "iot:Subscribe"},
		{"unresolved thing name", `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}"},
 {"Effect":"Allow","Action":["iot:Publish","iot:Receive","iot:Subscribe"],"Resource":"*"}]}`, "dev-1", "no value for iot:Connection.Thing.ThingName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDeviceAccount(t)
			if _, err := d.iot.CreatePolicyVersion(d.ctx, &iot.CreatePolicyVersionInput{PolicyName: aws.String("ClaimPolicy"),
				PolicyDocument: aws.String(tc.doc), SetAsDefault: true}); err != nil {
				t.Fatal(err)
			}
			r := d.request()
			r.ClientID = tc.clientID
			_, err := d.s.ProvisionDevice(r)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
