package model

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func savedProject(t *testing.T) (*Project, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), DefaultFile)
	p := Default()
	p.SetPath(path)
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p, path
}

func TestSaveKeepsTheFileMode(t *testing.T) {
	p, path := savedProject(t)
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	p.Machine = "qemuarm64"
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after Save: %v, want 0600", fi.Mode().Perm())
	}
}

// TestSaveUpdateKeepsChangesMadeMeanwhile: the file changed on disk after
// it was loaded; SaveUpdate applies the update onto the file as it is now.
func TestSaveUpdateKeepsChangesMadeMeanwhile(t *testing.T) {
	p, path := savedProject(t)
	other, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	other.Machine = "edited-meanwhile"
	if err := other.Save(); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o640)
	merged, err := p.SaveUpdate(func(q *Project) { q.Greengrass.DataEndpoint = "abc-ats.iot.example" })
	if err != nil {
		t.Fatal(err)
	}
	if !merged {
		t.Error("SaveUpdate did not notice the file changed")
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Machine != "edited-meanwhile" || got.Greengrass.DataEndpoint != "abc-ats.iot.example" {
		t.Errorf("after SaveUpdate: machine %q, data endpoint %q", got.Machine, got.Greengrass.DataEndpoint)
	}
	if p.Machine != "edited-meanwhile" || p.Greengrass.DataEndpoint != "abc-ats.iot.example" {
		t.Errorf("project in memory not the saved one: machine %q, data endpoint %q", p.Machine, p.Greengrass.DataEndpoint)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode after SaveUpdate: %v, want 0640", fi.Mode().Perm())
	}
	// Unchanged since: a plain save.
	if merged, err := p.SaveUpdate(func(q *Project) { q.Image = "core-image-minimal" }); err != nil || merged {
		t.Errorf("second SaveUpdate: merged %v, err %v", merged, err)
	}
}

// TestSaveUpdateRefusesAnUnreadableFile: the file was changed into
// something that does not parse; it is left as it is.
func TestSaveUpdateRefusesAnUnreadableFile(t *testing.T) {
	p, path := savedProject(t)
	broken := []byte("machine = \"half typed\n")
	if err := os.WriteFile(path, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := p.SaveUpdate(func(q *Project) { q.Greengrass.DataEndpoint = "x" })
	if err == nil || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("SaveUpdate over a broken file: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != string(broken) {
		t.Errorf("file overwritten: %q", data)
	}
}
