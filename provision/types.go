package provision

// Kind is one kind of resource fleetbake manages.
type Kind string

// The resources, in the order plan shows them (dependency order).
const (
	KindIdentity             Kind = "identity"
	KindEndpoints            Kind = "endpoints"
	KindTokenExchangeRole    Kind = "token-exchange-role"
	KindTokenExchangePolicy  Kind = "token-exchange-policy"
	KindRoleAlias            Kind = "role-alias"
	KindCorePolicy           Kind = "core-policy"
	KindThingGroup           Kind = "thing-group"
	KindProvisioningRole     Kind = "provisioning-role"
	KindProvisioningTemplate Kind = "provisioning-template"
	KindClaimPolicy          Kind = "claim-policy"
	KindClaimCertificate     Kind = "claim-certificate"
	KindRootCA               Kind = "root-ca"
)

// Kinds lists every kind in plan order.
var Kinds = []Kind{KindIdentity, KindEndpoints, KindTokenExchangeRole, KindTokenExchangePolicy, KindRoleAlias,
	KindCorePolicy, KindThingGroup, KindProvisioningRole, KindProvisioningTemplate, KindClaimPolicy,
	KindClaimCertificate, KindRootCA}

// Action is what apply will do (plan) or what is there (status).
type Action string

const (
	ActionExists   Action = "exists"   // exists and matches
	ActionCreate   Action = "create"   // will be created
	ActionUpdate   Action = "update"   // exists, differs: new policy version, UpdateRoleAlias, ...
	ActionConflict Action = "conflict" // name taken by something fleetbake did not create
	ActionMissing  Action = "missing"  // status only: not there
	ActionDelete   Action = "delete"   // destroy events
)

// Item is one row of the plan or status table.
type Item struct {
	Kind   Kind
	Name   string
	ARN    string
	Action Action
	Detail string
}

// Endpoints are the account's IoT endpoints for this region.
type Endpoints struct {
	Data       string // iot:Data-ATS
	Credential string // iot:CredentialProvider
}

// Identity is who the credentials belong to (sts:GetCallerIdentity).
type Identity struct {
	Account string
	ARN     string
	UserID  string
}

// Plan is the read-only view of what apply would do.
type Plan struct {
	Identity  Identity
	Region    string
	Endpoints Endpoints
	Items     []Item

	obs *observed // what the reads found; apply uses it to skip reading again
}

// Item returns the plan's row for kind.
func (p *Plan) Item(kind Kind) (Item, bool) {
	for _, it := range p.Items {
		if it.Kind == kind {
			return it, true
		}
	}
	return Item{}, false
}

// Changes counts the rows apply would create or update.
func (p *Plan) Changes() int {
	n := 0
	for _, it := range p.Items {
		if it.Action == ActionCreate || it.Action == ActionUpdate {
			n++
		}
	}
	return n
}

// Conflicts lists rows whose name is taken by something fleetbake did not create.
func (p *Plan) Conflicts() []Item {
	var out []Item
	for _, it := range p.Items {
		if it.Action == ActionConflict {
			out = append(out, it)
		}
	}
	return out
}

// Status of one step while apply, destroy or rotate-claim runs.
type Status string

const (
	StatusRunning  Status = "running"
	StatusDone     Status = "done"
	StatusFailed   Status = "failed"
	StatusRetrying Status = "retrying" // IAM eventual consistency: a new role not yet visible to IoT
)

// Event reports progress of one item.
type Event struct {
	Item   Item
	Status Status
	Err    error
	Hint   string
}

// Result is what apply or rotate-claim produced, to be written back into the project.
type Result struct {
	Identity      Identity
	Region        string
	Endpoints     Endpoints
	Names         Names
	ClaimCertID   string
	ClaimCertPath string
	ClaimKeyPath  string
	RootCAPath    string
	Created       int // resources created
	Updated       int // resources updated
	// Calls is how many AWS operations apply made (not counting SDK retries);
	// Mutations is how many of them created, changed or deleted something.
	Calls, Mutations int
	// CriticalPath is the longest chain of dependent AWS calls apply made
	// (the sum along the slowest path of the dependency graph).
	CriticalPath int
	// Warnings are things the engineer should look at, e.g. certificates an
	// interrupted request may have made that fleetbake did not dare delete.
	Warnings []string
}

// ClaimKeyWarning is what the CLI and UI show after the claim certificate is made.
const ClaimKeyWarning = `The claim key and certificate go into EVERY image of this fleet: anyone who copies
them from one device or image can register new things with this template in this
account, until the claim certificate is deactivated. Keep images and the claim
folder private; the key never leaves it except into images.
To rotate it: run "fleetbake provision rotate-claim" (new claim key and certificate,
the old certificate deactivated), then rebuild the image; devices already
provisioned keep working, they no longer use the claim.`

// RebuildAfterRotate is what the CLI shows after rotate-claim. The claim
// files keep their paths; the conf fleetbake generates lists them as
// SRC_URI files of the recipe that installs them, so BitBake checksums their
// content and rebuilds that recipe by itself.
const RebuildAfterRotate = `Rebuild the image now, or new devices get the deactivated claim and cannot provision.
BitBake sees the new claim files by their content (fleetbake lists them in SRC_URI of
the recipe that installs them) and installs them again; nothing to clean.
A conf/local.conf written by a fleetbake older than that has no such SRC_URI line: run
` + "`fleetbake generate`" + ` first, or make the recipe install them again by hand:
  bitbake -c cleansstate greengrass-plugin-fleetprovisioning    (greengrass-bin)
  bitbake -c cleansstate greengrass-lite                         (greengrass-lite)`
