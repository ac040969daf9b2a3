package provision

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"

	"fleetbake/internal/awsfake"
)

func TestNameTakenBySomeoneElseIsRefused(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	s.CreateRoleDirect("fb-tes-role", nil)
	s.CreateThingGroupDirect("fb-Group")
	before := s.Resources().Total()
	pv := newPV(t, s, p, Options{})
	plan, err := pv.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := plan.Conflicts()
	if len(c) != 2 {
		t.Fatalf("conflicts %+v", plan.Items)
	}
	s.ResetCalls()
	_, err = pv.Apply(context.Background(), plan, nil)
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("apply: %v", err)
	}
	for _, want := range []string{"fb-tes-role", "fb-Group", "greengrass.prefix"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
	if m := s.MutatingCalls(); m != 0 || s.Resources().Total() != before {
		t.Errorf("refused apply still changed AWS: %d mutating calls", m)
	}
	// Destroy leaves them alone (this folder never applied: it refuses).
	if err := pv.Destroy(context.Background(), nil); err != nil && !errors.Is(err, ErrUntracked) {
		t.Fatal(err)
	}
	if s.Resources().Total() != before {
		t.Errorf("destroy removed resources fleetbake did not create: %v", s.Resources())
	}
}

func TestTaggedResourceWithoutStateIsAdopted(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	// Made by fleetbake for this project, state file lost.
	s.CreateRoleDirect("fb-tes-role", map[string]string{TagManagedBy: "fleetbake", TagProject: "fb"})
	s.CreateRoleDirect("fb-prov-role", map[string]string{TagManagedBy: "fleetbake", TagProject: "other"})
	pv := newPV(t, s, p, Options{})
	plan, err := pv.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if it, _ := plan.Item(KindTokenExchangeRole); it.Action != ActionUpdate || !strings.Contains(it.Detail, "tagged by fleetbake") {
		t.Errorf("tagged role: %+v", it)
	}
	if it, _ := plan.Item(KindProvisioningRole); it.Action != ActionConflict || !strings.Contains(it.Detail, `"other"`) {
		t.Errorf("role of another project: %+v", it)
	}
}

func TestAccessDeniedNamesActionAndResource(t *testing.T) {
	s := newFake(t)
	s.Deny("iot:CreateRoleAlias", "*")
	_, err := newPV(t, s, newProject(t), Options{}).Apply(context.Background(), nil, nil)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err %T %v", err, err)
	}
	for _, want := range []string{"iot:CreateRoleAlias", "rolealias/fb-TokenExchangeRoleAlias", awsfake.DefaultCallerARN} {
		if !strings.Contains(e.Hint, want) {
			t.Errorf("hint %q does not name %q", e.Hint, want)
		}
	}
}

func TestExpiredCredentials(t *testing.T) {
	s := newFake(t)
	s.ExpireCredentials(true)
	_, err := newPV(t, s, newProject(t), Options{}).Plan(context.Background())
	if err == nil || !strings.Contains(err.Error(), "expired") || !strings.Contains(err.Error(), "sso login") {
		t.Errorf("err %v", err)
	}
}

func TestNoCredentials(t *testing.T) {
	s := newFake(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	_, err := newPV(t, s, newProject(t), Options{}).Plan(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no AWS credentials") {
		t.Errorf("err %v", err)
	}
}

func TestUnknownProfile(t *testing.T) {
	_, err := New(context.Background(), newProject(t), Options{Profile: "nosuch"})
	if err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("err %v", err)
	}
}

func TestBadRegionAndNamesFailBeforeAnyCall(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	_, err := New(context.Background(), p, Options{Region: "mars-1", EndpointURL: s.URL})
	if err == nil || !strings.Contains(err.Error(), "mars-1") {
		t.Errorf("region: %v", err)
	}
	p.Greengrass.Prefix = "a-prefix-long-enough-to-break-the-template-name"
	p.Greengrass.ThingGroup = "bad group"
	_, err = New(context.Background(), p, Options{EndpointURL: s.URL})
	if err == nil || !strings.Contains(err.Error(), "greengrass.provisioning_template") || !strings.Contains(err.Error(), "greengrass.thing_group") {
		t.Errorf("names: %v", err)
	}
	if n := len(s.Calls()); n != 0 {
		t.Errorf("calls made: %v", s.Calls())
	}
}

func TestNameTakenBetweenPlanAndApply(t *testing.T) {
	for _, ours := range []bool{true, false} {
		s := newFake(t)
		p := newProject(t)
		pv := newPV(t, s, p, Options{})
		plan, err := pv.Plan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// A late request of a killed apply (tagged for this project), or someone else.
		tags := []iottypes.Tag{{Key: aws.String(TagManagedBy), Value: aws.String("fleetbake")}, {Key: aws.String(TagProject), Value: aws.String("fb")}}
		if !ours {
			tags = nil
		}
		if _, err := iot.NewFromConfig(s.AWSConfig()).CreatePolicy(context.Background(), &iot.CreatePolicyInput{PolicyName: aws.String("fb-ClaimPolicy"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}`), Tags: tags}); err != nil {
			t.Fatal(err)
		}
		_, err = pv.Apply(context.Background(), plan, nil)
		if ours {
			if err != nil {
				t.Fatalf("late tagged create: %v", err)
			}
			if plan2, _ := pv.Plan(context.Background()); plan2.Changes() != 0 {
				t.Errorf("not converged: %+v", plan2.Items)
			}
		} else if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "fb-ClaimPolicy") {
			t.Errorf("someone else's late create: %v", err)
		}
	}
}

func TestEndpointFromEnvironment(t *testing.T) {
	s := newFake(t)
	t.Setenv("AWS_ENDPOINT_URL", s.URL)
	pv, err := New(context.Background(), newProject(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pv.Plan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.Calls()["sts:GetCallerIdentity"] != 1 {
		t.Errorf("AWS_ENDPOINT_URL not honoured: %v", s.Calls())
	}
}

// ssoProfile writes an SSO profile whose cached token has expired (as after
// a working day) into a fresh HOME and AWS_CONFIG_FILE.
func ssoProfile(t *testing.T, legacy bool) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	cfg := filepath.Join(home, "config")
	t.Setenv("AWS_CONFIG_FILE", cfg)
	const startURL = "https://fleetbake-test.awsapps.com/start"
	var conf, cacheKey string
	if legacy {
		conf = "[profile dev]\nsso_start_url = " + startURL + "\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n"
		cacheKey = startURL
	} else {
		conf = "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n\n" +
			"[sso-session corp]\nsso_start_url = " + startURL + "\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
		cacheKey = "corp"
	}
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum([]byte(cacheKey))
	cache := filepath.Join(home, ".aws", "sso", "cache")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	token := `{"accessToken":"expired-token","expiresAt":"` + time.Now().Add(-time.Hour).UTC().Format(time.RFC3339) + `","region":"us-east-1","startUrl":"` + startURL + `"}`
	if err := os.WriteFile(filepath.Join(cache, hex.EncodeToString(sum[:])+".json"), []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestExpiredSSOSessionSaysToLogIn(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		t.Run(fmt.Sprintf("legacy=%v", legacy), func(t *testing.T) {
			s := newFake(t)
			ssoProfile(t, legacy)
			pv, err := New(context.Background(), newProject(t), Options{Profile: "dev", EndpointURL: s.URL})
			if err != nil {
				t.Fatal(err)
			}
			_, err = pv.Plan(context.Background())
			if err == nil || !strings.Contains(err.Error(), "aws sso login --profile dev") || strings.Count(err.Error(), "aws sso login") != 1 {
				t.Errorf("expired SSO session: %v", err)
			}
			if n := len(s.Calls()); n != 0 {
				t.Errorf("calls reached AWS without credentials: %v", s.Calls())
			}
		})
	}
}

func TestNoRegionSaysWhereToSetIt(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	p.Greengrass.Region = ""
	_, err := New(context.Background(), p, Options{EndpointURL: s.URL})
	if err == nil || !strings.Contains(err.Error(), "--region") || !strings.Contains(err.Error(), "greengrass.region") {
		t.Errorf("no region: %v", err)
	}
	// A well-formed region that does not exist.
	_, err = New(context.Background(), p, Options{Region: "eu-north-9", EndpointURL: s.URL})
	if err == nil || !strings.Contains(err.Error(), "eu-north-9") || !strings.Contains(err.Error(), "--region") {
		t.Errorf("unknown region: %v", err)
	}
	// The region of the profile counts when neither the flag nor the project sets one.
	home := t.TempDir()
	cfg := filepath.Join(home, "config")
	os.WriteFile(cfg, []byte("[profile eu]\nregion = eu-west-1\n"), 0o600)
	t.Setenv("AWS_CONFIG_FILE", cfg)
	pv, err := New(context.Background(), p, Options{Profile: "eu", EndpointURL: s.URL})
	if err != nil || pv.Region() != "eu-west-1" {
		t.Errorf("profile region: %v %v", err, pv)
	}
}

func TestAccessDeniedOnIAMNamesActionAndResource(t *testing.T) {
	for _, tc := range []struct{ action, resource, want string }{
		{"iam:CreateRole", "arn:aws:iam::*:role/fb-prov-role", "role/fb-prov-role"},
		{"iam:AttachRolePolicy", "*", ":role/fb-"},
		{"iot:CreatePolicy", "*", ":policy/fb-"},
	} {
		t.Run(tc.action, func(t *testing.T) {
			s := newFake(t)
			s.Deny(tc.action, tc.resource)
			_, err := newPV(t, s, newProject(t), Options{}).Apply(context.Background(), nil, nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err %T %v", err, err)
			}
			if !strings.Contains(err.Error(), "what to do") || !strings.Contains(e.Hint, tc.action) || !strings.Contains(e.Hint, tc.want) {
				t.Errorf("error does not name %s on %s: %v", tc.action, tc.want, err)
			}
			if strings.Contains(err.Error(), "context canceled") {
				t.Errorf("the steps stopped by the refusal clutter the error: %v", err)
			}
		})
	}
}

// Without credentials the message starts with what to do; the SDK's
// provider chain (the EC2 metadata service and all) comes after it.
func TestNoCredentialsSaysWhatToDoFirst(t *testing.T) {
	s := newFake(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	_, err := newPV(t, s, newProject(t), Options{}).Plan(context.Background())
	if err == nil {
		t.Fatal("no error without credentials")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "no AWS credentials found: run `aws configure`") || !strings.Contains(msg, "AWS_PROFILE") {
		t.Errorf("the message does not start with what to do:\n%s", msg)
	}
	if i := strings.Index(msg, "get AWS credentials"); i < strings.Index(msg, "aws configure") {
		t.Errorf("the SDK's detail is missing or before the fix:\n%s", msg)
	}
}
