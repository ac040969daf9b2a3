package awsfake

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"strings"
)

// addCert records a new certificate for pub; caller holds the lock.
func (c *call) addCert(pub any, active bool) (*certificate, *apiError) {
	ca, err := c.s.caLocked()
	if err != nil {
		return nil, errf(500, "InternalFailureException", "CA: %v", err)
	}
	x, p, id, err := ca.issue(pub, c.now)
	if err != nil {
		return nil, errf(500, "InternalFailureException", "issue certificate: %v", err)
	}
	status := "INACTIVE"
	if active {
		status = "ACTIVE"
	}
	cert := &certificate{id: id, arn: c.iotARN("cert/" + id), pem: p, status: status, created: c.now, modified: c.now, cert: x, customerVersion: 1}
	c.s.st.certs[id] = cert
	return cert, nil
}

func iotCreateKeysAndCertificate(c *call) (any, *apiError) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, errf(500, "InternalFailureException", "generate key: %v", err)
	}
	cert, e := c.addCert(&key.PublicKey, queryBool(c, "setAsActive"))
	if e != nil {
		return nil, e
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	return map[string]any{
		"certificateArn": cert.arn, "certificateId": cert.id, "certificatePem": cert.pem,
		"keyPair": map[string]any{
			"PublicKey":  string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})),
			"PrivateKey": string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		},
	}, nil
}

func iotCreateCertificateFromCsr(c *call) (any, *apiError) {
	var in struct {
		CSR *string `json:"certificateSigningRequest"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.CSR == nil || *in.CSR == "" {
		return nil, iotInvalid("1 validation error detected: Value null at 'certificateSigningRequest' failed to satisfy constraint: Member must not be null")
	}
	block, _ := pem.Decode([]byte(*in.CSR))
	if block == nil || block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST" {
		return nil, iotInvalid("The certificate signing request is not a PEM encoded CERTIFICATE REQUEST")
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, iotInvalid("The certificate signing request could not be parsed: %v", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, iotInvalid("The certificate signing request signature is not valid: %v", err)
	}
	switch k := csr.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, iotInvalid("The certificate signing request key is too short: RSA keys must be at least 2048 bits, got %d", k.N.BitLen())
		}
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return nil, iotInvalid("The certificate signing request key uses an unsupported curve %s; use P-256 or P-384", k.Curve.Params().Name)
		}
	default:
		return nil, iotInvalid("The certificate signing request key type %T is not supported; use RSA 2048 or ECDSA P-256/P-384", csr.PublicKey)
	}
	cert, e := c.addCert(csr.PublicKey, queryBool(c, "setAsActive"))
	if e != nil {
		return nil, e
	}
	return map[string]any{"certificateArn": cert.arn, "certificateId": cert.id, "certificatePem": cert.pem}, nil
}

func (c *call) certificate() (*certificate, *apiError) {
	id := c.labels["certificateId"]
	if e := iotCertID.iot(id); e != nil {
		return nil, e
	}
	cert := c.s.st.certs[strings.ToLower(strings.TrimPrefix(id, "0x"))]
	if cert == nil {
		return nil, iotNotFound("The certificate %s does not exist", id)
	}
	return cert, nil
}

func iotDescribeCertificate(c *call) (any, *apiError) {
	cert, e := c.certificate()
	if e != nil {
		return nil, e
	}
	return map[string]any{"certificateDescription": map[string]any{
		"certificateArn": c.iotARN("cert/" + cert.id), "certificateId": cert.id, "status": cert.status,
		"certificatePem": cert.pem, "ownedBy": c.s.account, "creationDate": epoch(cert.created),
		"lastModifiedDate": epoch(cert.modified), "customerVersion": cert.customerVersion,
		"generationId": generationID(cert.id, cert.status), "certificateMode": "DEFAULT",
		"validity": map[string]any{"notBefore": epoch(cert.cert.NotBefore), "notAfter": epoch(cert.cert.NotAfter)},
	}}, nil
}

func iotUpdateCertificate(c *call) (any, *apiError) {
	cert, e := c.certificate()
	if e != nil {
		return nil, e
	}
	status := c.query.Get("newStatus")
	switch status {
	case "ACTIVE", "INACTIVE", "REVOKED":
	case "":
		return nil, iotInvalid("1 validation error detected: Value null at 'newStatus' failed to satisfy constraint: Member must not be null")
	default:
		return nil, iotInvalid("1 validation error detected: Value '%s' at 'newStatus' failed to satisfy constraint: Member must satisfy enum value set: [ACTIVE, INACTIVE, REVOKED]", status)
	}
	if cert.status == "REVOKED" && status != "REVOKED" {
		return nil, errf(406, "CertificateStateException", "Certificate %s is revoked and cannot change status", cert.id)
	}
	if cert.status != status {
		cert.status = status
		cert.modified = c.now
		cert.customerVersion++
	}
	return nil, nil
}

func iotDeleteCertificate(c *call) (any, *apiError) {
	cert, e := c.certificate()
	if e != nil {
		return nil, e
	}
	if cert.status == "ACTIVE" {
		return nil, errf(406, "CertificateStateException", "Certificate must be deactivated (not ACTIVE) before deletion.")
	}
	st := c.s.st
	arn := c.iotARN("cert/" + cert.id)
	attached := st.policiesOf(arn)
	if len(attached) > 0 && !queryBool(c, "forceDelete") {
		return nil, iotDeleteConflict("Certificate policies must be detached before deletion (arn: %s)", arn)
	}
	if things := st.thingsOf(arn); len(things) > 0 {
		// DeleteCertificate API reference: a certificate cannot be deleted while a thing is attached.
		return nil, iotDeleteConflict("Things must be detached before deletion (arn: %s; things: %v)", arn, things)
	}
	for _, p := range attached {
		delete(st.attachments[p], arn)
	}
	delete(st.certs, cert.id)
	return nil, nil
}

func iotListCertificates(c *call) (any, *apiError) {
	certs := make([]*certificate, 0, len(c.s.st.certs))
	for _, cert := range c.s.st.certs {
		certs = append(certs, cert)
	}
	slices.SortFunc(certs, func(a, b *certificate) int {
		if n := a.created.Compare(b.created); n != 0 {
			return n
		}
		return strings.Compare(a.id, b.id)
	})
	if !queryBool(c, "isAscendingOrder") { // AWS lists newest first unless asked
		slices.Reverse(certs)
	}
	items, next, e := page(certs, c.query.Get("marker"), queryInt(c, "pageSize"))
	if e != nil {
		return nil, e
	}
	out := []map[string]any{}
	for _, cert := range items {
		out = append(out, map[string]any{"certificateArn": c.iotARN("cert/" + cert.id), "certificateId": cert.id,
			"status": cert.status, "creationDate": epoch(cert.created), "certificateMode": "DEFAULT"})
	}
	return listAnswer("certificates", out, "nextMarker", next), nil
}
