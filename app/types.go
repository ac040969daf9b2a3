package app

import (
	"time"

	"fleetbake/model"
)

// The typed results and events of the use cases, shared by the command line
// and the screens.

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
	// FetchDir is where `layers fetch` clones what is not on disk
	// (model.FetchDir), relative to the project folder and with slashes:
	// "sources", or "layers" (or "../layers") in a bitbake-setup folder.
	// Found here, where the workspace is discovered, so a screen that
	// names it does no I/O.
	FetchDir string
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
	// EmptyVars are the variables of fleetbake's block in local.conf left
	// empty (the AWS endpoints before provisioning).
	EmptyVars []string
	Raw       any
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
	// Snapshots are coalesced by the producer (at most one every
	// BuildUpdateInterval from the builds this package follows): a slow
	// reader only misses intermediate ones.
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
	// Phase is where the build is ("Parsing recipes", "running"), and once
	// it ended: "done" (exit 0), "stopped" (a user's stop) or "failed".
	Phase    string
	Done     int // tasks finished
	Total    int // tasks in the run queue, 0 when not known yet
	Running  []string
	Failures []BuildFailure
	Started  time.Time
	Elapsed  time.Duration // used when Started is zero
	ETA      time.Duration // 0: unknown (the screen then estimates from the rate)
	Finished bool
	ExitCode int
	Log      string // console log path
	// Errors are BitBake's ERROR messages with the lines that explain them.
	Errors []BuildError
	// ParsePercent is how far the open "Loading cache" or "Parsing recipes"
	// step is, 0-100, or -1 when unknown or no such step is open.
	ParsePercent int
}

// BuildError is one ERROR message and the lines after it that explain it.
type BuildError struct {
	Text    string
	Context []string
}

// BuildFailure is one failed task and its log.
type BuildFailure struct {
	Task, Log string
}
