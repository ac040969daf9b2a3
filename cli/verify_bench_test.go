package cli

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"fleetbake/internal/awsfake"
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
	provisionEnv(t)
	s := awsfake.New(awsfake.Options{})
	defer s.Close()
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
	slices.Sort(walls)
	med := walls[len(walls)/2]
	fmt.Printf("verify wall time (100 ms/call, after apply), median of 5  %6.0f ms   %d calls, longest dependent chain %d calls\n",
		float64(med.Milliseconds()), calls, verifyChain)
	fmt.Printf("verify / (longest chain x 100 ms)                          %6.2f     goal <= 1.3\n", float64(med)/float64(verifyChain*latency))
}
