package model

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A pinned checkout git refuses to read (here a worktree whose repository
// moved; on shared hosts, safe.directory's refusal of a folder another
// user owns) is reported with git's reason: not "missing", which sent the
// engineer to fetch, and not "at <nothing>, with uncommitted changes".
func TestPinnedCheckoutGitCannotRead(t *testing.T) {
	mirror := mirrorFor(t, "scarthgap")
	t.Setenv(GitMirrorEnv, mirror)
	dir := t.TempDir()
	p := projectIn(t, dir)
	p.Release = "scarthgap"
	if _, err := Fetch(context.Background(), p, resolveIn(t, p), FetchOptions{}); err != nil {
		t.Fatal(err)
	}
	res := resolveIn(t, p)
	pins, err := Lock(context.Background(), p, res)
	if err != nil {
		t.Fatal(err)
	}
	p.Pins = pins
	aws := filepath.Join(dir, "sources", "meta-aws")
	if err := os.RemoveAll(filepath.Join(aws, ".git")); err != nil {
		t.Fatal(err)
	}
	gone := filepath.Join(dir, "moved-away.git")
	if err := os.WriteFile(filepath.Join(aws, ".git"), []byte("gitdir: "+gone+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	var found bool
	for _, s := range CheckPins(context.Background(), p, res) {
		if s.Key != "sources/meta-aws" {
			continue
		}
		found = true
		if s.State() != "unreadable" || s.Unreadable == nil || !strings.Contains(s.Unreadable.Error(), gone) || strings.Contains(s.Unreadable.Error(), "\n") {
			t.Errorf("meta-aws: state %q, reason %v", s.State(), s.Unreadable)
		}
	}
	if !found {
		t.Fatal("meta-aws not in the pin report")
	}

	// layers lock pins nothing, with git's reason on one line.
	if _, err := Lock(context.Background(), p, res); err == nil || !strings.Contains(err.Error(), "nothing was pinned") || !strings.Contains(err.Error(), gone) || strings.Contains(err.Error(), "\n") {
		t.Errorf("lock: %v", err)
	}

	var ev events
	_, err = Fetch(context.Background(), p, res, FetchOptions{Events: ev.add})
	if err == nil || !strings.Contains(err.Error(), "git cannot read this checkout") || !strings.Contains(err.Error(), gone) || strings.Contains(err.Error(), "uncommitted changes") {
		t.Fatalf("fetch: %v", err)
	}
	if _, err := os.Stat(filepath.Join(aws, "conf", "layer.conf")); err != nil {
		t.Errorf("the checkout was touched: %v", err)
	}
}
