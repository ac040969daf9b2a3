package provision

import (
	"slices"
	"sync"

	"bytes"
	"encoding/json"
	"fleetbake/model"
	"fmt"
	"text/template"

	"fleetbake/templates"
)

// renderData is what the templates under templates/aws/ may use.
type renderData struct {
	Partition string // aws, aws-cn, aws-us-gov: from the caller's ARN
	Region    string
	Account   string
	Names     Names
	// Device is what the devices do (model.DeviceProfile): the claim policy
	// allows its topics and nothing else, the template declares its
	// parameters.
	Device model.DeviceProfile
}

// Topics are the device's MQTT topics for this project's template.
func (d renderData) Topics() model.DeviceTopics {
	return d.Device.Topics(d.Names.ProvisioningTemplate)
}

// HasParam is whether the device sends the template parameter name.
func (d renderData) HasParam(name string) bool {
	return slices.Contains(d.Device.ParamNames(), name)
}

// documents are the rendered policy documents and template body.
type documents struct {
	TokenExchangeTrust  string
	TokenExchangeAccess string
	ProvisioningTrust   string
	CorePolicy          string
	ClaimPolicy         string
	TemplateBody        string
}

// awsTemplates parses templates/aws on first use: only the provision and
// verify commands render them, and parsing at init cost every command,
// `fleetbake version` included, ~0.6 ms (issue 12, GODEBUG=inittrace=1).
var awsTemplates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("aws").Option("missingkey=error").Funcs(template.FuncMap{
		"json": func(s string) (string, error) {
			b, err := json.Marshal(s)
			return string(b), err
		},
	}).ParseFS(templates.FS, "aws/*.json.tmpl"))
})

// renderJSON renders one template into a buffer and checks the result is
// valid JSON, re-marshalled compactly so comparisons with AWS's copy do not
// depend on whitespace.
func renderJSON(name string, data renderData) (string, error) {
	var buf bytes.Buffer
	if err := awsTemplates().ExecuteTemplate(&buf, name, data); err != nil {
		return "", fmt.Errorf("render templates/aws/%s: %w", name, err)
	}
	var v any
	if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
		return "", fmt.Errorf("templates/aws/%s does not render to valid JSON: %w", name, err)
	}
	var out bytes.Buffer
	if err := json.Compact(&out, buf.Bytes()); err != nil {
		return "", err
	}
	return out.String(), nil
}

func renderDocuments(data renderData) (documents, error) {
	var d documents
	var err error
	for _, t := range []struct {
		name string
		dst  *string
	}{
		{"token-exchange-trust.json.tmpl", &d.TokenExchangeTrust},
		{"token-exchange-access.json.tmpl", &d.TokenExchangeAccess},
		{"provisioning-trust.json.tmpl", &d.ProvisioningTrust},
		{"core-policy.json.tmpl", &d.CorePolicy},
		{"claim-policy.json.tmpl", &d.ClaimPolicy},
		{"provisioning-template.json.tmpl", &d.TemplateBody},
	} {
		if *t.dst, err = renderJSON(t.name, data); err != nil {
			return documents{}, err
		}
	}
	return d, nil
}

// sameJSON reports whether two JSON documents hold the same value, so a
// policy AWS returns reformatted is not mistaken for drift.
func sameJSON(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return a == b
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}
