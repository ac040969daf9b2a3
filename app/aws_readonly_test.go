package app

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"fleetbake/internal/awsfake"
	"fleetbake/model"
)

// TestLookupsMakeNoClaimKey: the account lookup (the UI does one at every
// start) and the plan only read, so they start no claim key generation
// (provision makes the key ahead of time for an apply): an RSA 2048 key
// costs tens of milliseconds of CPU that the first screen waits behind on a
// small machine, for a key thrown away.
func TestLookupsMakeNoClaimKey(t *testing.T) {
	fake := awsfake.New(awsfake.Options{})
	t.Cleanup(fake.Close)
	t.Setenv("HOME", t.TempDir()) // no ~/.aws of the machine running the tests
	for _, kv := range fake.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	p := model.Default()
	p.SetPath(filepath.Join(t.TempDir(), model.DefaultFile))
	o := AWSOptions{EndpointURL: fake.URL}
	ctx := context.Background()
	// The key generation outlives the call that starts it by far (tens of
	// milliseconds against a local round trip): look right after each.
	keygen := func(what string) {
		t.Helper()
		buf := make([]byte, 1<<20)
		if st := string(buf[:runtime.Stack(buf, true)]); strings.Contains(st, "provision.newClaimKey") {
			t.Errorf("%s started making a claim key", what)
		}
	}
	if _, err := LookupIdentity(ctx, p, o); err != nil {
		t.Fatal(err)
	}
	keygen("LookupIdentity")
	if _, err := PlanAWS(ctx, p, nil, o); err != nil {
		t.Fatal(err)
	}
	keygen("PlanAWS")
}
