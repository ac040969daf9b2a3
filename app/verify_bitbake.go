package app

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"fleetbake/engine"
	"fleetbake/model"
	"fleetbake/provision"
)

// Check 4 with real BitBake (`fleetbake verify --bitbake`): the first-boot
// facts as BitBake resolves them for the image, after every layer,
// bbappend, override and [local_conf] line, rather than as local.conf's text
// suggests. One BitBake session answers all three checks.

// Recipes check 4 reads.
const (
	recipePlugin   = "greengrass-plugin-fleetprovisioning"
	recipeSystemd  = "systemd"
	recipeCoreBoot = "packagegroup-core-boot"
)

// timeSyncPackages set the clock from the network at boot: oe-core's
// systemd (timesyncd, below), meta-networking's chrony and ntp (ntp, ntpdate,
// sntp packages of ntp_*.bb).
var timeSyncPackages = []string{"systemd-timesyncd", "chrony", "ntp", "ntpdate", "sntp"}

// deviceRecipe is the recipe that reads the fleet provisioning settings and
// installs the claim files: greengrass-lite's own; the plugin's on the new
// generation of greengrass-bin; greengrass-bin's on the old (model/devices.go
// names the sources).
func (v *Verifier) deviceRecipe() string {
	switch {
	case v.device.Nucleus == model.NucleusLite:
		return model.NucleusLite
	case v.gen == model.GenerationOld:
		return model.NucleusBin
	}
	return recipePlugin
}

// claimURLs are the file:// entries through which the old generation's
// greengrass-bin installs the claim files (the claim layer's bbappend).
var claimURLs = []string{"file://" + model.ClaimCertFile, "file://" + model.ClaimKeyFile, "file://" + model.ClaimRootFile}

// bitbakeQuery checks that BitBake can run for the project and returns the
// memoised query the first-boot checks share; onStart (may be nil) is
// called when that query starts.
func bitbakeQuery(ctx context.Context, v *Verifier, onStart func()) (func() (*engine.BBAnswer, error), error) {
	loc, err := engine.FindBitBake(v.p.SourceRoots())
	if err != nil {
		return nil, fmt.Errorf("no BitBake to run: %w; run `fleetbake layers fetch` (poky brings both), or name the folder that holds them in sources of fleetbake.toml", err)
	}
	o := engine.BBQueryOptions{OEInit: loc.OEInit, BuildDir: v.p.Abs(v.p.BuildDir)}
	if err := engine.CanQueryBitBake(o); err != nil {
		return nil, err
	}
	q := engine.BBQuery{
		Config: []string{"DISTRO_FEATURES", "INIT_MANAGER"},
		Recipes: map[string][]string{
			v.p.Image:      {"PACKAGE_INSTALL", "VIRTUAL-RUNTIME_init_manager"},
			recipeCoreBoot: {"RDEPENDS:" + recipeCoreBoot},
			recipeSystemd:  {"PACKAGECONFIG"},
		},
		LocalPaths: map[string][]string{},
	}
	switch r := v.deviceRecipe(); r {
	case model.NucleusLite:
		q.Recipes[r] = []string{"PACKAGECONFIG", "CLAIM_CERT_PATH", "CLAIM_KEY_PATH", "ROOT_CA_PATH", "SYSTEMD_SERVICE:" + r}
	case recipePlugin:
		q.Recipes[model.NucleusBin] = []string{"PACKAGECONFIG"}
		q.Recipes[r] = []string{"CLAIM_CERT_PATH", "CLAIM_KEY_PATH", "ROOT_CA_PATH", "SYSTEMD_SERVICE:" + r}
	default:
		q.Recipes[r] = []string{"PACKAGECONFIG", "SRC_URI", "GGV2_THING_NAME", "GGV2_THING_GROUP"}
		q.LocalPaths[r] = claimURLs
	}
	// One session for the three checks: each BitBake start loads the
	// parse cache again, and one build folder serves one client at a time.
	return sync.OnceValues(func() (*engine.BBAnswer, error) {
		if onStart != nil {
			onStart()
		}
		return engine.QueryBitBake(ctx, o, q)
	}), nil
}

// bbFail is a first-boot check BitBake could not answer.
func bbFail(err error) Check {
	return fail("BitBake: "+err.Error(), "fix what BitBake reports (`fleetbake generate` rewrites the conf files), or run verify without --bitbake for the conf-only checks")
}

// bbRecipe is a recipe's answer, or why BitBake could not read it.
func bbRecipe(a *engine.BBAnswer, recipe string) error {
	if e, ok := a.Errors[recipe]; ok {
		return fmt.Errorf("recipe %s: %s", recipe, e)
	}
	if _, ok := a.Recipes[recipe]; !ok {
		return fmt.Errorf("recipe %s: no answer", recipe)
	}
	return nil
}

func bbFields(a *engine.BBAnswer, recipe, name string) []string {
	val, _ := a.Var(recipe, name)
	return strings.Fields(val)
}

// bbTimeSync: the image installs a time-sync service, as BitBake resolves
// the image's package list (PACKAGE_INSTALL, which IMAGE_INSTALL and the
// image features make up). systemd-timesyncd is in systemd's main package
// when systemd is built with PACKAGECONFIG timesyncd (oe-core scarthgap
// meta/recipes-core/systemd/systemd_255.21.bb: PACKAGECONFIG[timesyncd],
// FILES:${PN}); packagegroup-core-boot, which core-image-* install, brings
// ${VIRTUAL-RUNTIME_init_manager} (meta/recipes-core/packagegroups/
// packagegroup-core-boot.bb).
func bbTimeSync(v *Verifier, conf Check) Check {
	a, err := v.bb()
	if err != nil {
		return bbFail(err)
	}
	img := v.p.Image
	if err := bbRecipe(a, img); err != nil {
		return bbFail(err)
	}
	pkgs := bbFields(a, img, "PACKAGE_INSTALL")
	for _, p := range timeSyncPackages {
		if slices.Contains(pkgs, p) {
			return pass(fmt.Sprintf("BitBake: %s installs %s (PACKAGE_INSTALL)", img, p))
		}
	}
	initMgr, _ := a.Var(img, "VIRTUAL-RUNTIME_init_manager")
	via := ""
	switch {
	case slices.Contains(pkgs, recipeSystemd):
		via = "PACKAGE_INSTALL"
	case slices.Contains(pkgs, recipeCoreBoot) && slices.Contains(bbFields(a, recipeCoreBoot, "RDEPENDS:"+recipeCoreBoot), recipeSystemd):
		via = recipeCoreBoot + ` (VIRTUAL-RUNTIME_init_manager = "` + initMgr + `")`
	}
	timesyncd := slices.Contains(bbFields(a, recipeSystemd, "PACKAGECONFIG"), "timesyncd")
	const fix = `add a time-sync service to [local_conf] in fleetbake.toml, e.g. "IMAGE_INSTALL:append" = " chrony", or undo what takes timesyncd out of systemd; then generate`
	var c Check
	switch {
	case via != "" && timesyncd:
		return pass(fmt.Sprintf("BitBake: %s installs systemd through %s, built with PACKAGECONFIG timesyncd (systemd-timesyncd)", img, via))
	case via != "":
		c = fail(fmt.Sprintf("BitBake: %s installs systemd through %s, but systemd's PACKAGECONFIG lacks timesyncd (a PACKAGECONFIG:remove or bbappend), and the image has none of %s: nothing sets the clock before the TLS handshake",
			img, via, quoteList(timeSyncPackages)), fix)
	default:
		c = fail(fmt.Sprintf("BitBake: %s installs no time-sync service: no systemd (VIRTUAL-RUNTIME_init_manager = %q) and none of %s in PACKAGE_INSTALL",
			img, initMgr, quoteList(timeSyncPackages)), fix)
	}
	if conf.Status == Pass {
		c.Detail += "; local.conf alone suggested otherwise (" + conf.Detail + "): something beyond fleetbake's lines changes it"
	}
	return c
}

// bbClaimFiles: the nucleus is in the image with fleet provisioning on,
// and the device recipe installs the claim files from where BitBake
// resolves them, which exist and, for the root CA, are Amazon Root CA 1.
func bbClaimFiles(v *Verifier) Check {
	a, err := v.bb()
	if err != nil {
		return bbFail(err)
	}
	recipe := v.deviceRecipe()
	for _, r := range []string{v.p.Image, recipe} {
		if err := bbRecipe(a, r); err != nil {
			return bbFail(err)
		}
	}
	nucleus := v.device.Nucleus
	var facts, bad []string
	if !slices.Contains(bbFields(a, v.p.Image, "PACKAGE_INSTALL"), nucleus) {
		bad = append(bad, v.p.Image+" does not install "+nucleus+" (PACKAGE_INSTALL)")
	}
	// greengrass-bin brings the plugin only with PACKAGECONFIG
	// fleetprovisioning (meta-aws greengrass-bin_*.bb PACKAGECONFIG[fleetprovisioning]);
	// greengrass-lite installs its fleet provisioning units and config only
	// with it (greengrass-lite_*.bb do_install).
	if !slices.Contains(bbFields(a, nucleus, "PACKAGECONFIG"), "fleetprovisioning") {
		bad = append(bad, "PACKAGECONFIG of "+nucleus+" lacks fleetprovisioning")
	}
	if recipe == model.NucleusBin {
		// Old generation: the files are SRC_URI entries, found in the
		// project's claim folder through the claim layer's FILESEXTRAPATHS.
		src := bbFields(a, recipe, "SRC_URI")
		cert, key, root := v.p.ClaimFiles()
		for i, want := range []string{cert, key, root} {
			u := claimURLs[i]
			got := a.LocalPaths[recipe][u]
			switch {
			case !slices.Contains(src, u):
				bad = append(bad, "SRC_URI of "+recipe+" lacks "+u)
			case got != want:
				bad = append(bad, fmt.Sprintf("BitBake takes %s from %s, not the project's %s", u, got, want))
			default:
				facts = append(facts, u+" -> "+got)
			}
		}
	} else {
		cv, _ := v.conf()
		for _, name := range []string{"CLAIM_CERT_PATH", "CLAIM_KEY_PATH", "ROOT_CA_PATH"} {
			got, _ := a.Var(recipe, name)
			if got == "" {
				bad = append(bad, name+" is empty in "+recipe+": the recipe installs no claim files")
				continue
			}
			if cv != nil {
				if text, ok := cv.get(name + ":pn-" + recipe); ok && text != got {
					bad = append(bad, fmt.Sprintf("%s resolves to %s in %s, but local.conf sets %s: something after fleetbake's line overrides it", name, got, recipe, text))
					continue
				}
			}
			if _, err := os.Stat(got); err != nil {
				bad = append(bad, name+" = "+got+": not found")
				continue
			}
			if name == "ROOT_CA_PATH" {
				if b, err := model.ReadRegularFile(got, maxPEMSize); err != nil || pemFingerprint(b) != pemFingerprint(provision.AmazonRootCA1()) {
					bad = append(bad, name+" = "+got+": not Amazon Root CA 1")
					continue
				}
			}
			facts = append(facts, name+" = "+got)
		}
	}
	if len(bad) > 0 {
		return fail("BitBake: "+strings.Join(bad, "; "), "run `fleetbake provision apply` for the files and `fleetbake generate` for the settings; remove what overrides them")
	}
	return pass("BitBake: " + nucleus + " in " + v.p.Image + " with fleetprovisioning; " + recipe + ": " + strings.Join(facts, ", "))
}

// bbSerial: what fills the serial on the device is in the image. New
// generation: greengrass-plugin-fleetprovisioning.service writes the MAC
// into the plugin config (meta-aws greengrass-plugin-fleetprovisioning_1.2.2.bb
// SYSTEMD_SERVICE, installed only with DISTRO_FEATURES systemd);
// greengrass-lite: ggl.gg_pre-fleetprovisioning.service (greengrass-lite_*.bb
// SYSTEMD_SERVICE with PACKAGECONFIG fleetprovisioning); old generation:
// GGV2_THING_NAME and GGV2_THING_GROUP in greengrass-bin's config.
func bbSerial(v *Verifier) (string, *Check) {
	a, err := v.bb()
	if err != nil {
		c := bbFail(err)
		return "", &c
	}
	recipe := v.deviceRecipe()
	if err := bbRecipe(a, recipe); err != nil {
		c := bbFail(err)
		return "", &c
	}
	if recipe == model.NucleusBin {
		var bad []string
		for name, want := range map[string]string{"GGV2_THING_NAME": v.names.ThingNamePrefix, "GGV2_THING_GROUP": v.names.ThingGroup} {
			if got, _ := a.Var(recipe, name); got != want {
				bad = append(bad, fmt.Sprintf("%s resolves to %q in %s, want %q", name, got, recipe, want))
			}
		}
		if len(bad) > 0 {
			slices.Sort(bad)
			c := fail("BitBake: "+strings.Join(bad, "; "), regenerate)
			return "", &c
		}
		return "BitBake: GGV2_THING_NAME = " + v.names.ThingNamePrefix + " in " + recipe, nil
	}
	unit := "greengrass-plugin-fleetprovisioning.service"
	if recipe == model.NucleusLite {
		unit = "ggl.gg_pre-fleetprovisioning.service"
	}
	var bad []string
	if !slices.Contains(strings.Fields(a.ConfigVar("DISTRO_FEATURES")), "systemd") {
		bad = append(bad, "DISTRO_FEATURES lacks systemd: no unit is installed")
	}
	if !slices.Contains(bbFields(a, recipe, "SYSTEMD_SERVICE:"+recipe), unit) {
		bad = append(bad, "SYSTEMD_SERVICE of "+recipe+" lacks "+unit)
	}
	if len(bad) > 0 {
		c := fail("BitBake: "+strings.Join(bad, "; ")+": the device would send the placeholder <unique>", `keep INIT_MANAGER = "systemd" and PACKAGECONFIG fleetprovisioning; then generate`)
		return "", &c
	}
	return "BitBake: " + recipe + " enables " + unit + ", which writes the MAC", nil
}
