package awsfake

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// AWSConfig returns a config for the real SDK clients aimed at this server: static credentials,
// region us-east-1 (the server's default), BaseEndpoint = URL for every service. Its retryer is the SDK's
// standard retryer (same retryable and throttle checks, same attempts) with backoff shortened to at most
// 20 ms, so that tests with injected faults run fast.
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       s.region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		BaseEndpoint: aws.String(s.URL),
		Retryer:      func() aws.Retryer { return FastRetryer() },
	}
}

// FastRetryer is retry.NewStandard with a backoff of at most 20 ms: use it in tests that inject faults.
func FastRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(attempt int, _ error) (time.Duration, error) {
			return time.Duration(min(attempt, 4)) * 5 * time.Millisecond, nil
		})
	})
}

// Env returns environment variables that point config.LoadDefaultConfig (and the aws CLI) at this
// server: static credentials, region, AWS_ENDPOINT_URL, and no IMDS lookup.
func (s *Server) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + SecretAccessKey,
		"AWS_REGION=" + s.region,
		"AWS_ENDPOINT_URL=" + s.URL,
		"AWS_EC2_METADATA_DISABLED=true",
	}
}
