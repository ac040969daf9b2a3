package provision

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iotypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// ensureClaimCert makes, recovers, reactivates or rewrites the claim
// certificate as the plan says.
func (a *applier) ensureClaimCert(ctx context.Context, ob *obs) error {
	pv := a.pv
	if len(ob.forget) > 0 {
		if err := pv.state.update(a.o.id.Account, a.o.region, func(t *targetState) {
			for _, id := range ob.forget {
				t.dropCert(id)
			}
		}); err != nil {
			return err
		}
	}
	if ob.has(fixRecover) {
		c, err := pv.recoverPending(ctx, a.o.id)
		if err != nil {
			return err
		}
		if c != nil && c.Role == roleCurrent {
			a.setNew(c)
			return nil
		}
		if c != nil && c.Role == roleNext && !pv.rotating {
			if err := a.settleNext(ctx, c); err != nil {
				return err
			}
		}
	}
	if ob.promote != nil {
		// Finish an interrupted rotation: the key on disk is the next certificate's.
		c := *ob.promote
		c.Role = roleCurrent
		if err := pv.recordCert(a.o.id, &c); err != nil {
			return err
		}
		a.setNew(&c)
		return pv.writeCertFile(ctx, c.ID, "")
	}
	if ob.has(fixCreate) || ob.has(fixNewCert) {
		c, err := pv.createClaimCert(ctx, a.o.id, pv.files.key, roleCurrent, ob.retire)
		if err != nil {
			return err
		}
		a.setNew(c)
		a.count(true)
		return nil
	}
	if ob.has(fixActivate) {
		if _, err := pv.iot.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(ob.item.Name), NewStatus: iotypes.CertificateStatusActive}); err != nil {
			return wrapErr("iot:UpdateCertificate", ob.item.Name, err)
		}
		a.count(false)
	}
	if ob.has(fixAttach) {
		a.mu.Lock()
		a.attachClaim = true
		a.mu.Unlock()
	}
	if ob.has(fixCertFile) {
		return pv.writeCertFile(ctx, ob.item.Name, ob.certPEM)
	}
	return nil
}

func (a *applier) setNew(c *stateCert) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.newCert = c
	a.attachClaim = true
	a.o.mu.Lock()
	if ob := a.o.items[KindClaimCertificate]; ob != nil {
		ob.item.Name, ob.item.ARN = c.ID, c.ARN
	}
	a.o.mu.Unlock()
}

// attachClaimPolicy attaches the claim policy to a new claim certificate
// (AttachPolicy is idempotent, so a re-run after a kill is harmless).
func (a *applier) attachClaimPolicy(ctx context.Context, ob *obs) error {
	a.mu.Lock()
	c, need := a.newCert, a.attachClaim
	a.mu.Unlock()
	if !need {
		return nil
	}
	target := ob.item.ARN
	if c != nil {
		target = c.ARN
	}
	if _, err := a.pv.iot.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String(a.pv.names.ClaimPolicy), Target: aws.String(target)}); err != nil {
		return wrapErr("iot:AttachPolicy", a.pv.names.ClaimPolicy+" -> "+target, err)
	}
	return nil
}

// retireOld deactivates the claim certificate a new one replaced.
func (a *applier) retireOld(ctx context.Context, ob *obs) error {
	ids := append([]string(nil), ob.deactivate...)
	if ob.retire != nil {
		ids = append(ids, ob.retire.ID)
	}
	for _, id := range ids {
		if err := a.pv.retireCert(ctx, a.o.id, id); err != nil {
			return err
		}
	}
	return removeLeftoverFiles(ob.removeFiles)
}

func (pv *Provisioner) retireCert(ctx context.Context, id Identity, certID string) error {
	_, err := pv.iot.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(certID), NewStatus: iotypes.CertificateStatusInactive})
	if err != nil && !isNotFound(err) {
		return wrapErr("iot:UpdateCertificate", certID, err)
	}
	return pv.state.update(id.Account, pv.region, func(t *targetState) {
		for _, c := range t.Certs {
			if c.ID == certID {
				c.Role = roleRetired
			}
		}
	})
}

// createClaimCert makes a claim certificate for the key at keyPath: a CSR
// from the key on disk (made now if there is none), or, with
// AWSGeneratedKey and no key on disk, CreateKeysAndCertificate. The intent
// is written to the state file before the call, so a run killed before the
// answer is recorded finds the certificate again (recoverPending).
func (pv *Provisioner) createClaimCert(ctx context.Context, id Identity, keyPath, role string, replaces *stateCert) (*stateCert, error) {
	if err := pv.files.ensureDir(); err != nil {
		return nil, err
	}
	keyID, err := keyFileID(keyPath)
	if err != nil {
		return nil, err
	}
	if keyID == "" && !pv.opts.AWSGeneratedKey {
		pemKey, err := pv.takeKey()
		if err != nil {
			return nil, err
		}
		if err := writeKeyOnce(keyPath, pemKey); err != nil {
			return nil, err
		}
		if keyID, err = keyFileID(keyPath); err != nil {
			return nil, err
		}
	}
	started := time.Now().UTC()
	if keyID != "" {
		key, err := loadKey(keyPath)
		if err != nil {
			return nil, err
		}
		csr, err := makeCSR(key)
		if err != nil {
			return nil, err
		}
		if err := pv.state.update(id.Account, pv.region, func(t *targetState) {
			t.Pending = &pendingCert{Started: started, PublicKeySHA256: keyID, Role: role}
		}); err != nil {
			return nil, err
		}
		at := &attempts{}
		out, err := pv.iot.CreateCertificateFromCsr(ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String(csr), SetAsActive: true}, at.option)
		if err != nil {
			return nil, pv.requestFailed(id, at, wrapErr("iot:CreateCertificateFromCsr", "", err))
		}
		if retried(out.ResultMetadata) {
			// An earlier attempt may have made a certificate for this key too.
			w := window{from: started, to: at.end(), acted: at.actedCount()}
			if _, err := pv.sweepCerts(ctx, id, w, keyID, false, aws.ToString(out.CertificateId)); err != nil {
				return nil, err
			}
		}
		c := &stateCert{ID: aws.ToString(out.CertificateId), ARN: aws.ToString(out.CertificateArn), Role: role, Created: started, PublicKey: keyID}
		if err := pv.recordCert(id, c); err != nil {
			return nil, err
		}
		if role == roleCurrent {
			return c, writePublic(pv.files.cert, []byte(aws.ToString(out.CertificatePem)))
		}
		return c, nil
	}
	// AWS makes the key; it comes back once. The certificate is created
	// inactive and only activated once key and state are on disk, so an
	// interrupted run leaves nothing usable behind.
	if err := pv.state.update(id.Account, pv.region, func(t *targetState) {
		t.Pending = &pendingCert{Started: started, AWSGeneratedKey: true, Role: role}
	}); err != nil {
		return nil, err
	}
	at := &attempts{}
	out, err := pv.iot.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{SetAsActive: false}, at.option)
	if err != nil {
		return nil, pv.requestFailed(id, at, wrapErr("iot:CreateKeysAndCertificate", "", err))
	}
	certID := aws.ToString(out.CertificateId)
	if out.KeyPair == nil || aws.ToString(out.KeyPair.PrivateKey) == "" {
		return nil, fmt.Errorf("iot:CreateKeysAndCertificate returned no private key for certificate %s", certID)
	}
	if err := writeKeyOnce(keyPath, []byte(aws.ToString(out.KeyPair.PrivateKey))); err != nil {
		// The key is lost with this process: the certificate is useless, remove it.
		pv.iot.DeleteCertificate(context.WithoutCancel(ctx), &iot.DeleteCertificateInput{CertificateId: aws.String(certID)})
		return nil, err
	}
	if keyID, err = keyFileID(keyPath); err != nil {
		return nil, err
	}
	if retried(out.ResultMetadata) {
		// An earlier attempt made a certificate whose key never arrived.
		w := window{from: started, to: at.end(), acted: at.actedCount()}
		if _, err := pv.sweepCerts(ctx, id, w, keyID, true, certID); err != nil {
			return nil, err
		}
	}
	c := &stateCert{ID: certID, ARN: aws.ToString(out.CertificateArn), Role: role, Created: started, PublicKey: keyID}
	if err := pv.recordCert(id, c); err != nil {
		return nil, err
	}
	if role == roleCurrent {
		if err := writePublic(pv.files.cert, []byte(aws.ToString(out.CertificatePem))); err != nil {
			return nil, err
		}
	}
	if _, err := pv.iot.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(certID), NewStatus: iotypes.CertificateStatusActive}); err != nil {
		return nil, wrapErr("iot:UpdateCertificate", certID, err)
	}
	return c, nil
}

// requestFailed settles the pending record of a certificate request that
// returned err. When AWS refused every attempt, nothing was made: the record
// goes, so no later apply sweeps for a certificate that never existed. When
// an attempt may have been carried out (5xx, lost connection, cancel), the
// record stays with the end of the request and how many attempts may have
// made a certificate, which bound what recoverPending may delete.
func (pv *Provisioner) requestFailed(id Identity, at *attempts, err error) error {
	acted, end := at.actedCount(), at.end()
	if serr := pv.state.update(id.Account, pv.region, func(t *targetState) {
		if t.Pending == nil {
			return
		}
		if acted == 0 {
			t.Pending = nil
			return
		}
		t.Pending.Ended, t.Pending.Attempts = end, acted
	}); serr != nil {
		return fmt.Errorf("%w (and %v)", err, serr)
	}
	return err
}

// recordCert stores a certificate and clears the pending intent in one write.
func (pv *Provisioner) recordCert(id Identity, c *stateCert) error {
	return pv.state.update(id.Account, pv.region, func(t *targetState) {
		t.dropCert(c.ID)
		if c.Role == roleCurrent {
			for _, old := range t.Certs {
				if old.Role == roleCurrent {
					old.Role = roleRetired // deactivated by the caller's retire step
				}
			}
		}
		cp := *c
		t.Certs = append(t.Certs, &cp)
		t.Pending = nil
	})
}

// writeCertFile writes the certificate PEM (fetched when not given).
func (pv *Provisioner) writeCertFile(ctx context.Context, certID, certPEM string) error {
	if certPEM == "" {
		out, err := pv.iot.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(certID)})
		if err != nil {
			return wrapErr("iot:DescribeCertificate", certID, err)
		}
		certPEM = aws.ToString(out.CertificateDescription.CertificatePem)
	}
	if err := pv.files.ensureDir(); err != nil {
		return err
	}
	return writePublic(pv.files.cert, []byte(certPEM))
}

// nextSuffix names the key of a rotation under way, next to the current key.
const nextSuffix = ".next"

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
