package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/internal/awsfake"
	"fleetbake/model"
	"fleetbake/provision"
)

// provisionEnv points the SDK at static test keys and away from ~/.aws.
func provisionEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", awsfake.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", awsfake.SecretAccessKey)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range []string{"AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_SESSION_TOKEN", "FLEETBAKE_CONFIG"} {
		t.Setenv(k, "")
	}
}

func runProvisionCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestProvisionCLIApplyDestroyNeverShowsTheKey(t *testing.T) {
	provisionEnv(t)
	s := awsfake.New(awsfake.Options{})
	defer s.Close()
	dir := t.TempDir()
	p := model.Default()
	p.Greengrass.Prefix = "cli"
	// awsfake role lookups are case-sensitive (see notes/awsfake-needs.md).
	p.Greengrass.TokenExchangeRole, p.Greengrass.ProvisioningRole = "cli-tes-role", "cli-prov-role"
	cfg := filepath.Join(dir, "fleetbake.toml")
	p.SetPath(cfg)
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	step := func(wantCode int, args ...string) string {
		t.Helper()
		code, out, errs := runProvisionCLI(t, append([]string{"--config", cfg}, args...)...)
		all.WriteString(out + errs)
		if code != wantCode {
			t.Fatalf("%v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, wantCode, out, errs)
		}
		return out + errs
	}
	out := step(0, "provision", "plan", "--endpoint-url", s.URL)
	if !strings.Contains(out, "AWS account "+s.Account()) || !strings.Contains(out, "provisioning-template") || s.MutatingCalls() != 0 {
		t.Errorf("plan output:\n%s", out)
	}
	out = step(0, "provision", "apply", "--endpoint-url", s.URL)
	for _, want := range []string{"AWS account " + s.Account(), "EVERY image", "rotate-claim", "claim.pkey.pem"} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	p2, err := model.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if p2.Greengrass.DataEndpoint == "" || p2.Greengrass.CredentialEndpoint == "" || p2.Greengrass.RoleAlias == "" {
		t.Errorf("project not updated: %+v", p2.Greengrass)
	}
	keyPath := filepath.Join(dir, "claim-certs", provision.ClaimKeyFile)
	key, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(keyPath); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v", fi.Mode())
	}
	if fi, _ := os.Stat(filepath.Dir(keyPath)); fi.Mode().Perm() != 0o700 {
		t.Errorf("claim folder mode %v", fi.Mode())
	}

	step(0, "provision", "status", "--endpoint-url", s.URL)
	out = step(1, "provision", "destroy", "--endpoint-url", s.URL)
	if !strings.Contains(out, "--yes") || s.Resources().Total() == 0 {
		t.Errorf("destroy without --yes:\n%s", out)
	}
	out = step(0, "provision", "rotate-claim", "--endpoint-url", s.URL)
	rotated, _ := os.ReadFile(keyPath)
	step(0, "provision", "destroy", "--yes", "--endpoint-url", s.URL)
	if r := s.Resources(); r.Total() != 0 {
		t.Errorf("after destroy --yes: %v", r)
	}

	// No line of either key appears in any output, the project or the state file.
	projectFile, _ := os.ReadFile(cfg)
	stateFile, _ := os.ReadFile(filepath.Join(dir, provision.StateFile))
	everything := all.String() + string(projectFile) + string(stateFile)
	for _, k := range [][]byte{key, rotated} {
		for _, line := range strings.Split(string(k), "\n") {
			if strings.HasPrefix(line, "-----") || len(line) < 16 {
				continue
			}
			if strings.Contains(everything, line) {
				t.Fatalf("key material %q appears in output, project or state file", line[:16])
			}
		}
	}
}

func TestProvisionCLIConflictAndBadFlags(t *testing.T) {
	provisionEnv(t)
	s := awsfake.New(awsfake.Options{})
	defer s.Close()
	dir := t.TempDir()
	p := model.Default()
	p.Greengrass.Prefix = "cli"
	cfg := filepath.Join(dir, "fleetbake.toml")
	p.SetPath(cfg)
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	s.CreateIoTPolicyDirect("cli-CorePolicy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}`)
	code, out, errs := runProvisionCLI(t, "--config", cfg, "provision", "apply", "--endpoint-url", s.URL)
	if code != 1 || !strings.Contains(errs, "cli-CorePolicy") || !strings.Contains(errs, "did not create") {
		t.Errorf("exit %d\n%s\n%s", code, out, errs)
	}
	if s.MutatingCalls() != 0 {
		t.Errorf("apply with a conflict changed AWS: %v", s.Calls())
	}
	code, _, errs = runProvisionCLI(t, "--config", cfg, "provision", "plan", "--generation", "middle")
	if code == 0 || !strings.Contains(errs, "--generation") {
		t.Errorf("bad --generation: exit %d %s", code, errs)
	}
}
