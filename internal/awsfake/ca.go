package awsfake

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"time"
)

// fakeCA issues the device certificates; its own certificate stands in for AWS's private issuer.
type fakeCA struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
	pem  string
}

// certNotAfter is the expiry AWS IoT gives the certificates it issues.
var certNotAfter = time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC)

func newFakeCA() (*fakeCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject: pkix.Name{OrganizationalUnit: []string{"Amazon Web Services"}, Organization: []string{"Amazon.com Inc."},
			Locality: []string{"Seattle"}, Province: []string{"Washington"}, Country: []string{"US"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              certNotAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &fakeCA{key: key, cert: cert, pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}, nil
}

// issue signs a device certificate for pub the way AWS IoT does (CN "AWS IoT Certificate", client auth,
// valid until 2049) and returns it with its PEM and certificate ID (hex SHA-256 of the DER).
func (ca *fakeCA) issue(pub crypto.PublicKey, now time.Time) (*x509.Certificate, string, string, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, "", "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "AWS IoT Certificate"},
		NotBefore:    now.Truncate(time.Second),
		NotAfter:     certNotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		return nil, "", "", err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, "", "", err
	}
	sum := sha256.Sum256(der)
	return cert, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), hex.EncodeToString(sum[:]), nil
}

// CACertPEM returns the PEM of the fake issuer of every device certificate, for verifying chains.
func (s *Server) CACertPEM() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ca, err := s.caLocked()
	if err != nil {
		return ""
	}
	return ca.pem
}

func (s *Server) caLocked() (*fakeCA, error) {
	if s.st.ca == nil {
		ca, err := newFakeCA()
		if err != nil {
			return nil, err
		}
		s.st.ca = ca
	}
	return s.st.ca, nil
}
