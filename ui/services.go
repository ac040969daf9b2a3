package ui

import (
	"context"
	"io"
	"time"

	"fleetbake/model"
)

// Services are the calls the UI makes into the packages below it (model,
// generator, provision, engine). The UI never touches a file, AWS or a
// process itself: it calls these from tea.Cmds. Real returns them wired to
// those packages; tests may replace single functions.
//
// A nil function means "not available in this build": the screen that needs
// it says so instead of failing.
type Services struct {
	// Save writes the project file (model.Project.Save).
	Save func(p *model.Project) error
	// ValidateField checks one answer, field named as in fleetbake.toml.
	ValidateField func(field, value string) error
	// ValidateProject checks every answer together (model.Project.Validate).
	ValidateProject func(p *model.Project) error
	// Regions are the AWS regions offered in the Greengrass step.
	Regions []string

	// Discover finds the layers on disk (and the built-in catalog).
	Discover func(p *model.Project) (*Workspace, error)
	// Resolve adds dependencies to the chosen layers and checks series.
	Resolve func(p *model.Project, w *Workspace) (*Resolution, error)
	// FetchLayers clones the catalog layers of r that are not on disk
	// (model.FetchLayersWith), writing git's progress to out.
	FetchLayers func(ctx context.Context, p *model.Project, r *Resolution, out io.Writer) error
	// ReadConf reads MACHINE, DISTRO and BBLAYERS from an existing build folder.
	ReadConf func(p *model.Project) (*ConfGuess, error)

	// Identity looks up the AWS account in use.
	Identity func(ctx context.Context, p *model.Project) (*Identity, error)
	// PlanFiles renders the conf changes without writing them.
	PlanFiles func(p *model.Project, w *Workspace) (*FilePlan, error)
	// PlanAWS lists what provisioning would create or change.
	PlanAWS func(ctx context.Context, p *model.Project, ws *Workspace) ([]PlanRow, error)
	// WriteFiles writes the planned conf changes.
	WriteFiles func(plan *FilePlan) error
	// ApplyAWS creates the AWS side, reporting each resource as it goes. The
	// returned update, when not nil, records what AWS returned (endpoints,
	// names) in the UI's own project, which then saves it.
	ApplyAWS func(ctx context.Context, p *model.Project, ws *Workspace, report func(ResourceEvent)) (update func(*model.Project), err error)

	// StartBuild launches BitBake detached from this terminal.
	StartBuild func(p *model.Project) (Build, error)
	// AttachBuild returns the build already running for p, or nil.
	AttachBuild func(p *model.Project) (Build, error)
}

// Workspace is what discovery found, reduced to what the screens show.
type Workspace struct {
	Roots      []string
	Release    string
	Generation model.Generation
	// Catalog is true when no layer was found on disk and the built-in
	// catalog is all there is.
	Catalog  bool
	Layers   []*model.Layer // on disk first, then catalog layers not on disk
	Machines []model.Machine
	Distros  []string
	Images   []string
	Problems []string
	// Raw is the package's own workspace, handed back to Resolve and PlanFiles.
	Raw any
}

// Resolution is the chosen layers plus their dependencies.
type Resolution struct {
	Release      string
	Layers       []ResolvedLayer // dependency order
	Missing      []string        // one sentence each: what is missing, who needs it, how to get it
	Incompatible []string        // one sentence each: layer, its LAYERSERIES_COMPAT, the release
	Raw          any
}

// ResolvedLayer is one row of the layer checklist.
type ResolvedLayer struct {
	Name, Collection, Path string
	OnDisk                 bool
	AddedBy                string // why it was added, "" when chosen
	Mismatch               string // series mismatch reason, "" when compatible
}

// ConfGuess holds answers read from an existing conf/local.conf and bblayers.conf.
type ConfGuess struct {
	Machine, Distro string
	Layers          []string // layer names (last path element of each BBLAYERS entry)
	From            string   // the folder they were read from
}

// Identity is the AWS account in use.
type Identity struct {
	Account, ARN, Region string
}

// FilePlan is the rendered conf changes.
type FilePlan struct {
	Diff     string
	Empty    bool
	Warnings []string // things to act on (an own assignment overriding fleetbake's)
	Notes    []string // information (layers not fetched yet)
	Raw      any
}

// PlanRow is one AWS resource in the provisioning plan.
type PlanRow struct {
	Kind, Name, Action, Detail string
}

// ResourceState is where one AWS resource is during apply.
type ResourceState int

// Resource states, in order.
const (
	ResourcePending ResourceState = iota
	ResourceRunning
	ResourceDone
	ResourceFailed
)

// ResourceEvent reports progress on one AWS resource during apply.
type ResourceEvent struct {
	Kind, Name string
	State      ResourceState
	Detail     string // "created", "already there", or the error
	Hint       string // what to do about a failure
}

// Build is a running BitBake build the UI follows.
type Build interface {
	// Updates delivers status snapshots; it is closed when the build ends.
	// Snapshots are coalesced by the producer: a slow reader only misses
	// intermediate ones.
	Updates() <-chan BuildStatus
	// Cancel asks BitBake to stop (first SIGINT semantics).
	Cancel() error
	// Detach stops following without stopping the build.
	Detach()
	// ReattachHint says how to come back, e.g. "run fleetbake again".
	ReattachHint() string
}

// BuildStatus is one snapshot of a build.
type BuildStatus struct {
	Phase    string // "parsing", "running tasks", "done", "failed"
	Done     int    // tasks finished
	Total    int    // tasks in the run queue, 0 when not known yet
	Running  []string
	Failures []BuildFailure
	Started  time.Time
	Elapsed  time.Duration // used when Started is zero
	ETA      time.Duration // 0: unknown (the screen then estimates from the rate)
	Finished bool
	ExitCode int
	Log      string // console log path
}

// BuildFailure is one failed task and its log.
type BuildFailure struct {
	Task, Log string
}
