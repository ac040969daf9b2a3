package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
)

// `export kas -o` writes the kas file and its lock file with the pins;
// `--check` says they are current, and after `layers lock` records a moved
// checkout, says they are not (exit 1) until they are written again.
func TestExportKasLockAndCheck(t *testing.T) {
	dir := t.TempDir()
	layertree.Write(t, dir, layertree.Standard("scarthgap", true))
	commitFixtureRepos(t, dir)
	cfg := initProject(t, dir, "--layers", "meta-aws")
	if code, _, errs := runCLI(t, "--config", cfg, "layers", "lock"); code != 0 {
		t.Fatalf("lock: %s", errs)
	}
	kas := filepath.Join(dir, "kas", "fleetbake.yml")
	if err := os.MkdirAll(filepath.Dir(kas), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, "--config", cfg, "export", "kas", "--check", "-o", kas); code != 1 || !strings.Contains(out, "would be created") {
		t.Fatalf("check before any export: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := runCLI(t, "--config", cfg, "export", "kas", "-o", kas); code != 0 || !strings.Contains(out, "fleetbake.lock.yml") {
		t.Fatalf("export: exit %d\n%s%s", code, out, errs)
	}
	// The build hint names the file where it is, not its base name alone.
	if data, err := os.ReadFile(kas); err != nil || !strings.Contains(string(data), "kas build kas/fleetbake.yml\n") {
		t.Fatalf("kas file's build hint (%v):\n%s", err, data)
	}
	aws := filepath.Join(dir, "meta-aws")
	head := gitIn(t, aws, "rev-parse", "HEAD")
	lock, err := os.ReadFile(filepath.Join(dir, "kas", "fleetbake.lock.yml"))
	if err != nil || !strings.Contains(string(lock), "\"meta-aws\":\n      commit: \""+head+"\"") {
		t.Fatalf("lock file (%v):\n%s", err, lock)
	}
	if code, out, errs := runCLI(t, "--config", cfg, "export", "kas", "--check", "-o", kas); code != 0 {
		t.Fatalf("check after export: exit %d\n%s%s", code, out, errs)
	}

	gitIn(t, aws, "commit", "-q", "--allow-empty", "-m", "moved on")
	if code, _, errs := runCLI(t, "--config", cfg, "layers", "lock"); code != 0 {
		t.Fatalf("lock: %s", errs)
	}
	code, out, errs := runCLI(t, "--config", cfg, "export", "kas", "--check", "-o", kas)
	if code != 1 || !strings.Contains(out, "fleetbake.lock.yml: would be changed") || !strings.Contains(errs, "fleetbake export kas -o") {
		t.Fatalf("check after a new pin: exit %d\n%s%s", code, out, errs)
	}
}

// A layer in no git repository would be a `path:` of this machine in the
// kas file: export kas refuses it and says what to do.
func TestExportKasRefusesLayerOutsideGit(t *testing.T) {
	dir := t.TempDir()
	layertree.Write(t, dir, layertree.Standard("scarthgap", true))
	cfg := initProject(t, dir, "--layers", "meta-aws")
	kas := filepath.Join(dir, "kas.yml")
	code, out, errs := runCLI(t, "--config", cfg, "export", "kas", "-o", kas)
	if code == 0 || !strings.Contains(errs, "is in no git repository") || !strings.Contains(errs, "fleetbake layers lock") {
		t.Fatalf("export kas of layers outside git: exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(kas); err == nil {
		t.Errorf("export kas wrote %s after refusing", kas)
	}
}

func TestExportCIWritesPipeline(t *testing.T) {
	dir := t.TempDir()
	layertree.Write(t, dir, layertree.Standard("scarthgap", true))
	cfg := initProject(t, dir, "--layers", "meta-aws")
	code, _, errs := runCLI(t, "--config", cfg, "export", "ci", "--github")
	if code == 0 || !strings.Contains(errs, "--runner-label") {
		t.Fatalf("--github without a runner label: exit %d: %s", code, errs)
	}
	if code, _, errs := runCLI(t, "--config", cfg, "export", "ci"); code == 0 || !strings.Contains(errs, "--github or --gitlab") {
		t.Fatalf("no engine: exit %d: %s", code, errs)
	}
	wf := filepath.Join(dir, ".github", "workflows", "fleetbake.yml")
	code, out, errs := runCLI(t, "--config", cfg, "export", "ci", "--github", "--runner-label", "yocto-large", "-o", wf)
	if code != 0 || !strings.Contains(errs, "fleetbake export kas -o kas/fleetbake.yml") {
		t.Fatalf("export ci: exit %d\n%s%s", code, out, errs)
	}
	data, err := os.ReadFile(wf)
	if err != nil || !strings.Contains(string(data), `runs-on: "yocto-large"`) {
		t.Fatalf("workflow (%v):\n%s", err, data)
	}
	code, out, _ = runCLI(t, "--config", cfg, "export", "ci", "--gitlab")
	if code != 0 || !strings.Contains(out, "image: \"ghcr.io/siemens/kas/kas:") {
		t.Fatalf("export ci --gitlab: exit %d\n%s", code, out)
	}
}

// `export kas -o kas/fleetbake.yml`, as the README says it, in a project with
// no kas/ folder yet: the folder is made and both files are written.
func TestExportKasMakesTheFolder(t *testing.T) {
	dir := t.TempDir()
	layertree.Write(t, dir, layertree.Standard("scarthgap", true))
	commitFixtureRepos(t, dir) // kas names layers by their repositories
	cfg := initProject(t, dir, "--layers", "meta-aws")
	kas := filepath.Join(dir, "kas", "team", "fleetbake.yml")
	code, out, errs := runCLI(t, "--config", cfg, "export", "kas", "-o", kas)
	if code != 0 || !strings.Contains(out, "wrote "+kas) {
		t.Fatalf("export into a new folder: exit %d\n%s%s", code, out, errs)
	}
	data, err := os.ReadFile(kas)
	if err != nil || !strings.Contains(string(data), "header:\n  version: 6") {
		t.Fatalf("kas file (%v):\n%s", err, data)
	}
	// Before `provision apply` the kas file's endpoints are empty: said so.
	if !strings.Contains(string(data), `IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning = ""`) || !strings.Contains(errs, "no Greengrass endpoints yet") || !strings.Contains(errs, "fleetbake provision apply") {
		t.Fatalf("empty endpoints not warned about:\n%s\n%s", errs, data)
	}
	// With the endpoints in fleetbake.toml, no warning.
	toml, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	withEndpoints := strings.Replace(string(toml), "[greengrass]\n", "[greengrass]\n  data_endpoint = \"abc123-ats.iot.us-east-1.amazonaws.com\"\n  credential_endpoint = \"abc123.credentials.iot.us-east-1.amazonaws.com\"\n", 1)
	if err := os.WriteFile(cfg, []byte(withEndpoints), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "--config", cfg, "export", "kas", "-o", kas); code != 0 || strings.Contains(errs, "endpoints") {
		t.Fatalf("export with endpoints: exit %d\n%s", code, errs)
	}
}

// Bad -o and flags of the other CI engine get an error naming what to do,
// not a temp file's rename error or silence.
func TestExportRefusesFolderAndOtherEngineFlags(t *testing.T) {
	dir := t.TempDir()
	layertree.Write(t, dir, layertree.Standard("scarthgap", true))
	cfg := initProject(t, dir, "--layers", "meta-aws")
	kasDir := filepath.Join(dir, "kas")
	if err := os.Mkdir(kasDir, 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "--config", cfg, "export", "kas", "-o", kasDir)
	if code == 0 || !strings.Contains(errs, "is a folder; name the file (e.g. -o "+filepath.Join(kasDir, "fleetbake.yml")) || strings.Contains(errs, "rename") {
		t.Fatalf("-o an existing folder: exit %d %s", code, errs)
	}
	code, out, errs := runCLI(t, "--config", cfg, "export", "ci", "--gitlab", "--runner-label", "big")
	if code == 0 || out != "" || !strings.Contains(errs, "--runner-label is for --github") {
		t.Fatalf("--gitlab --runner-label: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "--config", cfg, "export", "ci", "--github", "--runner-label", "big", "--kas-image", "my/kas:1")
	if code == 0 || out != "" || !strings.Contains(errs, "--kas-image is for --gitlab") {
		t.Fatalf("--github --kas-image: exit %d\n%s%s", code, out, errs)
	}
	// The default of the other engine's flag is no reason to refuse.
	if code, _, errs := runCLI(t, "--config", cfg, "export", "ci", "--gitlab"); code != 0 {
		t.Fatalf("--gitlab: exit %d %s", code, errs)
	}
}

// commitFixtureRepos makes each checkout of the fixture tree a git
// repository with one commit on the release's branch.
func commitFixtureRepos(t *testing.T, dir string) {
	t.Helper()
	for _, repo := range []string{"poky", "meta-openembedded", "meta-aws"} {
		gitIn(t, filepath.Join(dir, repo), "init", "-q", "-b", "scarthgap")
		gitIn(t, filepath.Join(dir, repo), "add", "-A")
		gitIn(t, filepath.Join(dir, repo), "commit", "-q", "-m", "fixture")
	}
}
