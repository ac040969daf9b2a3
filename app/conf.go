package app

import (
	"errors"
	"fmt"
	"strings"

	"fleetbake/engine"
	"fleetbake/generator"
	"fleetbake/model"
)

// This file holds layer resolution (model.Resolve) and the conf changes
// (generator.Plan/Apply): planned, written, and checked for staleness.

// WriteConf writes planned conf changes (only fleetbake's block of each file).
func WriteConf(plan *FilePlan) error {
	c, ok := plan.Raw.(*generator.Changes)
	if !ok {
		return fmt.Errorf("internal: the plan was not made by the generator")
	}
	return generator.Apply(c)
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

// Resolve runs model.Resolve. Missing layers and series mismatches come back
// in the Resolution (the screen lists them) rather than as an error.
func Resolve(p *model.Project, w *Workspace) (*Resolution, error) {
	mr, err := resolveModel(p, w)
	if mr == nil {
		return nil, err
	}
	return resolutionFrom(mr), nil
}

// resolveModel is model.Resolve on the workspace discovery made: a
// resolution with missing layers is returned without the error.
func resolveModel(p *model.Project, w *Workspace) (*model.Resolution, error) {
	mw, err := modelWorkspace(w)
	if err != nil {
		return nil, err
	}
	mr, err := model.Resolve(p, mw)
	if mr == nil {
		return nil, err
	}
	return mr, nil
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

// PlanConf resolves the layers again (the answers may have changed since
// the layers step) and renders the conf changes without writing them.
func PlanConf(p *model.Project, w *Workspace) (*FilePlan, error) {
	mr, err := resolveModel(p, w)
	if mr == nil {
		return nil, err
	}
	c, err := generator.Plan(p, mr)
	if err != nil {
		return nil, err
	}
	return &FilePlan{Diff: c.Diff(), Empty: c.Empty(), Warnings: c.Warnings, Notes: c.Notes, EmptyVars: emptyVars(c), Raw: c}, nil
}

// ConfCheck is the preflight check that the conf files fleetbake generates
// are there and match the project.
func ConfCheck(p *model.Project) engine.Check {
	c := engine.Check{Name: "conf files"}
	w, err := model.Discover(p.SourceRoots()...)
	if err != nil {
		c.Status, c.Detail, c.Fix = engine.Fail, "cannot discover layers: "+err.Error(), "run `fleetbake layers` to see what is wrong"
		return c
	}
	res, err := model.Resolve(p, w)
	if err != nil {
		c.Status, c.Detail, c.Fix = engine.Fail, "the layer set does not resolve: "+oneLine(err.Error()), "fix fleetbake.toml or fetch the layers (`fleetbake layers fetch`)"
		return c
	}
	changes, err := generator.Plan(p, res)
	if err != nil {
		c.Status, c.Detail, c.Fix = engine.Fail, "cannot plan the conf files: "+oneLine(err.Error()), "run `fleetbake generate` to see the problem"
		return c
	}
	if !changes.Empty() {
		var stale []string
		for _, f := range changes.Files {
			if f.Changed {
				stale = append(stale, f.Rel+" ("+f.Status()+")")
			}
		}
		c.Status = engine.Fail
		c.Detail = "not up to date with fleetbake.toml: " + strings.Join(stale, ", ")
		c.Fix = "run `fleetbake generate` (`fleetbake generate --diff` shows what changes)"
		return c
	}
	c.Detail = "conf/local.conf and conf/bblayers.conf match fleetbake.toml"
	return c
}

func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

// ResolveProject discovers the layers on disk and resolves the project's
// layer set. It works without any checkout: catalog layers then stand where
// `fleetbake layers fetch` will put them. Discovery's problems go to warn.
func ResolveProject(p *model.Project, warn func(string)) (*model.Resolution, error) {
	w, err := model.Discover(p.SourceRoots()...)
	if err != nil {
		return nil, err
	}
	for _, prob := range w.Problems {
		warn(prob.Error())
	}
	res, err := model.Resolve(p, w)
	if err != nil {
		var re *model.ResolveError
		if errors.As(err, &re) {
			return nil, fmt.Errorf("cannot generate the BitBake configuration:\n%w\nFix fleetbake.toml or the checkouts (`fleetbake layers` shows what is on disk), then run again", err)
		}
		return nil, err
	}
	return res, nil
}
