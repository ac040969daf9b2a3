package app

import (
	"context"
	"fmt"

	"fleetbake/model"
)

// The fetch use case: clone the layer repositories the project lacks and
// return moved checkouts to their pins (fleetbake.toml [pins]), shallow and
// several at a time, with git's progress as events for a printer or a screen.

// FetchEvent is one step of one repository's fetch (started, progress,
// note, done, left alone, failed).
type FetchEvent = model.FetchEvent

// FetchOptions: History (whole clones), Jobs (at once), Events (the callback).
type FetchOptions = model.FetchOptions

// FetchSummary counts what a fetch did.
type FetchSummary = model.FetchSummary

// FetchResult is what `layers fetch` reports after fetching.
type FetchResult struct {
	FetchSummary
	// Unresolved is why the layer set still does not build with what is on
	// disk now (a layer no repository has, a series mismatch); nil when it
	// does.
	Unresolved error
}

// FetchProject resolves the project's layer set against the disk, fetches
// what is missing or off its pin, and resolves again. A layer that no
// catalog repository holds is sent to warn before the fetch (the others
// are fetched anyway) and comes back in Unresolved.
func FetchProject(ctx context.Context, p *model.Project, opt FetchOptions, warn func(string)) (*FetchResult, error) {
	w, err := model.Discover(p.SourceRoots()...)
	if err != nil {
		return nil, err
	}
	res, err := model.Resolve(p, w)
	if res == nil {
		return nil, err
	}
	if len(res.Missing) > 0 {
		warn((&model.ResolveError{Missing: res.Missing}).Error())
	}
	sum, err := model.Fetch(ctx, p, res, opt)
	if err != nil {
		return &FetchResult{FetchSummary: sum}, err
	}
	// Check again with what is on disk now.
	w, err = model.Discover(p.SourceRoots()...)
	if err != nil {
		return nil, err
	}
	_, err = model.Resolve(p, w)
	return &FetchResult{FetchSummary: sum, Unresolved: err}, nil
}

// Fetch fetches for a resolution the screens made (Resolve), sending each
// step to opt.Events.
func Fetch(ctx context.Context, p *model.Project, r *Resolution, opt FetchOptions) (FetchSummary, error) {
	mr, ok := r.Raw.(*model.Resolution)
	if !ok {
		return FetchSummary{}, fmt.Errorf("internal: the resolution was not made by model.Resolve")
	}
	return model.Fetch(ctx, p, mr, opt)
}
