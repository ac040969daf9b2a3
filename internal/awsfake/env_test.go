package awsfake

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestEnvWithLoadDefaultConfig drives the server the way fleetbake does: config.LoadDefaultConfig from
// the environment, with AWS_ENDPOINT_URL sending every service to the fake.
func TestEnvWithLoadDefaultConfig(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	cfg, err := config.LoadDefaultConfig(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != DefaultAccount {
		t.Fatalf("sts %v %v", id, err)
	}
	if _, err := iam.NewFromConfig(cfg).GetPolicy(t.Context(), &iam.GetPolicyInput{PolicyArn: aws.String(ThingsRegistrationPolicyARN)}); err != nil {
		t.Fatal(err)
	}
	ep, err := iot.NewFromConfig(cfg).DescribeEndpoint(t.Context(), &iot.DescribeEndpointInput{EndpointType: aws.String("iot:CredentialProvider")})
	if err != nil || aws.ToString(ep.EndpointAddress) != "c1x2y3.credentials.iot.us-east-1.amazonaws.com" {
		t.Fatalf("iot %v %v", ep, err)
	}
	if n := s.Calls(); n["sts:GetCallerIdentity"] != 1 || n["iam:GetPolicy"] != 1 || n["iot:DescribeEndpoint"] != 1 {
		t.Errorf("calls %v", n)
	}
}
