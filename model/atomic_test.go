package model

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestWriteFileAtomicRemovesStaleTempsAndKeepsLinks: temporary files of
// fleetbake's naming older than this process go, a fresh one (another run
// writing now) and other names stay; a symlink at the path is replaced,
// not followed (state and claim files must not write through links).
func TestWriteFileAtomicRemovesStaleTempsAndKeepsLinks(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	old := processStart.Add(-time.Hour)
	mk := func(name string, at time.Time) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, at, at)
		return p
	}
	stale := mk(".state.json.tmp-123", old)
	fresh := mk(".state.json.tmp-456", time.Now().Add(time.Minute))
	other := mk(".state.json.tmp-abc", old)
	target := mk("elsewhere", old)
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("stale temporary file left")
	}
	for _, p := range []string{fresh, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
	if b, _ := os.ReadFile(target); string(b) != "x" {
		t.Error("wrote through the symlink")
	}
	if fi, _ := os.Lstat(path); !fi.Mode().IsRegular() {
		t.Error("path is not a regular file after the write")
	}
}

func TestRealPathFollowsRelativeAndDanglingLinks(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "a"), 0o755)
	os.Symlink("a/b.toml", filepath.Join(dir, "link1")) // dangling: b.toml not made yet
	os.Symlink("link1", filepath.Join(dir, "link2"))
	got, err := RealPath(filepath.Join(dir, "link2"))
	if err != nil || got != filepath.Join(dir, "a", "b.toml") {
		t.Errorf("RealPath = %q, %v", got, err)
	}
	os.Symlink("loop", filepath.Join(dir, "loop"))
	if _, err := RealPath(filepath.Join(dir, "loop")); err == nil {
		t.Error("a symlink loop was followed without end")
	}
}
