package generator

import (
	"testing"

	"fleetbake/model"
)

// TestClaimKeyStaysOutOfSstate: the recipe that installs the claim key into
// its package, and the image that holds it, get SSTATE_SKIP_CREATION = "1",
// so no sstate object of either (and so no shared SSTATE_DIR or sstate
// mirror) ever holds the fleet's claim key (issue 9, item 4). Other recipes
// keep their sstate.
func TestClaimKeyStaysOutOfSstate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		gen     model.Generation
		nucleus string
		recipe  string
	}{
		{"plugin, new generation", model.GenerationNew, model.NucleusBin, "greengrass-plugin-fleetprovisioning"},
		{"greengrass-bin, old generation", model.GenerationOld, model.NucleusBin, "greengrass-bin"},
		{"greengrass-lite", model.GenerationNew, model.NucleusLite, "greengrass-lite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.gen)
			f.writeClaimFiles(t)
			f.p.Greengrass.Nucleus = tc.nucleus
			f.generate(t)
			lc := f.read(t, "build/conf/local.conf")
			for _, pn := range []string{tc.recipe, f.p.Image} {
				if v, ok := valueOf(t, lc, "SSTATE_SKIP_CREATION:pn-"+pn); !ok || v != "1" {
					t.Errorf("SSTATE_SKIP_CREATION:pn-%s = %q (set %v), want \"1\"", pn, v, ok)
				}
			}
			if v, ok := valueOf(t, lc, "SSTATE_SKIP_CREATION"); ok {
				t.Errorf("sstate is off for every recipe: SSTATE_SKIP_CREATION = %q", v)
			}

			f.p.Greengrass.Enabled = false
			f.generate(t)
			lc = f.read(t, "build/conf/local.conf")
			if _, ok := valueOf(t, lc, "SSTATE_SKIP_CREATION:pn-"+tc.recipe); ok {
				t.Errorf("SSTATE_SKIP_CREATION:pn-%s still set with Greengrass off", tc.recipe)
			}
		})
	}
}
