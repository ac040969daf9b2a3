package provision

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"fleetbake/internal/awsfake"
)

// TestLostAnswerOfEveryMutatingCall: AWS carries out a request but its answer is lost (a 5xx or a dropped
// connection after the change), and the SDK retries it. For every mutating call of a full apply, that
// apply (or a re-run) must converge with nothing orphaned, the next apply make no change, and destroy
// leave nothing.
func TestLostAnswerOfEveryMutatingCall(t *testing.T) {
	for _, awsKey := range []bool{false, true} {
		s := newFake(t)
		mustApply(t, newPV(t, s, newProject(t), Options{AWSGeneratedKey: awsKey}))
		var ops []string
		for op := range s.Calls() {
			if awsfake.IsMutating(op) {
				ops = append(ops, op)
			}
		}
		sort.Strings(ops)
		for _, op := range ops {
			t.Run(fmt.Sprintf("awskey=%v/%s", awsKey, op), func(t *testing.T) {
				t.Parallel()
				s := newFake(t)
				p := newProject(t)
				opts := Options{AWSGeneratedKey: awsKey}
				s.LoseAnswer(op, 1)
				if _, err := newPV(t, s, p, opts).Apply(context.Background(), nil, nil); err != nil {
					// Allowed to fail, as long as a re-run converges.
					t.Logf("apply with the answer of %s lost: %v", op, err)
					mustApply(t, newPV(t, s, p, opts))
				}
				if s.Faults() != 1 {
					t.Fatalf("the answer of %s was not lost (faults %d)", op, s.Faults())
				}
				wantFullSet(t, s)
				s.ResetCalls()
				mustApply(t, newPV(t, s, p, opts))
				if m := s.MutatingCalls(); m != 0 {
					t.Errorf("apply after the lost answer of %s: %d mutating calls %v", op, m, s.Calls())
				}
				if err := newPV(t, s, p, opts).Destroy(context.Background(), nil); err != nil {
					t.Fatal(err)
				}
				if r := s.Resources(); r.Total() != 0 {
					t.Errorf("lost answer of %s: destroy left %v", op, r)
				}
			})
		}
	}
}

// TestTwentyPercentFaultsWithLostAnswersConverge: 20% of calls throttled, 20% failing with 5xx before
// they act, and 10% of the rest acting but losing their answer, for apply, rotate-claim and destroy.
func TestTwentyPercentFaultsWithLostAnswersConverge(t *testing.T) {
	for seed := int64(1); seed <= 4; seed++ {
		for _, awsKey := range []bool{false, true} {
			t.Run(fmt.Sprintf("seed=%d/awskey=%v", seed, awsKey), func(t *testing.T) {
				t.Parallel()
				s := awsfake.New(awsfake.Options{Seed: seed})
				t.Cleanup(s.Close)
				p := newProject(t)
				opts := Options{AWSGeneratedKey: awsKey}
				s.SetFaults(0.2, 0.2)
				s.SetLostResponses(0.1)
				if _, err := newPV(t, s, p, opts).Apply(context.Background(), nil, nil); err != nil {
					t.Fatalf("apply: %v", err)
				}
				if _, err := newPV(t, s, p, opts).RotateClaim(context.Background(), nil); err != nil {
					t.Fatalf("rotate-claim: %v", err)
				}
				faults := s.Faults()
				s.SetFaults(0, 0)
				s.SetLostResponses(0)
				r := s.Resources()
				if len(r[awsfake.KindCertificate]) != 2 || len(activeCerts(t, s)) != 1 {
					t.Errorf("after apply and rotate (%d faults): certificates %v, active %v", faults, r[awsfake.KindCertificate], activeCerts(t, s))
				}
				s.ResetCalls()
				mustApply(t, newPV(t, s, p, opts))
				if m := s.MutatingCalls(); m != 0 {
					t.Errorf("apply after faulty runs: %d mutating calls %v", m, s.Calls())
				}
				s.SetFaults(0.2, 0.2)
				s.SetLostResponses(0.1)
				if err := newPV(t, s, p, opts).Destroy(context.Background(), nil); err != nil {
					t.Fatalf("destroy: %v", err)
				}
				s.SetFaults(0, 0)
				s.SetLostResponses(0)
				if r := s.Resources(); r.Total() != 0 {
					t.Errorf("destroy left %v", r)
				}
			})
		}
	}
}
