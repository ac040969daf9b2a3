package awsfake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestFaultsAreRetryable checks every injected fault, as each client sees it after one attempt, against
// the SDK standard retryer's own retryable and throttle checks.
func TestFaultsAreRetryable(t *testing.T) {
	c := newClients(t)
	std := retry.NewStandard()
	throttle := retry.IsErrorThrottles(retry.DefaultThrottles)
	iotOne := iot.NewFromConfig(c.s.AWSConfig(), func(o *iot.Options) { o.Retryer = aws.NopRetryer{} })
	iamOne := iam.NewFromConfig(c.s.AWSConfig(), func(o *iam.Options) { o.Retryer = aws.NopRetryer{} })
	stsOne := sts.NewFromConfig(c.s.AWSConfig(), func(o *sts.Options) { o.Retryer = aws.NopRetryer{} })
	calls := map[string]func() error{
		"iot": func() error {
			_, err := iotOne.DescribeEndpoint(c.ctx, &iot.DescribeEndpointInput{EndpointType: aws.String("iot:Data-ATS")})
			return err
		},
		"iam": func() error {
			_, err := iamOne.GetPolicy(c.ctx, &iam.GetPolicyInput{PolicyArn: aws.String(ThingsRegistrationPolicyARN)})
			return err
		},
		"sts": func() error {
			_, err := stsOne.GetCallerIdentity(c.ctx, &sts.GetCallerIdentityInput{})
			return err
		},
	}
	wantThrottle := map[string]string{"iot": "ThrottlingException", "iam": "Throttling", "sts": "Throttling"}
	wantServer := map[string][]string{"iot": {"InternalFailureException", "ServiceUnavailableException"}, "iam": {"InternalFailure", "ServiceUnavailable"}, "sts": {"InternalFailure", "ServiceUnavailable"}}
	for svc, call := range calls {
		c.s.SetFaults(1, 0)
		err := call()
		wantCode(t, err, wantThrottle[svc])
		if !std.IsErrorRetryable(err) || !throttle.IsErrorThrottle(err).Bool() {
			t.Errorf("%s throttle %v: retryable=%v throttle=%v", svc, err, std.IsErrorRetryable(err), throttle.IsErrorThrottle(err))
		}
		c.s.SetFaults(0, 1)
		var codes []string
		for range 2 { // server errors alternate between 500 and 503
			err := call()
			var ae interface{ ErrorCode() string }
			if !errors.As(err, &ae) {
				t.Fatalf("%s: want API error, got %v", svc, err)
			}
			codes = append(codes, ae.ErrorCode())
			if !std.IsErrorRetryable(err) {
				t.Errorf("%s %v is not retryable", svc, err)
			}
		}
		if strings.Join(codes, ",") != strings.Join(wantServer[svc], ",") && strings.Join(codes, ",") != wantServer[svc][1]+","+wantServer[svc][0] {
			t.Errorf("%s server errors %v, want %v", svc, codes, wantServer[svc])
		}
	}
	c.s.SetFaults(0, 0)
	for svc, call := range calls {
		if err := call(); err != nil {
			t.Errorf("%s with faults off: %v", svc, err)
		}
	}
}

// TestThrottledThenSucceeds lets the first attempt of each call be throttled and the SDK retryer recover.
func TestThrottledThenSucceeds(t *testing.T) {
	for _, name := range []string{"fast retryer", "SDK default retryer"} {
		t.Run(name, func(t *testing.T) {
			c := newClients(t)
			cfg := c.s.AWSConfig()
			if name == "SDK default retryer" {
				cfg.Retryer = nil // the SDK's own standard retryer, default backoff
			}
			iamc, iotc := iam.NewFromConfig(cfg), iot.NewFromConfig(cfg)
			var n atomic.Int32
			c.s.OnCall(func(op string) {
				// Odd attempts fail, even attempts succeed.
				if n.Add(1)%2 == 1 {
					c.s.SetFaults(1, 0)
				} else {
					c.s.SetFaults(0, 0)
				}
			})
			if _, err := iamc.CreateRole(c.ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustIoT)}); err != nil {
				t.Fatalf("CreateRole not retried: %v", err)
			}
			if _, err := iotc.CreatePolicy(c.ctx, &iot.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(iotDoc)}); err != nil {
				t.Fatalf("CreatePolicy not retried: %v", err)
			}
			calls := c.s.Calls()
			if calls["iam:CreateRole"] != 2 || calls["iot:CreatePolicy"] != 2 || c.s.Faults() != 2 {
				t.Errorf("calls %v faults %d", calls, c.s.Faults())
			}
			if r := c.s.Resources(); len(r[KindRole]) != 1 || len(r[KindIoTPolicy]) != 1 {
				t.Errorf("resources %v", r)
			}
		})
	}
}

// TestRandomFaultsConverge runs many calls under 20% throttling and 10% server errors.
func TestRandomFaultsConverge(t *testing.T) {
	s := New(Options{Seed: 42})
	defer s.Close()
	cfg := s.AWSConfig()
	cfg.RetryMaxAttempts = 10
	iotc := iot.NewFromConfig(cfg)
	s.SetFaults(0.2, 0.1)
	ctx := t.Context()
	for i := range 30 {
		name := fmt.Sprintf("p%d", i)
		if _, err := iotc.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(iotDoc)}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if s.Faults() == 0 {
		t.Fatal("no faults injected")
	}
	if got := len(s.Resources()[KindIoTPolicy]); got != 30 {
		t.Errorf("%d policies, want 30", got)
	}
	if s.MutatingCalls() != 30+s.Faults() {
		t.Errorf("mutating %d, faults %d", s.MutatingCalls(), s.Faults())
	}
}

func TestDeny(t *testing.T) {
	c := newClients(t)
	c.s.Deny("iam:CreateRole", "arn:aws:iam::*:role/fb-*")
	c.s.Deny("iot:*", "arn:aws:iot:*:policy/locked")
	_, err := c.iam.CreateRole(c.ctx, &iam.CreateRoleInput{RoleName: aws.String("fb-tes"), AssumeRolePolicyDocument: aws.String(trustIoT)})
	ae := wantCode(t, err, "AccessDenied")
	want := "User: arn:aws:iam::123456789012:user/fleetbake-test is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::123456789012:role/fb-tes"
	if !strings.HasPrefix(ae.ErrorMessage(), want) {
		t.Errorf("message %q", ae.ErrorMessage())
	}
	c.createRole(t, "other", trustIoT) // not matched by the glob
	_, err = c.iot.CreatePolicy(c.ctx, &iot.CreatePolicyInput{PolicyName: aws.String("locked"), PolicyDocument: aws.String(iotDoc)})
	ae = wantCode(t, err, "AccessDeniedException")
	if !strings.Contains(ae.ErrorMessage(), "iot:CreatePolicy on resource: arn:aws:iot:us-east-1:123456789012:policy/locked") {
		t.Errorf("message %q", ae.ErrorMessage())
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() != 403 {
		t.Errorf("status %d", re.HTTPStatusCode())
	}
	if r := c.s.Resources(); len(r[KindIoTPolicy]) != 0 || len(r[KindRole]) != 1 {
		t.Errorf("denied calls changed state: %v", r)
	}
	c.s.ClearDenies()
	if _, err := c.iot.CreatePolicy(c.ctx, &iot.CreatePolicyInput{PolicyName: aws.String("locked"), PolicyDocument: aws.String(iotDoc)}); err != nil {
		t.Fatal(err)
	}
	c.s.Deny("sts:GetCallerIdentity", "*")
	_, err = c.sts.GetCallerIdentity(c.ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "AccessDenied")
}

func TestRoleAssumeDelay(t *testing.T) {
	c := newClients(t)
	c.s.SetRoleAssumeDelay(300 * time.Millisecond)
	role := c.createRole(t, "fresh", trustIoT)
	_, err := c.iot.CreateProvisioningTemplate(c.ctx, &iot.CreateProvisioningTemplateInput{TemplateName: aws.String("t"), TemplateBody: aws.String(templateBody), ProvisioningRoleArn: aws.String(role)})
	ae := wantCode(t, err, "InvalidRequestException")
	if !strings.Contains(ae.ErrorMessage(), "unable to assume role") || !strings.Contains(ae.ErrorMessage(), role) {
		t.Errorf("message %q", ae.ErrorMessage())
	}
	_, err = c.iot.CreateRoleAlias(c.ctx, &iot.CreateRoleAliasInput{RoleAlias: aws.String("a"), RoleArn: aws.String(role)})
	wantCode(t, err, "InvalidRequestException")
	seeded := c.s.CreateRoleDirect("old", nil) // made long ago: usable at once
	if _, err := c.iot.CreateRoleAlias(c.ctx, &iot.CreateRoleAliasInput{RoleAlias: aws.String("b"), RoleArn: aws.String(seeded)}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := c.iot.CreateProvisioningTemplate(c.ctx, &iot.CreateProvisioningTemplateInput{TemplateName: aws.String("t"), TemplateBody: aws.String(templateBody), ProvisioningRoleArn: aws.String(role)}); err != nil {
		t.Fatalf("after the delay: %v", err)
	}
}

func TestLatencyAndClose(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	iotc := iot.NewFromConfig(s.AWSConfig())
	s.SetLatency(80 * time.Millisecond)
	start := time.Now()
	if _, err := iotc.DescribeEndpoint(t.Context(), &iot.DescribeEndpointInput{EndpointType: aws.String("iot:Data-ATS")}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("call took %v, latency is 80ms", d)
	}

	// A caller that gives up is not kept waiting.
	s.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, err := iotc.DescribeEndpoint(ctx, &iot.DescribeEndpointInput{EndpointType: aws.String("iot:Data-ATS")}); err == nil {
		t.Fatal("call with an hour of latency returned")
	}

	// Close ends calls still waiting.
	s.ResetCalls()
	done := make(chan error, 1)
	go func() {
		_, err := iotc.DescribeEndpoint(t.Context(), &iot.DescribeEndpointInput{EndpointType: aws.String("iot:Data-ATS")})
		done <- err
	}()
	for s.Calls()["iot:DescribeEndpoint"] < 1 {
		time.Sleep(5 * time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked by a waiting call")
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("call answered after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("client still waiting after Close")
	}
}

func TestExpiredAndUnsigned(t *testing.T) {
	c := newClients(t)
	c.s.ExpireCredentials(true)
	_, err := c.sts.GetCallerIdentity(c.ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "ExpiredToken")
	_, err = c.iot.DescribeEndpoint(c.ctx, &iot.DescribeEndpointInput{EndpointType: aws.String("iot:Data-ATS")})
	wantCode(t, err, "ExpiredTokenException")
	c.s.ExpireCredentials(false)

	resp, err := http.Post(c.s.URL+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(body), "<Code>MissingAuthenticationToken</Code>") {
		t.Errorf("unsigned: %d %s", resp.StatusCode, body)
	}
}

func TestUnknownOperations(t *testing.T) {
	c := newClients(t)
	_, err := c.iam.ListUsers(c.ctx, &iam.ListUsersInput{})
	wantCode(t, err, "InvalidAction")
	_, err = c.iot.ListThingTypes(c.ctx, &iot.ListThingTypesInput{})
	wantCode(t, err, "UnknownOperationException")
}

func TestCounting(t *testing.T) {
	c := newClients(t)
	c.createRole(t, "r", trustIoT)
	c.iam.GetRole(c.ctx, &iam.GetRoleInput{RoleName: aws.String("r")})
	c.iot.ListRoleAliases(c.ctx, &iot.ListRoleAliasesInput{})
	c.iot.DescribeEndpoint(c.ctx, &iot.DescribeEndpointInput{EndpointType: aws.String("iot:Data-ATS")})
	c.iam.CreateRole(c.ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustIoT)}) // fails, still counted
	calls := c.s.Calls()
	if calls["iam:CreateRole"] != 2 || calls["iam:GetRole"] != 1 || calls["iot:ListRoleAliases"] != 1 || calls["iot:DescribeEndpoint"] != 1 {
		t.Errorf("calls %v", calls)
	}
	if c.s.MutatingCalls() != 2 {
		t.Errorf("mutating %d", c.s.MutatingCalls())
	}
	c.s.ResetCalls()
	if len(c.s.Calls()) != 0 || c.s.MutatingCalls() != 0 {
		t.Errorf("after reset %v", c.s.Calls())
	}
	for op, want := range map[string]bool{"iot:CreatePolicy": true, "DeleteRole": true, "iot:ListAttachedPolicies": false, "iam:GetRole": false, "iot:DescribeEndpoint": false, "iot:AttachPolicy": true} {
		if IsMutating(op) != want {
			t.Errorf("IsMutating(%s) = %v", op, !want)
		}
	}
}

// TestConcurrent drives the server from many goroutines; run with -race.
func TestConcurrent(t *testing.T) {
	c := newClients(t)
	c.s.SetFaults(0.1, 0.05)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 16 {
		wg.Go(func() {
			name := fmt.Sprintf("p%d", i)
			if _, err := c.iot.CreatePolicy(c.ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(iotDoc)}); err != nil {
				errs <- err
				return
			}
			if _, err := c.iam.CreateRole(c.ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trustIoT)}); err != nil {
				errs <- err
				return
			}
			if len(c.s.Resources()[KindIoTPolicy]) == 0 || c.s.Calls()["iot:CreatePolicy"] == 0 {
				errs <- fmt.Errorf("snapshot taken mid-run misses this goroutine's policy")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		// With 3 attempts a call can still run out of retries; anything else is a bug.
		if !strings.Contains(err.Error(), "exceeded maximum number of attempts") {
			t.Error(err)
		}
	}
}

// TestNoGoroutineLeak checks that a server and its clients leave no goroutine behind after Close.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	s := New(Options{})
	cfg := s.AWSConfig()
	s.SetLatency(10 * time.Millisecond)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			iot.NewFromConfig(cfg).DescribeEndpoint(t.Context(), &iot.DescribeEndpointInput{EndpointType: aws.String("iot:Data-ATS")})
			sts.NewFromConfig(cfg).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		})
	}
	wg.Wait()
	s.Close()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitIdle waits for a call the client gave up on: the server still
// finishes it, as AWS does.
func TestWaitIdleWaitsForAbandonedCalls(t *testing.T) {
	c := newClients(t)
	c.s.OnCall(func(string) { time.Sleep(300 * time.Millisecond) }) // the server is slow with this call
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
		t.Fatal("the client did not give up")
	}
	start := time.Now()
	if !c.s.WaitIdle(20*time.Millisecond, 5*time.Second) {
		t.Fatal("never idle")
	}
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Errorf("WaitIdle returned after %v although the abandoned call was still being handled", waited)
	}
}
