package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fleetbake/generator"
	"fleetbake/model"
)

// Check 4: what a first boot needs, read from local.conf; with --bitbake,
// as BitBake resolves it (verify_bitbake.go).

func checkTimeSync(ctx context.Context, v *Verifier) Check {
	c := confTimeSync(v)
	if v.bb != nil {
		return bbTimeSync(v, c)
	}
	return c
}

func confTimeSync(v *Verifier) Check {
	cv, err := v.conf()
	if err != nil {
		return noConf(err)
	}
	var facts []string
	if m, _ := cv.get("INIT_MANAGER"); m == "systemd" {
		facts = append(facts, `INIT_MANAGER = "systemd" (systemd-timesyncd comes with systemd)`)
	}
	for _, list := range []string{"DISTRO_FEATURES", "IMAGE_INSTALL"} {
		for _, val := range cv.all[list] {
			for _, w := range strings.Fields(val) {
				switch w {
				case "systemd", "systemd-timesyncd", "ntp", "ntpd", "chrony", "ntpdate", "sntp":
					facts = append(facts, list+" has "+w)
				}
			}
		}
	}
	if len(facts) == 0 {
		return fail("no time-sync service in the image: neither systemd (INIT_MANAGER, DISTRO_FEATURES) nor ntp or chrony in IMAGE_INSTALL",
			`add to [local_conf] in fleetbake.toml: INIT_MANAGER = "systemd", or "IMAGE_INSTALL:append" = " chrony"; then generate`)
	}
	return pass(strings.Join(slices.Compact(facts), "; "))
}

func checkClaimFilesConf(ctx context.Context, v *Verifier) Check {
	if v.bb != nil {
		return bbClaimFiles(v)
	}
	cv, err := v.conf()
	if err != nil {
		return noConf(err)
	}
	var facts, missing []string
	for _, s := range []string{"cert", "key", "root"} {
		name := v.confVar(s)
		if name == "" {
			continue
		}
		val, ok := cv.get(name)
		if !ok || val == "" {
			missing = append(missing, confMissing(name))
			continue
		}
		if _, err := os.Stat(val); err != nil {
			missing = append(missing, name+" = "+val+": not found")
			continue
		}
		facts = append(facts, name+" = "+val)
	}
	if v.confVar("cert") == "" {
		// Old generation: the claim layer's bbappend installs them from
		// claim_dir; the layer must be in bblayers.conf.
		layer, _ := filepath.Abs(v.p.Abs(filepath.FromSlash(generator.ClaimLayerDir)))
		bbl, err := readConfView(filepath.Join(filepath.Dir(v.confPath()), "bblayers.conf"))
		switch {
		case err != nil:
			missing = append(missing, "cannot read bblayers.conf: "+err.Error())
		case !slices.Contains(strings.Fields(strings.Join(bbl.all["BBLAYERS"], " ")), layer):
			missing = append(missing, "the claim layer "+layer+" is not in BBLAYERS")
		default:
			facts = append(facts, "claim layer "+layer+" in BBLAYERS")
		}
		cert, key, root := v.p.ClaimFiles()
		for _, f := range []string{cert, key, root} {
			if _, err := os.Stat(f); err != nil {
				missing = append(missing, f+" missing (the claim layer installs it)")
			} else {
				facts = append(facts, f)
			}
		}
	}
	if len(missing) > 0 {
		return fail(strings.Join(missing, "; "), "run `fleetbake provision apply` for the files and `fleetbake generate` for the settings")
	}
	return pass("set and on disk: " + strings.Join(facts, ", "))
}

func checkSerial(ctx context.Context, v *Verifier) Check {
	var facts []string
	for _, prm := range v.device.Params {
		facts = append(facts, prm.Name+" from "+prm.Source)
	}
	if v.bb != nil {
		fact, c := bbSerial(v)
		if c != nil {
			return *c
		}
		facts = append(facts, fact)
	} else if v.gen == model.GenerationOld && v.device.Nucleus != model.NucleusLite {
		if _, c := v.confValue("thing", v.names.ThingNamePrefix, "the project's thing name prefix"); c != nil {
			return *c
		}
	}
	if v.noAWS {
		return pass("the device sends " + strings.Join(facts, "; ") + " (the template's parameters were not compared: no AWS)")
	}
	t, err := v.template()
	if err == nil && t.Found {
		var body struct{ Parameters map[string]json.RawMessage }
		if json.Unmarshal([]byte(t.Body), &body) == nil {
			var undeclared []string
			for _, n := range v.device.ParamNames() {
				if _, ok := body.Parameters[n]; !ok {
					undeclared = append(undeclared, n)
				}
			}
			if len(undeclared) > 0 {
				return fail("the device sends "+quoteList(undeclared)+", which template "+v.names.ProvisioningTemplate+" does not declare",
					"run `fleetbake provision apply` with the same meta-aws tree `fleetbake generate` uses")
			}
		}
	}
	return pass("the device sends " + strings.Join(facts, "; "))
}
