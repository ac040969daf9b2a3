package cli

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// verifyChain is the longest chain of verify's AWS calls where each needs
// the answer of the one before: the claim certificate's ARN
// (DescribeCertificate, or GetCallerIdentity for the account), then the
// policies attached to it (ListAttachedPolicies), then TestAuthorization of
// the core policy with those skipped (policyNamesToSkip), so that only the
// core policy decides. Every other call needs at most one answer first.
const verifyChain = 3

// TestBenchVerifyLatency is the benchmark bench/verify.sh runs
// (FLEETBAKE_BENCH=1): `fleetbake verify` after apply and generate, with
// 100 ms per AWS call, as the command line runs it. It prints figures; it
// asserts nothing about time.
func TestBenchVerifyLatency(t *testing.T) {
	if os.Getenv("FLEETBAKE_BENCH") == "" {
		t.Skip("benchmark: run bench/verify.sh (FLEETBAKE_BENCH=1)")
	}
	s := fakeAWS(t)
	_, cfg := verifyProject(t, s)
	const latency = 100 * time.Millisecond
	s.SetLatency(latency)
	var walls []time.Duration
	calls := 0
	for range 5 {
		s.ResetCalls()
		start := time.Now()
		code, out := runVerifyCLI(t, cfg, s.URL)
		wall := time.Since(start)
		if code != 0 {
			t.Fatalf("verify: exit %d\n%s", code, out)
		}
		walls = append(walls, wall)
		calls = 0
		for _, n := range s.Calls() {
			calls += n
		}
	}
	var ms []string
	for _, w := range walls {
		ms = append(ms, fmt.Sprintf("%.1f", float64(w.Microseconds())/1e3))
	}
	// Raw figures; bench/verify.sh prints the table line.
	fmt.Printf("verify-bench calls %d chain %d ideal_ms %d\n", calls, verifyChain, (verifyChain * latency).Milliseconds())
	fmt.Printf("verify-bench wall_ms %s\n", strings.Join(ms, " "))
}
