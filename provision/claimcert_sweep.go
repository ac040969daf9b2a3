package provision

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iotypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/smithy-go/middleware"
)

// Finding a claim certificate a killed request left in AWS: recoverPending and the sweep of recent certificates.

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
