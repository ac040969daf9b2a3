package provision

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"fleetbake/internal/awsfake"
	"fleetbake/model"
)

// metaAWSDevice is what a device of the profile sends on first boot: each
// template parameter with a value of the form its source gives it
// (model.DeviceProfile.Params), and whether it sends a CSR.
func metaAWSDevice(d model.DeviceProfile, n Names) (params map[string]string, csr bool) {
	const mac = "0a_1b_2c_3d_4e_5f"
	params = map[string]string{}
	for _, p := range d.Params {
		switch {
		case p.Name == "SerialNumber":
			params[p.Name] = mac
		case p.Name == "ThingName" && d.Generation == model.GenerationOld:
			// generator: GGV2_THING_NAME = thing name prefix.
			params[p.Name] = n.ThingNamePrefix + "_" + mac
		case p.Name == "ThingName":
			params[p.Name] = "_" + mac // GGV2_THING_NAME left empty by the merged config
		case p.Name == "ThingGroupName" && d.Generation == model.GenerationOld:
			params[p.Name] = n.ThingGroup
		default:
			params[p.Name] = ""
		}
	}
	return params, d.KeyFlow == model.KeyFlowCSR
}

// TestDeviceProvisionsWithWhatApplyMade plays the device of every nucleus and meta-aws generation against
// what apply made: the claim files on disk connect, the claim policy allows exactly that flow's topics and
// this template's, and the template accepts the parameters meta-aws sends, putting the thing into the
// group with the core policy and an active certificate.
func TestDeviceProvisionsWithWhatApplyMade(t *testing.T) {
	for _, tc := range model.DeviceProfiles() {
		if tc.Refused != "" {
			continue
		}
		for _, awsKey := range []bool{false, true} {
			name := tc.Nucleus + "/" + tc.Release + "/" + string(tc.Generation)
			if awsKey {
				name += "/aws-key"
			}
			t.Run(name, func(t *testing.T) {
				s := newFake(t)
				p := newProject(t)
				p.Greengrass.Nucleus = tc.Nucleus
				pv := newPV(t, s, p, Options{Generation: tc.Generation, Release: tc.Release, AWSGeneratedKey: awsKey})
				mustApply(t, pv)
				n := pv.Names()
				files := claimPaths(p)
				cert, _ := os.ReadFile(files.cert)
				key, _ := os.ReadFile(files.key)
				params, csr := metaAWSDevice(tc, n)
				req := awsfake.DeviceRequest{ClaimCertPEM: string(cert), ClaimKeyPEM: string(key), Template: n.ProvisioningTemplate,
					Parameters: params, CSR: csr, Subscribe: tc.Topics(n.ProvisioningTemplate).Subscribe}

				// Least privilege: the other certificate API and another template are refused.
				other := req
				other.CSR = !csr
				if _, err := s.ProvisionDevice(other); err == nil || !strings.Contains(err.Error(), "AUTHORIZATION_FAILURE") {
					t.Errorf("the claim policy allows the flow this nucleus does not use: %v", err)
				}
				other = req
				other.Template = n.ProvisioningTemplate + "x"
				if _, err := s.ProvisionDevice(other); err == nil || !strings.Contains(err.Error(), "AUTHORIZATION_FAILURE") {
					t.Errorf("the claim policy allows another template's topics: %v", err)
				}

				res, err := s.ProvisionDevice(req)
				if err != nil {
					t.Fatalf("device of %s: %v", name, err)
				}
				if strings.Join(res.ThingGroups, ",") != n.ThingGroup || strings.Join(res.Policies, ",") != n.CorePolicy {
					t.Errorf("device %+v, want group %s and policy %s", res, n.ThingGroup, n.CorePolicy)
				}
				if !strings.HasPrefix(res.ThingName, n.ThingNamePrefix) {
					t.Errorf("thing %q does not start with the thing name prefix %q", res.ThingName, n.ThingNamePrefix)
				}

				// Apply again: the device's thing and certificate are not fleetbake's business.
				s.ResetCalls()
				mustApply(t, newPV(t, s, p, Options{Generation: tc.Generation, Release: tc.Release, AWSGeneratedKey: awsKey}))
				if m := s.MutatingCalls(); m != 0 {
					t.Errorf("apply after a device provisioned: %d mutating calls %v", m, s.Calls())
				}
			})
		}
	}
}

// TestDestroyWithProvisionedDevices: the core policy is attached to the devices' certificates, which
// fleetbake did not make; destroy removes everything else and says what holds the policy.
func TestDestroyWithProvisionedDevices(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	pv := newPV(t, s, p, Options{})
	mustApply(t, pv)
	n := pv.Names()
	files := claimPaths(p)
	cert, _ := os.ReadFile(files.cert)
	key, _ := os.ReadFile(files.key)
	params, _ := metaAWSDevice(pv.Device(), n)
	if _, err := s.ProvisionDevice(awsfake.DeviceRequest{ClaimCertPEM: string(cert), ClaimKeyPEM: string(key), Template: n.ProvisioningTemplate, Parameters: params}); err != nil {
		t.Fatal(err)
	}
	err := newPV(t, s, p, Options{}).Destroy(context.Background(), nil)
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(err.Error(), n.CorePolicy) || !strings.Contains(e.Hint, "devices") {
		t.Fatalf("destroy with a provisioned device: %v", err)
	}
	r := s.Resources()
	if len(r[awsfake.KindIoTPolicy]) != 1 || r[awsfake.KindIoTPolicy][0] != n.CorePolicy || len(r[awsfake.KindRole]) != 0 || len(r[awsfake.KindTemplate]) != 0 {
		t.Errorf("after destroy: %v", r)
	}
}
