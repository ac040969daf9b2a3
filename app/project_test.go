package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNotSourceTree: the wizard started in fleetbake's own clone refuses
// to make it the workspace; any other folder is fine.
func TestNotSourceTree(t *testing.T) {
	clone := t.TempDir()
	if err := os.WriteFile(filepath.Join(clone, "go.mod"), []byte("module fleetbake\n\ngo 1.26.7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenOrNew(filepath.Join(clone, "fleetbake.toml")); err == nil || !strings.Contains(err.Error(), "--config ~/yocto/fleetbake.toml") {
		t.Fatalf("OpenOrNew in the source tree: %v", err)
	}
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "go.mod"), []byte("module example.com/fleetbakery\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, existing, err := OpenOrNew(filepath.Join(other, "fleetbake.toml")); err != nil || existing {
		t.Fatalf("OpenOrNew elsewhere: %v %v", existing, err)
	}
}
