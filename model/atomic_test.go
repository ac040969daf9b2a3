package model

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestWriteFileAtomicRemovesStaleTempsAndKeepsLinks: temporary files of
// fleetbake's naming written well before this process started go; a
// recent one (another run writing now) and other names stay; a symlink at the path is replaced,
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
	// Another process between its write and its rename when this one
	// started: no lock says it is dead, so it stays.
	recent := mk(".state.json.tmp-789", processStart.Add(-time.Minute))
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
	for _, p := range []string{fresh, recent, other} {
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

// RemoveStaleTempsOf lists each folder once and removes, for every path,
// only its own old temporary files.
func TestRemoveStaleTempsOf(t *testing.T) {
	d1, d2 := t.TempDir(), t.TempDir()
	before := time.Now().Add(-time.Minute)
	old := before.Add(-time.Hour)
	files := map[string]bool{ // path -> removed
		filepath.Join(d1, ".a.conf"+tempInfix+"1"):     true,
		filepath.Join(d1, ".b.conf"+tempInfix+"22"):    true,
		filepath.Join(d2, ".c.conf"+tempInfix+"333"):   true,
		filepath.Join(d1, ".a.conf"+tempInfix+"x"):     false, // not CreateTemp's digits
		filepath.Join(d1, ".other.conf"+tempInfix+"1"): false, // another file's
		filepath.Join(d2, ".a.conf"+tempInfix+"4"):     false, // a.conf is in d1
		filepath.Join(d1, ".b.conf"+tempInfix+"5x"):    false, // digits, then more
	}
	for p := range files {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	fresh := filepath.Join(d1, ".a.conf"+tempInfix+"9") // written after before: a live writer's
	if err := os.WriteFile(fresh, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	files[fresh] = false
	dir := filepath.Join(d1, ".b.conf"+tempInfix+"6") // not a regular file
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	got := RemoveStaleTempsOf([]string{filepath.Join(d1, "a.conf"), filepath.Join(d1, "b.conf"), filepath.Join(d2, "c.conf")}, before)
	var want []string
	for p, removed := range files {
		if removed {
			want = append(want, p)
		}
		if _, err := os.Stat(p); (err == nil) == removed {
			t.Errorf("%s: still there %v, want removed %v", p, err == nil, removed)
		}
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("a folder with a temporary name was removed")
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("removed %v, want %v", got, want)
	}
}
