//go:build unix

package model

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A fetched checkout gets the permissions git clone would give it (0777 less
// the umask), not MkdirTemp's 0700: a sources/ folder shared by the users of a
// build host must stay readable to them.
func TestFetchedCheckoutFollowsUmask(t *testing.T) {
	mirror := mirrorFor(t, "scarthgap")
	t.Setenv(GitMirrorEnv, mirror)
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	p := projectIn(t, dir)
	p.Release = "scarthgap"
	res := resolveIn(t, p)
	var out bytes.Buffer
	if err := FetchLayers(context.Background(), p, res, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, repo := range []string{"poky", "meta-openembedded", "meta-aws"} {
		fi, err := os.Stat(filepath.Join(dir, "sources", repo))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o755 {
			t.Errorf("%s: mode %o, want 755 (umask 022)", repo, got)
		}
	}
	// No staging folder is left beside the checkouts.
	left, _ := filepath.Glob(filepath.Join(dir, "sources", ".*.clone-*"))
	if len(left) != 0 {
		t.Errorf("staging folders left: %v", left)
	}
}
