package ui

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/model"
	"fleetbake/provision"
)

// A project whose devices cannot provision by claim (greengrass-lite on
// kirkstone) is refused before any AWS call: the Greengrass step says what
// is wrong and what to pick instead, not that AWS or credentials are the
// trouble nor to go on without AWS, and once another nucleus is picked the
// account is looked up again and shown.
func TestGreengrassStepNamesRefusedDevices(t *testing.T) {
	svc := fakeServices()
	lookups := 0
	svc.Identity = func(_ context.Context, p *model.Project) (*Identity, error) {
		lookups++
		// provision.New refuses the devices before any AWS call, as in
		// app.LookupIdentity; past that, the account of a stand-in.
		var de *provision.DeviceError
		if _, err := provision.New(context.Background(), p, provision.Options{Generation: model.GenerationOld}); errors.As(err, &de) {
			return nil, err
		}
		return &Identity{Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/dev"}, nil
	}
	p := answered(t)
	p.SetPath(filepath.Join(t.TempDir(), "fleetbake.toml"))
	p.Release = "kirkstone"
	p.Greengrass.Nucleus = model.NucleusLite
	m := newTestModel(t, svc, p, true)
	resize(t, m, 100, 30)
	drive(t, m, m.Init())
	drive(t, m, gotoMsg{step: StepGreengrass})
	flat := strings.Join(strings.Fields(frame(t, m)), " ")
	for _, want := range []string{"Devices with greengrass-lite on kirkstone cannot provision by claim: meta-aws kirkstone's greengrass-lite", "merge-conflict markers",
		"Pick instead: use greengrass-bin on kirkstone, or greengrass-lite on scarthgap or later"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the Greengrass step lacks %q:\n%s", want, frame(t, m))
		}
	}
	for _, bad := range []string{"go on without AWS", "AWS credentials", "AWS SDK"} {
		if strings.Contains(flat, bad) {
			t.Errorf("the Greengrass step says %q for refused devices:\n%s", bad, frame(t, m))
		}
	}
	// The nucleus is the second field: pick greengrass-bin.
	drive(t, m, press("tab left")...)
	if p := m.ctx.Project.Greengrass.Nucleus; p != model.NucleusBin {
		t.Fatalf("nucleus %q after tab left", p)
	}
	if lookups != 2 || !strings.Contains(frame(t, m), "AWS account 123456789012") {
		t.Errorf("after picking greengrass-bin: %d look-ups, want 2, and the account shown:\n%s", lookups, frame(t, m))
	}
}
