package model

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// planFetch decides what a fetch does: the catalog repositories the
// resolution lacks, cloned into FetchDir/<repo> or back into the pinned
// folder of the same name that is gone; and the pinned checkouts that
// moved, returned to their pins. With history, the shallow checkouts the
// project uses (its pins, and those holding its layers) are deepened too.
// What cannot be done is emitted as FetchFailed and returned as lines; what
// is left as it is, as FetchSkipped.
func planFetch(ctx context.Context, p *Project, res *Resolution, history bool, emit func(FetchEvent)) ([]FetchItem, []string, error) {
	repos, err := FetchPlan(res)
	if err != nil {
		return nil, nil, err
	}
	for key, pin := range p.Pins {
		if !IsCommitID(pin) {
			return nil, nil, fmt.Errorf("fleetbake.toml [pins] %q = %q is not a full commit id: run `fleetbake layers lock` to record the commits checked out", key, pin)
		}
	}
	var failed []string
	fail := func(repo string, err error) {
		emit(FetchEvent{Repo: repo, Stage: FetchFailed, Err: err})
		failed = append(failed, fmt.Sprintf("%s: %v", repo, err))
	}
	// A pinned folder that is no checkout any more is cloned again where
	// it was, at its pin, when a catalog repository has its name.
	gone := map[string]string{} // folder name -> [pins] key
	for key := range p.Pins {
		if !isCheckout(pinPath(p, key)) {
			gone[filepath.Base(filepath.FromSlash(key))] = key
		}
	}
	var items []FetchItem
	planned := map[string]bool{}
	into := FetchDir(p)
	for _, r := range repos {
		dest := filepath.Join(into, r.Name)
		if key, ok := gone[r.Name]; ok {
			dest = pinPath(p, key)
		}
		planned[dest] = true
		pin := p.Pins[PinKey(p, dest)]
		branch, hasBranch := r.Branch(res.Release)
		if isCheckout(dest) {
			continue // checked against its pin below, or left as it is
		}
		if _, err := os.Lstat(dest); err == nil {
			fail(r.Name, fmt.Errorf("%s exists but is not a git checkout; move it aside and run `fleetbake layers fetch` again", dest))
			continue
		}
		if !hasBranch && pin == "" {
			fail(r.Name, fmt.Errorf("no branch for %s (it has %s)", res.Release, branchList(r)))
			continue
		}
		items = append(items, FetchItem{Repo: r.Name, URL: r.CloneURL(), Branch: branch, Dest: dest, Pin: pin})
	}
	// Existing checkouts: pinned ones that moved go back; with history,
	// shallow ones are deepened; the others stay.
	var existing []string
	for key := range p.Pins {
		existing = append(existing, pinPath(p, key))
	}
	if history {
		for _, dest := range LayerRepos(res) {
			if !containsString(existing, dest) {
				existing = append(existing, dest)
			}
		}
	}
	for dest := range planned {
		if isCheckout(dest) && !containsString(existing, dest) {
			existing = append(existing, dest)
		}
	}
	sort.Strings(existing)
	for _, dest := range existing {
		if !isCheckout(dest) {
			continue
		}
		name := filepath.Base(dest)
		key := PinKey(p, dest)
		pin := p.Pins[key]
		deepen := history && isShallow(dest)
		if pin == "" && deepen {
			items = append(items, FetchItem{Repo: name, Dest: dest, Deepen: true})
			continue
		}
		if pin == "" {
			emit(FetchEvent{Repo: name, Stage: FetchSkipped, Text: dest + " already exists, left as it is"})
			continue
		}
		head, err := gitOut(ctx, dest, "rev-parse", "HEAD")
		if err != nil {
			// Not "at <nothing>, with uncommitted changes": git's reason,
			// which says what to do (safe.directory, a moved repository).
			fail(name, fmt.Errorf("%s: git cannot read this checkout, so it was left as it is: %v", dest, oneLineError(err)))
			continue
		}
		if head == pin && deepen {
			items = append(items, FetchItem{Repo: name, Dest: dest, Pin: pin, Deepen: true})
			continue
		}
		if head == pin {
			emit(FetchEvent{Repo: name, Stage: FetchSkipped, Text: dest + " already exists, at its pin " + short12(pin)})
			continue
		}
		if st, err := gitOut(ctx, dest, "status", "--porcelain", "--untracked-files=no"); err != nil || st != "" {
			fail(name, fmt.Errorf("%s is at %s, not its pin %s, and has uncommitted changes; nothing was changed there: commit or stash them and run `fleetbake layers fetch` again, or run `fleetbake layers lock` to pin what is checked out", dest, short12(head), short12(pin)))
			continue
		}
		it := FetchItem{Repo: name, Dest: dest, Pin: pin, Restore: true}
		if r, ok := CatalogRepoNamed(name); ok {
			it.Branch, _ = r.Branch(res.Release)
		}
		items = append(items, it)
	}
	return items, failed, nil
}

// isShallow: the checkout at dir is a shallow clone (git keeps the
// boundary commits in .git/shallow, gitrepository-layout(5)).
func isShallow(dir string) bool {
	_, err := os.Stat(filepath.Join(gitDir(dir), "shallow"))
	return err == nil
}

// isCheckout: dir is the top of a git checkout.
func isCheckout(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, ".git"))
	return err == nil
}
