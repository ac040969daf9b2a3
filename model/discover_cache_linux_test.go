package model

import (
	"syscall"
	"testing"
)

// A tree on a network file system is not cached: its stats may answer from
// the client's cache of attributes while a walk's opens see another
// machine's change. The test counts the temp folder's own file system as
// one.
func TestDiscoveryCacheNotOnNetworkFS(t *testing.T) {
	root, cacheDir := cacheTree(t)
	var fs syscall.Statfs_t
	if err := syscall.Statfs(root, &fs); err != nil {
		t.Fatal(err)
	}
	networkFSTypes[int64(fs.Type)] = "this test's"
	t.Cleanup(func() { delete(networkFSTypes, int64(fs.Type)) })
	for range 2 {
		w, walked := discoverCounting(t, root)
		if !walked {
			t.Fatal("a tree on a network file system was taken from the cache")
		}
		sameAsUncached(t, w, root)
	}
	if f := cacheFiles(t, cacheDir); len(f) != 0 {
		t.Fatalf("cached a tree on a network file system: %v", f)
	}
}
