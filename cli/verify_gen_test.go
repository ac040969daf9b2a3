package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
	"fleetbake/model"
)

// scarthgap's meta-aws before August 2025 is of the old fleet provisioning
// generation (no greengrass-plugin-fleetprovisioning recipe): generate then
// writes the GGV2_* variables. verify checks the devices that conf makes,
// so it reads the generation from local.conf, not from the tree or the
// release again: with the tree gone (another machine, sources moved) the
// release alone would say "new" and every conf check would look for
// variables that are not there.
func TestVerifyTakesTheGenerationFromLocalConf(t *testing.T) {
	s := fakeAWS(t)
	dir := t.TempDir()
	tree := filepath.Join(dir, "src")
	layertree.Write(t, tree, layertree.Standard("scarthgap", false))
	_, cfg := verifyProject(t, s, func(p *model.Project) {
		p.Sources = []string{tree}
		p.Release = "scarthgap"
		p.Machine = "qemuarm64"
	})
	conf, err := os.ReadFile(filepath.Join(filepath.Dir(cfg), "build", "conf", "local.conf"))
	if err != nil || !strings.Contains(string(conf), "GGV2_DATA_EP = ") {
		t.Fatalf("generate did not write the old generation's variables (%v):\n%s", err, conf)
	}

	// The tree is no longer on disk.
	if err := os.RemoveAll(filepath.Join(tree, "meta-aws")); err != nil {
		t.Fatal(err)
	}
	code, out := runVerifyCLI(t, cfg, s.URL)
	if code != 0 || !strings.Contains(out, "meta-aws old generation") || !strings.Contains(out, "PASS  data endpoint: GGV2_DATA_EP") {
		t.Fatalf("verify without the tree: exit %d\n%s", code, out)
	}
	// Without AWS too.
	code, out = runVerifyCLI(t, cfg, s.URL, "--no-aws")
	if code != 0 || !strings.Contains(out, "meta-aws old generation") || !strings.Contains(out, "PASS  claim files in image: set and on disk: claim layer") {
		t.Fatalf("verify --no-aws without the tree: exit %d\n%s", code, out)
	}

	// --generation that disagrees with the conf cannot run.
	code, out = runVerifyCLI(t, cfg, s.URL, "--generation", "new")
	if code != 2 || !strings.Contains(out, "was written for the old meta-aws generation (GGV2_* variables)") {
		t.Errorf("--generation new on an old conf: exit %d\n%s", code, out)
	}

	// meta-aws comes back of the new generation: the conf is stale.
	spec := layertree.Standard("scarthgap", true)
	layertree.Write(t, tree, layertree.Spec{Layers: spec.Layers[len(spec.Layers)-1:]})
	verifyFails(t, cfg, s.URL, "FAIL  local.conf: local.conf was written for the old meta-aws generation",
		"of the new generation", "fix: run `fleetbake generate`")
}
