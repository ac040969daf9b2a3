package provision

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"fleetbake/internal/awsfake"
	"fleetbake/model"
)

// realGenerateRSAKey is the production key source (the benchmark uses it).
var realGenerateRSAKey func() (*rsa.PrivateKey, error)

func TestMain(m *testing.M) {
	// Real SDK retryer, shorter waits: tests inject throttling and IAM delay.
	maxSDKBackoff = 20 * time.Millisecond
	consistencyWait = 10 * time.Millisecond
	consistencyDeadline = 10 * time.Second
	// RSA 2048 takes ~0.3 s here; tests that kill apply at every call make
	// dozens of keys. Hand out a few real keys round-robin instead: no test
	// uses more than four distinct claim keys against one fake account.
	var pool []*rsa.PrivateKey
	for i := 0; i < 4; i++ {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		pool = append(pool, k)
	}
	var next atomic.Int64
	realGenerateRSAKey = generateRSAKey
	generateRSAKey = func() (*rsa.PrivateKey, error) {
		return pool[int(next.Add(1))%len(pool)], nil
	}
	setTestEnv()
	os.Exit(m.Run())
}

// setTestEnv points the SDK's default chain at static test keys and at
// nothing on this machine (no ~/.aws, no instance metadata). It is set once
// for the whole package so tests can run in parallel; tests that change the
// environment use t.Setenv and are not parallel.
func setTestEnv() {
	dir, err := os.MkdirTemp("", "fleetbake-provision-test-")
	if err != nil {
		panic(err)
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           awsfake.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":       awsfake.SecretAccessKey,
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		os.Setenv(k, v)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN"} {
		os.Unsetenv(k)
	}
}

func newFake(t *testing.T) *awsfake.Server {
	t.Helper()
	s := awsfake.New(awsfake.Options{Seed: 1})
	t.Cleanup(s.Close)
	return s
}

// newProject makes a saved project in a temp folder with a short prefix.
func newProject(t *testing.T) *model.Project {
	t.Helper()
	p := model.Default()
	p.Greengrass.Prefix = "fb"
	p.Greengrass.TokenExchangeRole = "fb-tes-role"
	p.Greengrass.ProvisioningRole = "fb-prov-role"
	p.SetPath(filepath.Join(t.TempDir(), "fleetbake.toml"))
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	return p
}

func newPV(t *testing.T, s *awsfake.Server, p *model.Project, opts Options) *Provisioner {
	t.Helper()
	opts.EndpointURL = s.URL
	pv, err := New(context.Background(), p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return pv
}

func mustApply(t *testing.T, pv *Provisioner) *Result {
	t.Helper()
	res, err := pv.Apply(context.Background(), nil, nil)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

// wantResources checks the fake holds exactly the resources apply makes.
func wantFullSet(t *testing.T, s *awsfake.Server) {
	t.Helper()
	r := s.Resources()
	for kind, want := range map[string]int{
		awsfake.KindRole: 2, awsfake.KindIAMPolicy: 1, awsfake.KindRoleAttachment: 2, awsfake.KindIoTPolicy: 2,
		awsfake.KindRoleAlias: 1, awsfake.KindThingGroup: 1, awsfake.KindTemplate: 1, awsfake.KindCertificate: 1,
		awsfake.KindPolicyAttachment: 1,
	} {
		if got := len(r[kind]); got != want {
			t.Errorf("%s: %d resources %v, want %d", kind, got, r[kind], want)
		}
	}
}
