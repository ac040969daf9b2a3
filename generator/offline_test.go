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
		!strings.Contains(w, `"BBMASK:append" = " meta-aws/recipes-iot/aws-iot-greengrass/greengrass-lite_"`) {
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

// meta-aws wrynose's greengrass_2.16.0.bb (the nucleus built from source)
// says SRCREV_greengrass = "v${PV}": a tag too, written with a variable. The
// warning names it, its advice masks that recipe and nothing else, and once
// [local_conf] has done what the warning asks it says nothing more.
func TestOfflineTagWithVariableAndLocalConfFixes(t *testing.T) {
	f := newFixture(t, model.GenerationNew)
	f.writeClaimFiles(t)
	dir := "sources/meta-aws/recipes-iot/aws-iot-greengrass/"
	f.write(t, dir+"greengrass_2.16.0.bb", "SRC_URI = \"git://github.com/aws-greengrass/aws-greengrass-nucleus.git;protocol=https;nobranch=1;name=greengrass\"\n# Pin to specific version tag\nSRCREV_greengrass = \"v${PV}\"\n")
	f.write(t, dir+"greengrass-lite_2.5.1.bb", "SRCREV_ggl = \"068dd106f138a59f762acaa79460aba1e263a8c4\"\nSRCREV_sigv4 = \"v1.3.1\"\nSRCREV_sdk = \"v1.0.3\"\n# SRCREV_ggl:pn-greengrass-lite = \"${AUTOREV}\"\n")
	f.write(t, dir+"greengrass-bin_2.16.0.bb", "SRC_URI = \"https://d2s8p88vqu9w66.cloudfront.net/releases/greengrass-${PV}.zip\"\n")
	warnings := func() string {
		c, err := Plan(f.p, f.res)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(c.Warnings, "\n")
	}
	f.p.LocalConf = map[string]string{"BB_NO_NETWORK": "1"}
	w := warnings()
	if !strings.Contains(w, `greengrass_2.16.0.bb sets SRCREV_greengrass = "v${PV} (v2.16.0)"`) ||
		!strings.Contains(w, `" meta-aws/recipes-iot/aws-iot-greengrass/greengrass_"`) {
		t.Fatalf("warnings = %s", w)
	}
	// The advised mask, read as BitBake reads BBMASK, hits that recipe and
	// not the nucleus greengrass-bin.
	f.p.LocalConf["BBMASK:append"] = " meta-aws/recipes-iot/aws-iot-greengrass/greengrass_"
	if !masked(f.p, f.dir+"/"+dir+"greengrass_2.16.0.bb") || masked(f.p, f.dir+"/"+dir+"greengrass-bin_2.16.0.bb") {
		t.Error("the advised mask must mask greengrass and only it")
	}
	// Masking greengrass-lite alone (the warning's other advice) leaves
	// greengrass to warn about: "greengrass-lite" does not mask "greengrass_".
	f.p.LocalConf["BBMASK:append"] = " meta-aws/recipes-iot/aws-iot-greengrass/greengrass-lite"
	if w := warnings(); !strings.Contains(w, "greengrass_2.16.0.bb") || strings.Contains(w, "greengrass-lite_2.5.1.bb") {
		t.Errorf("with greengrass-lite masked: %s", w)
	}
	// Pinning greengrass's SRCREV to a commit for that recipe fixes its parse.
	f.p.LocalConf["SRCREV_greengrass:pn-greengrass"] = "1f0e8d3c2b4a59687766554433221100ffeeddcc"
	if w := warnings(); strings.Contains(w, "SRCREV") {
		t.Errorf("after the pin: %s", w)
	}
	// The nucleus advice followed: BB_SRCREV_POLICY = "cache".
	f.p.LocalConf = map[string]string{"BB_NO_NETWORK": "1"}
	f.p.Greengrass.Nucleus = model.NucleusLite
	if w := warnings(); !strings.Contains(w, `"BB_SRCREV_POLICY" = "cache"`) {
		t.Fatalf("nucleus greengrass-lite: %s", w)
	}
	f.p.LocalConf["BB_SRCREV_POLICY"] = "cache"
	if w := warnings(); strings.Contains(w, "SRCREV") {
		t.Errorf("after BB_SRCREV_POLICY = cache: %s", w)
	}
}
