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

func testData(gen model.Generation, flow string) renderData {
	params := "SerialNumber"
	if gen == model.GenerationOld {
		params = "ThingName"
	}
	return renderData{Partition: "aws", Region: "eu-west-1", Account: "111122223333",
		Names: ResolveNames(model.Greengrass{Prefix: "fb"}), Flow: flow, Generation: string(gen), Params: params}
}

func TestTemplatesRenderValidJSON(t *testing.T) {
	for _, gen := range []model.Generation{model.GenerationNew, model.GenerationOld} {
		for _, flow := range []string{"create", "create-from-csr"} {
			d, err := renderDocuments(testData(gen, flow))
			if err != nil {
				t.Fatalf("%s/%s: %v", gen, flow, err)
			}
			for name, doc := range map[string]string{"tes trust": d.TokenExchangeTrust, "tes access": d.TokenExchangeAccess,
				"prov trust": d.ProvisioningTrust, "core": d.CorePolicy, "claim": d.ClaimPolicy, "template": d.TemplateBody} {
				if !json.Valid([]byte(doc)) {
					t.Errorf("%s/%s %s: invalid JSON", gen, flow, name)
				}
			}
		}
	}
}

func TestMissingKeyIsAnError(t *testing.T) {
	err := awsTemplates.ExecuteTemplate(&strings.Builder{}, "claim-policy.json.tmpl", map[string]any{"Partition": "aws"})
	if err == nil {
		t.Fatal("rendering with missing keys succeeded")
	}
	if _, err := renderJSON("nosuch.json.tmpl", testData(model.GenerationNew, "create")); err == nil {
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

func TestClaimPolicyIsLeastPrivilege(t *testing.T) {
	for _, flow := range []string{"create", "create-from-csr"} {
		d, err := renderDocuments(testData(model.GenerationNew, flow))
		if err != nil {
			t.Fatal(err)
		}
		m := claimResources(t, d.ClaimPolicy)
		if len(m) != 4 {
			t.Errorf("%s: actions %v, want Connect, Publish, Receive, Subscribe only", flow, m)
		}
		prefix := "arn:aws:iot:eu-west-1:111122223333:"
		cert := "$aws/certificates/" + flow + "/json"
		prov := "$aws/provisioning-templates/fb-Template/provision/json"
		want := map[string][]string{
			"iot:Connect":   {prefix + "client/*"},
			"iot:Publish":   {prefix + "topic/" + cert, prefix + "topic/" + prov},
			"iot:Receive":   {prefix + "topic/" + cert + "/accepted", prefix + "topic/" + cert + "/rejected", prefix + "topic/" + prov + "/accepted", prefix + "topic/" + prov + "/rejected"},
			"iot:Subscribe": {prefix + "topicfilter/" + cert + "/accepted", prefix + "topicfilter/" + cert + "/rejected", prefix + "topicfilter/" + prov + "/accepted", prefix + "topicfilter/" + prov + "/rejected"},
		}
		for action, res := range want {
			if strings.Join(m[action], " ") != strings.Join(res, " ") {
				t.Errorf("%s %s: %v, want %v", flow, action, m[action], res)
			}
		}
	}
}

func TestClaimFlowFollowsNucleus(t *testing.T) {
	for nucleus, flow := range map[string]string{model.NucleusBin: "create", model.NucleusLite: "create-from-csr"} {
		pv := &Provisioner{project: &model.Project{Greengrass: model.Greengrass{Nucleus: nucleus}}}
		if got := pv.claimFlow(); got != flow {
			t.Errorf("%s: flow %s, want %s", nucleus, got, flow)
		}
	}
}

func TestTemplateParametersFollowGeneration(t *testing.T) {
	for gen, want := range map[model.Generation][]string{
		model.GenerationNew: {"AWS::IoT::Certificate::Id", "SerialNumber"},
		model.GenerationOld: {"AWS::IoT::Certificate::Id", "ThingGroupName", "ThingName"},
	} {
		s := newFake(t)
		p := newProject(t)
		pv := newPV(t, s, p, Options{Generation: gen})
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
