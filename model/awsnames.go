package model

import (
	"cmp"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"

	"fleetbake/internal/lazyre"
)

// awsNameRule is one AWS API's naming constraint, as the API reference states it.
type awsNameRule struct {
	what    string
	re      func() *regexp.Regexp
	charset string // for the message
	max     int
}

// Rules from the AWS API reference: IoT CreatePolicy policyName, CreateRoleAlias
// roleAlias, CreateThingGroup thingGroupName, CreateThing thingName,
// CreateProvisioningTemplate templateName; IAM CreateRole RoleName and
// CreatePolicy PolicyName. \w in those patterns is [A-Za-z0-9_].
var awsNameRules = map[string]awsNameRule{
	"iot-policy":  {"IoT policy name", lazyre.MustCompile(`^[A-Za-z0-9_+=,.@-]+$`), "letters, digits and _ + = , . @ -", 128},
	"role-alias":  {"IoT role alias", lazyre.MustCompile(`^[A-Za-z0-9_=,@-]+$`), "letters, digits and _ = , @ -", 128},
	"thing-group": {"thing group name", lazyre.MustCompile(`^[a-zA-Z0-9:_-]+$`), "letters, digits and : _ -", 128},
	"thing-name":  {"thing name", lazyre.MustCompile(`^[a-zA-Z0-9:_-]+$`), "letters, digits and : _ -", 128},
	"template":    {"provisioning template name", lazyre.MustCompile(`^[0-9A-Za-z_-]+$`), "letters, digits and _ -", 36},
	"iam-role":    {"IAM role name", lazyre.MustCompile(`^[A-Za-z0-9_+=,.@-]+$`), "letters, digits and _ + = , . @ -", 64},
	"iam-policy":  {"IAM policy name", lazyre.MustCompile(`^[A-Za-z0-9_+=,.@-]+$`), "letters, digits and _ + = , . @ -", 128},
}

// ValidAWSName checks name against the AWS rule for kind: "iam-role",
// "iam-policy", "iot-policy", "role-alias", "thing-group", "template" or
// "thing-name". The error says what the API accepts.
func ValidAWSName(kind, name string) error {
	r, ok := awsNameRules[kind]
	if !ok {
		return fmt.Errorf("unknown AWS name kind %q", kind)
	}
	if name == "" {
		return fmt.Errorf("%s is empty; AWS needs 1 to %d characters", r.what, r.max)
	}
	if len(name) > r.max {
		return fmt.Errorf("%s is %d characters; AWS allows at most %d", r.what, len(name), r.max)
	}
	if !r.re().MatchString(name) {
		return fmt.Errorf("%s may use only %s (1 to %d characters)", r.what, r.charset, r.max)
	}
	return nil
}

// Regions are the AWS regions where AWS IoT Greengrass v2 is offered, for
// pickers (AWS General Reference, "AWS IoT Greengrass V2 endpoints and quotas").
var Regions = []string{
	"us-east-1", "us-east-2", "us-west-2",
	"ca-central-1",
	"eu-central-1", "eu-west-1", "eu-west-2",
	"ap-south-1", "ap-northeast-1", "ap-northeast-2",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-5",
	"cn-north-1",
	"us-gov-west-1", "us-gov-east-1",
}

// allRegions are every public AWS region code; a region outside this list is
// most likely a typo.
var allRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2",
	"af-south-1",
	"ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
	"ca-central-1", "ca-west-1",
	"eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2",
	"il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
	"cn-north-1", "cn-northwest-1",
	"us-gov-west-1", "us-gov-east-1",
}

var reRegion = lazyre.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$`)

// ValidRegion checks the region code's format and that it is a known AWS
// region. Greengrass v2 is offered only in Regions; a known region outside
// that list is accepted (AWS adds regions), but the picker offers Regions.
func ValidRegion(region string) error {
	if region == "" {
		return fmt.Errorf("region is required, e.g. us-east-1")
	}
	// A known region is checked without the pattern: compiling it is most
	// of what validating a project costs in a fresh process (issue 12),
	// and every known region has the form (TestKnownRegionsHaveTheForm).
	if slices.Contains(Regions, region) || slices.Contains(allRegions, region) {
		return nil
	}
	if !reRegion().MatchString(region) {
		return fmt.Errorf("not an AWS region code; expected the form us-east-1")
	}
	return fmt.Errorf("unknown AWS region; Greengrass v2 regions: %v", Regions)
}

// ResourceNames are the AWS resource names fleetbake creates for a project.
type ResourceNames struct {
	TokenExchangeRole, TokenExchangePolicy, RoleAlias, CorePolicy, ThingGroup,
	ProvisioningRole, ProvisioningTemplate, ClaimPolicy, ThingNamePrefix string
}

// Suffixes appended to Greengrass.Prefix for names not set explicitly. The
// longest suffix bound by the tightest limit (template, 36) sets maxPrefixLen.
const (
	suffixTokenExchangeRole   = "-TokenExchangeRole"
	suffixTokenExchangePolicy = "-TokenExchangeRoleAccess"
	suffixRoleAlias           = "-TokenExchangeRoleAlias"
	suffixCorePolicy          = "-CorePolicy"
	suffixThingGroup          = "-Group"
	suffixProvisioningRole    = "-ProvisioningRole"
	suffixTemplate            = "-Template"
	suffixClaimPolicy         = "-ClaimPolicy"
	suffixThingName           = "-core"

	maxPrefixLen          = 36 - len(suffixTemplate)
	maxThingNamePrefixLen = 100
)

// Names returns every resource name: the explicit override when set, else
// Prefix plus a fixed suffix.
func (g Greengrass) Names() ResourceNames {
	or := func(v, suffix string) string {
		if v != "" {
			return v
		}
		return g.Prefix + suffix
	}
	return ResourceNames{
		TokenExchangeRole:    or(g.TokenExchangeRole, suffixTokenExchangeRole),
		TokenExchangePolicy:  or(g.TokenExchangePolicy, suffixTokenExchangePolicy),
		RoleAlias:            or(g.RoleAlias, suffixRoleAlias),
		CorePolicy:           or(g.CorePolicy, suffixCorePolicy),
		ThingGroup:           or(g.ThingGroup, suffixThingGroup),
		ProvisioningRole:     or(g.ProvisioningRole, suffixProvisioningRole),
		ProvisioningTemplate: or(g.ProvisioningTemplate, suffixTemplate),
		ClaimPolicy:          or(g.ClaimPolicy, suffixClaimPolicy),
		ThingNamePrefix:      or(g.ThingNamePrefix, suffixThingName),
	}
}

// Claim file names meta-aws installs under /greengrass/v2/claim-certs/.
const (
	ClaimCertFile = "claim.cert.pem"
	ClaimKeyFile  = "claim.pkey.pem"
	ClaimRootFile = "claim.root.pem"
)

// DefaultClaimDir is the claim folder of a project that names none,
// relative to the project file: the one default of provision apply (which
// writes the files), generate (which points the recipes at them) and verify.
const DefaultClaimDir = "claim-certs"

// ClaimDir returns the absolute path of the claim folder:
// Greengrass.ClaimDir, or DefaultClaimDir when it is empty.
func (p *Project) ClaimDir() string {
	dir := p.Abs(cmp.Or(p.Greengrass.ClaimDir, DefaultClaimDir))
	if !filepath.IsAbs(dir) {
		if a, err := filepath.Abs(dir); err == nil {
			dir = a
		}
	}
	return dir
}

// ClaimFiles returns the absolute paths of claim.cert.pem, claim.pkey.pem and
// claim.root.pem in the claim folder (ClaimDir).
func (p *Project) ClaimFiles() (cert, key, rootCA string) {
	dir := p.ClaimDir()
	return filepath.Join(dir, ClaimCertFile), filepath.Join(dir, ClaimKeyFile), filepath.Join(dir, ClaimRootFile)
}
