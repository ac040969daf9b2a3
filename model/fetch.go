package model

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// FetchOptions tune FetchLayersWith.
type FetchOptions struct {
	// Depth is git clone --depth; 0 clones the whole history.
	Depth int
}

// FetchLayers clones, with real git, every catalog repository the resolution
// needs but the disk lacks, at the release's branch, into
// <project dir>/sources/<repo> (single branch, depth 1). A repository folder
// that already exists is left alone. $FLEETBAKE_GIT_MIRROR/<repo>.git replaces
// the catalog URL when set.
func FetchLayers(ctx context.Context, p *Project, res *Resolution, out io.Writer) error {
	return FetchLayersWith(ctx, p, res, out, FetchOptions{Depth: 1})
}

// FetchPlan lists the repositories FetchLayers would clone, in order, with
// required companions (bitbake next to openembedded-core).
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

// FetchLayersWith is FetchLayers with options. It tries every repository and
// returns one error naming each that failed.
func FetchLayersWith(ctx context.Context, p *Project, res *Resolution, out io.Writer, opt FetchOptions) error {
	if res == nil {
		return errors.New("nothing resolved to fetch")
	}
	repos, err := FetchPlan(res)
	if err != nil {
		return err
	}
	if len(repos) == 0 {
		fmt.Fprintln(out, "Every layer is already on disk; nothing to fetch.")
		return nil
	}
	if _, err := exec.LookPath("git"); err != nil {
		return fmt.Errorf("git is not installed: install it (apt-get install git) and run `fleetbake layers fetch` again")
	}
	sources := filepath.Join(p.Dir(), "sources")
	if err := os.MkdirAll(sources, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", sources, err)
	}
	var failed []string
	for _, r := range repos {
		if err := ctx.Err(); err != nil {
			return err
		}
		dest := filepath.Join(sources, r.Name)
		if _, err := os.Stat(dest); err == nil {
			fmt.Fprintf(out, "%s: %s already exists, left as it is\n", r.Name, dest)
			continue
		}
		branch, ok := r.Branch(res.Release)
		if !ok {
			failed = append(failed, fmt.Sprintf("%s has no branch for %s (it has %s)", r.Name, res.Release, branchList(r)))
			continue
		}
		url := r.CloneURL()
		fmt.Fprintf(out, "%s: cloning %s (branch %s) into %s\n", r.Name, url, branch, dest)
		if err := clone(ctx, url, branch, dest, opt.Depth, out); err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", r.Name, err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("could not fetch every layer:\n  %s", strings.Join(failed, "\n  "))
	}
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

// clone runs git clone into a temporary folder beside dest and renames it
// into place, so an interrupted clone never leaves a half repository that a
// later run would take as fetched.
func clone(ctx context.Context, url, branch, dest string, depth int, out io.Writer) error {
	tmp, err := os.MkdirTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".clone-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	args := []string{"clone", "--branch", branch, "--single-branch"}
	if depth > 0 {
		args = append(args, "--depth", strconv.Itoa(depth))
	}
	args = append(args, "--", url, tmp)
	cmd := exec.CommandContext(ctx, "git", args...)
	// No prompt for credentials over SSH: fail instead of hanging.
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	cmd.Stdout = out
	var stderr strings.Builder
	cmd.Stderr = io.MultiWriter(out, &stderr)
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		return fmt.Errorf("git clone --branch %s %s failed: %v: %s", branch, url, err, msg)
	}
	return os.Rename(tmp, dest)
}
