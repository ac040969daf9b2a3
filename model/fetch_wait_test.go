package model

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A fetch that planned a clone, then waited for the lock of another run
// which made that folder meanwhile, leaves the folder to it and succeeds
// (it failed on renaming its own clone onto it).
func TestFetchAfterWaitingLeavesWhatAnotherRunMade(t *testing.T) {
	mirror := mirrorFor(t, "scarthgap")
	t.Setenv(GitMirrorEnv, mirror)
	dir := t.TempDir()
	p := projectIn(t, dir)
	p.Release = "scarthgap"
	res := resolveIn(t, p)
	sources := filepath.Join(dir, "sources")
	if err := os.MkdirAll(sources, 0o755); err != nil {
		t.Fatal(err)
	}
	other, err := LockDir(sources, 0) // the other run
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- FetchLayers(context.Background(), p, res, &out) }()
	// Planning takes milliseconds; the fetch then waits for the lock (up to
	// 2 s). Were it slower than this, it would find the folder at planning
	// and leave it too: the test can then not fail, but never wrongly.
	time.Sleep(500 * time.Millisecond)
	made := filepath.Join(sources, "meta-aws")
	if err := os.Mkdir(made, 0o755); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(made, "made-by-the-other-run")
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	other.Unlock()
	if err := <-done; err != nil {
		t.Fatalf("fetch after the other run: %v\n%s", err, out.String())
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("the other run's folder was replaced: %v", err)
	}
	for _, repo := range []string{"poky", "meta-openembedded"} {
		if _, err := os.Stat(filepath.Join(sources, repo, ".git")); err != nil {
			t.Errorf("%s not cloned: %v\n%s", repo, err, out.String())
		}
	}
}
