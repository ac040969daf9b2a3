package provision

import (
	"fmt"
	"strings"

	"fleetbake/model"
)

// Names are the AWS resource names fleetbake uses: each derived from the
// project's greengrass.prefix unless the project overrides it.
type Names struct {
	TokenExchangeRole    string
	TokenExchangePolicy  string
	RoleAlias            string
	CorePolicy           string
	ThingGroup           string
	ProvisioningRole     string
	ProvisioningTemplate string
	ClaimPolicy          string
	ThingNamePrefix      string
}

// ResolveNames returns every resource name: the project's override when
// set, else greengrass.prefix plus a fixed suffix (model.Greengrass.Names).
func ResolveNames(g model.Greengrass) Names { return Names(g.Names()) }

// check validates every name against the AWS rules for its resource type,
// before any call is made, and reports all problems at once.
func (n Names) check() error {
	rules := []struct {
		field, kind, value string
	}{
		{"greengrass.token_exchange_role", "iam-role", n.TokenExchangeRole},
		{"greengrass.token_exchange_policy", "iam-policy", n.TokenExchangePolicy},
		{"greengrass.role_alias", "role-alias", n.RoleAlias},
		{"greengrass.core_policy", "iot-policy", n.CorePolicy},
		{"greengrass.thing_group", "thing-group", n.ThingGroup},
		{"greengrass.provisioning_role", "iam-role", n.ProvisioningRole},
		{"greengrass.provisioning_template", "template", n.ProvisioningTemplate},
		{"greengrass.claim_policy", "iot-policy", n.ClaimPolicy},
		{"greengrass.thing_name_prefix", "thing-name", n.ThingNamePrefix},
	}
	var problems []string
	for _, r := range rules {
		if err := model.ValidAWSName(r.kind, r.value); err != nil {
			problems = append(problems, fmt.Sprintf("%s = %q: %v; change greengrass.prefix or set %s", r.field, r.value, err, r.field))
		}
	}
	// Thing names are the prefix, "-" and the device's serial (a MAC: 17 characters).
	if len(n.ThingNamePrefix) > 128-18 {
		problems = append(problems, fmt.Sprintf("greengrass.thing_name_prefix = %q leaves no room for the device serial in a 128-character thing name; shorten it", n.ThingNamePrefix))
	}
	if len(problems) > 0 {
		return fmt.Errorf("AWS names are not valid (nothing was sent to AWS):\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// checkRegion accepts known AWS region names (model.ValidRegion).
func checkRegion(region string) error {
	if region == "" {
		return fmt.Errorf("no AWS region: pass --region, set greengrass.region in the project file, or set AWS_REGION")
	}
	if err := model.ValidRegion(region); err != nil {
		return fmt.Errorf("AWS region %q: %v; fix --region or greengrass.region", region, err)
	}
	return nil
}
