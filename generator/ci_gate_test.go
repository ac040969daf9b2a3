package generator

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/model"
)

// The gate of both pipelines, run with bash in a folder laid out as the
// repository: the kas file exported from the committed fleetbake.toml
// passes; after fleetbake.toml changes, or with a kas file that records no
// digest, it stops with what to run. No fleetbake is on its PATH.
func TestCIGateComparesProjectDigest(t *testing.T) {
	fx := newFixture(t, model.GenerationNew)
	fx.p.Greengrass.Enabled = false
	if err := fx.p.Save(); err != nil {
		t.Fatal(err)
	}
	kas, err := ExportKas(fx.p, fx.res, "kas/fleetbake.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(kas), KasDigestComment) {
		t.Fatalf("kas file records no project file digest:\n%s", kas)
	}
	gh, err := ExportCI(fx.p, CIOptions{Engine: CIGitHub, KasFile: "kas/fleetbake.yml", RunnerLabel: "yocto-large"})
	if err != nil {
		t.Fatal(err)
	}
	gl, err := ExportCI(fx.p, CIOptions{Engine: CIGitLab, KasFile: "kas/fleetbake.yml"})
	if err != nil {
		t.Fatal(err)
	}
	jobs, _ := gitlabJobs(t, gl)
	if len(jobs["conf-current"].Script) == 0 {
		t.Fatalf("no gate job in the pipeline:\n%s", gl)
	}
	scripts := map[string]string{
		"github": ghStep(t, gh, "The kas file is current with "+model.DefaultFile),
		"gitlab": jobs["conf-current"].Script[0],
	}
	toml, err := os.ReadFile(fx.p.Path())
	if err != nil {
		t.Fatal(err)
	}
	for engine, script := range scripts {
		t.Run(engine, func(t *testing.T) {
			run := func(kasFile, project []byte) (string, error) {
				repo := t.TempDir()
				if err := os.MkdirAll(filepath.Join(repo, "kas"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(repo, "kas", "fleetbake.yml"), kasFile, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(repo, model.DefaultFile), project, 0o644); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command("bash", "-e", "-c", script)
				cmd.Dir = repo
				// PATH without fleetbake: the gate must not need it.
				cmd.Env = []string{"PATH=/usr/bin:/bin", "KAS_FILE=kas/fleetbake.yml"}
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			if out, err := run(kas, toml); err != nil {
				t.Errorf("current kas file: %v\n%s", err, out)
			}
			edited := append(append([]byte{}, toml...), "\n# a change\n"...)
			if out, err := run(kas, edited); err == nil || !strings.Contains(out, "was exported from another fleetbake.toml: run fleetbake export kas -o kas/fleetbake.yml") {
				t.Errorf("after fleetbake.toml changed: err %v, output %q", err, out)
			}
			old := []byte(strings.ReplaceAll(string(kas), KasDigestComment, "# "))
			if out, err := run(old, toml); err == nil || !strings.Contains(out, "records no project file digest") {
				t.Errorf("kas file without a digest: err %v, output %q", err, out)
			}
		})
	}
}
