package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
)

// In a folder made by bitbake-setup: init, layers lock, then export
// bitbake-setup writes the configuration with the locked commits and the
// fragment layer, and prints the init command and the claim variable.
func TestCLIExportBBSetup(t *testing.T) {
	setup := t.TempDir()
	layertree.Write(t, setup, layertree.BBSetup("wrynose", "2.18"))
	heads := map[string]string{}
	for _, repo := range []string{"openembedded-core", "meta-yocto", "meta-openembedded", "meta-aws"} {
		dir := filepath.Join(setup, "layers", repo)
		gitIn(t, dir, "init", "-q", "-b", "wrynose")
		gitIn(t, dir, "add", "-A")
		gitIn(t, dir, "commit", "-q", "-m", "fixture")
		heads[repo] = gitIn(t, dir, "rev-parse", "HEAD")
	}
	layertree.BBSetupLinks(t, setup)
	cfg := filepath.Join(setup, "fleetbake.toml")
	if code, _, errs := runCLI(t, "--config", cfg, "init", "--machine", "qemuarm64"); code != 0 {
		t.Fatalf("init: %s", errs)
	}
	if code, _, errs := runCLI(t, "--config", cfg, "layers", "lock"); code != 0 {
		t.Fatalf("lock: %s", errs)
	}
	outDir := filepath.Join(t.TempDir(), "bbs")
	code, out, errs := runCLI(t, "--config", cfg, "export", "bitbake-setup", "-o", outDir)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errs)
	}
	data, err := os.ReadFile(filepath.Join(outDir, "fleetbake.conf.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sources map[string]struct {
			GitRemote struct{ Rev string } `json:"git-remote"`
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for repo, head := range heads {
		if doc.Sources[repo].GitRemote.Rev != head {
			t.Errorf("%s rev %q, want the locked %s", repo, doc.Sources[repo].GitRemote.Rev, head)
		}
	}
	for _, f := range []string{"meta-fleetbake/conf/layer.conf", "meta-fleetbake/conf/fragments/fleetbake.conf"} {
		if _, err := os.Stat(filepath.Join(outDir, filepath.FromSlash(f))); err != nil {
			t.Error(err)
		}
	}
	for _, want := range []string{
		"note: bitbake: not pinned",
		"export FLEETBAKE_CLAIM_DIR=" + filepath.Join(setup, "claim-certs"),
		"bitbake-setup init --non-interactive " + filepath.Join(outDir, "fleetbake.conf.json"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// -o naming a file is refused before anything is written.
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "--config", cfg, "export", "bitbake-setup", "-o", file); code == 0 || !strings.Contains(errs, "is a file") {
		t.Fatalf("-o file: exit %d %s", code, errs)
	}
}
