package generator

import (
	"fmt"
	"strings"

	"fleetbake/model"
)

// projectWarnings are things about the project as a whole that the
// engineer must act on before the image can provision a device: the conf
// files are still written, since the rest of the build does not need them.
func projectWarnings(in *input) []string {
	g := in.p.Greengrass
	if !g.Enabled {
		return nil
	}
	var warns []string
	if g.DataEndpoint == "" || g.CredentialEndpoint == "" {
		warns = append(warns, "Greengrass endpoints are not known yet: run `fleetbake provision apply` (it writes data_endpoint and credential_endpoint into fleetbake.toml), then `fleetbake generate` again")
	}
	if missing := missingFiles(in.p.ClaimFiles()); len(missing) > 0 {
		warns = append(warns, fmt.Sprintf("claim files missing: %s; `fleetbake provision apply` creates them (the image build fails without them), then run `fleetbake generate` again so that BitBake checksums them (SRC_URI)", strings.Join(missing, ", ")))
	}
	return warns
}

// projectNotes are information: layers that are only known from the
// built-in catalog, and which meta-aws variables were written.
func projectNotes(in *input) []string {
	var notes []string
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
