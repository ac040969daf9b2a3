package provision

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iotypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// checkClaimCert compares the recorded claim certificate with AWS and the
// files on disk.
func (pv *Provisioner) checkClaimCert(ctx context.Context) (*obs, error) {
	ob := &obs{item: Item{Name: ClaimCertFile}}
	var cur *stateCert
	var pending *pendingCert
	var next *stateCert
	var retired []stateCert
	pv.state.view(pv.identity.Account, pv.region, func(t *targetState) {
		for _, c := range t.Certs {
			if c.Role == roleRetired {
				retired = append(retired, *c)
			}
		}
		if c := t.cert(roleCurrent); c != nil {
			cp := *c
			cur = &cp
		}
		if c := t.cert(roleNext); c != nil {
			cp := *c
			next = &cp
		}
		if t.Pending != nil {
			cp := *t.Pending
			pending = &cp
		}
	})
	keyID, keyErr := keyFileID(pv.files.key)
	if keyErr != nil {
		return nil, keyErr
	}
	if pending != nil && pending.Role == roleNext && !pv.rotating {
		ob.note(fixRecover, fmt.Sprintf("an interrupted rotate-claim was making a certificate (request started %s): the certificate it made is found and deactivated (destroy deletes it), and %s removed", pending.Started.Format("2006-01-02 15:04:05"), pv.files.key+nextSuffix))
	} else if pending != nil {
		ob.note(fixRecover, fmt.Sprintf("a certificate request started %s was interrupted: the certificate it made is found and kept or deleted", pending.Started.Format("2006-01-02 15:04:05")))
	}
	// A retired claim certificate must stay inactive (a run killed between
	// recording the new one and deactivating the old one leaves it active).
	for _, c := range retired {
		out, err := pv.iot.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(c.ID)})
		if isNotFound(err) {
			ob.forget = append(ob.forget, c.ID)
			continue
		}
		if err != nil {
			return nil, wrapErr("iot:DescribeCertificate", c.ID, err)
		}
		if out.CertificateDescription.Status == iotypes.CertificateStatusActive {
			ob.deactivate = append(ob.deactivate, c.ID)
			ob.note(fixRetireCert, fmt.Sprintf("retired claim certificate %s is still active: will be deactivated", short(c.ID)))
		}
	}
	pv.checkLeftovers(ob, cur, next, pending, keyID)
	// A rotation killed after the key files were swapped: the key on disk
	// belongs to the next certificate; finish the rotation.
	if next != nil && keyID != "" && keyID == next.PublicKey && (cur == nil || cur.PublicKey != keyID) {
		ob.item.Name, ob.item.ARN = next.ID, next.ARN
		ob.retire = cur
		ob.promote = next
		ob.note(fixNewCert, fmt.Sprintf("an interrupted rotate-claim is finished: %s becomes the claim certificate", short(next.ID)))
		return ob, nil
	}
	if cur == nil {
		ob.note(fixCreate, "")
		if keyID != "" {
			ob.item.Detail = "a certificate for the existing key " + pv.files.key + " (CreateCertificateFromCsr)"
		} else if pv.opts.AWSGeneratedKey {
			ob.item.Detail = "key made by AWS (CreateKeysAndCertificate), saved to " + pv.files.key
		} else {
			ob.item.Detail = "key made here (RSA 2048), only a CSR is sent (CreateCertificateFromCsr); key saved 0600 to " + pv.files.key
		}
		return ob, nil
	}
	ob.item.Name = cur.ID
	ob.item.ARN = cur.ARN
	if keyID != cur.PublicKey {
		what := "is missing"
		if keyID != "" {
			what = "does not match it"
		}
		ob.retire = cur
		ob.note(fixNewCert, fmt.Sprintf("the claim key %s %s: a new claim certificate replaces %s, which is deactivated", pv.files.key, what, short(cur.ID)))
		return ob, nil
	}
	out, err := pv.iot.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(cur.ID)})
	if isNotFound(err) {
		ob.forget = append(ob.forget, cur.ID)
		ob.note(fixCreate, fmt.Sprintf("recorded certificate %s is gone from AWS: a new one will be made", short(cur.ID)))
		return ob, nil
	}
	if err != nil {
		return nil, wrapErr("iot:DescribeCertificate", cur.ID, err)
	}
	desc := out.CertificateDescription
	certPEM := aws.ToString(desc.CertificatePem)
	ob.certPEM = certPEM
	if desc.Status != iotypes.CertificateStatusActive {
		ob.note(fixActivate, fmt.Sprintf("certificate is %s: will be activated", desc.Status))
	}
	pols, err := pv.iot.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: aws.String(cur.ARN)})
	if err != nil {
		return nil, wrapErr("iot:ListAttachedPolicies", cur.ARN, err)
	}
	attached := false
	for _, p := range pols.Policies {
		if aws.ToString(p.PolicyName) == pv.names.ClaimPolicy {
			attached = true
		}
	}
	if !attached {
		ob.note(fixAttach, "claim policy "+pv.names.ClaimPolicy+" will be attached")
	}
	if onDisk, err := os.ReadFile(pv.files.cert); err != nil || string(onDisk) != certPEM {
		ob.note(fixCertFile, pv.files.cert+" will be written")
	}
	return ob, nil
}

func (pv *Provisioner) checkRootCA() *obs {
	ob := &obs{item: Item{Name: RootCAFile, Detail: "Amazon Root CA 1 -> " + pv.files.root}}
	if b, err := os.ReadFile(pv.files.root); err != nil || string(b) != string(AmazonRootCA1()) {
		ob.fixes = append(ob.fixes, fixWriteFile)
		if err != nil {
			ob.fixes = append(ob.fixes, fixCreate)
		}
	}
	return ob
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
