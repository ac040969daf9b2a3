package generator

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v4"

	"fleetbake/model"
)

// The label meta-aws's CI runs on (aws4embeddedlinux/meta-aws
// .github/workflows/build-test-recipe.yml), with its expressions.
const codebuildLabel = "codebuild-fleet-${{ github.run_id }}-${{ github.run_attempt }}"

func ciProject(t *testing.T, claims bool) *model.Project {
	t.Helper()
	fx := newFixture(t, model.GenerationNew)
	fx.p.Greengrass.Enabled = claims
	fx.p.Shared.SstateMirrors = "file://.* https://sstate.example.com/PATH;downloadfilename=PATH"
	fx.p.Shared.HashServe = "hashserv.example.com:8686"
	fx.p.Shared.DLDir = "/srv/yocto/downloads"
	return fx.p
}

// lintWorkflow runs actionlint (with shellcheck when it is installed) on a
// workflow and returns its errors.
func lintWorkflow(t *testing.T, label string, wf []byte) []*actionlint.Error {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "actionlint.yaml")
	// The runner label is the user's own; the repository variables are
	// the ones the workflow documents.
	conf := "self-hosted-runner:\n  labels:\n    - " + strings.ReplaceAll(label, "${{ github.run_id }}-${{ github.run_attempt }}", "*") +
		"\nconfig-variables:\n  - DL_DIR\n  - SSTATE_DIR\n  - SSTATE_MIRRORS\n  - BB_HASHSERVE\n  - BB_HASHSERVE_UPSTREAM\n  - PRSERV_HOST\n"
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := &actionlint.LinterOptions{ConfigFile: cfg, WorkingDir: dir}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	} else {
		t.Log("shellcheck is not installed: actionlint checks the workflow without it")
	}
	l, err := actionlint.NewLinter(io.Discard, opts)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint(filepath.Join(dir, ".github", "workflows", "fleetbake.yml"), wf, nil)
	if err != nil {
		t.Fatal(err)
	}
	return errs
}

func TestGitHubWorkflowPassesActionlint(t *testing.T) {
	for _, tc := range []struct {
		name, label string
		claims      bool
	}{
		{"codebuild, claims", codebuildLabel, true},
		{"self-hosted, no greengrass", "yocto-large", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ciProject(t, tc.claims)
			wf, err := ExportCI(p, CIOptions{Engine: CIGitHub, KasFile: "kas/fleetbake.yml", RunnerLabel: tc.label})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range lintWorkflow(t, tc.label, wf) {
				t.Errorf("actionlint: %s", e)
			}
			s := string(wf)
			for _, want := range []string{
				"runs-on: \"" + tc.label + "\"",
				"on:\n  push:\n    branches: [main]\n  pull_request:\n  workflow_dispatch:\n",
				"KAS_FILE: \"kas/fleetbake.yml\"",
				"SSTATE_MIRRORS: ${{ vars.SSTATE_MIRRORS || 'file://.* https://sstate.example.com/PATH;downloadfilename=PATH' }}",
				"BB_HASHSERVE: ${{ vars.BB_HASHSERVE || 'hashserv.example.com:8686' }}",
				"/build/tmp/deploy/images/qemux86-64/core-image-minimal-qemux86-64*",
			} {
				if !strings.Contains(s, want) {
					t.Errorf("workflow lacks %s:\n%s", want, s)
				}
			}
			if strings.Contains(s, "/srv/yocto") || strings.Contains(s, p.Dir()) {
				t.Errorf("workflow names a folder of this machine:\n%s", s)
			}
			if got := strings.Contains(s, "secrets.FLEETBAKE_CLAIM_KEY"); got != tc.claims {
				t.Errorf("claim key secret in the workflow = %v, want %v", got, tc.claims)
			}
		})
	}
	// actionlint is live: a broken workflow is reported.
	wf, err := ExportCI(ciProject(t, true), CIOptions{Engine: CIGitHub, KasFile: "kas/fleetbake.yml", RunnerLabel: "yocto-large"})
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(wf), "runs-on:", "run-on:", 1)
	if errs := lintWorkflow(t, "yocto-large", []byte(broken)); len(errs) == 0 {
		t.Error("actionlint found nothing in a workflow without runs-on")
	}
}

// ghStep returns the run script of the workflow step named name.
func ghStep(t *testing.T, wf []byte, name string) string {
	t.Helper()
	var doc struct {
		Jobs map[string]struct {
			Steps []struct {
				Name string `yaml:"name"`
				Run  string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(wf, &doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range doc.Jobs["build"].Steps {
		if s.Name == name {
			return s.Run
		}
	}
	t.Fatalf("no step %q in the workflow", name)
	return ""
}

// The claim step, run by bash as the runner would: a missing secret stops
// the job with its name; all three become files in a folder only the job's
// user reads, named in FLEETBAKE_CLAIM_DIR for the next steps.
func TestGitHubClaimStepFailsEarlyAndWritesFiles(t *testing.T) {
	wf, err := ExportCI(ciProject(t, true), CIOptions{Engine: CIGitHub, KasFile: "kas/fleetbake.yml", RunnerLabel: "yocto-large"})
	if err != nil {
		t.Fatal(err)
	}
	script := ghStep(t, wf, "Claim files from the repository secrets")
	run := func(env ...string) (string, string, error) {
		tmp := t.TempDir()
		ghEnv := filepath.Join(tmp, "github_env")
		cmd := exec.Command("bash", "-e", "-c", script)
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "RUNNER_TEMP=" + tmp, "GITHUB_ENV=" + ghEnv}, env...)
		out, err := cmd.CombinedOutput()
		data, _ := os.ReadFile(ghEnv)
		return string(out), string(data), err
	}
	out, _, err := run("FLEETBAKE_CLAIM_CERT=cert", "FLEETBAKE_CLAIM_ROOT_CA=ca")
	if err == nil || !strings.Contains(out, "missing repository secrets: FLEETBAKE_CLAIM_KEY.") {
		t.Errorf("with the key secret missing: err %v, output %q", err, out)
	}
	out, ghEnv, err := run("FLEETBAKE_CLAIM_CERT=-----CERT-----", "FLEETBAKE_CLAIM_KEY=-----KEY-----", "FLEETBAKE_CLAIM_ROOT_CA=-----CA-----")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	dir, ok := strings.CutPrefix(strings.TrimSpace(ghEnv), ClaimDirEnv+"=")
	if !ok {
		t.Fatalf("GITHUB_ENV = %q, want %s=<folder>", ghEnv, ClaimDirEnv)
	}
	for name, want := range map[string]string{model.ClaimCertFile: "-----CERT-----\n", model.ClaimKeyFile: "-----KEY-----\n", model.ClaimRootFile: "-----CA-----\n"} {
		f := filepath.Join(dir, name)
		data, err := os.ReadFile(f)
		if err != nil || string(data) != want {
			t.Errorf("%s = %q, %v; want %q", name, data, err, want)
		}
		if st, err := os.Stat(f); err == nil && st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v: others can read the claim", name, st.Mode().Perm())
		}
	}
}

type gitlabJob struct {
	Stage        string   `yaml:"stage"`
	Script       []string `yaml:"script"`
	AfterScript  []string `yaml:"after_script"`
	BeforeScript []string `yaml:"before_script"`
	Artifacts    struct {
		Paths []string `yaml:"paths"`
	} `yaml:"artifacts"`
}

// gitlabJobs parses the pipeline: the top-level keys that are not GitLab's
// own keywords are jobs.
func gitlabJobs(t *testing.T, pl []byte) (map[string]gitlabJob, map[string]string) {
	t.Helper()
	var top map[string]yaml.Node
	if err := yaml.Unmarshal(pl, &top); err != nil {
		t.Fatalf("the pipeline is not YAML: %v\n%s", err, pl)
	}
	jobs := map[string]gitlabJob{}
	var vars map[string]string
	for k, n := range top {
		switch k {
		case "stages", "default":
			continue
		case "variables":
			if err := n.Decode(&vars); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var j gitlabJob
		if err := n.Decode(&j); err != nil {
			t.Fatalf("job %s: %v", k, err)
		}
		jobs[k] = j
	}
	return jobs, vars
}

func TestGitLabPipelineScriptsParse(t *testing.T) {
	for _, claims := range []bool{true, false} {
		pl, err := ExportCI(ciProject(t, claims), CIOptions{Engine: CIGitLab, KasFile: "kas/fleetbake.yml"})
		if err != nil {
			t.Fatal(err)
		}
		jobs, vars := gitlabJobs(t, pl)
		var names []string
		for n := range jobs {
			names = append(names, n)
		}
		sort.Strings(names)
		if strings.Join(names, " ") != "build-image conf-current" {
			t.Fatalf("jobs = %v, want build-image and conf-current", names)
		}
		for name, j := range jobs {
			if len(j.Script) == 0 {
				t.Errorf("job %s has no script", name)
			}
			all := append(append(append([]string{}, j.BeforeScript...), j.Script...), j.AfterScript...)
			for i, s := range all {
				cmd := exec.Command("bash", "-n")
				cmd.Stdin = strings.NewReader(s)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("job %s, script %d: bash -n: %v\n%s\n%s", name, i, err, out, s)
				}
			}
		}
		if vars["SSTATE_MIRRORS"] != "file://.* https://sstate.example.com/PATH;downloadfilename=PATH" || vars["BB_HASHSERVE"] != "hashserv.example.com:8686" {
			t.Errorf("variables = %v, want fleetbake.toml's sstate mirror and hash server", vars)
		}
		if strings.Contains(string(pl), "/srv/yocto") {
			t.Errorf("pipeline names a folder of this machine:\n%s", pl)
		}
		if gate := strings.Join(jobs["conf-current"].Script, "\n"); !strings.Contains(gate, "sha256sum") || strings.Contains(gate, "command -v") {
			t.Errorf("the gate job does not compare the project file's digest, or needs a tool:\n%s", pl)
		}
		want := "sources/build/tmp/deploy/images/qemux86-64/core-image-minimal-qemux86-64*"
		if paths := jobs["build-image"].Artifacts.Paths; len(paths) == 0 || paths[0] != want {
			t.Errorf("artifacts = %v, want the image %s first", paths, want)
		}
		if got := strings.Contains(string(pl), "FLEETBAKE_CLAIM_KEY"); got != claims {
			t.Errorf("claim key variable in the pipeline = %v, want %v", got, claims)
		}
	}
}

// GitLab's File variables hold a path: a missing or empty one stops the
// job with its name, before kas runs.
func TestGitLabClaimScriptFailsEarly(t *testing.T) {
	pl, err := ExportCI(ciProject(t, true), CIOptions{Engine: CIGitLab, KasFile: "kas/fleetbake.yml"})
	if err != nil {
		t.Fatal(err)
	}
	jobs, _ := gitlabJobs(t, pl)
	script := jobs["build-image"].Script[0]
	dir := t.TempDir()
	file := func(name, content string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	cert, key, empty := file("c", "CERT\n"), file("k", "KEY\n"), file("e", "")
	cmd := exec.Command("bash", "-e", "-c", script)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "FLEETBAKE_CLAIM_CERT=" + cert, "FLEETBAKE_CLAIM_KEY=" + key, "FLEETBAKE_CLAIM_ROOT_CA=" + empty}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "missing CI/CD variables: FLEETBAKE_CLAIM_ROOT_CA.") {
		t.Errorf("with an empty root CA file: err %v, output %q", err, out)
	}
	ca := file("ca", "CA\n")
	cmd = exec.Command("bash", "-e", "-c", script+"\ncat \"$"+ClaimDirEnv+"/"+model.ClaimKeyFile+"\"")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "FLEETBAKE_CLAIM_CERT=" + cert, "FLEETBAKE_CLAIM_KEY=" + key, "FLEETBAKE_CLAIM_ROOT_CA=" + ca}
	out, err = cmd.CombinedOutput()
	if err != nil || !strings.HasSuffix(string(out), "KEY\n") {
		t.Errorf("with all three files: err %v, output %q", err, out)
	}
}

func TestExportCIRefusesBadInput(t *testing.T) {
	p := ciProject(t, true)
	for _, tc := range []struct {
		opts CIOptions
		want string
	}{
		{CIOptions{Engine: CIGitHub, KasFile: "kas/fleetbake.yml"}, "--runner-label"},
		{CIOptions{Engine: CIGitLab, KasFile: "/home/me/kas.yml"}, "inside the project folder"},
		{CIOptions{Engine: CIGitLab, KasFile: "../kas.yml"}, "inside the project folder"},
		{CIOptions{Engine: "jenkins", KasFile: "kas.yml"}, "--github or --gitlab"},
		{CIOptions{Engine: CIGitHub, KasFile: "kas.yml", RunnerLabel: "a\nrun: evil"}, "line break"},
	} {
		if _, err := ExportCI(p, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ExportCI(%+v) = %v, want an error about %s", tc.opts, err, tc.want)
		}
	}
	p.Shared.HashServe = "h:1 }}"
	if _, err := ExportCI(p, CIOptions{Engine: CIGitHub, KasFile: "kas.yml", RunnerLabel: "r"}); err == nil || !strings.Contains(err.Error(), "expression") {
		t.Errorf("a hash server with }} = %v, want an error", err)
	}
}

// The failure excerpt, run by bash on a BitBake log: the ERROR lines and
// the tail of each task log BitBake names are kept; a job that stopped
// before the build leaves nothing and does not fail again.
func TestGitHubFailureExcerpt(t *testing.T) {
	wf, err := ExportCI(ciProject(t, false), CIOptions{Engine: CIGitHub, KasFile: "kas/fleetbake.yml", RunnerLabel: "yocto-large"})
	if err != nil {
		t.Fatal(err)
	}
	script := ghStep(t, wf, "Excerpt of the failures")
	dir := t.TempDir()
	run := func() {
		t.Helper()
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	run()
	if _, err := os.Stat(filepath.Join(dir, "failures.txt")); err == nil {
		t.Error("failures.txt written with no build.log")
	}
	taskLog := filepath.Join(dir, "log.do_compile.1234")
	var lines []string
	for i := 0; i < 300; i++ {
		lines = append(lines, "compile line "+strconv.Itoa(i))
	}
	if err := os.WriteFile(taskLog, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	log := "NOTE: Executing Tasks\nERROR: greengrass-bin-2.12.0-r0 do_compile: oe_runmake failed\nERROR: Logfile of failure stored in: " + taskLog + "\nNOTE: Tasks Summary: Attempted 10 tasks of which 9 didn't need to be rerun and 1 failed.\n"
	if err := os.WriteFile(filepath.Join(dir, "build.log"), []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	run()
	ex, err := os.ReadFile(filepath.Join(dir, "failures.txt"))
	if err != nil || !strings.Contains(string(ex), "ERROR: greengrass-bin-2.12.0-r0 do_compile") {
		t.Errorf("failures.txt (%v):\n%s", err, ex)
	}
	tail, err := os.ReadFile(filepath.Join(dir, "failure-logs", "log.do_compile.1234"))
	if err != nil || !strings.HasPrefix(string(tail), "compile line 100\n") || !strings.HasSuffix(string(tail), "compile line 299\n") {
		t.Errorf("task log tail (%v): %.80q", err, tail)
	}
}
