package provision

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iotypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/smithy-go/middleware"
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

// recoverPending finds the certificate an interrupted request made. With a
// CSR the key is on disk, so the certificate is matched by its public key
// and kept. With an AWS-made key, a certificate matching a key that was
// saved is kept; other inactive certificates made in that window without
// any policy are deleted (their key was lost). Further certificates for the
// same key (a request whose answer was lost and that was sent again) are
// deleted too.
func (pv *Provisioner) recoverPending(ctx context.Context, id Identity) (*stateCert, error) {
	var p *pendingCert
	pv.state.view(id.Account, pv.region, func(t *targetState) {
		if t.Pending != nil {
			cp := *t.Pending
			p = &cp
		}
	})
	if p == nil {
		return nil, nil
	}
	keyPath := pv.files.key
	if p.Role == roleNext {
		keyPath = pv.files.key + nextSuffix
	}
	want := p.PublicKeySHA256
	if want == "" {
		k, err := keyFileID(keyPath)
		if err != nil {
			return nil, err
		}
		want = k
	}
	w := window{from: p.Started, to: p.Ended, acted: p.Attempts}
	if w.to.IsZero() {
		// The run was killed during the request: it ended at the latest now.
		w.to = time.Now().UTC().Add(clockSlack)
	}
	if w.acted == 0 {
		w.acted = 1
	}
	f, err := pv.sweepCerts(ctx, id, w, want, p.AWSGeneratedKey, "")
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, pv.state.update(id.Account, pv.region, func(t *targetState) { t.Pending = nil })
	}
	found := &stateCert{ID: f.id, ARN: f.arn, Role: p.Role, Created: f.created, PublicKey: want}
	if p.Role == roleCurrent {
		if err := writePublic(pv.files.cert, []byte(f.pem)); err != nil {
			return nil, err
		}
	}
	if p.AWSGeneratedKey {
		if _, err := pv.iot.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(found.ID), NewStatus: iotypes.CertificateStatusActive}); err != nil {
			return nil, wrapErr("iot:UpdateCertificate", found.ID, err)
		}
	}
	return found, pv.recordCert(id, found)
}

// foundCert is a certificate sweepCerts kept.
type foundCert struct {
	id, arn, pem string
	created      time.Time
}

// window is when a certificate request ran and how many of its attempts
// may have made a certificate.
type window struct {
	from, to time.Time // to: when the request returned or gave up (AWS's clock)
	acted    int
}

// sweepCerts looks at the certificates made while a certificate request ran
// (from its start, less clockSlack, to its end, never later) that the state
// file does not record. It keeps the certificate keep, or, when keep is "",
// the first one whose public key is want (returned). It deletes the others
// that request made: those with the public key want (the same CSR sent twice
// because an answer was lost) and, for an AWS-made key, inactive ones without
// any policy (made for a key that was lost) -- but only when there are no
// more of those than the request's attempts can have made. Otherwise they
// cannot be told from someone else's: they are kept and reported (warnings).
// Certificates are listed newest first, so the listing stops at the start
// of the window.
func (pv *Provisioner) sweepCerts(ctx context.Context, id Identity, w window, want string, awsKey bool, keep string) (*foundCert, error) {
	recorded := map[string]bool{keep: keep != ""}
	pv.state.view(id.Account, pv.region, func(t *targetState) {
		for _, c := range t.Certs {
			recorded[c.ID] = true
		}
	})
	from, to := w.from.Add(-clockSlack), w.to
	var found *foundCert
	var unknown []string // inactive, no policy, key unknown
	var marker *string
	for done := false; !done; {
		out, err := pv.iot.ListCertificates(ctx, &iot.ListCertificatesInput{Marker: marker, PageSize: aws.Int32(250)})
		if err != nil {
			return nil, wrapErr("iot:ListCertificates", "", err)
		}
		for _, c := range out.Certificates {
			created := aws.ToTime(c.CreationDate)
			if created.Before(from) {
				done = true
				break
			}
			certID := aws.ToString(c.CertificateId)
			if created.After(to) || recorded[certID] {
				continue
			}
			d, err := pv.iot.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(certID)})
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return nil, wrapErr("iot:DescribeCertificate", certID, err)
			}
			certPEM := aws.ToString(d.CertificateDescription.CertificatePem)
			kid, err := certPublicKeyID(certPEM)
			ours := err == nil && want != "" && kid == want
			switch {
			case ours && keep == "" && found == nil:
				found = &foundCert{id: certID, arn: aws.ToString(c.CertificateArn), pem: certPEM, created: created}
			case ours:
				if err := pv.deleteCert(ctx, certID, aws.ToString(c.CertificateArn)); err != nil {
					return nil, err
				}
			case awsKey && c.Status == iotypes.CertificateStatusInactive:
				pols, err := pv.iot.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: c.CertificateArn})
				if err != nil {
					return nil, wrapErr("iot:ListAttachedPolicies", certID, err)
				}
				if len(pols.Policies) == 0 {
					unknown = append(unknown, certID)
				}
			}
		}
		marker = out.NextMarker
		done = done || marker == nil || *marker == ""
	}
	// Attempts that may have made a certificate whose key was lost: all of
	// them but the one whose certificate is kept.
	lost := w.acted
	if keep != "" || found != nil {
		lost--
	}
	if len(unknown) > lost {
		pv.warn(fmt.Sprintf("%d inactive certificate(s) without a policy were made while a claim certificate request of %s ran, more than its %d attempt(s) can have made, so fleetbake cannot tell its own (whose key was lost) from someone else's and deleted none: %s. If they are not anyone else's, delete them (aws iot delete-certificate --certificate-id ID).",
			len(unknown), w.from.Format(time.RFC3339), w.acted, strings.Join(unknown, ", ")))
		return found, nil
	}
	for _, certID := range unknown {
		if _, err := pv.iot.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(certID)}); err != nil && !isNotFound(err) {
			return nil, wrapErr("iot:DeleteCertificate", certID, err)
		}
	}
	return found, nil
}

// retried reports whether the SDK sent a request more than once: an
// earlier attempt may have been carried out although its answer was lost.
func retried(md middleware.Metadata) bool {
	r, ok := retry.GetAttemptResults(md)
	return ok && len(r.Results) > 1
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
