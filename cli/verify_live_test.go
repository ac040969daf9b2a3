package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"

	"fleetbake/app"
	"fleetbake/internal/awsfake"
	"fleetbake/internal/layertree"
	"fleetbake/model"
	"fleetbake/provision"
	"fleetbake/provision/claimflow"
)

// liveProject applies a project whose devices are profile d (nucleus,
// meta-aws release and generation) on the fake, generates its conf and
// starts the fake's MQTT endpoint. It returns the project file and the
// verify flags that point the live check at the fake's endpoint. The
// sources are a meta-aws tree of d's generation, so that generate writes
// that generation's conf (scarthgap has both) and every check applies.
func liveProject(t *testing.T, s *awsfake.Server, d model.DeviceProfile, awsKey bool) (cfg string, flags []string) {
	t.Helper()
	dir := t.TempDir()
	cfg = filepath.Join(dir, "fleetbake.toml")
	tree := filepath.Join(dir, "src")
	layertree.Write(t, tree, layertree.Standard(d.Release, d.Generation == model.GenerationNew))
	p := model.Default()
	p.Sources = []string{tree}
	p.Greengrass.Prefix = "lv"
	p.Release = d.Release
	p.Greengrass.Nucleus = d.Nucleus
	p.SetPath(cfg)
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	apply := []string{"--config", cfg, "provision", "apply", "--endpoint-url", s.URL, "--generation", string(d.Generation)}
	if awsKey {
		apply = append(apply, "--aws-generated-key")
	}
	for _, args := range [][]string{apply, {"--config", cfg, "generate"}} {
		if code, out, errs := runCLI(t, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s\n%s", args, code, out, errs)
		}
	}
	addr, err := s.StartMQTT()
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "fake-ca.pem")
	if err := os.WriteFile(ca, []byte(s.CACertPEM()), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, []string{"--register", "--generation", string(d.Generation), "--mqtt-endpoint", addr, "--mqtt-ca", ca}
}

// liveReport runs verify --register --json and returns the report and the
// live checks by name.
func liveReport(t *testing.T, cfg, url string, flags ...string) (int, app.VerifyReport, map[string]app.Check) {
	t.Helper()
	code, out := runVerifyCLI(t, cfg, url, append(flags, "--json")...)
	var rep app.VerifyReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d, %v\n%s", code, err, out)
	}
	checks := map[string]app.Check{}
	for _, c := range rep.Checks {
		checks[c.Name] = c
	}
	return code, rep, checks
}

// noDeviceLeft fails unless the fake holds no thing and no certificate but
// the claim.
func noDeviceLeft(t *testing.T, s *awsfake.Server, claims int) {
	t.Helper()
	if th := s.Things(); len(th) != 0 {
		t.Errorf("things left behind: %v", th)
	}
	if n := len(s.Resources()[awsfake.KindCertificate]); n != claims {
		t.Errorf("%d certificates, want only the %d claim certificate(s): %v", n, claims, s.Resources()[awsfake.KindCertificate])
	}
}

// For every device profile that can provision, with a claim key made here
// and one AWS made: apply, then verify --register provisions a device over
// the fake's MQTT endpoint, reports each exchange by its API name, and
// deletes the thing and the device certificate.
func TestVerifyRegisterEveryProfile(t *testing.T) {
	for _, d := range model.DeviceProfiles() {
		if d.Refused != "" {
			continue
		}
		for _, awsKey := range []bool{false, true} {
			name := d.Nucleus + "/" + d.Release + "/" + string(d.Generation)
			if awsKey {
				name += "/aws-key"
			}
			t.Run(name, func(t *testing.T) {
				s := fakeAWS(t)
				cfg, flags := liveProject(t, s, d, awsKey)
				code, rep, checks := liveReport(t, cfg, s.URL, flags...)
				reg := checks["register"]
				if reg.Status != app.Pass || code != 0 || rep.Generation != string(d.Generation) && d.Nucleus == model.NucleusBin {
					t.Fatalf("exit %d, register %+v\n%+v", code, reg, rep.Checks)
				}
				var names []string
				for _, st := range reg.Steps {
					if !st.OK {
						t.Errorf("step %+v", st)
					}
					names = append(names, st.Name)
				}
				certAPI := "CreateKeysAndCertificate"
				if d.KeyFlow == model.KeyFlowCSR {
					certAPI = "CreateCertificateFromCsr"
				}
				got := strings.Join(names, ",")
				if !strings.HasPrefix(got, "connect,") || !strings.HasSuffix(got, ","+certAPI+",RegisterThing,clean up") {
					t.Errorf("steps %s", got)
				}
				if !strings.Contains(reg.Detail, "lv-") && !strings.Contains(reg.Detail, "lv_") || !strings.Contains(reg.Detail, provision.VerifyMarker) {
					t.Errorf("register detail does not name the marked thing: %s", reg.Detail)
				}
				if o := checks["other port"]; o.Status != app.Info || !strings.Contains(o.Detail, "also connects") {
					t.Errorf("other port: %+v", o)
				}
				noDeviceLeft(t, s, 1)
			})
		}
	}
}

// liveVerify runs app.VerifyWith with --register against the fake's MQTT
// endpoint, with a short step timeout and an optional OnStep hook: what
// the command line cannot set.
func liveVerify(t *testing.T, ctx context.Context, s *awsfake.Server, cfg string, d model.DeviceProfile, onStep func(claimflow.Step)) map[string]app.Check {
	t.Helper()
	p, err := model.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := s.StartMQTT()
	rep, err := app.VerifyWith(ctx, p, app.VerifyOptions{Register: true,
		AWSOptions: app.AWSOptions{EndpointURL: s.URL, Generation: d.Generation},
		Live:       app.LiveOptions{Addr: addr, RootCAs: s.MQTTRootCAs(), StepTimeout: 2 * time.Second, OnStep: onStep}})
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]app.Check{}
	for _, c := range rep.Checks {
		checks[c.Name] = c
	}
	return checks
}

func defaultDevice(t *testing.T) model.DeviceProfile {
	d, err := model.Device(model.NucleusBin, model.Default().Release, "")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A claim policy without iot:Receive: AWS IoT drops the answers, and the
// live check fails at the certificate exchange, naming the action and the
// /accepted topic the policy must allow.
func TestVerifyRegisterWithoutReceive(t *testing.T) {
	s := fakeAWS(t)
	d := defaultDevice(t)
	cfg, _ := liveProject(t, s, d, false)
	setPolicy(t, s, "lv-ClaimPolicy", dropAction(t, s, "lv-ClaimPolicy", "iot:Receive"))
	reg := liveVerify(t, context.Background(), s, cfg, d, nil)["register"]
	accepted := "arn:aws:iot:us-east-1:123456789012:topic/$aws/certificates/create/json/accepted"
	if reg.Status != app.Fail || !strings.HasPrefix(reg.Detail, "CreateKeysAndCertificate failed: no answer") ||
		!strings.Contains(reg.Fix, "iot:Receive on "+accepted) || !strings.Contains(reg.Fix, "lv-ClaimPolicy") {
		t.Fatalf("register: %+v", reg)
	}
	if last := reg.Steps[len(reg.Steps)-1]; last.Name != "CreateKeysAndCertificate" || last.OK {
		t.Errorf("last step %+v", last)
	}
	if th := s.Things(); len(th) != 0 {
		t.Errorf("things %v", th)
	}
}

// A run stopped right after RegisterThing (its context cancelled, as by a
// kill) leaves its thing; the next run deletes it first and says so, then
// passes and leaves nothing.
func TestVerifyRegisterCleansUpAKilledRun(t *testing.T) {
	s := fakeAWS(t)
	d := defaultDevice(t)
	cfg, _ := liveProject(t, s, d, false)
	ctx, cancel := context.WithCancel(context.Background())
	reg := liveVerify(t, ctx, s, cfg, d, func(st claimflow.Step) {
		if st.Name == claimflow.StepRegister && st.OK {
			cancel()
		}
	})["register"]
	left := s.Things()
	if reg.Status != app.Fail || !strings.Contains(reg.Detail, "interrupted") || len(left) != 1 || !strings.Contains(reg.Detail, left[0]) {
		t.Fatalf("killed run: %+v, things %v", reg, left)
	}
	reg = liveVerify(t, context.Background(), s, cfg, d, nil)["register"]
	if reg.Status != app.Pass || len(reg.Steps) == 0 || reg.Steps[0].Name != "earlier run" || !strings.Contains(reg.Steps[0].Detail, "deleted thing "+left[0]) {
		t.Fatalf("next run: %+v", reg)
	}
	noDeviceLeft(t, s, 1)
}

// RegisterThing refused (the template disabled): the check fails at that
// exchange with AWS's reason, and the certificate the first exchange made
// is deleted all the same.
func TestVerifyRegisterRejectedDeletesTheCertificate(t *testing.T) {
	s := fakeAWS(t)
	d := defaultDevice(t)
	cfg, _ := liveProject(t, s, d, false)
	if _, err := iot.NewFromConfig(s.AWSConfig()).UpdateProvisioningTemplate(context.Background(),
		&iot.UpdateProvisioningTemplateInput{TemplateName: aws.String("lv-Template"), Enabled: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	reg := liveVerify(t, context.Background(), s, cfg, d, nil)["register"]
	if reg.Status != app.Fail || !strings.Contains(reg.Detail, "RegisterThing failed: rejected: 400 InvalidRequestException: template lv-Template is disabled") {
		t.Fatalf("register: %+v", reg)
	}
	last := reg.Steps[len(reg.Steps)-1]
	if last.Name != "clean up" || !last.OK || !strings.Contains(last.Detail, "deactivated and deleted") {
		t.Errorf("last step %+v", last)
	}
	noDeviceLeft(t, s, 1)
}
