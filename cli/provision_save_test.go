package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/model"
)

// TestProvisionCLIEditsALinkedCommentedProjectFile: fleetbake.toml is a
// symlink to a hand-written file with comments. `provision apply` and
// `rotate-claim` write the endpoints and names into that file, through the
// link, and every line the engineer wrote is still there, in its order.
func TestProvisionCLIEditsALinkedCommentedProjectFile(t *testing.T) {
	s := fakeAWS(t)
	dir := t.TempDir()
	hand := `# Gateway image; ask Ana before changing the machine.
format = 1
build_dir = "build"   # shared with CI
machine = "qemux86-64"
distro = "poky"
image = "core-image-minimal"
layers = [
  "meta-aws", # Greengrass
]

[greengrass]
# fleet provisioning for the pilot
enabled = true
nucleus = "greengrass-bin"
region = "us-east-1"
prefix = "lnk" # short: AWS names are limited
claim_dir = "claim-certs"
`
	os.Mkdir(filepath.Join(dir, "shared"), 0o755)
	real := filepath.Join(dir, "shared", "gateway.toml")
	if err := os.WriteFile(real, []byte(hand), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "fleetbake.toml")
	if err := os.Symlink("shared/gateway.toml", cfg); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"apply", "rotate-claim"} {
		if code, out, errs := runCLI(t, "--config", cfg, "provision", cmd, "--endpoint-url", s.URL); code != 0 {
			t.Fatalf("%s: %d\n%s\n%s", cmd, code, out, errs)
		}
		if fi, err := os.Lstat(cfg); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("after %s, fleetbake.toml is no longer a symlink (%v)", cmd, err)
		}
		data, err := os.ReadFile(real)
		if err != nil {
			t.Fatal(err)
		}
		// Every hand-written line is there, in order.
		rest := string(data)
		for _, line := range strings.Split(strings.TrimSuffix(hand, "\n"), "\n") {
			i := strings.Index(rest, line+"\n")
			if i < 0 {
				t.Fatalf("after %s, line %q is gone or out of order:\n%s", cmd, line, data)
			}
			rest = rest[i+len(line)+1:]
		}
		p, err := model.Load(real)
		if err != nil {
			t.Fatal(err)
		}
		if p.Greengrass.DataEndpoint == "" || p.Greengrass.CredentialEndpoint == "" || p.Greengrass.ThingGroup == "" {
			t.Errorf("after %s, the linked file lacks the endpoints and names: %+v", cmd, p.Greengrass)
		}
	}
}
