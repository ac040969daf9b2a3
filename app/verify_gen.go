package app

import (
	"fmt"
	"strings"

	"fleetbake/model"
)

// confGeneration is the meta-aws generation the project's local.conf was
// written for, read from the variables of fleetbake's block there
// (templates/bitbake/local.conf.block.tmpl): GGV2_DATA_EP for the old
// generation, IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning for
// the new. The devices are built from that conf, so verify checks them as
// generate wrote them rather than detecting the generation again (on
// scarthgap both exist, and a tree that is not on disk falls back to the
// release's newest). forced is --generation: it must agree. mismatch says
// how the meta-aws tree on disk now disagrees with the conf ("" when it
// does not). Without a conf, or for greengrass-lite (one set of variables
// on every branch), forced stands.
func confGeneration(p *model.Project, forced model.Generation) (gen model.Generation, mismatch string, err error) {
	if p.Greengrass.Nucleus == model.NucleusLite {
		return forced, "", nil
	}
	cv, err := readConfView(confPathOf(p))
	if err != nil {
		return forced, "", nil // the local.conf check reports it
	}
	_, old := cv.get("GGV2_DATA_EP")
	_, nw := cv.get("IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning")
	switch {
	case old && !nw:
		gen = model.GenerationOld
	case nw && !old:
		gen = model.GenerationNew
	default:
		return forced, "", nil
	}
	if forced != model.GenerationUnknown && forced != gen {
		return "", "", fmt.Errorf("--generation %s: %s was written for the %s meta-aws generation (%s); drop --generation, or run `fleetbake generate` for the tree you build",
			forced, cv.path, gen, genVars(gen))
	}
	if tree, why := Generation(p, nil); strings.HasPrefix(why, "found in ") && tree != gen {
		mismatch = fmt.Sprintf("local.conf was written for the %s meta-aws generation (%s), but meta-aws %s is of the %s generation: its recipes do not read those variables",
			gen, genVars(gen), why, tree)
	}
	return gen, mismatch, nil
}

func genVars(g model.Generation) string {
	if g == model.GenerationOld {
		return "GGV2_* variables"
	}
	return "IOT_*/CLAIM_* variables for greengrass-plugin-fleetprovisioning"
}
