package provision

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"strings"

	"fleetbake/model"
)

// AccountPlaceholder stands for the AWS account in documents rendered
// before the account is known (no credentials yet): apply puts the real one.
const AccountPlaceholder = "ACCOUNT_ID"

// Document is one policy document or template body that apply creates,
// indented for reading.
type Document struct {
	Kind Kind   // the resource it belongs to
	Name string // that resource's name
	Body string // indented JSON
}

// DocumentOptions say what the documents are rendered for.
type DocumentOptions struct {
	// Generation and Release pick the device profile, as in Options.
	Generation model.Generation
	Release    string
	// Account and CallerARN come from the identity when it is known; an
	// empty Account renders AccountPlaceholder, and without an ARN the
	// partition follows the region.
	Account, CallerARN string
}

// Documents renders the documents apply would create for p, with no AWS
// call: the claim policy, the core device policy and the provisioning
// template body first (what a device may do), then the IAM documents. It
// renders what observe renders before comparing with AWS, so a review shows
// exactly what apply sends.
func Documents(p *model.Project, o DocumentOptions) ([]Document, error) {
	if o.Generation == model.GenerationUnknown {
		o.Generation = model.GenerationNew
	}
	device, err := model.Device(p.Greengrass.Nucleus, cmp.Or(o.Release, p.Release), o.Generation)
	if err != nil {
		return nil, err
	}
	if device.Refused != "" {
		return nil, fmt.Errorf("devices of this project cannot provision by claim: %s", device.Refused)
	}
	region := cmp.Or(p.Greengrass.Region, model.Default().Greengrass.Region)
	partition := partitionOfRegion(region)
	if o.CallerARN != "" {
		partition = Identity{ARN: o.CallerARN}.partition()
	}
	names := ResolveNames(p.Greengrass)
	d, err := renderDocuments(renderData{Partition: partition, Region: region,
		Account: cmp.Or(o.Account, AccountPlaceholder), Names: names, Device: device})
	if err != nil {
		return nil, err
	}
	out := []Document{
		{KindClaimPolicy, names.ClaimPolicy, d.ClaimPolicy},
		{KindCorePolicy, names.CorePolicy, d.CorePolicy},
		{KindProvisioningTemplate, names.ProvisioningTemplate, d.TemplateBody},
		{KindTokenExchangeRole, names.TokenExchangeRole, d.TokenExchangeTrust},
		{KindTokenExchangePolicy, names.TokenExchangePolicy, d.TokenExchangeAccess},
		{KindProvisioningRole, names.ProvisioningRole, d.ProvisioningTrust},
	}
	for i := range out {
		var b bytes.Buffer
		if err := json.Indent(&b, []byte(out[i].Body), "", "  "); err != nil {
			return nil, err
		}
		out[i].Body = b.String()
	}
	return out, nil
}

// partitionOfRegion is the ARN partition of a region: the China and
// GovCloud regions have their own (AWS General Reference, "Amazon Resource
// Names (ARNs)": aws, aws-cn, aws-us-gov).
func partitionOfRegion(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}
