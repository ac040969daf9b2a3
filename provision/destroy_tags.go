package provision

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iotypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// Without the state file (lost, or another machine), destroy knows
// fleetbake's resources by their tags. AWS IoT certificates cannot carry
// tags (CreateCertificateFromCsr and CreateKeysAndCertificate take none:
// https://docs.aws.amazon.com/iot/latest/apireference/API_CreateCertificateFromCsr.html),
// so a claim certificate is recognised through fleetbake's tagged claim
// policy: among the certificates attached to it, those whose certificate
// or key is in the claim folder, and inactive ones attached to nothing
// else (claim certificates a rotation retired). Any other certificate
// attached to the policy is someone else's: it is left, and named.

// ForeignCertError is a certificate fleetbake did not make that holds
// fleetbake's claim policy, so the policy cannot be deleted.
type ForeignCertError struct {
	Policy string
	IDs    []string
}

func (e *ForeignCertError) Error() string {
	return fmt.Sprintf("claim policy %s is attached to certificate %s, which fleetbake did not make (it is not in the claim folder); detach the policy from it (aws iot detach-policy --policy-name %s --target <its ARN>) or delete it, then run destroy again",
		e.Policy, strings.Join(e.IDs, ", "), e.Policy)
}

// untrackedClaimCerts finds the claim certificates not in the state file.
func (d *destroyer) untrackedClaimCerts(ctx context.Context, known map[string]bool) (mine []stateCert, foreign []string, err error) {
	pv := d.pv
	policy := pv.names.ClaimPolicy
	onDisk := pv.claimFolderKeys()
	var marker *string
	for {
		out, err := pv.iot.ListTargetsForPolicy(ctx, &iot.ListTargetsForPolicyInput{PolicyName: aws.String(policy), Marker: marker})
		if isNotFound(err) {
			return mine, foreign, nil
		}
		if err != nil {
			return nil, nil, wrapErr("iot:ListTargetsForPolicy", policy, err)
		}
		for _, arn := range out.Targets {
			i := strings.Index(arn, ":cert/")
			if i < 0 {
				continue
			}
			id := arn[i+len(":cert/"):]
			if known[id] {
				continue
			}
			ok, err := pv.isClaimCert(ctx, id, arn, onDisk)
			if err != nil {
				return nil, nil, err
			}
			if ok {
				mine = append(mine, stateCert{ID: id, ARN: arn})
			} else {
				foreign = append(foreign, id)
			}
		}
		if aws.ToString(out.NextMarker) == "" {
			return mine, foreign, nil
		}
		marker = out.NextMarker
	}
}

// isClaimCert tells whether certificate id is one fleetbake made.
func (pv *Provisioner) isClaimCert(ctx context.Context, id, arn string, onDisk map[string]bool) (bool, error) {
	out, err := pv.iot.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id)})
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, wrapErr("iot:DescribeCertificate", id, err)
	}
	desc := out.CertificateDescription
	if keyID, err := certPublicKeyID(aws.ToString(desc.CertificatePem)); err == nil && onDisk[keyID] {
		return true, nil
	}
	if desc.Status == iotypes.CertificateStatusActive {
		return false, nil
	}
	pols, err := pv.iot.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: aws.String(arn)})
	if err != nil {
		return false, wrapErr("iot:ListAttachedPolicies", arn, err)
	}
	for _, p := range pols.Policies {
		if aws.ToString(p.PolicyName) != pv.names.ClaimPolicy {
			return false, nil
		}
	}
	return true, nil
}

// claimFolderKeys lists the public key ids of the claim certificate and
// keys in the claim folder (a rotation's .next and .retired-* included).
func (pv *Provisioner) claimFolderKeys() map[string]bool {
	ids := map[string]bool{}
	if pemData, err := os.ReadFile(pv.files.cert); err == nil {
		if id, err := certPublicKeyID(string(pemData)); err == nil {
			ids[id] = true
		}
	}
	keys, _ := filepath.Glob(pv.files.key + "*")
	for _, k := range keys {
		if id, err := keyFileID(k); err == nil && id != "" {
			ids[id] = true
		}
	}
	return ids
}
