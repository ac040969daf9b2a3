package awsfake

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

func makeCSR(t *testing.T, key any) string {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "claim"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

// parseAndVerify checks that a certificate PEM chains to the fake CA and carries pub.
func parseAndVerify(t *testing.T, s *Server, certPEM string, pub any) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil {
		t.Fatalf("no PEM in %q", certPEM)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(s.CACertPEM())) {
		t.Fatal("CA PEM not parsed")
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatalf("certificate does not chain to the fake CA: %v", err)
	}
	if k, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(pub) {
		t.Fatal("certificate public key is not the requested one")
	}
	return cert
}

func TestCertificateFromCSR(t *testing.T) {
	c := newClients(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.iot.CreateCertificateFromCsr(c.ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String(makeCSR(t, key)), SetAsActive: true})
	if err != nil {
		t.Fatal(err)
	}
	cert := parseAndVerify(t, c.s, aws.ToString(out.CertificatePem), &key.PublicKey)
	sum := sha256.Sum256(cert.Raw)
	id := aws.ToString(out.CertificateId)
	if id != hex.EncodeToString(sum[:]) {
		t.Errorf("certificate ID %s is not the SHA-256 of the DER", id)
	}
	if aws.ToString(out.CertificateArn) != "arn:aws:iot:us-east-1:123456789012:cert/"+id {
		t.Errorf("arn %s", aws.ToString(out.CertificateArn))
	}
	if cert.NotAfter.Year() != 2049 {
		t.Errorf("not after %v", cert.NotAfter)
	}
	d, err := c.iot.DescribeCertificate(c.ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	cd := d.CertificateDescription
	if cd.Status != iottypes.CertificateStatusActive || aws.ToString(cd.CertificatePem) != aws.ToString(out.CertificatePem) || cd.Validity == nil || cd.Validity.NotAfter.Year() != 2049 {
		t.Errorf("describe %+v", cd)
	}

	// RSA 2048 CSRs work too; short RSA keys, bad signatures and garbage do not.
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	out2, err := c.iot.CreateCertificateFromCsr(c.ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String(makeCSR(t, rsaKey))})
	if err != nil {
		t.Fatal(err)
	}
	parseAndVerify(t, c.s, aws.ToString(out2.CertificatePem), &rsaKey.PublicKey)
	d2, _ := c.iot.DescribeCertificate(c.ctx, &iot.DescribeCertificateInput{CertificateId: out2.CertificateId})
	if d2.CertificateDescription.Status != iottypes.CertificateStatusInactive {
		t.Errorf("setAsActive=false gave %s", d2.CertificateDescription.Status)
	}
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	_, err = c.iot.CreateCertificateFromCsr(c.ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String(makeCSR(t, weak))})
	wantCode(t, err, "InvalidRequestException")
	tampered := []byte(makeCSR(t, key))
	block, _ := pem.Decode(tampered)
	block.Bytes[len(block.Bytes)-5] ^= 0xff
	_, err = c.iot.CreateCertificateFromCsr(c.ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String(string(pem.EncodeToMemory(block)))})
	wantCode(t, err, "InvalidRequestException")
	_, err = c.iot.CreateCertificateFromCsr(c.ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String("not a csr")})
	wantCode(t, err, "InvalidRequestException")

	list, err := c.iot.ListCertificates(c.ctx, &iot.ListCertificatesInput{})
	if err != nil || len(list.Certificates) != 2 {
		t.Fatalf("list %+v %v", list, err)
	}
}

func TestCreateKeysAndCertificate(t *testing.T) {
	c := newClients(t)
	out, err := c.iot.CreateKeysAndCertificate(c.ctx, &iot.CreateKeysAndCertificateInput{SetAsActive: true})
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(aws.ToString(out.KeyPair.PrivateKey)))
	if block == nil || block.Type != "RSA PRIVATE KEY" {
		t.Fatalf("private key PEM %v", block)
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil || key.N.BitLen() != 2048 {
		t.Fatalf("key %v bits, %v", key.N.BitLen(), err)
	}
	pubBlock, _ := pem.Decode([]byte(aws.ToString(out.KeyPair.PublicKey)))
	pub, err := x509.ParsePKIXPublicKey(pubBlock.Bytes)
	if err != nil || !key.PublicKey.Equal(pub) {
		t.Fatalf("public key does not match: %v", err)
	}
	parseAndVerify(t, c.s, aws.ToString(out.CertificatePem), &key.PublicKey)
	// The key is handed out once: nothing returns it again.
	d, _ := c.iot.DescribeCertificate(c.ctx, &iot.DescribeCertificateInput{CertificateId: out.CertificateId})
	if d.CertificateDescription.Status != iottypes.CertificateStatusActive {
		t.Errorf("status %s", d.CertificateDescription.Status)
	}
}

func TestCertificateDeleteRules(t *testing.T) {
	c := newClients(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	out, err := c.iot.CreateCertificateFromCsr(c.ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String(makeCSR(t, key)), SetAsActive: true})
	if err != nil {
		t.Fatal(err)
	}
	id, arn := out.CertificateId, out.CertificateArn
	if _, err := c.iot.CreatePolicy(c.ctx, &iot.CreatePolicyInput{PolicyName: aws.String("claim"), PolicyDocument: aws.String(iotDoc)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.iot.AttachPolicy(c.ctx, &iot.AttachPolicyInput{PolicyName: aws.String("claim"), Target: arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.iot.AttachPolicy(c.ctx, &iot.AttachPolicyInput{PolicyName: aws.String("claim"), Target: arn}); err != nil {
		t.Fatalf("second attach: %v", err)
	}
	ap, err := c.iot.ListAttachedPolicies(c.ctx, &iot.ListAttachedPoliciesInput{Target: arn})
	if err != nil || len(ap.Policies) != 1 || aws.ToString(ap.Policies[0].PolicyName) != "claim" {
		t.Fatalf("attached %+v %v", ap, err)
	}
	tp, err := c.iot.ListTargetsForPolicy(c.ctx, &iot.ListTargetsForPolicyInput{PolicyName: aws.String("claim")})
	if err != nil || len(tp.Targets) != 1 || tp.Targets[0] != aws.ToString(arn) {
		t.Fatalf("targets %+v %v", tp, err)
	}
	_, err = c.iot.AttachPolicy(c.ctx, &iot.AttachPolicyInput{PolicyName: aws.String("claim"), Target: aws.String("arn:aws:iot:us-east-1:123456789012:cert/" + hex.EncodeToString(make([]byte, 32)))})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = c.iot.DeletePolicy(c.ctx, &iot.DeletePolicyInput{PolicyName: aws.String("claim")})
	wantCode(t, err, "DeleteConflictException")

	_, err = c.iot.DeleteCertificate(c.ctx, &iot.DeleteCertificateInput{CertificateId: id})
	var cse *iottypes.CertificateStateException
	if !errors.As(err, &cse) {
		t.Fatalf("want CertificateStateException for an ACTIVE cert, got %v", err)
	}
	if _, err := c.iot.UpdateCertificate(c.ctx, &iot.UpdateCertificateInput{CertificateId: id, NewStatus: iottypes.CertificateStatusInactive}); err != nil {
		t.Fatal(err)
	}
	_, err = c.iot.DeleteCertificate(c.ctx, &iot.DeleteCertificateInput{CertificateId: id})
	var dce *iottypes.DeleteConflictException
	if !errors.As(err, &dce) {
		t.Fatalf("want DeleteConflictException while a policy is attached, got %v", err)
	}
	if _, err := c.iot.DetachPolicy(c.ctx, &iot.DetachPolicyInput{PolicyName: aws.String("claim"), Target: arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.iot.DeleteCertificate(c.ctx, &iot.DeleteCertificateInput{CertificateId: id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.iot.DescribeCertificate(c.ctx, &iot.DescribeCertificateInput{CertificateId: id})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = c.iot.DescribeCertificate(c.ctx, &iot.DescribeCertificateInput{CertificateId: aws.String("short")})
	wantCode(t, err, "InvalidRequestException")
	if _, err := c.iot.DeletePolicy(c.ctx, &iot.DeletePolicyInput{PolicyName: aws.String("claim")}); err != nil {
		t.Fatal(err)
	}
	if r := c.s.Resources(); r.Total() != 0 {
		t.Errorf("left behind: %v", r)
	}

	// forceDelete removes an inactive certificate with policies attached.
	out, _ = c.iot.CreateCertificateFromCsr(c.ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String(makeCSR(t, key))})
	c.s.CreateIoTPolicyDirect("p2", iotDoc)
	if _, err := c.iot.AttachPolicy(c.ctx, &iot.AttachPolicyInput{PolicyName: aws.String("p2"), Target: out.CertificateArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.iot.DeleteCertificate(c.ctx, &iot.DeleteCertificateInput{CertificateId: out.CertificateId, ForceDelete: true}); err != nil {
		t.Fatal(err)
	}
	if r := c.s.Resources(); len(r[KindPolicyAttachment]) != 0 || len(r[KindCertificate]) != 0 {
		t.Errorf("forceDelete left %v", r)
	}

}
