package ui

import (
	"context"
	"fmt"
	"io"

	"fleetbake/generator"
	"fleetbake/model"
)

// This file wires layer resolution (model.Resolve) and the conf changes
// (generator.Plan/Apply) into Services.

func fileServices(s *Services) {
	s.Resolve = resolve
	s.FetchLayers = func(ctx context.Context, p *model.Project, r *Resolution, out io.Writer) error {
		mr, ok := r.Raw.(*model.Resolution)
		if !ok {
			return fmt.Errorf("internal: the resolution was not made by model.Resolve")
		}
		return model.FetchLayersWith(ctx, p, mr, out, model.FetchOptions{Depth: 1})
	}
	s.PlanFiles = planFiles
	s.WriteFiles = func(plan *FilePlan) error {
		c, ok := plan.Raw.(*generator.Changes)
		if !ok {
			return fmt.Errorf("internal: the plan was not made by the generator")
		}
		return generator.Apply(c)
	}
}

func modelWorkspace(w *Workspace) (*model.Workspace, error) {
	if w == nil {
		return nil, fmt.Errorf("the layers have not been discovered yet")
	}
	mw, ok := w.Raw.(*model.Workspace)
	if !ok {
		return nil, fmt.Errorf("internal: the workspace was not made by model.Discover")
	}
	return mw, nil
}

// resolve runs model.Resolve. Missing layers and series mismatches come back
// in the Resolution (the screen lists them) rather than as an error.
func resolve(p *model.Project, w *Workspace) (*Resolution, error) {
	mw, err := modelWorkspace(w)
	if err != nil {
		return nil, err
	}
	mr, err := model.Resolve(p, mw)
	if mr == nil {
		return nil, err
	}
	return resolutionFrom(mr), nil
}

func resolutionFrom(mr *model.Resolution) *Resolution {
	r := &Resolution{Release: mr.Release, Raw: mr}
	mismatch := map[string]string{}
	for _, m := range mr.Incompatible {
		mismatch[m.Layer] = m.String()
		r.Incompatible = append(r.Incompatible, m.String())
	}
	for _, m := range mr.Missing {
		r.Missing = append(r.Missing, m.String())
	}
	for _, l := range mr.Layers {
		r.Layers = append(r.Layers, ResolvedLayer{
			Name: l.Name, Collection: l.Collection, Path: l.Path, OnDisk: l.OnDisk,
			AddedBy: mr.AddedBy[l.Name], Mismatch: mismatch[l.Name],
		})
	}
	return r
}

// planFiles resolves the layers again (the answers may have changed since
// the layers step) and renders the conf changes without writing them.
func planFiles(p *model.Project, w *Workspace) (*FilePlan, error) {
	mw, err := modelWorkspace(w)
	if err != nil {
		return nil, err
	}
	mr, err := model.Resolve(p, mw)
	if mr == nil {
		return nil, err
	}
	c, err := generator.Plan(p, mr)
	if err != nil {
		return nil, err
	}
	return &FilePlan{Diff: c.Diff(), Empty: c.Empty(), Warnings: c.Warnings, Notes: c.Notes, Raw: c}, nil
}
