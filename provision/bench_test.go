package provision

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"fleetbake/internal/awsfake"
)

// TestBenchApplyLatency is the benchmark bench/provision.sh runs
// (FLEETBAKE_BENCH=1): apply on an empty account with 100 ms per AWS call,
// as the CLI does it (plan, then apply), concurrently and one call at a
// time, in the same run. It prints figures; it asserts nothing about time.
func TestBenchApplyLatency(t *testing.T) {
	if os.Getenv("FLEETBAKE_BENCH") == "" {
		t.Skip("benchmark: run bench/provision.sh (FLEETBAKE_BENCH=1)")
	}
	generateRSAKey = realGenerateRSAKey // real key generation, as in production
	const latency = 100 * time.Millisecond
	run := func(sequential bool) (time.Duration, *Result) {
		s := awsfake.New(awsfake.Options{})
		defer s.Close()
		s.SetLatency(latency)
		p := newProject(t)
		start := time.Now()
		pv, err := New(context.Background(), p, Options{EndpointURL: s.URL, Sequential: sequential})
		if err != nil {
			t.Fatal(err)
		}
		res, err := pv.Apply(context.Background(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		wall := time.Since(start)
		if s.Resources().Total() == 0 {
			t.Fatal("nothing created")
		}
		return wall, res
	}
	wall, res := run(false)
	seqWall, seqRes := run(true)
	ideal := time.Duration(res.CriticalPath) * latency
	fmt.Printf("provision apply wall time (100 ms/call, empty account)   %6.0f ms   %d calls, longest dependent chain %d calls\n",
		float64(wall.Milliseconds()), res.Calls, res.CriticalPath)
	fmt.Printf("provision apply / (longest chain x 100 ms)                %6.2f     goal <= 1.5\n", float64(wall)/float64(ideal))
	fmt.Printf("provision apply / same calls one at a time (%5.0f ms, %d calls) %6.2f     lower is better\n",
		float64(seqWall.Milliseconds()), seqRes.Calls, float64(wall)/float64(seqWall))
}
