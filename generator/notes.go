package generator

import (
	"fmt"
	"slices"
	"strings"

	"fleetbake/model"
)

// projectWarnings are things about the project as a whole that the
// engineer must act on before the image can provision a device: the conf
// files are still written, since the rest of the build does not need them.
func projectWarnings(in *input) []string {
	var warns []string
	if w := machineNotFetched(in); w != "" {
		warns = append(warns, w)
	}
	g := in.p.Greengrass
	if !g.Enabled {
		return warns
	}
	if g.DataEndpoint == "" || g.CredentialEndpoint == "" {
		warns = append(warns, "Greengrass endpoints are not known yet: run `fleetbake provision apply` (it writes data_endpoint and credential_endpoint into fleetbake.toml), then `fleetbake generate` again")
	}
	if missing := missingFiles(in.p.ClaimFiles()); len(missing) > 0 {
		warns = append(warns, fmt.Sprintf("claim files missing: %s; `fleetbake provision apply` creates them (the image build fails without them), then run `fleetbake generate` again so that BitBake checksums them (SRC_URI)", strings.Join(missing, ", ")))
	}
	return warns
}

// machineNotFetched says so when MACHINE comes only from a catalog layer
// that is not on disk: BitBake cannot parse without its
// conf/machine/<name>.conf, so this is to act on before the build (found
// walking through issue 10: generate said nothing about it).
func machineNotFetched(in *input) string {
	for _, l := range in.layers {
		for _, m := range l.Machines {
			if m.Name != in.p.Machine {
				continue
			}
			if l.OnDisk {
				return ""
			}
			return fmt.Sprintf("MACHINE %s comes from %s, which is not on disk yet: run `fleetbake layers fetch` before `fleetbake build` (BitBake finds no conf/machine/%s.conf without it)",
				in.p.Machine, l.Name, in.p.Machine)
		}
	}
	return ""
}

// projectNotes are information: the resolution's notes, layers that are
// only known from the built-in catalog, and which meta-aws variables were
// written.
func projectNotes(in *input) []string {
	notes := slices.Clone(in.resNotes)
	var absent []string
	for _, l := range in.layers {
		if !l.OnDisk {
			absent = append(absent, l.Name)
		}
	}
	if len(absent) > 0 {
		notes = append(notes, fmt.Sprintf("layers not fetched yet: %s; bblayers.conf names where `fleetbake layers fetch` puts them; run it before building", strings.Join(absent, ", ")))
	}
	if in.p.Greengrass.Enabled {
		switch {
		case nucleus(in.p.Greengrass) == model.NucleusLite:
			notes = append(notes, "greengrass-lite: IOT_*/CLAIM_* variables for greengrass-lite")
		case in.generation == model.GenerationOld:
			notes = append(notes, "meta-aws of the old fleet provisioning generation: GGV2_* variables, claim files supplied by the layer "+ClaimLayerDir)
		case in.generation == model.GenerationNew:
			notes = append(notes, "meta-aws of the new fleet provisioning generation: IOT_*/CLAIM_* variables for greengrass-plugin-fleetprovisioning")
		}
	}
	return notes
}
