package model

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// This file holds the git commands of one repository's fetch: a new clone
// (at a branch, or at a pinned commit) made in a temporary folder beside
// its destination and renamed into place when complete, and the return of
// an existing checkout to its pin.

// tempPrefix is the start of the temporary clone folders beside dest; a
// fetch removes those of an earlier run that was killed.
func tempPrefix(dest string) string { return "." + filepath.Base(dest) + ".clone-" }

// removeStaleTemps removes the temporary clones an interrupted run left
// beside dest. The caller holds the fetch lock, so none is in use.
func removeStaleTemps(dest string) (int, error) {
	old, _ := filepath.Glob(filepath.Join(filepath.Dir(dest), tempPrefix(dest)+"*"))
	for _, o := range old {
		if err := os.RemoveAll(o); err != nil {
			return 0, fmt.Errorf("cannot remove %s, left by an interrupted fetch: %w; remove it yourself", o, err)
		}
	}
	return len(old), nil
}

// fetcher runs git for one repository and reports through emit.
type fetcher struct {
	repo string
	emit func(FetchEvent)
}

// git runs git with args in dir ("" for the current folder); with progress
// its stderr is parsed into FetchProgress events. The error carries git's
// reason.
func (f *fetcher) git(ctx context.Context, dir string, progress bool, args ...string) error {
	if dir != "" {
		args = append([]string{"-C", dir}, args...)
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	// No prompt for credentials over SSH: fail instead of hanging. LC_ALL=C:
	// the progress lines are parsed in git's own words.
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	cmd.SysProcAttr = gitProcAttr()
	// Ctrl-C: let git stop by itself first (it removes its lock files).
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	pw := &progressWriter{}
	if progress {
		pw.emit = func(g gitProgress) {
			f.emit(FetchEvent{Repo: f.repo, Stage: FetchProgress, Phase: g.phase, Percent: g.percent, Objects: g.objects, Total: g.total, Bytes: g.bytes})
		}
	}
	cmd.Stderr = pw
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		verb := gitVerb(args)
		if msg := pw.message(); msg != "" {
			return fmt.Errorf("git %s: %s", verb, msg)
		}
		return fmt.Errorf("git %s: %v", verb, err)
	}
	return nil
}

// cloneItem makes the checkout of it in a temporary folder beside it.Dest
// and renames it into place only when it is complete, so that a run killed
// half-way leaves no folder a later run would take as fetched.
func (f *fetcher) cloneItem(ctx context.Context, it FetchItem, history bool) error {
	stage, err := os.MkdirTemp(filepath.Dir(it.Dest), tempPrefix(it.Dest)+"*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	// The checkout is a folder made inside the 0700 staging folder with the
	// user's umask, as git clone makes one: MkdirTemp's 0700 would shut out
	// the other users of a shared sources/ folder.
	tmp := filepath.Join(stage, "checkout")
	if err := os.Mkdir(tmp, 0o777); err != nil {
		return err
	}
	if it.Pin == "" {
		args := []string{"clone", "--progress", "--branch", it.Branch, "--single-branch"}
		if !history {
			args = append(args, "--depth", "1")
		}
		if err := f.git(ctx, "", true, append(args, "--", it.URL, tmp)...); err != nil {
			return err
		}
	} else if err := f.fetchPinned(ctx, tmp, it, history); err != nil {
		return err
	}
	return os.Rename(tmp, it.Dest)
}

// fetchPinned makes a checkout of exactly the pinned commit in dir: a new
// repository whose origin tracks the release branch, and a fetch of that
// one commit (shallow unless history). Servers that refuse a commit which
// is no branch head (protocol v0 without uploadpack.allowReachableSHA1InWant,
// git-config(1)) get the branch fetched instead, deepened until the pin is
// in it.
func (f *fetcher) fetchPinned(ctx context.Context, dir string, it FetchItem, history bool) error {
	if err := f.git(ctx, dir, false, "init", "-q"); err != nil {
		return err
	}
	remote := []string{"remote", "add"}
	if it.Branch != "" {
		remote = append(remote, "-t", it.Branch)
	}
	if err := f.git(ctx, dir, false, append(remote, "origin", it.URL)...); err != nil {
		return err
	}
	if err := f.fetchCommit(ctx, dir, it, history, false); err != nil {
		return err
	}
	return f.git(ctx, dir, false, "-c", "advice.detachedHead=false", "checkout", "-q", "--detach", it.Pin)
}

// fetchCommit brings the pinned commit into the repository at dir.
// shallowRepo: dir is a shallow clone already (the fetch stays shallow).
func (f *fetcher) fetchCommit(ctx context.Context, dir string, it FetchItem, history, shallowRepo bool) error {
	args := []string{"fetch", "--progress", "--no-tags"}
	if !history || shallowRepo {
		args = append(args, "--depth", "1")
	}
	err := f.git(ctx, dir, true, append(args, "origin", it.Pin)...)
	if err == nil || ctx.Err() != nil {
		return err
	}
	if it.Branch == "" {
		return fmt.Errorf("%v; the server would not send pinned commit %s by itself, and the catalog names no branch to look for it on", err, it.Pin)
	}
	f.emit(FetchEvent{Repo: f.repo, Stage: FetchNote, Text: fmt.Sprintf("the server would not send commit %s by itself (%v); fetching branch %s to find it", short12(it.Pin), err, it.Branch)})
	ref := "+refs/heads/" + it.Branch + ":refs/remotes/origin/" + it.Branch
	args = []string{"fetch", "--progress", "--no-tags"}
	if !history {
		args = append(args, "--depth", "1")
	}
	if err := f.git(ctx, dir, true, append(args, "origin", ref)...); err != nil {
		return err
	}
	if hasCommit(ctx, dir, it.Pin) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(gitDir(dir), "shallow")); err == nil {
		f.emit(FetchEvent{Repo: f.repo, Stage: FetchNote, Text: fmt.Sprintf("commit %s is not the head of %s; fetching its history", short12(it.Pin), it.Branch)})
		if err := f.git(ctx, dir, true, "fetch", "--progress", "--no-tags", "--unshallow", "origin", ref); err != nil {
			return err
		}
	}
	if !hasCommit(ctx, dir, it.Pin) {
		return fmt.Errorf("pinned commit %s is not on branch %s of %s: run `fleetbake layers lock` in a checkout that has the commit you want, or remove its line from [pins]", it.Pin, it.Branch, it.URL)
	}
	return nil
}

// deepen fetches the whole history of the shallow checkout it.Dest from its
// origin (git fetch --unshallow, git-fetch(1)); HEAD does not move.
func (f *fetcher) deepen(ctx context.Context, it FetchItem) error {
	f.emit(FetchEvent{Repo: it.Repo, Stage: FetchStarted, Text: fmt.Sprintf("%s is a shallow clone; fetching its whole history from origin", it.Dest)})
	if err := f.git(ctx, it.Dest, true, "fetch", "--progress", "--no-tags", "--unshallow", "origin"); err != nil {
		if ctx.Err() != nil {
			return err
		}
		return fmt.Errorf("deepening %s: %w; it was left shallow as it was", it.Dest, err)
	}
	f.emit(FetchEvent{Repo: it.Repo, Stage: FetchDone, Text: "whole history fetched"})
	return nil
}

// restore returns the existing clean checkout it.Dest to its pin, fetching
// the commit when the checkout lacks it (with history, a shallow checkout
// is deepened first). Its branch keeps its commits: only HEAD moves.
func (f *fetcher) restore(ctx context.Context, it FetchItem, history bool) error {
	if history && isShallow(it.Dest) {
		if err := f.git(ctx, it.Dest, true, "fetch", "--progress", "--no-tags", "--unshallow", "origin"); err != nil {
			return err
		}
	}
	if !hasCommit(ctx, it.Dest, it.Pin) {
		if err := f.fetchCommit(ctx, it.Dest, it, history, isShallow(it.Dest)); err != nil {
			return err
		}
	}
	return f.git(ctx, it.Dest, false, "-c", "advice.detachedHead=false", "checkout", "-q", "--detach", it.Pin)
}

// gitVerb is the subcommand in git's arguments, for an error message.
func gitVerb(args []string) string {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-C" || a == "-c":
			i++
		case !strings.HasPrefix(a, "-"):
			return a
		}
	}
	return ""
}

func hasCommit(ctx context.Context, dir, commit string) bool {
	return exec.CommandContext(ctx, "git", "-C", dir, "cat-file", "-e", commit+"^{commit}").Run() == nil
}

// gitDir is the .git folder of a checkout (a worktree's .git file is
// followed by git itself; the shallow check then only misses, harmlessly).
func gitDir(dir string) string { return filepath.Join(dir, ".git") }

func short12(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

var errNoGit = errors.New("git is not installed: install it (apt-get install git) and run `fleetbake layers fetch` again")
