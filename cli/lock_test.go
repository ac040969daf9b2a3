package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
	"fleetbake/model"
)

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// `layers lock` records each checkout's commit in fleetbake.toml; `layers`
// then tells a moved, a dirty and a missing checkout from a pinned one; the
// generated bblayers.conf names the pins it was made from.
func TestLayersLockAndPinReport(t *testing.T) {
	dir := t.TempDir()
	layertree.Write(t, dir, layertree.Standard("scarthgap", true))
	heads := map[string]string{}
	for _, repo := range []string{"poky", "meta-openembedded", "meta-aws"} {
		gitIn(t, filepath.Join(dir, repo), "init", "-q", "-b", "scarthgap")
		gitIn(t, filepath.Join(dir, repo), "add", "-A")
		gitIn(t, filepath.Join(dir, repo), "commit", "-q", "-m", "fixture")
		heads[repo] = gitIn(t, filepath.Join(dir, repo), "rev-parse", "HEAD")
	}
	cfg := initProject(t, dir, "--layers", "meta-aws")
	code, out, errs := runCLI(t, "--config", cfg, "layers", "lock")
	if code != 0 {
		t.Fatalf("lock: exit %d: %s", code, errs)
	}
	p, err := model.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Pins) != 3 {
		t.Fatalf("pins %v\n%s", p.Pins, out)
	}
	for repo, head := range heads {
		if p.Pins[repo] != head {
			t.Errorf("pin of %s = %q, HEAD %s", repo, p.Pins[repo], head)
		}
	}
	_, out, _ = runCLI(t, "--config", cfg, "layers")
	if !strings.Contains(out, "meta-aws at "+heads["meta-aws"][:12]) || strings.Contains(out, "moved") || strings.Contains(out, "dirty") {
		t.Fatalf("after lock:\n%s", out)
	}

	// The generated conf says which pins it was made from.
	if code, _, errs := runCLI(t, "--config", cfg, "generate"); code != 0 {
		t.Fatalf("generate: %s", errs)
	}
	bbl, err := os.ReadFile(filepath.Join(dir, "build", "conf", "bblayers.conf"))
	if err != nil || !strings.Contains(string(bbl), "#   meta-aws "+heads["meta-aws"]) || !strings.Contains(string(bbl), "pinned there ([pins]") {
		t.Fatalf("bblayers.conf (%v):\n%s", err, bbl)
	}

	// Move meta-aws, change a tracked file of poky, add an untracked file
	// to meta-openembedded (not a change BitBake sees), then lose it.
	aws := filepath.Join(dir, "meta-aws")
	if err := os.WriteFile(filepath.Join(aws, "README"), []byte("new\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn(t, aws, "add", "README")
	gitIn(t, aws, "commit", "-q", "-m", "moved on")
	if err := os.WriteFile(filepath.Join(dir, "poky", "meta", "conf", "layer.conf"), append(mustRead(t, filepath.Join(dir, "poky", "meta", "conf", "layer.conf")), "# local edit\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "meta-openembedded", "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, _ = runCLI(t, "--config", cfg, "layers")
	for _, want := range []string{"meta-aws moved: at ", "poky dirty: at ", "meta-openembedded at "} {
		if !strings.Contains(out, want) {
			t.Errorf("layers output lacks %q:\n%s", want, out)
		}
	}
	if err := os.RemoveAll(filepath.Join(dir, "meta-openembedded", ".git")); err != nil {
		t.Fatal(err)
	}
	_, out, _ = runCLI(t, "--config", cfg, "layers")
	if !strings.Contains(out, "meta-openembedded missing (pinned "+heads["meta-openembedded"][:12]) {
		t.Errorf("layers output lacks the missing checkout:\n%s", out)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A layer in no git checkout (a copy, a tarball) cannot be pinned: layers
// lock says so and what to do, and pins the others.
func TestLayersLockNamesLayerOutsideGit(t *testing.T) {
	dir := t.TempDir()
	layertree.Write(t, dir, layertree.Standard("scarthgap", true))
	for _, repo := range []string{"poky", "meta-openembedded"} { // meta-aws stays a plain folder
		gitIn(t, filepath.Join(dir, repo), "init", "-q", "-b", "scarthgap")
		gitIn(t, filepath.Join(dir, repo), "add", "-A")
		gitIn(t, filepath.Join(dir, repo), "commit", "-q", "-m", "fixture")
	}
	cfg := initProject(t, dir, "--layers", "meta-aws")
	code, out, errs := runCLI(t, "--config", cfg, "layers", "lock")
	if code != 0 || strings.Count(out, "pinned ") != 2 {
		t.Fatalf("lock: exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "not pinned: layer meta-aws at meta-aws is in no git checkout") || !strings.Contains(out, "`fleetbake layers fetch`") {
		t.Errorf("the layer outside git is not named:\n%s", out)
	}
}
