package provision

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iotypes "github.com/aws/aws-sdk-go-v2/service/iot/types"

	"fleetbake/internal/awsfake"
	"fleetbake/model"
)

// applyKilledAt runs apply and cancels its context when the fake sees the
// n-th call (the call itself still reaches the server, as when a process is
// killed mid-request). It returns how many calls apply made.
func applyKilledAt(t *testing.T, s *awsfake.Server, p *model.Project, opts Options, n int64) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var seen atomic.Int64
	s.OnCall(func(op string) {
		if seen.Add(1) == n {
			cancel()
		}
	})
	defer s.OnCall(nil)
	pv := newPV(t, s, p, opts)
	pv.Apply(ctx, nil, nil) // fails or not, depending on n
	// The calls in flight when the run was killed still complete at the
	// server; the next run starts after them, as it would against AWS.
	if !s.WaitIdle(50*time.Millisecond, 10*time.Second) {
		t.Fatal("the fake AWS server never went idle")
	}
}

func TestApplyKilledAtEveryCallThenRerunConvergesAndDestroyLeavesNothing(t *testing.T) {
	for _, awsKey := range []bool{false, true} {
		// Count the calls of one full apply to cover each of them.
		s := newFake(t)
		mustApply(t, newPV(t, s, newProject(t), Options{AWSGeneratedKey: awsKey}))
		total := 0
		for _, c := range s.Calls() {
			total += c
		}
		for n := int64(1); n <= int64(total); n++ {
			t.Run(fmt.Sprintf("awskey=%v/kill=%d", awsKey, n), func(t *testing.T) {
				t.Parallel()
				s := newFake(t)
				p := newProject(t)
				opts := Options{AWSGeneratedKey: awsKey}
				applyKilledAt(t, s, p, opts, n)
				// A new process: state reloaded from disk.
				pv := newPV(t, s, p, opts)
				if _, err := pv.Apply(context.Background(), nil, nil); err != nil {
					t.Fatalf("aws key %v, killed at call %d: re-run: %v", awsKey, n, err)
				}
				r := s.Resources()
				if len(r[awsfake.KindCertificate]) != 1 {
					t.Errorf("aws key %v, killed at call %d: %d certificates after re-run %v (orphan)", awsKey, n, len(r[awsfake.KindCertificate]), r[awsfake.KindCertificate])
				}
				wantFullSet(t, s)
				s.ResetCalls()
				mustApply(t, newPV(t, s, p, opts))
				if m := s.MutatingCalls(); m != 0 {
					t.Errorf("aws key %v, killed at call %d: third apply made %d mutating calls %v", awsKey, n, m, s.Calls())
				}
				if err := newPV(t, s, p, opts).Destroy(context.Background(), nil); err != nil {
					t.Fatalf("killed at call %d: destroy: %v", n, err)
				}
				if r := s.Resources(); r.Total() != 0 {
					t.Errorf("aws key %v, killed at call %d: destroy left %v", awsKey, n, r)
				}
			})
		}
	}
}

func TestDestroyKilledPartWayThenRerunLeavesNothing(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	mustApply(t, newPV(t, s, p, Options{}))
	for n := int64(1); ; n++ {
		ctx, cancel := context.WithCancel(context.Background())
		var seen atomic.Int64
		s.OnCall(func(op string) {
			if seen.Add(1) == n {
				cancel()
			}
		})
		err := newPV(t, s, p, Options{}).Destroy(ctx, nil)
		cancel()
		s.OnCall(nil)
		s.WaitIdle(50*time.Millisecond, 10*time.Second) // calls in flight finish at the server
		if err == nil && seen.Load() < n {
			break // destroy finished before call n: done
		}
		if n > 200 {
			t.Fatal("destroy never finishes")
		}
	}
	if err := newPV(t, s, p, Options{}).Destroy(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if r := s.Resources(); r.Total() != 0 {
		t.Errorf("left %v", r)
	}
}

func TestThrottlingAndServerErrorsStillConverge(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	s.SetFaults(0.1, 0.1)
	s.SetRoleAssumeDelay(50_000_000) // 50 ms of IAM propagation delay as well
	pv := newPV(t, s, p, Options{})
	if _, err := pv.Apply(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	if s.Faults() == 0 {
		t.Fatal("no faults were injected")
	}
	wantFullSet(t, s)
	s.SetFaults(0, 0)
	s.ResetCalls()
	mustApply(t, newPV(t, s, p, Options{}))
	if m := s.MutatingCalls(); m != 0 {
		t.Errorf("apply after faulty apply: %d mutating calls %v", m, s.Calls())
	}
	s.SetFaults(0.1, 0.1)
	if err := newPV(t, s, p, Options{}).Destroy(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if r := s.Resources(); r.Total() != 0 {
		t.Errorf("left %v", r)
	}
}

func TestIAMPropagationDelayIsWaitedOut(t *testing.T) {
	s := newFake(t)
	s.SetRoleAssumeDelay(200_000_000) // 200 ms
	events := make(chan Event, 100)
	pv := newPV(t, s, newProject(t), Options{})
	if _, err := pv.Apply(context.Background(), nil, events); err != nil {
		t.Fatal(err)
	}
	close(events)
	retried := false
	for ev := range events {
		retried = retried || ev.Status == StatusRetrying
	}
	if !retried {
		t.Error("no retrying event although IoT refused the new role at first")
	}
	wantFullSet(t, s)
}

func TestAWSGeneratedKey(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	pv := newPV(t, s, p, Options{AWSGeneratedKey: true})
	mustApply(t, pv)
	if s.Calls()["iot:CreateKeysAndCertificate"] != 1 || s.Calls()["iot:CreateCertificateFromCsr"] != 0 {
		t.Errorf("calls %v", s.Calls())
	}
	files := claimPaths(p)
	if fi, err := os.Stat(files.key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key: %v %v", err, fi)
	}
	plan, err := pv.Plan(context.Background())
	if err != nil || plan.Changes() != 0 {
		t.Fatalf("plan after apply: %v %+v", err, plan)
	}
}

func TestExistingKeyIsNeverOverwritten(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	files := claimPaths(p)
	if err := files.ensureDir(); err != nil {
		t.Fatal(err)
	}
	_, pemKey, err := newClaimKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := writeKeyOnce(files.key, pemKey); err != nil {
		t.Fatal(err)
	}
	if err := writeKeyOnce(files.key, []byte("other")); err == nil {
		t.Fatal("writeKeyOnce replaced an existing key")
	}
	// Even with --aws-generated-key, an existing key gets a CSR.
	mustApply(t, newPV(t, s, p, Options{AWSGeneratedKey: true}))
	after, _ := os.ReadFile(files.key)
	if string(after) != string(pemKey) {
		t.Fatal("apply changed the existing key")
	}
	if s.Calls()["iot:CreateCertificateFromCsr"] != 1 {
		t.Errorf("calls %v", s.Calls())
	}
}

func TestRotateClaim(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	pv := newPV(t, s, p, Options{})
	first := mustApply(t, pv)
	files := claimPaths(p)
	oldKey, _ := os.ReadFile(files.key)
	res, err := pv.RotateClaim(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.ClaimCertID == first.ClaimCertID || res.ClaimCertID == "" {
		t.Fatalf("rotate kept certificate %s", res.ClaimCertID)
	}
	newKey, _ := os.ReadFile(files.key)
	if string(newKey) == string(oldKey) {
		t.Error("key file not replaced")
	}
	if fi, _ := os.Stat(files.key); fi.Mode().Perm() != 0o600 {
		t.Errorf("new key mode %v", fi.Mode())
	}
	entries, _ := os.ReadDir(files.dir)
	if len(entries) != 3 {
		t.Errorf("claim folder holds %d files, want 3 (cert, key, root)", len(entries))
	}
	if r := s.Resources(); len(r[awsfake.KindCertificate]) != 2 || len(r[awsfake.KindPolicyAttachment]) != 2 {
		t.Errorf("after rotate: %v", r)
	}
	if a := activeCerts(t, s); len(a) != 1 || a[0] != res.ClaimCertID {
		t.Errorf("active after rotate: %v, want only %s", a, res.ClaimCertID)
	}
	s.ResetCalls()
	pv2 := newPV(t, s, p, Options{})
	mustApply(t, pv2)
	if m := s.MutatingCalls(); m != 0 {
		t.Errorf("apply after rotate: %d mutating calls %v", m, s.Calls())
	}
	if err := pv2.Destroy(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if r := s.Resources(); r.Total() != 0 {
		t.Errorf("left %v", r)
	}
}

func TestRotateKilledPartWayThenApplyConverges(t *testing.T) {
	base := newFake(t)
	bp := newProject(t)
	mustApply(t, newPV(t, base, bp, Options{}))
	base.ResetCalls()
	if _, err := newPV(t, base, bp, Options{}).RotateClaim(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range base.Calls() {
		total += c
	}
	for n := int64(1); n <= int64(total); n++ {
		t.Run(fmt.Sprintf("kill=%d", n), func(t *testing.T) {
			t.Parallel()
			s := newFake(t)
			p := newProject(t)
			mustApply(t, newPV(t, s, p, Options{}))
			ctx, cancel := context.WithCancel(context.Background())
			var seen atomic.Int64
			s.OnCall(func(string) {
				if seen.Add(1) == n {
					cancel()
				}
			})
			newPV(t, s, p, Options{}).RotateClaim(ctx, nil)
			cancel()
			s.OnCall(nil)
			s.WaitIdle(50*time.Millisecond, 10*time.Second) // calls in flight finish at the server
			if _, err := newPV(t, s, p, Options{}).RotateClaim(context.Background(), nil); err != nil {
				t.Fatalf("killed at %d: rotate again: %v", n, err)
			}
			s.ResetCalls()
			mustApply(t, newPV(t, s, p, Options{}))
			if m := s.MutatingCalls(); m != 0 {
				t.Errorf("killed at %d: apply after rotate: %d mutating calls %v", n, m, s.Calls())
			}
			if err := newPV(t, s, p, Options{}).Destroy(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			if r := s.Resources(); r.Total() != 0 {
				t.Errorf("killed at %d: left %v", n, r)
			}
		})
	}
}

func TestCanceledApplyReturnsContextError(t *testing.T) {
	s := newFake(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newPV(t, s, newProject(t), Options{}).Apply(ctx, nil, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
}

// activeCerts lists the ACTIVE certificates in the fake account.
func activeCerts(t *testing.T, s *awsfake.Server) []string {
	t.Helper()
	out, err := iot.NewFromConfig(s.AWSConfig()).ListCertificates(context.Background(), &iot.ListCertificatesInput{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range out.Certificates {
		if c.Status == iotypes.CertificateStatusActive {
			ids = append(ids, aws.ToString(c.CertificateId))
		}
	}
	return ids
}
