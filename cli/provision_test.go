package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"

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

// fakeAWS points the SDK at static test keys (provisionEnv) and starts the
// AWS fake, closed when the test ends.
func fakeAWS(t *testing.T) *awsfake.Server {
	t.Helper()
	provisionEnv(t)
	s := awsfake.New(awsfake.Options{})
	t.Cleanup(s.Close)
	return s
}

// savedProject saves the default project with the Greengrass prefix (and
// edit's changes) as fleetbake.toml in a new temp folder.
func savedProject(t *testing.T, prefix string, edit ...func(*model.Project)) (dir, cfg string) {
	t.Helper()
	dir = t.TempDir()
	p := model.Default()
	p.Greengrass.Prefix = prefix
	for _, f := range edit {
		f(p)
	}
	cfg = filepath.Join(dir, "fleetbake.toml")
	p.SetPath(cfg)
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	return dir, cfg
}

func TestProvisionCLIApplyDestroyNeverShowsTheKey(t *testing.T) {
	for _, awsKey := range []bool{false, true} {
		t.Run(fmt.Sprintf("aws-generated-key=%v", awsKey), func(t *testing.T) { cliNeverShowsTheKey(t, awsKey) })
	}
}

func cliNeverShowsTheKey(t *testing.T, awsKey bool) {
	s := fakeAWS(t)
	dir, cfg := savedProject(t, "cli")
	var all strings.Builder
	step := func(wantCode int, args ...string) string {
		t.Helper()
		if awsKey && len(args) > 1 && args[1] != "destroy" {
			args = append(args, "--aws-generated-key")
		}
		code, out, errs := runCLI(t, append([]string{"--config", cfg}, args...)...)
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
	s := fakeAWS(t)
	_, cfg := savedProject(t, "cli")
	s.CreateIoTPolicyDirect("cli-CorePolicy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}`)
	code, out, errs := runCLI(t, "--config", cfg, "provision", "apply", "--endpoint-url", s.URL)
	if code != 1 || !strings.Contains(errs, "cli-CorePolicy") || !strings.Contains(errs, "did not create") {
		t.Errorf("exit %d\n%s\n%s", code, out, errs)
	}
	if s.MutatingCalls() != 0 {
		t.Errorf("apply with a conflict changed AWS: %v", s.Calls())
	}
	code, _, errs = runCLI(t, "--config", cfg, "provision", "plan", "--generation", "middle")
	if code == 0 || !strings.Contains(errs, "--generation") {
		t.Errorf("bad --generation: exit %d %s", code, errs)
	}
}

// writeLayer makes a minimal layer: conf/layer.conf for collection, plus the given empty files.
func writeLayer(t *testing.T, dir, collection, series string, extra map[string]string, files ...string) {
	t.Helper()
	conf := "BBPATH .= \":${LAYERDIR}\"\nBBFILE_COLLECTIONS += \"" + collection + "\"\nBBFILE_PATTERN_" + collection + " = \"^${LAYERDIR}/\"\n" +
		"LAYERSERIES_COMPAT_" + collection + " = \"" + series + "\"\n"
	for k, v := range extra {
		conf += k + " = \"" + v + "\"\n"
	}
	for _, f := range append([]string{"conf/layer.conf"}, files...) {
		path := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		body := ""
		if f == "conf/layer.conf" {
			body = conf
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestProvisionCLIGenerationFollowsTheTree: the template's parameters follow the meta-aws generation the
// way `fleetbake generate` resolves it, so that the two agree on what the device sends.
func TestProvisionCLIGenerationFollowsTheTree(t *testing.T) {
	for _, tc := range []struct {
		name, release string
		layout        func(t *testing.T, dir string)
		want          model.Generation
	}{
		{"kirkstone oe-core, meta-aws not fetched yet", "", func(t *testing.T, dir string) {
			writeLayer(t, filepath.Join(dir, "sources", "poky", "meta"), "core", "kirkstone", map[string]string{"LAYERSERIES_CORENAMES": "kirkstone"})
		}, model.GenerationOld},
		{"scarthgap checkout from before August 2025 in a folder of another name", "scarthgap", func(t *testing.T, dir string) {
			writeLayer(t, filepath.Join(dir, "sources", "meta-aws-2024"), "meta-aws", "scarthgap", nil,
				"recipes-iot/aws-iot-greengrass/greengrass-bin_2.12.6.bb")
		}, model.GenerationOld},
		{"scarthgap checkout with the plugin recipe", "scarthgap", func(t *testing.T, dir string) {
			writeLayer(t, filepath.Join(dir, "sources", "meta-aws-2025"), "meta-aws", "scarthgap", nil,
				"recipes-iot/aws-iot-greengrass/greengrass-bin_2.14.1.bb", "recipes-iot/aws-iot-greengrass/greengrass-plugin-fleetprovisioning_1.2.2.bb")
		}, model.GenerationNew},
		{"dunfell release, nothing on disk", "dunfell", func(t *testing.T, dir string) {}, model.GenerationOld},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := fakeAWS(t)
			dir, cfg := savedProject(t, "gen", func(p *model.Project) { p.Release = tc.release })
			tc.layout(t, dir)
			params := "SerialNumber"
			if tc.want == model.GenerationOld {
				params = "ThingName, ThingGroupName"
			}
			code, out, errs := runCLI(t, "--config", cfg, "provision", "apply", "--endpoint-url", s.URL)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errs)
			}
			if !strings.Contains(out, "meta-aws "+string(tc.want)+" generation") || !strings.Contains(out, "template parameters "+params) {
				t.Errorf("apply output does not say the generation %s and parameters %s:\n%s", tc.want, params, out)
			}
			tmpl, err := iot.NewFromConfig(s.AWSConfig()).DescribeProvisioningTemplate(context.Background(),
				&iot.DescribeProvisioningTemplateInput{TemplateName: aws.String("gen-Template")})
			if err != nil {
				t.Fatal(err)
			}
			body := aws.ToString(tmpl.TemplateBody)
			first := strings.Split(params, ",")[0]
			if !strings.Contains(body, `"`+first+`":{"Type":"String"`) {
				t.Errorf("template body lacks parameter %s: %s", first, body)
			}
		})
	}
}

func TestProvisionCLIRotateSaysHowToRebuild(t *testing.T) {
	s := fakeAWS(t)
	_, cfg := savedProject(t, "rot")
	if code, out, errs := runCLI(t, "--config", cfg, "provision", "apply", "--endpoint-url", s.URL); code != 0 {
		t.Fatalf("apply: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := runCLI(t, "--config", cfg, "provision", "rotate-claim", "--endpoint-url", s.URL)
	if code != 0 {
		t.Fatalf("rotate: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"deactivated", "by their content", "fleetbake generate", "EVERY image"} {
		if !strings.Contains(out, want) {
			t.Errorf("rotate-claim output lacks %q:\n%s", want, out)
		}
	}
}

// TestProvisionCLIApplyKeepsEditsMadeWhileItRan: fleetbake.toml is edited
// (and its mode changed) while apply talks to AWS; apply's endpoints and
// names are written onto the edited file, not over it.
func TestProvisionCLIApplyKeepsEditsMadeWhileItRan(t *testing.T) {
	s := fakeAWS(t)
	_, cfg := savedProject(t, "edit")
	edited := false
	s.OnCall(func(op string) {
		if op != "iot:CreateThingGroup" || edited {
			return
		}
		edited = true
		q, err := model.Load(cfg)
		if err != nil {
			t.Error(err)
			return
		}
		q.Machine = "edited-during-apply"
		if err := q.Save(); err != nil {
			t.Error(err)
		}
		os.Chmod(cfg, 0o600)
	})
	if code, out, errs := runCLI(t, "--config", cfg, "provision", "apply", "--endpoint-url", s.URL); code != 0 {
		t.Fatalf("apply: %d\n%s\n%s", code, out, errs)
	}
	if !edited {
		t.Fatal("the file was not edited during apply")
	}
	got, err := model.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got.Machine != "edited-during-apply" {
		t.Errorf("apply overwrote the edit made while it ran: machine %q", got.Machine)
	}
	if got.Greengrass.DataEndpoint == "" || got.Greengrass.ThingGroup == "" {
		t.Errorf("apply did not write endpoints and names: %+v", got.Greengrass)
	}
	if fi, _ := os.Stat(cfg); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode of %s: %v, want 0600 kept", cfg, fi.Mode().Perm())
	}
}

// TestProvisionCLIApplyRefusesToOverwriteABrokenEdit: the file was changed
// into something that does not parse while apply ran: apply leaves it and
// says what to add by hand.
func TestProvisionCLIApplyRefusesToOverwriteABrokenEdit(t *testing.T) {
	s := fakeAWS(t)
	_, cfg := savedProject(t, "brk")
	broken := []byte("machine = \"half typed\n")
	s.OnCall(func(op string) {
		if op == "iot:CreateThingGroup" {
			os.WriteFile(cfg, broken, 0o644)
		}
	})
	code, out, errs := runCLI(t, "--config", cfg, "provision", "apply", "--endpoint-url", s.URL)
	if code == 0 {
		t.Fatalf("apply over a broken edit succeeded:\n%s", out)
	}
	for _, want := range []string{"changed", "data_endpoint", "thing_group"} {
		if !strings.Contains(errs, want) {
			t.Errorf("error lacks %q:\n%s", want, errs)
		}
	}
	if data, _ := os.ReadFile(cfg); string(data) != string(broken) {
		t.Errorf("apply overwrote the file: %q", data)
	}
}
