package provision

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"

	"fleetbake/internal/awsfake"
)

// TestDestroyWithoutStateFindsTheClaimCertificateByItsPolicy: the state
// file is lost (another machine, deleted by hand). Destroy recognises
// fleetbake's resources by their tags; the claim certificates cannot carry
// tags in AWS IoT, so they are the ones attached to fleetbake's tagged
// claim policy whose certificate or key is in the claim folder. Destroy
// leaves nothing, and a certificate someone else attached to that policy
// is left alone with a message that says which and what to do.
func TestDestroyWithoutStateFindsTheClaimCertificateByItsPolicy(t *testing.T) {
	for _, rotated := range []bool{false, true} {
		s := newFake(t)
		p := newProject(t)
		mustApply(t, newPV(t, s, p, Options{}))
		if rotated {
			if _, err := newPV(t, s, p, Options{}).RotateClaim(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Remove(filepath.Join(p.Dir(), StateFile)); err != nil {
			t.Fatal(err)
		}
		if err := newPV(t, s, p, Options{DestroyTagged: true}).Destroy(context.Background(), nil); err != nil {
			t.Fatalf("rotated=%v: destroy without state: %v", rotated, err)
		}
		if r := s.Resources(); r.Total() != 0 {
			t.Errorf("rotated=%v: destroy without state left %v", rotated, r)
		}
	}
}

// TestDestroyWithoutStateLeavesAForeignCertificate: a certificate that is
// not the claim folder's, attached to the claim policy by someone else,
// is not deleted; destroy names it.
func TestDestroyWithoutStateLeavesAForeignCertificate(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	res := mustApply(t, newPV(t, s, p, Options{}))
	cfg := s.AWSConfig()
	foreign := createForeignCert(t, cfg, res.Names.ClaimPolicy)
	os.Remove(filepath.Join(p.Dir(), StateFile))
	err := newPV(t, s, p, Options{DestroyTagged: true}).Destroy(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), short(foreign)) {
		t.Fatalf("err = %v, want one naming certificate %s", err, short(foreign))
	}
	r := s.Resources()
	if len(r[awsfake.KindCertificate]) != 1 {
		t.Errorf("certificates left: %v, want only the foreign one", r[awsfake.KindCertificate])
	}
}

// createForeignCert makes an active certificate outside fleetbake and
// attaches policy to it.
func createForeignCert(t *testing.T, cfg aws.Config, policy string) string {
	t.Helper()
	c := iot.NewFromConfig(cfg)
	out, err := c.CreateKeysAndCertificate(context.Background(), &iot.CreateKeysAndCertificateInput{SetAsActive: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachPolicy(context.Background(), &iot.AttachPolicyInput{PolicyName: aws.String(policy), Target: out.CertificateArn}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.CertificateId)
}

// TestDestroyInAnotherFolderWithTheSamePrefixDeletesNothing: a second
// project folder with the same greengrass.prefix (the default one, say)
// and no state file of its own must not destroy the first project's fleet
// provisioning by its tags (found by trying fleetbake as a new user: it
// deleted the template, role alias, group, policies and roles). Without
// --tagged it refuses, deleting nothing, and says how to opt in.
func TestDestroyInAnotherFolderWithTheSamePrefixDeletesNothing(t *testing.T) {
	s := newFake(t)
	first := newProject(t)
	mustApply(t, newPV(t, s, first, Options{}))
	before := s.Resources().Total()

	second := newProject(t) // another folder, same prefix, never applied
	second.Greengrass.Prefix = first.Greengrass.Prefix
	err := newPV(t, s, second, Options{}).Destroy(context.Background(), nil)
	if err == nil || !errors.Is(err, ErrUntracked) || !strings.Contains(err.Error(), "--tagged") {
		t.Fatalf("destroy in a folder that never applied: %v", err)
	}
	if after := s.Resources().Total(); after != before {
		t.Fatalf("%d resources before, %d after a refused destroy", before, after)
	}
}
