package model

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Pins are fleetbake.toml's [pins]: each layer repository checkout (its
// folder relative to the project folder, slash-separated, or absolute when
// outside it) -> the commit `fleetbake layers lock` found checked out, so
// that the build can be made again from the same sources.
type Pins map[string]string

// IsCommitID: s is a full commit id as `git rev-parse HEAD` prints it, 40
// hex digits (SHA-1) or 64 (a SHA-256 repository, git's hash-function-transition
// doc). A branch or tag name would not pin anything, and "-" would reach
// git as an option.
func IsCommitID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// validatePins refuses a pin that is not a full commit id.
func (p *Project) validatePins(add func(*FieldError)) {
	keys := make([]string, 0, len(p.Pins))
	for k := range p.Pins {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !IsCommitID(p.Pins[k]) {
			add(fe("pins."+k, p.Pins[k], "expected a full commit id (40 hex digits, lower case): run `fleetbake layers lock` to record the commits checked out"))
		}
	}
}

// PinStatus is one checkout compared with its pin.
type PinStatus struct {
	Key  string // the [pins] key
	Path string // absolute checkout folder
	Pin  string // "" when the checkout has no pin
	Head string // the checked-out commit; "" when missing
	// Missing: the pinned folder is not a git checkout (any more).
	// Moved: HEAD is not the pinned commit. Dirty: tracked files changed.
	Missing, Moved, Dirty bool
	// Unreadable: a checkout git refuses to read (a safe.directory
	// refusal of a folder another user owns, a worktree whose repository
	// moved), with git's reason; it is not missing, and fetch leaves it.
	Unreadable error
}

// State is one word for a report: missing, moved, dirty, "moved, dirty",
// unpinned or ok.
func (s PinStatus) State() string {
	switch {
	case s.Unreadable != nil:
		return "unreadable"
	case s.Missing:
		return "missing"
	case s.Pin == "":
		return "unpinned"
	case s.Moved && s.Dirty:
		return "moved, dirty"
	case s.Moved:
		return "moved"
	case s.Dirty:
		return "dirty"
	}
	return "ok"
}

// LayerRepos returns the git checkouts holding the resolution's layers on
// disk (the nearest folder above each layer with a .git), and the bitbake
// checkout beside openembedded-core (requiredCheckouts), sorted.
func LayerRepos(res *Resolution) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range res.Layers {
		if !l.OnDisk {
			continue
		}
		if root := gitRoot(l.Path); root != "" && !seen[root] {
			seen[root] = true
			out = append(out, root)
		}
	}
	out = append(out, requiredCheckouts(out)...)
	sort.Strings(out)
	return out
}

// LayersOutsideGit returns the layers of res on disk that are in no git
// checkout (unpacked from a tarball, copied): nothing can pin them, and the
// kas and bitbake-setup exports name their catalog branch instead.
func LayersOutsideGit(res *Resolution) []*Layer {
	var out []*Layer
	for _, l := range res.Layers {
		if l.OnDisk && gitRoot(l.Path) == "" {
			out = append(out, l)
		}
	}
	return out
}

func gitRoot(path string) string {
	for d := path; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// PinKey is the [pins] key of a checkout folder.
func PinKey(p *Project, root string) string {
	if rel, err := filepath.Rel(p.Dir(), root); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(root)
}

// pinPath is the folder a [pins] key names.
func pinPath(p *Project, key string) string {
	if filepath.IsAbs(filepath.FromSlash(key)) {
		return filepath.FromSlash(key)
	}
	return filepath.Join(p.Dir(), filepath.FromSlash(key))
}

// Lock returns the pins of every layer repository of res: the commit each
// checkout has checked out (git rev-parse HEAD).
func Lock(ctx context.Context, p *Project, res *Resolution) (Pins, error) {
	repos := LayerRepos(res)
	if len(repos) == 0 {
		return nil, fmt.Errorf("no layer of the project is in a git checkout: nothing to pin; run `fleetbake layers fetch` first")
	}
	pins := Pins{}
	for _, root := range repos {
		head, err := gitOut(ctx, root, "rev-parse", "HEAD")
		if err != nil {
			// git's reason says which: no commit yet, or a checkout it
			// will not read (safe.directory), with what to do.
			return nil, fmt.Errorf("%s: cannot read its commit, so nothing was pinned: %v", root, oneLineError(err))
		}
		pins[PinKey(p, root)] = head
	}
	return pins, nil
}

// CheckPins compares every pin of the project and every layer repository
// of res with what is checked out: pinned checkouts first, by key.
func CheckPins(ctx context.Context, p *Project, res *Resolution) []PinStatus {
	byKey := map[string]*PinStatus{}
	for k, pin := range p.Pins {
		byKey[k] = &PinStatus{Key: k, Path: pinPath(p, k), Pin: pin}
	}
	if res != nil {
		for _, root := range LayerRepos(res) {
			k := PinKey(p, root)
			if byKey[k] == nil {
				byKey[k] = &PinStatus{Key: k, Path: root}
			}
		}
	}
	// git status reads every tracked file's metadata (poky: 5,000 files):
	// the checkouts are looked at together, a few at a time.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, s := range byKey {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			head, err := gitOut(ctx, s.Path, "rev-parse", "HEAD")
			if err != nil && isCheckout(s.Path) {
				s.Unreadable = oneLineError(err)
				return
			} else if err != nil {
				s.Missing = true
				return
			}
			s.Head = head
			s.Moved = s.Pin != "" && head != s.Pin
			// Untracked files (a build folder, editor files) do not change
			// what BitBake parses from the checkout; changed tracked ones do.
			st, err := gitOut(ctx, s.Path, "status", "--porcelain", "--untracked-files=no")
			s.Dirty = err == nil && st != ""
		}()
	}
	wg.Wait()
	var out []PinStatus
	for _, s := range byKey {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Pin == "") != (out[j].Pin == "") {
			return out[i].Pin != ""
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// oneLineError is err with git's several lines (and the tab before its
// suggested command) joined by single spaces, for a report line.
func oneLineError(err error) error {
	return errors.New(strings.Join(strings.Fields(err.Error()), " "))
}

// gitOut runs git in dir and returns its trimmed standard output.
func gitOut(ctx context.Context, dir string, args ...string) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, ".git")); err != nil {
		return "", fmt.Errorf("not a git checkout")
	}
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
			return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}
