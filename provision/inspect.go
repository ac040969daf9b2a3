package provision

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iotypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// This file holds small read-only look-ups for `fleetbake verify`: each is
// one or two AWS calls, none mutates, and a resource that is not there is
// reported as not found (Found false), not as an error.

// DescribeEndpoint returns the account's endpoint of type typ
// (iot:Data-ATS, iot:CredentialProvider).
func (pv *Provisioner) DescribeEndpoint(ctx context.Context, typ string) (string, error) {
	return pv.describeEndpoint(ctx, typ)
}

// TemplateInfo is what DescribeProvisioningTemplate says.
type TemplateInfo struct {
	Found   bool
	Enabled bool
	RoleARN string
	Body    string
	// PreHook is the Lambda function the template's pre-provisioning hook
	// calls before each device is provisioned ("" when it has none): AWS
	// IoT refuses a device the hook answers allowProvisioning false for
	// (https://docs.aws.amazon.com/iot/latest/developerguide/pre-provisioning-hook.html).
	PreHook string
}

// DescribeTemplate reads the project's provisioning template.
func (pv *Provisioner) DescribeTemplate(ctx context.Context) (TemplateInfo, error) {
	out, err := pv.iot.DescribeProvisioningTemplate(ctx, &iot.DescribeProvisioningTemplateInput{TemplateName: aws.String(pv.names.ProvisioningTemplate)})
	if isNotFound(err) {
		return TemplateInfo{}, nil
	}
	if err != nil {
		return TemplateInfo{}, wrapErr("iot:DescribeProvisioningTemplate", pv.names.ProvisioningTemplate, err)
	}
	t := TemplateInfo{Found: true, Enabled: aws.ToBool(out.Enabled), RoleARN: aws.ToString(out.ProvisioningRoleArn), Body: aws.ToString(out.TemplateBody)}
	if h := out.PreProvisioningHook; h != nil {
		t.PreHook = aws.ToString(h.TargetArn)
	}
	return t, nil
}

// RoleInfo is what iam:GetRole says.
type RoleInfo struct {
	Found bool
	ARN   string
	Trust string // trust policy document, URL-decoded
}

// GetRole reads an IAM role by name.
func (pv *Provisioner) GetRole(ctx context.Context, name string) (RoleInfo, error) {
	out, err := pv.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if isNotFound(err) {
		return RoleInfo{}, nil
	}
	if err != nil {
		return RoleInfo{}, wrapErr("iam:GetRole", name, err)
	}
	return RoleInfo{Found: true, ARN: aws.ToString(out.Role.Arn), Trust: decodeIAMDoc(aws.ToString(out.Role.AssumeRolePolicyDocument))}, nil
}

// RoleNameFromARN is the last path element of a role ARN.
func RoleNameFromARN(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

// RoleAliasInfo is what DescribeRoleAlias says.
type RoleAliasInfo struct {
	Found   bool
	ARN     string
	RoleARN string
}

// DescribeRoleAlias reads the project's role alias.
func (pv *Provisioner) DescribeRoleAlias(ctx context.Context) (RoleAliasInfo, error) {
	out, err := pv.iot.DescribeRoleAlias(ctx, &iot.DescribeRoleAliasInput{RoleAlias: aws.String(pv.names.RoleAlias)})
	if isNotFound(err) {
		return RoleAliasInfo{}, nil
	}
	if err != nil {
		return RoleAliasInfo{}, wrapErr("iot:DescribeRoleAlias", pv.names.RoleAlias, err)
	}
	d := out.RoleAliasDescription
	return RoleAliasInfo{Found: true, ARN: aws.ToString(d.RoleAliasArn), RoleARN: aws.ToString(d.RoleArn)}, nil
}

// ThingGroupExists reports whether the project's thing group exists.
func (pv *Provisioner) ThingGroupExists(ctx context.Context) (bool, error) {
	_, err := pv.iot.DescribeThingGroup(ctx, &iot.DescribeThingGroupInput{ThingGroupName: aws.String(pv.names.ThingGroup)})
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, wrapErr("iot:DescribeThingGroup", pv.names.ThingGroup, err)
	}
	return true, nil
}

// IoTPolicyInfo is an IoT policy's default version.
type IoTPolicyInfo struct {
	Found    bool
	ARN      string
	Document string
}

// GetIoTPolicy reads an IoT policy's default version.
func (pv *Provisioner) GetIoTPolicy(ctx context.Context, name string) (IoTPolicyInfo, error) {
	out, err := pv.iot.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String(name)})
	if isNotFound(err) {
		return IoTPolicyInfo{}, nil
	}
	if err != nil {
		return IoTPolicyInfo{}, wrapErr("iot:GetPolicy", name, err)
	}
	return IoTPolicyInfo{Found: true, ARN: aws.ToString(out.PolicyArn), Document: aws.ToString(out.PolicyDocument)}, nil
}

// CertificateID is the AWS IoT certificate ID of a PEM certificate: the
// SHA-256 of its DER encoding, in hex.
func CertificateID(certPEM []byte) (string, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return "", errors.New("not a PEM certificate")
	}
	sum := sha256.Sum256(block.Bytes)
	return hex.EncodeToString(sum[:]), nil
}

// CertInfo is a certificate as AWS IoT has it, with its attached policies.
type CertInfo struct {
	Found    bool
	ID, ARN  string
	Status   string
	Policies []string
}

// DescribeCertificate reads a certificate and the policies attached to it.
func (pv *Provisioner) DescribeCertificate(ctx context.Context, id string) (CertInfo, error) {
	out, err := pv.iot.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id)})
	if isNotFound(err) {
		return CertInfo{ID: id}, nil
	}
	if err != nil {
		return CertInfo{}, wrapErr("iot:DescribeCertificate", id, err)
	}
	d := out.CertificateDescription
	ci := CertInfo{Found: true, ID: id, ARN: aws.ToString(d.CertificateArn), Status: string(d.Status)}
	pols, err := pv.iot.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: d.CertificateArn})
	if err != nil {
		return ci, wrapErr("iot:ListAttachedPolicies", ci.ARN, err)
	}
	for _, p := range pols.Policies {
		ci.Policies = append(ci.Policies, aws.ToString(p.PolicyName))
	}
	return ci, nil
}

// KeyMatchesCert reports whether the private key at keyPath belongs to the
// PEM certificate (their public keys are equal).
func KeyMatchesCert(keyPath string, certPEM []byte) (bool, error) {
	keyID, err := keyFileID(keyPath)
	if err != nil {
		return false, err
	}
	if keyID == "" {
		return false, fmt.Errorf("%s: %w", keyPath, os.ErrNotExist)
	}
	certID, err := certPublicKeyID(string(certPEM))
	if err != nil {
		return false, err
	}
	return keyID == certID, nil
}

// AuthCheck is one action for TestAuthorization: ActionType is CONNECT,
// PUBLISH, SUBSCRIBE or RECEIVE.
type AuthCheck struct {
	ActionType string
	Resources  []string
}

// AuthResult is TestAuthorization's answer for one AuthCheck.
type AuthResult struct {
	Decision string // ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY
	// DenyingPolicies name the policies with an explicit deny.
	DenyingPolicies []string
	Missing         []string // missing context values
}

// TestAuthorization asks AWS IoT whether principal (a certificate ARN) may
// do each check, with add and skip as policyNamesToAdd and
// policyNamesToSkip. It has no side effect. Checks go ten per call, as the
// API takes at most ten, the calls concurrently; results are in the order
// of checks.
func (pv *Provisioner) TestAuthorization(ctx context.Context, principal, clientID string, add, skip []string, checks []AuthCheck) ([]AuthResult, error) {
	results := make([]AuthResult, len(checks))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for start := 0; start < len(checks); start += 10 {
		end := min(start+10, len(checks))
		wg.Go(func() {
			if err := pv.testAuthorization(ctx, principal, clientID, add, skip, checks[start:end], results[start:end]); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return results, nil
}

// testAuthorization is one TestAuthorization call for up to ten checks,
// writing into out.
func (pv *Provisioner) testAuthorization(ctx context.Context, principal, clientID string, add, skip []string, checks []AuthCheck, out []AuthResult) error {
	in := &iot.TestAuthorizationInput{Principal: aws.String(principal), PolicyNamesToAdd: add, PolicyNamesToSkip: skip}
	if clientID != "" {
		in.ClientId = aws.String(clientID)
	}
	for _, c := range checks {
		in.AuthInfos = append(in.AuthInfos, iotypes.AuthInfo{ActionType: iotypes.ActionType(c.ActionType), Resources: c.Resources})
	}
	res, err := pv.iot.TestAuthorization(ctx, in)
	if err != nil {
		return wrapErr("iot:TestAuthorization", principal, err)
	}
	if len(res.AuthResults) != len(checks) {
		return fmt.Errorf("iot:TestAuthorization returned %d results for %d actions", len(res.AuthResults), len(checks))
	}
	// Each result carries its authInfo: match on it rather than trust the order.
	filled := make([]bool, len(checks))
	for _, r := range res.AuthResults {
		i := -1
		for j, c := range checks {
			if !filled[j] && r.AuthInfo != nil && string(r.AuthInfo.ActionType) == c.ActionType && slices.Equal(r.AuthInfo.Resources, c.Resources) {
				i = j
				break
			}
		}
		if i < 0 {
			return fmt.Errorf("iot:TestAuthorization returned a result for an action it was not asked about")
		}
		filled[i] = true
		ar := AuthResult{Decision: string(r.AuthDecision), Missing: r.MissingContextValues}
		if r.Denied != nil && r.Denied.ExplicitDeny != nil {
			for _, p := range r.Denied.ExplicitDeny.Policies {
				ar.DenyingPolicies = append(ar.DenyingPolicies, aws.ToString(p.PolicyName))
			}
		}
		out[i] = ar
	}
	return nil
}

// Partition is the ARN partition of the credentials (aws, aws-cn, ...).
func (id Identity) Partition() string { return id.partition() }
