package ui

import (
	"context"

	"fleetbake/app"
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
	// FetchLayers clones the catalog layers of r that are not on disk and
	// returns moved checkouts to their pins (app.Fetch), sending each step
	// and git's progress to events, one call at a time.
	FetchLayers func(ctx context.Context, p *model.Project, r *Resolution, events func(app.FetchEvent)) error
	// ReadConf reads MACHINE, DISTRO and BBLAYERS from an existing build folder.
	ReadConf func(p *model.Project) (*ConfGuess, error)

	// Identity looks up the AWS account in use.
	Identity func(ctx context.Context, p *model.Project) (*Identity, error)
	// PlanFiles renders the conf changes without writing them.
	PlanFiles func(p *model.Project, w *Workspace) (*FilePlan, error)
	// PlanAWS lists what provisioning would create or change.
	PlanAWS func(ctx context.Context, p *model.Project, ws *Workspace) ([]PlanRow, error)
	// Documents renders the policy documents and template body apply would
	// create, without AWS calls; id, when known, gives the account.
	Documents func(p *model.Project, ws *Workspace, id *Identity) ([]PolicyDocument, error)
	// WriteFiles writes the planned conf changes.
	WriteFiles func(plan *FilePlan) error
	// ApplyAWS creates the AWS side, reporting each resource as it goes. The
	// returned update, when not nil, records what AWS returned (endpoints,
	// names) in the UI's own project, which then saves it.
	ApplyAWS func(ctx context.Context, p *model.Project, ws *Workspace, report func(ResourceEvent)) (update func(*model.Project), err error)

	// Verify runs `fleetbake verify`'s checks (app.VerifyWith): read-only,
	// plus the live check when asked, or only those that need no AWS.
	Verify func(ctx context.Context, p *model.Project, r VerifyRequest) (*VerifyReport, error)

	// StartBuild launches BitBake detached from this terminal.
	StartBuild func(p *model.Project) (Build, error)
	// AttachBuild returns the build already running for p, or nil.
	AttachBuild func(p *model.Project) (Build, error)
}

// The use cases' types, under the names the screens have always used.
type (
	Workspace      = app.Workspace
	Resolution     = app.Resolution
	ResolvedLayer  = app.ResolvedLayer
	ConfGuess      = app.ConfGuess
	Identity       = app.Identity
	FilePlan       = app.FilePlan
	PlanRow        = app.PlanRow
	PolicyDocument = app.PolicyDocument
	AWSSkipped     = app.AWSSkipped
	ResourceState  = app.ResourceState
	ResourceEvent  = app.ResourceEvent
	Build          = app.Build
	BuildStatus    = app.BuildStatus
	BuildFailure   = app.BuildFailure
	BuildError     = app.BuildError
)

// Resource states, in order.
const (
	ResourcePending = app.ResourcePending
	ResourceRunning = app.ResourceRunning
	ResourceDone    = app.ResourceDone
	ResourceFailed  = app.ResourceFailed
)

// applySteps are the Services that apply a reviewed project, in the form
// app's one apply sequence takes.
func (s *Services) applySteps() app.ApplySteps {
	return app.ApplySteps{PlanConf: s.PlanFiles, WriteConf: s.WriteFiles, ApplyAWS: s.ApplyAWS}
}
