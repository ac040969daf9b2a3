package ui

import (
	"context"

	"fleetbake/app"
	"fleetbake/model"
)

// RealOptions configure the services wired to the use cases in package app.
type RealOptions struct {
	// AWS picks the account (EndpointURL: tests, internal/awsfake).
	AWS app.AWSOptions
	// BuildCommand, when set, stands in for bitbake (tests): see
	// engine.StartOptions.Command.
	BuildCommand []string
}

// Real returns Services wired to the use cases in package app.
func Real(o RealOptions) *Services {
	return &Services{
		Save:            func(p *model.Project) error { return p.Save() },
		ValidateField:   model.ValidateField,
		ValidateProject: func(p *model.Project) error { return p.Validate() },
		Regions:         model.Regions,
		Discover:        app.Discover,
		Resolve:         app.Resolve,
		FetchLayers: func(ctx context.Context, p *model.Project, r *Resolution, events func(app.FetchEvent)) error {
			_, err := app.Fetch(ctx, p, r, app.FetchOptions{Events: events})
			return err
		},
		ReadConf: app.ReadConf,
		Identity: func(ctx context.Context, p *model.Project) (*Identity, error) {
			return app.LookupIdentity(ctx, p, o.AWS)
		},
		PlanFiles: app.PlanConf,
		PlanAWS: func(ctx context.Context, p *model.Project, ws *Workspace) ([]PlanRow, error) {
			return app.PlanAWS(ctx, p, ws, o.AWS)
		},
		Documents:  app.PolicyDocuments,
		WriteFiles: app.WriteConf,
		ApplyAWS: func(ctx context.Context, p *model.Project, ws *Workspace, report func(ResourceEvent)) (func(*model.Project), error) {
			return app.ApplyAWS(ctx, p, ws, o.AWS, report)
		},
		Verify: verifyService(o.AWS),
		StartBuild: func(p *model.Project) (Build, error) {
			return app.FollowNewBuild(p, app.BuildOptions{Command: o.BuildCommand})
		},
		AttachBuild: app.AttachBuild,
	}
}
