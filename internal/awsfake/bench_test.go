package awsfake

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iot"
)

// BenchmarkIoTCall measures one real-SDK IoT round trip through the fake: its overhead is part of every
// wall time the provision benchmark measures against injected latency.
func BenchmarkIoTCall(b *testing.B) {
	s := New(Options{})
	defer s.Close()
	c := iot.NewFromConfig(s.AWSConfig())
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.DescribeEndpoint(ctx, &iot.DescribeEndpointInput{EndpointType: aws.String("iot:Data-ATS")}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIAMCall measures one real-SDK IAM (query/XML) round trip.
func BenchmarkIAMCall(b *testing.B) {
	s := New(Options{})
	defer s.Close()
	c := iam.NewFromConfig(s.AWSConfig())
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(ThingsRegistrationPolicyARN)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLatencyParallel checks that injected latency overlaps: 8 concurrent calls with 20 ms each
// should take about 20 ms, not 160 ms. Reports the ratio to one latency.
func BenchmarkLatencyParallel(b *testing.B) {
	s := New(Options{})
	defer s.Close()
	c := iot.NewFromConfig(s.AWSConfig())
	const lat = 20 * time.Millisecond
	s.SetLatency(lat)
	ctx := context.Background()
	var total time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		done := make(chan error, 8)
		for range 8 {
			go func() {
				_, err := c.DescribeEndpoint(ctx, &iot.DescribeEndpointInput{EndpointType: aws.String("iot:Data-ATS")})
				done <- err
			}()
		}
		for range 8 {
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		}
		total += time.Since(start)
		n++
	}
	b.ReportMetric(float64(total)/float64(n)/float64(lat), "x-latency")
}
