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

// metaAWSDevice is what a device built from the tree sends on first boot, per meta-aws:
//   - greengrass-plugin-fleetprovisioning (new generation) config.yaml.template:
//     templateParameters: {SerialNumber: <MAC, ':' -> '_'>}, no csrPath (CreateKeysAndCertificate);
//   - greengrass-bin inline (old generation) config.yaml.template:
//     templateParameters: {ThingName: "${GGV2_THING_NAME}_<MAC>", ThingGroupName: "${GGV2_THING_GROUP}"};
//   - greengrass-lite fleetprovisioning.yaml: templateParams '{"SerialNumber": "<MAC>"}', always a CSR
//     ($aws/certificates/create-from-csr/json).
func metaAWSDevice(nucleus string, gen model.Generation, n Names) (params map[string]string, csr bool) {
	const mac = "0a_1b_2c_3d_4e_5f"
	switch {
	case nucleus == model.NucleusLite:
		return map[string]string{"SerialNumber": mac}, true
	case gen == model.GenerationOld:
		// generator: GGV2_THING_NAME = thing name prefix, GGV2_THING_GROUP = thing group.
		return map[string]string{"ThingName": n.ThingNamePrefix + "_" + mac, "ThingGroupName": n.ThingGroup}, false
	default:
		return map[string]string{"SerialNumber": mac}, false
	}
}

// TestDeviceProvisionsWithWhatApplyMade plays the device of every nucleus and meta-aws generation against
// what apply made: the claim files on disk connect, the claim policy allows exactly that flow's topics and
// this template's, and the template accepts the parameters meta-aws sends, putting the thing into the
// group with the core policy and an active certificate.
func TestDeviceProvisionsWithWhatApplyMade(t *testing.T) {
	for _, tc := range []struct {
		nucleus string
		gen     model.Generation
	}{
		{model.NucleusBin, model.GenerationNew},
		{model.NucleusBin, model.GenerationOld},
		{model.NucleusLite, model.GenerationNew},
		{model.NucleusLite, model.GenerationOld},
	} {
		for _, awsKey := range []bool{false, true} {
			name := tc.nucleus + "/" + string(tc.gen)
			if awsKey {
				name += "/aws-key"
			}
			t.Run(name, func(t *testing.T) {
				s := newFake(t)
				p := newProject(t)
				p.Greengrass.Nucleus = tc.nucleus
				pv := newPV(t, s, p, Options{Generation: tc.gen, AWSGeneratedKey: awsKey})
				mustApply(t, pv)
				n := pv.Names()
				files := claimPaths(p)
				cert, _ := os.ReadFile(files.cert)
				key, _ := os.ReadFile(files.key)
				params, csr := metaAWSDevice(tc.nucleus, tc.gen, n)
				req := awsfake.DeviceRequest{ClaimCertPEM: string(cert), ClaimKeyPEM: string(key), Template: n.ProvisioningTemplate,
					Parameters: params, CSR: csr}

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
				mustApply(t, newPV(t, s, p, Options{Generation: tc.gen, AWSGeneratedKey: awsKey}))
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
	params, _ := metaAWSDevice(model.NucleusBin, model.GenerationNew, n)
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
