package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"

	"fleetbake/app"
	"fleetbake/internal/awsfake"
	"fleetbake/model"
	"fleetbake/provision"
)

// verifyProject makes a project with the default release in a temp folder,
// applies it on the fake and generates its conf: the state verify passes on.
func verifyProject(t *testing.T, s *awsfake.Server, edit ...func(*model.Project)) (dir, cfg string) {
	t.Helper()
	dir = t.TempDir()
	cfg = filepath.Join(dir, "fleetbake.toml")
	if code, out, errs := runCLI(t, "--config", cfg, "init"); code != 0 {
		t.Fatalf("init: %d\n%s\n%s", code, out, errs)
	}
	p, err := model.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.Greengrass.Prefix = "vf"
	for _, f := range edit {
		f(p)
	}
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"provision", "apply", "--endpoint-url", s.URL}, {"generate"}} {
		if code, out, errs := runCLI(t, append([]string{"--config", cfg}, args...)...); code != 0 {
			t.Fatalf("%v: exit %d\n%s\n%s", args, code, out, errs)
		}
	}
	return dir, cfg
}

func runVerifyCLI(t *testing.T, cfg, url string, extra ...string) (int, string) {
	t.Helper()
	code, out, errs := runCLI(t, append([]string{"--config", cfg, "verify", "--endpoint-url", url}, extra...)...)
	return code, out + errs
}

// verifyFails runs verify and wants it to fail (exit 1) with output that
// holds every line of want.
func verifyFails(t *testing.T, cfg, url string, want ...string) {
	t.Helper()
	code, out := runVerifyCLI(t, cfg, url)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	t.Log(out)
}

func TestVerifyPassesAfterApplyAndGenerate(t *testing.T) {
	for _, tc := range []struct {
		name, release, nucleus, confVar string
	}{
		{"default release, greengrass-bin", "", model.NucleusBin, "IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning"},
		{"kirkstone, old generation", "kirkstone", model.NucleusBin, "GGV2_DATA_EP"},
		{"greengrass-lite", "walnascar", model.NucleusLite, "IOT_DATA_ENDPOINT:pn-greengrass-lite"},
	} {
		t.Run(tc.name, func(t *testing.T) { verifyPasses(t, tc.release, tc.nucleus, tc.confVar) })
	}
}

func verifyPasses(t *testing.T, release, nucleus, confVar string) {
	s := fakeAWS(t)
	_, cfg := verifyProject(t, s, func(p *model.Project) {
		if release != "" {
			p.Release = release
		}
		p.Greengrass.Nucleus = nucleus
	})
	before := s.MutatingCalls()
	code, out := runVerifyCLI(t, cfg, s.URL)
	if code != 0 {
		t.Fatalf("verify: exit %d\n%s", code, out)
	}
	if s.MutatingCalls() != before {
		t.Errorf("verify made %d mutating calls", s.MutatingCalls()-before)
	}
	for _, want := range []string{"PASS  data endpoint: " + confVar, "PASS  claim policy", "PASS  core policy", "iot:AssumeRoleWithCertificate", "  proves: ", "All "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	t.Log(out)
	// --json parses and says the same.
	code, out = runVerifyCLI(t, cfg, s.URL, "--json")
	var rep app.VerifyReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || !rep.Passed || len(rep.Checks) < 10 {
		t.Fatalf("--json: exit %d, %v\n%s", code, err, out)
	}
	for _, c := range rep.Checks {
		if c.Status != app.Pass || c.Proves == "" {
			t.Errorf("check %+v", c)
		}
	}
}

// setPolicy makes doc the default version of an IoT policy on the fake.
func setPolicy(t *testing.T, s *awsfake.Server, name, doc string) {
	t.Helper()
	_, err := iot.NewFromConfig(s.AWSConfig()).CreatePolicyVersion(context.Background(),
		&iot.CreatePolicyVersionInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc), SetAsDefault: true})
	if err != nil {
		t.Fatal(err)
	}
}

// dropAction returns the policy document without the statements whose only
// action is action.
func dropAction(t *testing.T, s *awsfake.Server, name, action string) string {
	t.Helper()
	out, err := iot.NewFromConfig(s.AWSConfig()).GetPolicy(context.Background(), &iot.GetPolicyInput{PolicyName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version   string
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.PolicyDocument)), &doc); err != nil {
		t.Fatal(err)
	}
	var kept []map[string]any
	for _, st := range doc.Statement {
		if st["Action"] != action {
			kept = append(kept, st)
		}
	}
	if len(kept) == len(doc.Statement) {
		t.Fatalf("policy %s has no statement with only %s", name, action)
	}
	doc.Statement = kept
	b, _ := json.Marshal(doc)
	return string(b)
}

func TestVerifyNamesTheDeniedAction(t *testing.T) {
	for _, tc := range []struct{ policy, action, check string }{
		{"vf-ClaimPolicy", "iot:Receive", "FAIL  claim policy"},
		{"vf-CorePolicy", "iot:AssumeRoleWithCertificate", "FAIL  core policy"},
	} {
		t.Run(tc.action, func(t *testing.T) {
			s := fakeAWS(t)
			_, cfg := verifyProject(t, s)
			setPolicy(t, s, tc.policy, dropAction(t, s, tc.policy, tc.action))
			verifyFails(t, cfg, s.URL, tc.check, tc.action, `policy "`+tc.policy+`"`, "add a statement")
		})
	}
}

func TestVerifyAfterDestroyNamesWhatIsMissing(t *testing.T) {
	s := fakeAWS(t)
	_, cfg := verifyProject(t, s)
	if code, out, errs := runCLI(t, "--config", cfg, "provision", "destroy", "--yes", "--endpoint-url", s.URL); code != 0 {
		t.Fatalf("destroy: %d\n%s\n%s", code, out, errs)
	}
	verifyFails(t, cfg, s.URL, "FAIL  provisioning template: template vf-Template does not exist", "FAIL  role alias", "FAIL  thing group",
		"FAIL  claim certificate", "does not exist in AWS IoT", "FAIL  claim policy: claim policy vf-ClaimPolicy does not exist",
		"FAIL  core policy: core policy vf-CorePolicy", "provision apply")
}

func TestVerifyClaimKeyThatDoesNotMatch(t *testing.T) {
	s := fakeAWS(t)
	dir, cfg := verifyProject(t, s)
	// Another project's key in place of this one's.
	other, otherCfg := savedProject(t, "other")
	if code, out, errs := runCLI(t, "--config", otherCfg, "provision", "apply", "--endpoint-url", s.URL); code != 0 {
		t.Fatalf("apply other: %d\n%s\n%s", code, out, errs)
	}
	key, err := os.ReadFile(filepath.Join(other, "claim-certs", provision.ClaimKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "claim-certs", provision.ClaimKeyFile)
	if err := os.WriteFile(keyPath, key, 0o600); err != nil {
		t.Fatal(err)
	}
	verifyFails(t, cfg, s.URL, "FAIL  claim key: claim key "+keyPath+" does not belong to claim certificate")
}

func TestVerifyExitCodes(t *testing.T) {
	s := fakeAWS(t)
	dir := t.TempDir()
	// No project file: 2.
	code, out := runVerifyCLI(t, filepath.Join(dir, "none.toml"), s.URL)
	if code != 2 {
		t.Fatalf("no project: exit %d\n%s", code, out)
	}
	_, cfg := verifyProject(t, s)
	// The live check's test endpoint without the live check: 2.
	if code, out := runVerifyCLI(t, cfg, s.URL, "--mqtt-endpoint", "127.0.0.1:1"); code != 2 || !strings.Contains(out, "add --register") {
		t.Fatalf("--mqtt-endpoint alone: exit %d\n%s", code, out)
	}
	// No credentials: 2.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	if code, out := runVerifyCLI(t, cfg, s.URL); code != 2 || !strings.Contains(out, "could not run") {
		t.Fatalf("no credentials: exit %d\n%s", code, out)
	}
}

// A local.conf whose endpoint is not the account's fails check 1 and says
// to generate again.
func TestVerifyConfEndpointDiffers(t *testing.T) {
	s := fakeAWS(t)
	dir, cfg := verifyProject(t, s)
	path := filepath.Join(dir, "build", "conf", "local.conf")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), "-ats.iot.", "-old-ats.iot.", 1)
	if edited == string(b) {
		t.Fatalf("no data endpoint in local.conf:\n%s", b)
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	verifyFails(t, cfg, s.URL, "FAIL  data endpoint: local.conf has IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning",
		"fleetbake generate", "PASS  credential endpoint")
}

// The checks run concurrently: with every AWS call slowed down, verify
// takes a few round trips (the longest chain: GetCallerIdentity, then
// DescribeProvisioningTemplate for the core policy's name, GetPolicy, then
// TestAuthorization), not one per call.
func TestVerifyRunsChecksConcurrently(t *testing.T) {
	s := fakeAWS(t)
	_, cfg := verifyProject(t, s)
	const lat = 150 * time.Millisecond
	s.SetLatency(lat)
	s.ResetCalls()
	start := time.Now()
	code, out := runVerifyCLI(t, cfg, s.URL)
	took := time.Since(start)
	calls := 0
	for _, n := range s.Calls() {
		calls += n
	}
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if calls < 12 || took > 7*lat {
		t.Errorf("%d calls took %v (%d round trips of %v)", calls, took, took/lat, lat)
	}
	t.Logf("%d calls in %v", calls, took)
}

// Without the claim files on disk the file checks fail, the policy checks
// that need the certificate are skipped, and verify still reports them all.
func TestVerifyWithoutClaimFiles(t *testing.T) {
	s := fakeAWS(t)
	dir, cfg := verifyProject(t, s)
	if err := os.RemoveAll(filepath.Join(dir, "claim-certs")); err != nil {
		t.Fatal(err)
	}
	code, out := runVerifyCLI(t, cfg, s.URL, "--json")
	var rep app.VerifyReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 || rep.Passed {
		t.Fatalf("exit %d, %v\n%s", code, err, out)
	}
	status := map[string]app.CheckStatus{}
	for _, c := range rep.Checks {
		status[c.Name] = c.Status
	}
	for name, want := range map[string]app.CheckStatus{"claim certificate": app.Fail, "claim key": app.Fail, "root CA": app.Fail,
		"claim files in image": app.Fail, "claim policy": app.Skip, "core policy": app.Skip, "data endpoint": app.Pass} {
		if status[name] != want {
			t.Errorf("%s: %s, want %s", name, status[name], want)
		}
	}
}
