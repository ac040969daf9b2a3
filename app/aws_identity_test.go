package app

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/model"
)

// TestLookupIdentityTellsDevicesFromAccount: a project whose devices
// cannot provision by claim (greengrass-lite on kirkstone) is refused
// before any AWS call; the trouble shown is the devices', with the reason,
// not "no AWS credentials". Without credentials it is still the account's.
func TestLookupIdentityTellsDevicesFromAccount(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
	}
	p := model.Default()
	p.SetPath(filepath.Join(t.TempDir(), model.DefaultFile))
	p.Release = "kirkstone"
	p.Greengrass.Nucleus = model.NucleusLite
	o := AWSOptions{Region: "eu-west-1", Generation: model.GenerationOld}
	_, err := LookupIdentity(context.Background(), p, o)
	if err == nil {
		t.Fatal("greengrass-lite on kirkstone: no error")
	}
	if got := AWSTrouble(err); got != DeviceTrouble || !strings.Contains(err.Error(), "greengrass-lite") {
		t.Errorf("device refusal shown as %q: %v", got, err)
	}

	p.Greengrass.Nucleus = model.NucleusBin
	_, err = LookupIdentity(context.Background(), p, o)
	if err == nil {
		t.Fatal("no credentials: no error")
	}
	if got := AWSTrouble(err); got != "no AWS credentials" {
		t.Errorf("missing credentials shown as %q: %v", got, err)
	}
}
