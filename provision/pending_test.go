package provision

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"

	"fleetbake/internal/awsfake"
)

// foreignCert makes an inactive certificate without any policy, as someone
// else in the account would, and returns its ID.
func foreignCert(t *testing.T, s *awsfake.Server, awsKey bool) string {
	t.Helper()
	c := iot.NewFromConfig(s.AWSConfig())
	if awsKey {
		out, err := c.CreateKeysAndCertificate(context.Background(), &iot.CreateKeysAndCertificateInput{SetAsActive: false})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.CertificateId)
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, k)
	if err != nil {
		t.Fatal(err)
	}
	csr := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	out, err := c.CreateCertificateFromCsr(context.Background(), &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String(csr), SetAsActive: false})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.CertificateId)
}

func certExists(t *testing.T, s *awsfake.Server, id string) bool {
	t.Helper()
	_, err := iot.NewFromConfig(s.AWSConfig()).DescribeCertificate(context.Background(), &iot.DescribeCertificateInput{CertificateId: aws.String(id)})
	if isNotFound(err) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

func pendingOf(pv *Provisioner, account string) *pendingCert {
	var p *pendingCert
	pv.state.view(account, pv.region, func(t *targetState) { p = t.Pending })
	return p
}

// TestRefusedCertRequestLeavesNoPending: a certificate request AWS refused
// (AccessDenied: nothing was made) must not leave a pending record whose
// recovery sweep deletes someone else's certificate on the next apply.
func TestRefusedCertRequestLeavesNoPending(t *testing.T) {
	for _, awsKey := range []bool{true, false} {
		t.Run(map[bool]string{true: "awskey", false: "csr"}[awsKey], func(t *testing.T) {
			s := newFake(t)
			p := newProject(t)
			opts := Options{AWSGeneratedKey: awsKey}
			s.Deny("iot:CreateKeysAndCertificate", "*")
			s.Deny("iot:CreateCertificateFromCsr", "*")
			pv := newPV(t, s, p, opts)
			if _, err := pv.Apply(context.Background(), nil, nil); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
				t.Fatalf("apply with the certificate call denied: %v", err)
			}
			id, _ := pv.Identity(context.Background())
			if pend := pendingOf(pv, id.Account); pend != nil {
				t.Errorf("refused request left a pending record %+v", pend)
			}
			s.ClearDenies()
			foreign := foreignCert(t, s, awsKey)
			mustApply(t, newPV(t, s, p, opts))
			if !certExists(t, s, foreign) {
				t.Fatalf("apply deleted certificate %s it did not create", foreign)
			}
		})
	}
}

// TestSweepStopsAtTheEndOfTheRequest: every attempt of CreateKeysAndCertificate
// acts but loses its answer, so apply gives up with certificates whose key is
// lost. The next apply deletes those, but not a certificate someone else made
// after the request ended.
func TestSweepStopsAtTheEndOfTheRequest(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	opts := Options{AWSGeneratedKey: true}
	s.LoseAnswer("iot:CreateKeysAndCertificate", 1000)
	if _, err := newPV(t, s, p, opts).Apply(context.Background(), nil, nil); err == nil {
		t.Fatal("apply with every answer lost succeeded")
	}
	s.LoseAnswer("iot:CreateKeysAndCertificate", 0)
	time.Sleep(2100 * time.Millisecond) // past the request's end, as AWS's clock (Date, whole seconds) tells it
	foreign := foreignCert(t, s, true)
	mustApply(t, newPV(t, s, p, opts))
	if !certExists(t, s, foreign) {
		t.Fatalf("apply deleted certificate %s made after its request ended", foreign)
	}
	if got := len(s.Resources()[awsfake.KindCertificate]); got != 2 {
		t.Errorf("certificates left: %d, want the claim certificate and the foreign one", got)
	}
}

// TestAmbiguousCandidatesAreReported: while a request whose answers are lost
// runs, someone else makes inactive certificates. More candidates than the
// request's attempts could have made: none is deleted, all are reported.
func TestAmbiguousCandidatesAreReported(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	opts := Options{AWSGeneratedKey: true}
	s.LoseAnswer("iot:CreateKeysAndCertificate", 1000)
	var foreign []string
	s.OnCall(func(op string) {
		if op == "iot:CreateKeysAndCertificate" && foreign == nil {
			foreign = []string{foreignCert(t, s, false), foreignCert(t, s, false)}
		}
	})
	if _, err := newPV(t, s, p, opts).Apply(context.Background(), nil, nil); err == nil {
		t.Fatal("apply with every answer lost succeeded")
	}
	s.OnCall(nil)
	s.LoseAnswer("iot:CreateKeysAndCertificate", 0)
	res := mustApply(t, newPV(t, s, p, opts))
	for _, id := range foreign {
		if !certExists(t, s, id) {
			t.Errorf("apply deleted certificate %s it cannot tie to its request", id)
		}
		if !strings.Contains(strings.Join(res.Warnings, "\n"), id) {
			t.Errorf("certificate %s not reported: %q", id, res.Warnings)
		}
	}
}
