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
	walksEveryTime(t, root, cacheDir, "a tree on a network file system")
}
