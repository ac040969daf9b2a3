package generator

import (
	"strings"
	"testing"

	"fleetbake/model"
)

// meta-aws scarthgap's greengrass-lite names git tags in SRCREV: with
// BB_NO_NETWORK = "1" BitBake cannot parse it, and every build stops.
func TestOfflineWarnsAboutTagSRCREV(t *testing.T) {
	f := newFixture(t, model.GenerationNew)
	f.writeClaimFiles(t)
	f.write(t, "sources/meta-aws/recipes-iot/aws-iot-greengrass/greengrass-lite_2.4.0.bb",
		"SRCREV_ggl = \"7a0d7bed443e3c69dfc041c9c1cd9fdeb20d7dbf\"\nSRCREV_sigv4 = \"v1.3.1\"\n")
	f.write(t, "sources/meta-aws/recipes-iot/aws-iot-greengrass/greengrass-bin_2.16.0.bb", "SRCREV = \"${AUTOREV}\"\n")

	warnings := func() string {
		c, err := Plan(f.p, f.res)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(c.Warnings, "\n")
	}
	if w := warnings(); strings.Contains(w, "SRCREV") {
		t.Errorf("warned with the network on: %s", w)
	}

	f.p.LocalConf = map[string]string{"BB_NO_NETWORK": "1"}
	w := warnings()
	if !strings.Contains(w, `greengrass-lite_2.4.0.bb sets SRCREV_sigv4 = "v1.3.1"`) ||
		!strings.Contains(w, `"BBMASK:append" = " meta-aws/recipes-iot/aws-iot-greengrass/greengrass-lite"`) {
		t.Errorf("warnings = %s", w)
	}
	if strings.Contains(w, "greengrass-bin") {
		t.Errorf("AUTOREV or a commit id is not a tag: %s", w)
	}

	// Building greengrass-lite itself: masking is no answer, and neither is
	// pinning a commit id (its do_configure greps fc_deps.json for the tag).
	f.p.Greengrass.Nucleus = model.NucleusLite
	if w := warnings(); !strings.Contains(w, "cannot be masked") || !strings.Contains(w, `"BB_SRCREV_POLICY" = "cache"`) || strings.Contains(w, "commit id") {
		t.Errorf("warnings for greengrass-lite = %s", w)
	}

	// Once masked, nothing to say.
	f.p.Greengrass.Nucleus = model.NucleusBin
	f.p.LocalConf["BBMASK:append"] = " meta-aws/recipes-iot/aws-iot-greengrass/greengrass-lite"
	if w := warnings(); strings.Contains(w, "SRCREV") {
		t.Errorf("warned although the recipe is masked: %s", w)
	}
}
