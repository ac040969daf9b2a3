package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/model"
)

// TestNoClaimDirIsOneFolderForApplyGenerateVerify: a project file without
// claim_dir means model.DefaultClaimDir for all three. Before, provision
// apply wrote the claim files into claim-certs/ while generate refused the
// project (claim_dir "required") and verify looked for them beside
// fleetbake.toml.
func TestNoClaimDirIsOneFolderForApplyGenerateVerify(t *testing.T) {
	s := fakeAWS(t)
	dir, cfg := verifyProject(t, s, func(p *model.Project) { p.Greengrass.ClaimDir = "" })
	want := filepath.Join(dir, model.DefaultClaimDir, model.ClaimKeyFile)
	if _, err := os.Stat(want); err != nil {
		t.Fatalf("apply did not write the key to %s: %v", want, err)
	}
	// Apply recorded the folder; take it out again, as an engineer who
	// trims the file might.
	p, err := model.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.Greengrass.ClaimDir = ""
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(cfg); strings.Contains(string(data), "claim_dir") {
		t.Fatalf("claim_dir still in the project file:\n%s", data)
	}
	if code, out, errs := runCLI(t, "--config", cfg, "generate"); code != 0 {
		t.Fatalf("generate without claim_dir: exit %d\n%s\n%s", code, out, errs)
	}
	lc, err := os.ReadFile(filepath.Join(dir, "build", "conf", "local.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(lc), want) {
		t.Errorf("local.conf does not point at %s:\n%s", want, lc)
	}
	if code, out := runVerifyCLI(t, cfg, s.URL); code != 0 {
		t.Errorf("verify without claim_dir: exit %d\n%s", code, out)
	}
}
