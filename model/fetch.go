package model

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// FetchOptions tune Fetch.
type FetchOptions struct {
	// History clones whole histories; by default a fetch is shallow (depth
	// 1), at the pin or at the head of the release's branch.
	History bool
	// Jobs is how many repositories are fetched at once; 0 means 4.
	Jobs int
	// Events receives every step, one call at a time; nil drops them.
	Events func(FetchEvent)
}

// DefaultFetchJobs is how many clones run at once: enough to hide each
// server's latency, few enough not to fight over a small machine's disk.
const DefaultFetchJobs = 4

// FetchItem is one repository of a fetch: a clone to make, or an existing
// checkout to return to its pin.
type FetchItem struct {
	Repo    string // catalog name (for a checkout outside the catalog, its [pins] key)
	URL     string // where to clone from; "" for a restore (its origin)
	Branch  string // the release's branch; "" when the catalog has none (a pin still fetches)
	Dest    string // absolute checkout folder
	Pin     string // commit to check out; "" follows Branch
	Restore bool   // Dest exists and is not at Pin
	Deepen  bool   // Dest is a shallow checkout at its pin (or unpinned): --history fetches its whole history
}

// FetchSummary counts what a fetch did.
type FetchSummary struct {
	Cloned, Restored, Deepened, LeftAlone, Failed int
}

// FetchLayers clones, with real git, every catalog repository the resolution
// needs but the disk lacks (shallow, at its pin or the release's branch) and
// returns moved checkouts to their pins, writing one line per step to out.
func FetchLayers(ctx context.Context, p *Project, res *Resolution, out io.Writer) error {
	return FetchLayersWith(ctx, p, res, out, FetchOptions{})
}

// FetchLayersWith is FetchLayers with options; opt.Events is replaced by a
// printer of every step but git's progress.
func FetchLayersWith(ctx context.Context, p *Project, res *Resolution, out io.Writer, opt FetchOptions) error {
	opt.Events = func(e FetchEvent) {
		if e.Stage != FetchProgress && e.Stage != FetchFailed {
			fmt.Fprintln(out, e.String())
		}
	}
	sum, err := Fetch(ctx, p, res, opt)
	if err == nil && sum.Cloned+sum.Restored+sum.Deepened+sum.Failed == 0 {
		fmt.Fprintln(out, "Every layer is already on disk; nothing to fetch.")
	}
	return err
}

// FetchPlan lists the catalog repositories the resolution needs but the
// disk lacks, in order, with required companions (bitbake next to
// openembedded-core).
func FetchPlan(res *Resolution) ([]CatalogRepo, error) {
	var names []string
	addName := func(n string) {
		if !containsString(names, n) {
			names = append(names, n)
		}
	}
	for _, l := range res.NotOnDisk {
		if l.Repo == "" {
			return nil, fmt.Errorf("layer %s is neither on disk nor in the catalog; clone it into sources/ yourself", l.Name)
		}
		addName(l.Repo)
	}
	var repos []CatalogRepo
	for i := 0; i < len(names); i++ {
		r, ok := CatalogRepoNamed(names[i])
		if !ok {
			return nil, fmt.Errorf("catalog has no repository %q", names[i])
		}
		repos = append(repos, r)
		for _, req := range r.Requires {
			addName(req)
		}
	}
	return repos, nil
}

// Fetch clones what the resolution lacks into FetchDir/<repo>
// (or back into a pinned folder that is gone), and returns every pinned
// checkout that moved to its pin, opt.Jobs repositories at a time. A
// checkout with uncommitted changes off its pin is not touched. It tries
// every repository and returns one error naming each that failed.
func Fetch(ctx context.Context, p *Project, res *Resolution, opt FetchOptions) (FetchSummary, error) {
	var sum FetchSummary
	if res == nil {
		return sum, errors.New("nothing resolved to fetch")
	}
	var mu sync.Mutex // one event at a time, and the summary
	emit := func(e FetchEvent) {
		mu.Lock()
		defer mu.Unlock()
		switch e.Stage {
		case FetchSkipped:
			sum.LeftAlone++
		case FetchFailed:
			sum.Failed++
		}
		if opt.Events != nil {
			opt.Events(e)
		}
	}
	items, failed, err := planFetch(ctx, p, res, opt.History, emit)
	if err != nil {
		return sum, err
	}
	if len(items) > 0 {
		if _, err := exec.LookPath("git"); err != nil {
			return sum, errNoGit
		}
		lock, err := lockFetch(FetchDir(p), items)
		if err != nil {
			return sum, err
		}
		defer lock.Unlock()
		jobs := opt.Jobs
		if jobs <= 0 {
			jobs = DefaultFetchJobs
		}
		errs := make([]error, len(items))
		sem := make(chan struct{}, jobs)
		var wg sync.WaitGroup
		for i, it := range items {
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					errs[i] = ctx.Err()
					return
				}
				defer func() { <-sem }()
				// Planned before the lock: a run that held it meanwhile
				// may have made the folder. It is that run's whole clone
				// (renamed into place complete), so it is left as it is.
				if _, err := os.Lstat(it.Dest); err == nil && !it.Restore && !it.Deepen {
					emit(FetchEvent{Repo: it.Repo, Stage: FetchSkipped, Text: it.Dest + " was fetched by another fleetbake run meanwhile, left as it is"})
					return
				}
				if it.Deepen && !isShallow(it.Dest) {
					emit(FetchEvent{Repo: it.Repo, Stage: FetchSkipped, Text: it.Dest + " was deepened by another fleetbake run meanwhile, left as it is"})
					return
				}
				errs[i] = fetchOne(ctx, it, opt.History, emit)
				if errs[i] != nil && ctx.Err() == nil {
					emit(FetchEvent{Repo: it.Repo, Stage: FetchFailed, Err: errs[i]})
				}
				mu.Lock()
				switch {
				case errs[i] != nil:
				case it.Restore:
					sum.Restored++
				case it.Deepen:
					sum.Deepened++
				default:
					sum.Cloned++
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		for i, err := range errs {
			if err != nil {
				failed = append(failed, fmt.Sprintf("%s: %v", items[i].Repo, err))
			}
		}
	}
	if len(failed) > 0 {
		return sum, fmt.Errorf("could not fetch every layer:\n  %s", strings.Join(failed, "\n  "))
	}
	return sum, nil
}

// lockFetch takes the lock of one fetch at a time per project, in the
// folder the clones go to (created for them; a deepening takes it as a
// clone does, so two runs never fetch into one repository): holding it makes the
// temporary clone folders of any other run stale, so they can be removed.
// A fetch that only returns checkouts to their pins while that folder does
// not exist creates it for no clone and takes no lock: it makes no
// temporary folder, and git's index.lock keeps two checkouts of one
// repository from running at once.
func lockFetch(dir string, items []FetchItem) (*DirLock, error) {
	clones := false
	for _, it := range items {
		clones = clones || !it.Restore
	}
	if !clones {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, nil
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", dir, err)
	}
	return LockDir(dir, 2*time.Second)
}

// fetchOne clones or restores one repository.
func fetchOne(ctx context.Context, it FetchItem, history bool, emit func(FetchEvent)) error {
	f := &fetcher{repo: it.Repo, emit: emit}
	if n, err := removeStaleTemps(it.Dest); err != nil {
		return err
	} else if n > 0 {
		emit(FetchEvent{Repo: it.Repo, Stage: FetchNote, Text: "removed the unfinished clone of an interrupted fetch"})
	}
	at := "branch " + it.Branch
	if it.Pin != "" {
		at = "pinned commit " + short12(it.Pin)
	}
	if it.Deepen {
		return f.deepen(ctx, it)
	}
	if it.Restore {
		emit(FetchEvent{Repo: it.Repo, Stage: FetchStarted, Text: fmt.Sprintf("%s is not at its pin; checking out %s", it.Dest, at)})
		if err := f.restore(ctx, it, history); err != nil {
			return err
		}
		emit(FetchEvent{Repo: it.Repo, Stage: FetchDone, Text: fmt.Sprintf("back at %s (its branch keeps its commits; `fleetbake layers lock` pins what is checked out instead)", at)})
		return nil
	}
	emit(FetchEvent{Repo: it.Repo, Stage: FetchStarted, Text: fmt.Sprintf("cloning %s (%s) into %s", it.URL, at, it.Dest)})
	if err := f.cloneItem(ctx, it, history); err != nil {
		if ctx.Err() != nil {
			return err
		}
		return fmt.Errorf("cloning %s (%s): %w", it.URL, at, err)
	}
	emit(FetchEvent{Repo: it.Repo, Stage: FetchDone, Text: "fetched at " + at})
	return nil
}

func branchList(r CatalogRepo) string {
	var rels []string
	for _, rel := range KnownReleases {
		if _, ok := r.Branches[rel]; ok {
			rels = append(rels, rel)
		}
	}
	return strings.Join(rels, ", ")
}
