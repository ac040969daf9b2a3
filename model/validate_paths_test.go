package model

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/internal/asuser"
)

// projectAt is a valid project whose file lives in dir.
func projectAt(t *testing.T, dir string) *Project {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := Default()
	p.Release = "scarthgap"
	p.SetPath(filepath.Join(dir, "fleetbake.toml"))
	if err := p.Validate(); err != nil {
		if !strings.ContainsAny(dir, sanityChars) {
			t.Fatalf("the base project is not valid: %v", err)
		}
	}
	return p
}

func problem(t *testing.T, p *Project, field string) *FieldError {
	t.Helper()
	err := p.Validate()
	ve, ok := err.(*ValidationError)
	if !ok {
		return nil
	}
	return ve.Field(field)
}

// ~/ in a path setting is the home folder, in every path fleetbake resolves;
// the file keeps the ~.
func TestTildeIsTheHomeFolder(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	p := projectAt(t, t.TempDir())
	p.BuildDir = "~/yocto/build"
	p.Shared.DLDir = "~/downloads"
	p.Sources = []string{"~"}
	p.Greengrass.ClaimDir = "~/claim"
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		p.BuildDir: filepath.Join(home, "yocto", "build"), p.Shared.DLDir: filepath.Join(home, "downloads"), "~": home,
		"a/~/b": filepath.Join(p.Dir(), "a", "~", "b"),
	} {
		if got := p.Abs(in); got != want {
			t.Errorf("Abs(%q) = %q, want %q", in, got, want)
		}
	}
	if roots := p.SourceRoots(); roots[0] != home {
		t.Errorf("SourceRoots = %v, want %s first", roots, home)
	}
	cert, _, _ := p.ClaimFiles()
	if !strings.HasPrefix(cert, filepath.Join(home, "claim")+string(filepath.Separator)) {
		t.Errorf("claim file %s is not under ~/claim", cert)
	}
	data, err := p.Encode()
	if err != nil || !strings.Contains(string(data), `build_dir = "~/yocto/build"`) {
		t.Errorf("the file must keep ~ (one file for every user):\n%s", data)
	}
	p.BuildDir = "~builder/build"
	if e := problem(t, p, "build_dir"); e == nil || !strings.Contains(e.Problem, "only ~/") {
		t.Errorf("~user/ is refused: %v", e)
	}
}

// A project folder with a space (or +, @, %) passes the value check of
// build_dir = "build" but BitBake's sanity check refuses its TMPDIR.
func TestFullPathWithSpaceIsRefused(t *testing.T) {
	base := t.TempDir()
	for _, dir := range []string{"My Projects", "c++", "me@host", "100%"} {
		p := projectAt(t, filepath.Join(base, dir, "yocto"))
		e := problem(t, p, "build_dir")
		if e == nil || !strings.Contains(e.Problem, "sanity.bbclass") || !strings.Contains(e.Problem, filepath.Join(base, dir, "yocto", "build")) {
			t.Errorf("%s: build_dir problem = %v", dir, e)
		}
		if dir != "My Projects" {
			continue
		}
		if e := problem(t, p, "greengrass.claim_dir"); e == nil || !strings.Contains(e.Problem, "a space") {
			t.Errorf("claim_dir under a space: %v", e)
		}
		// An absolute build folder elsewhere is the way out.
		p.BuildDir = filepath.Join(base, "build")
		p.Greengrass.ClaimDir = filepath.Join(base, "claim")
		if err := p.Validate(); err != nil {
			t.Errorf("absolute paths without spaces: %v", err)
		}
	}
}

// A build folder (or DL_DIR, SSTATE_DIR) the user cannot write, or cannot
// create, is refused with the folder to fix. As root this runs as nobody.
func TestUnwritableBuildFolderIsRefused(t *testing.T) {
	if asuser.Run(t) {
		return
	}
	base := t.TempDir()
	p := projectAt(t, filepath.Join(base, "yocto"))
	locked := filepath.Join(base, "locked")
	if err := os.Mkdir(locked, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	p.BuildDir = locked
	if e := problem(t, p, "build_dir"); e == nil || !strings.Contains(e.Problem, locked+" is not writable by you") {
		t.Errorf("existing unwritable build folder: %v", e)
	}
	p.BuildDir = filepath.Join(locked, "build")
	if e := problem(t, p, "build_dir"); e == nil || !strings.Contains(e.Problem, "cannot be created: "+locked+" is not writable") {
		t.Errorf("build folder under an unwritable folder: %v", e)
	}
	p.BuildDir = "build"
	p.Shared.SstateDir = filepath.Join(locked, "sstate")
	if e := problem(t, p, "shared.sstate_dir"); e == nil || !strings.Contains(e.Problem, "not writable") {
		t.Errorf("sstate_dir under an unwritable folder: %v", e)
	}
	p.Shared.SstateDir = filepath.Join(base, "sstate") // does not exist, parent writable
	if err := p.Validate(); err != nil {
		t.Errorf("a folder that can be created: %v", err)
	}
}
