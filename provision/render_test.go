package provision

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"

	"fleetbake/model"
)

func TestAmazonRootCA1Fingerprint(t *testing.T) {
	block, _ := pem.Decode(AmazonRootCA1())
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatal("embedded root CA is not a PEM certificate")
	}
	sum := sha256.Sum256(block.Bytes)
	var parts []string
	for _, b := range sum {
		parts = append(parts, fmt.Sprintf("%02X", b))
	}
	const want = "8E:CD:E6:88:4F:3D:87:B1:12:5B:A3:1A:C3:FC:B1:3D:70:16:DE:7F:57:CC:90:4F:E1:CB:97:C6:AE:98:19:6E"
	if got := strings.Join(parts, ":"); got != want {
		t.Errorf("fingerprint %s, want %s", got, want)
	}
}

func testData(d model.DeviceProfile) renderData {
	return renderData{Partition: "aws", Region: "eu-west-1", Account: "111122223333",
		Names: ResolveNames(model.Greengrass{Prefix: "fb"}), Device: d}
}

// provisionable are the rows of the device table that can provision.
func provisionable() []model.DeviceProfile {
	var out []model.DeviceProfile
	for _, d := range model.DeviceProfiles() {
		if d.Refused == "" {
			out = append(out, d)
		}
	}
	return out
}

func profileName(d model.DeviceProfile) string {
	return d.Nucleus + "/" + d.Release + "/" + string(d.Generation)
}

func TestTemplatesRenderValidJSON(t *testing.T) {
	for _, dev := range provisionable() {
		d, err := renderDocuments(testData(dev))
		if err != nil {
			t.Fatalf("%s: %v", profileName(dev), err)
		}
		for name, doc := range map[string]string{"tes trust": d.TokenExchangeTrust, "tes access": d.TokenExchangeAccess,
			"prov trust": d.ProvisioningTrust, "core": d.CorePolicy, "claim": d.ClaimPolicy, "template": d.TemplateBody} {
			if !json.Valid([]byte(doc)) {
				t.Errorf("%s %s: invalid JSON", profileName(dev), name)
			}
		}
	}
}

func TestMissingKeyIsAnError(t *testing.T) {
	err := awsTemplates().ExecuteTemplate(&strings.Builder{}, "claim-policy.json.tmpl", map[string]any{"Partition": "aws"})
	if err == nil {
		t.Fatal("rendering with missing keys succeeded")
	}
	if _, err := renderJSON("nosuch.json.tmpl", testData(provisionable()[0])); err == nil {
		t.Fatal("unknown template rendered")
	}
}

// claimResources returns every resource the claim policy grants, by action.
func claimResources(t *testing.T, doc string) map[string][]string {
	t.Helper()
	var p struct {
		Statement []struct {
			Effect   string
			Action   any
			Resource any
		}
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatal(err)
	}
	strs := func(v any) []string {
		switch x := v.(type) {
		case string:
			return []string{x}
		case []any:
			var out []string
			for _, e := range x {
				out = append(out, e.(string))
			}
			return out
		}
		return nil
	}
	m := map[string][]string{}
	for _, s := range p.Statement {
		if s.Effect != "Allow" {
			continue
		}
		for _, a := range strs(s.Action) {
			m[a] = append(m[a], strs(s.Resource)...)
		}
	}
	return m
}

// TestClaimPolicyIsLeastPrivilege: for every device of the table the claim
// policy allows its exchanges as it makes them (a filter with + allowed as
// that literal filter) and nothing else: no Subscribe for a device that
// sends none, no other certificate API, no other template.
func TestClaimPolicyIsLeastPrivilege(t *testing.T) {
	for _, dev := range provisionable() {
		d, err := renderDocuments(testData(dev))
		if err != nil {
			t.Fatal(err)
		}
		m := claimResources(t, d.ClaimPolicy)
		prefix := "arn:aws:iot:eu-west-1:111122223333:"
		topics := dev.Topics("fb-Template")
		arns := func(kind string, names []string) []string {
			var out []string
			for _, n := range names {
				out = append(out, prefix+kind+"/"+n)
			}
			return out
		}
		want := map[string][]string{
			"iot:Connect": {prefix + "client/*"},
			"iot:Publish": arns("topic", topics.Publish),
			"iot:Receive": arns("topic", topics.Receive),
		}
		if len(topics.Subscribe) > 0 {
			want["iot:Subscribe"] = arns("topicfilter", topics.Subscribe)
		}
		if len(m) != len(want) {
			t.Errorf("%s: actions %v, want %v", profileName(dev), m, want)
		}
		for action, res := range want {
			if strings.Join(m[action], " ") != strings.Join(res, " ") {
				t.Errorf("%s %s: %v, want %v", profileName(dev), action, m[action], res)
			}
		}
	}
}

// TestTemplateParametersFollowTheDevice: the template declares every
// parameter the device of the branch sends (scarthgap's greengrass-bin sends
// the old two besides SerialNumber, from its merged config).
func TestTemplateParametersFollowTheDevice(t *testing.T) {
	for _, tc := range []struct {
		nucleus, release string
		gen              model.Generation
		want             []string
	}{
		{model.NucleusBin, "walnascar", model.GenerationNew, []string{"AWS::IoT::Certificate::Id", "SerialNumber"}},
		{model.NucleusBin, "kirkstone", model.GenerationOld, []string{"AWS::IoT::Certificate::Id", "ThingGroupName", "ThingName"}},
		{model.NucleusBin, "scarthgap", model.GenerationNew, []string{"AWS::IoT::Certificate::Id", "SerialNumber", "ThingGroupName", "ThingName"}},
		{model.NucleusLite, "scarthgap", model.GenerationNew, []string{"AWS::IoT::Certificate::Id", "SerialNumber"}},
	} {
		gen, want := tc.nucleus+"/"+tc.release, tc.want
		s := newFake(t)
		p := newProject(t)
		p.Greengrass.Nucleus = tc.nucleus
		pv := newPV(t, s, p, Options{Generation: tc.gen, Release: tc.release})
		mustApply(t, pv)
		out, err := iot.NewFromConfig(s.AWSConfig()).DescribeProvisioningTemplate(context.Background(),
			&iot.DescribeProvisioningTemplateInput{TemplateName: aws.String(pv.Names().ProvisioningTemplate)})
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Parameters map[string]any
			Resources  map[string]struct {
				Type       string
				Properties map[string]any
			}
		}
		if err := json.Unmarshal([]byte(aws.ToString(out.TemplateBody)), &body); err != nil {
			t.Fatal(err)
		}
		var got []string
		for k := range body.Parameters {
			got = append(got, k)
		}
		sortStrings(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: parameters %v, want %v", gen, got, want)
		}
		thing := body.Resources["MyThing"].Properties
		if groups, _ := json.Marshal(thing["ThingGroups"]); string(groups) != `["fb-Group"]` {
			t.Errorf("%s: thing groups %s", gen, groups)
		}
		if !aws.ToBool(out.Enabled) {
			t.Errorf("%s: template not enabled", gen)
		}
	}
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}
