package provision

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"fleetbake/internal/awsfake"
	"fleetbake/model"
	"fleetbake/provision/claimflow"
)

// TestDeviceProvisionsOverMQTTWithWhatApplyMade is TestDeviceProvisionsWithWhatApplyMade over real MQTT 5
// over TLS: the device of every nucleus and meta-aws generation, with the claim files apply wrote, goes
// through the fake's data endpoint, where every CONNECT, SUBSCRIBE, PUBLISH and delivery is authorized
// against the claim policy apply made. The other key flow and another template are refused.
func TestDeviceProvisionsOverMQTTWithWhatApplyMade(t *testing.T) {
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
				t.Parallel()
				s := newFake(t)
				p := newProject(t)
				p.Greengrass.Nucleus = tc.Nucleus
				pv := newPV(t, s, p, Options{Generation: tc.Generation, Release: tc.Release, AWSGeneratedKey: awsKey})
				mustApply(t, pv)
				addr, err := s.StartMQTT()
				if err != nil {
					t.Fatal(err)
				}
				n := pv.Names()
				files := claimPaths(p)
				cert, _ := os.ReadFile(files.cert)
				key, _ := os.ReadFile(files.key)
				params, _ := metaAWSDevice(tc, n)
				cfg := claimflow.Config{Profile: tc, Template: n.ProvisioningTemplate, ClaimCertPEM: string(cert), ClaimKeyPEM: string(key),
					RootCAs: s.MQTTRootCAs(), Addr: addr, ServerName: awsfake.MQTTServerName, Parameters: params}
				run := func(cfg claimflow.Config) (claimflow.Result, error) {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					return claimflow.Run(ctx, cfg)
				}

				// Least privilege: the other key flow and another template are refused at a step.
				other := cfg
				other.Profile.KeyFlow = model.KeyFlowCSR
				if tc.KeyFlow == model.KeyFlowCSR {
					other.Profile.KeyFlow = model.KeyFlowCreate
				}
				if res, _ := run(other); !notAuthorized(res) {
					t.Errorf("the claim policy allows the key flow this nucleus does not use: %+v", res.Steps)
				}
				other = cfg
				other.Template += "x"
				if res, _ := run(other); !notAuthorized(res) {
					t.Errorf("the claim policy allows another template's topics: %+v", res.Steps)
				}

				res, err := run(cfg)
				if err != nil {
					t.Fatalf("device of %s: %v\nsteps %+v", name, err, res.Steps)
				}
				if !strings.HasPrefix(res.ThingName, n.ThingNamePrefix) {
					t.Errorf("thing %q does not start with the thing name prefix %q", res.ThingName, n.ThingNamePrefix)
				}
				if got := s.Things(); len(got) != 1 || got[0] != res.ThingName {
					t.Errorf("things %v, want only %s", got, res.ThingName)
				}
			})
		}
	}
}

// notAuthorized: a step was refused by AWS IoT authorization: SUBACK 0x87, or a PUBLISH answered by
// closing the connection (the DISCONNECT 0x87 may be lost to the close, as with AWS IoT).
func notAuthorized(res claimflow.Result) bool {
	f := res.Failed()
	return f != nil && (strings.Contains(f.Reason, "0x87") || strings.HasPrefix(f.Reason, "PUBLISH refused:"))
}
