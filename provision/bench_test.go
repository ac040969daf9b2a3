package provision

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"fleetbake/internal/awsfake"
)

// TestBenchApplyLatency is the benchmark bench/provision.sh runs
// (FLEETBAKE_BENCH=1): apply on an empty account with 100 ms per AWS call,
// as the CLI does it (plan, then apply), concurrently and one call at a
// time, in the same run. It prints the raw figures bench/provision.sh turns
// into table lines; it asserts nothing about time.
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
	// Rounds alternate concurrent and one-at-a-time runs (A B A B), so both
	// see the same machine; bench/provision.sh prints the spread.
	rounds := 3
	var walls, seqWalls []string
	var res *Result
	for range rounds {
		wall, r := run(false)
		seqWall, _ := run(true)
		res = r
		walls = append(walls, fmt.Sprintf("%.1f", float64(wall.Microseconds())/1e3))
		seqWalls = append(seqWalls, fmt.Sprintf("%.1f", float64(seqWall.Microseconds())/1e3))
	}
	ideal := time.Duration(res.CriticalPath) * latency
	fmt.Printf("provision-bench calls %d chain %d ideal_ms %d\n", res.Calls, res.CriticalPath, ideal.Milliseconds())
	fmt.Printf("provision-bench wall_ms %s\n", strings.Join(walls, " "))
	fmt.Printf("provision-bench seq_ms %s\n", strings.Join(seqWalls, " "))
}
