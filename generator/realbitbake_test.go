//go:build linux

package generator_test

// A test against real BitBake and real layers: fleetbake generates
// conf/local.conf and conf/bblayers.conf for a project whose source folder is
// $FLEETBAKE_POKY, and BitBake (through oe-init-build-env) must read back the
// project's MACHINE, BBLAYERS and every fleet provisioning variable in the
// recipe that uses it.
//
// Skipped unless FLEETBAKE_POKY names a folder holding poky,
// meta-openembedded and meta-aws clones of one release:
//
//	$FLEETBAKE_POKY/poky               git clone -b scarthgap https://git.yoctoproject.org/poky
//	$FLEETBAKE_POKY/meta-openembedded  git clone -b scarthgap https://git.openembedded.org/meta-openembedded
//	$FLEETBAKE_POKY/meta-aws           git clone -b scarthgap https://github.com/aws4embeddedlinux/meta-aws
//
// OE refuses to run as root, so run it as an ordinary user. A cold parse of
// these layers takes a few minutes; give go test room:
//
//	FLEETBAKE_POKY=$HOME/yocto/scarthgap go test -timeout 30m -run TestRealBitBake -v ./generator/
//
// Nothing is fetched: the project sets BB_NO_NETWORK = "1" (and masks
// greengrass-lite, whose recipe needs the network to parse) and nothing is
// built; BitBake only parses. The meta-aws generation (greengrass-plugin-
// fleetprovisioning recipe or GGV2_* in greengrass-bin) is read from the
// tree, so the same test covers kirkstone and scarthgap checkouts.

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fleetbake/engine"
	"fleetbake/generator"
	"fleetbake/internal/realbb"
	"fleetbake/model"
)

func TestRealBitBakeReadsFleetProvisioning(t *testing.T) {
	// The project, saved and loaded back the way `fleetbake generate` reads it.
	p, root := realbb.PokyProject(t, "-timeout 30m -run TestRealBitBake -v ./generator/", "fbreal", realbb.Offline(realbb.GreengrassLiteMask))
	poky, dir := filepath.Join(root, "poky"), filepath.Dir(p.Path())
	p.Machine = "qemuarm64"
	p.Greengrass.RoleAlias = "fbreal-CustomRoleAlias"
	p.Greengrass.ThingGroup = "fbreal-Lab-Fleet"
	p = realbb.Reload(t, p)
	if err := p.Validate(); err != nil {
		t.Fatalf("the test's project does not validate: %v", err)
	}
	cert, key, rootCA := p.ClaimFiles()
	realbb.WriteClaims(t, p, realbb.Placeholder, realbb.Placeholder, realbb.Placeholder)

	res := realbb.Resolve(t, p)
	realbb.OnDisk(t, res, root)
	c, err := generator.Plan(p, res)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	for _, w := range c.Warnings {
		t.Errorf("generate warned: %s", w)
	}
	if err := generator.Apply(c); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	build := filepath.Join(dir, p.BuildDir)
	t.Cleanup(func() { engine.WaitServerGone(build, time.Minute) })

	// What BitBake must see: computed from the project and the resolved
	// layers, not from the generated files.
	names := p.Greengrass.Names()
	wantLayers := []string{}
	wantCollections := []string{}
	for _, l := range res.Layers {
		wantLayers = append(wantLayers, filepath.Clean(l.Path))
		wantCollections = append(wantCollections, l.Collection)
	}
	var (
		q        = engine.BBQuery{Config: []string{"MACHINE", "DISTRO", "BBLAYERS", "BBFILE_COLLECTIONS", "BB_NO_NETWORK", "DISTRO_FEATURES"}, Recipes: map[string][]string{}, LocalPaths: map[string][]string{}}
		wantVars = map[string]map[string]string{} // recipe -> variable -> value
		getvar   [3]string                        // recipe, variable, value for the bitbake-getvar cross-check
	)
	const bin, plugin = model.NucleusBin, "greengrass-plugin-fleetprovisioning"
	claimURLs := []string{"file://" + model.ClaimCertFile, "file://" + model.ClaimKeyFile, "file://" + model.ClaimRootFile}
	switch res.Generation {
	case model.GenerationNew:
		wantVars[plugin] = map[string]string{
			"AWS_REGION":                  p.Greengrass.Region,
			"IOT_DATA_ENDPOINT":           p.Greengrass.DataEndpoint,
			"IOT_CRED_ENDPOINT":           p.Greengrass.CredentialEndpoint,
			"IOT_ROLE_ALIAS":              names.RoleAlias,
			"FLEET_PROVISIONING_TEMPLATE": names.ProvisioningTemplate,
			"CLAIM_CERT_PATH":             cert,
			"CLAIM_KEY_PATH":              key,
			"ROOT_CA_PATH":                rootCA,
		}
		wantVars[bin] = map[string]string{"GGV2_REGION": p.Greengrass.Region}
		getvar = [3]string{plugin, "IOT_DATA_ENDPOINT", p.Greengrass.DataEndpoint}
	case model.GenerationOld:
		wantVars[bin] = map[string]string{
			"GGV2_REGION":                           p.Greengrass.Region,
			"GGV2_DATA_EP":                          p.Greengrass.DataEndpoint,
			"GGV2_CRED_EP":                          p.Greengrass.CredentialEndpoint,
			"GGV2_TES_RALIAS":                       names.RoleAlias,
			"GGV2_FLEET_PROVISIONING_TEMPLATE_NAME": names.ProvisioningTemplate,
			"GGV2_THING_NAME":                       names.ThingNamePrefix,
			"GGV2_THING_GROUP":                      names.ThingGroup,
		}
		q.LocalPaths[bin] = claimURLs
		getvar = [3]string{bin, "GGV2_DATA_EP", p.Greengrass.DataEndpoint}
		claimLayer := filepath.Join(dir, filepath.FromSlash(generator.ClaimLayerDir))
		wantLayers = append(wantLayers, claimLayer)
		wantCollections = append(wantCollections, "fleetbake-claim")
	default:
		t.Fatalf("no meta-aws generation detected under %s (got %q)", root, res.Generation)
	}
	t.Logf("release %s, meta-aws generation %s, %d layers", res.Release, res.Generation, len(res.Layers))
	for recipe, vars := range wantVars {
		for name := range vars {
			q.Recipes[recipe] = append(q.Recipes[recipe], name)
		}
	}
	q.Recipes[bin] = append(q.Recipes[bin], "PACKAGECONFIG", "SRC_URI", "DEPENDS")
	q.Recipes[p.Image] = append(q.Recipes[p.Image], "IMAGE_INSTALL")

	// One BitBake session for every variable: engine's query, which
	// `fleetbake verify --bitbake` uses too (tinfoil, parse_recipe, getVar,
	// as bitbake-getvar does).
	ctx := realbb.Context(t)
	start := time.Now()
	o := engine.BBQueryOptions{OEInit: poky, BuildDir: build}
	ans, err := engine.QueryBitBake(ctx, o, q)
	if err != nil {
		t.Fatalf("%v\nconf/local.conf:\n%s", err, bbReadFile(t, filepath.Join(build, "conf", "local.conf")))
	}
	t.Logf("BitBake parsed the generated configuration and read %d recipes in %s", len(q.Recipes), time.Since(start).Round(time.Second))
	// Every recipe asked about must parse: engine's query reports a recipe
	// BitBake cannot parse or provide by name, and the others still answer.
	for recipe, e := range ans.Errors {
		t.Errorf("BitBake could not read recipe %s: %s", recipe, e)
	}
	cfg := func(name string) string {
		v := ans.Config[name]
		if v == nil {
			t.Errorf("BitBake: %s is not set", name)
			return ""
		}
		return *v
	}

	// MACHINE, DISTRO, BBLAYERS and the collections they bring.
	if got := cfg("MACHINE"); got != p.Machine {
		t.Errorf("BitBake MACHINE = %q, want %q", got, p.Machine)
	}
	if got := cfg("DISTRO"); got != p.Distro {
		t.Errorf("BitBake DISTRO = %q, want %q", got, p.Distro)
	}
	if got := cfg("BB_NO_NETWORK"); got != "1" {
		t.Errorf("BitBake BB_NO_NETWORK = %q, want 1 (from [local_conf])", got)
	}
	var gotLayers []string
	for _, l := range strings.Fields(cfg("BBLAYERS")) {
		gotLayers = append(gotLayers, filepath.Clean(l))
	}
	if !slices.Equal(gotLayers, wantLayers) {
		t.Errorf("BitBake BBLAYERS:\n  %s\nwant:\n  %s", strings.Join(gotLayers, "\n  "), strings.Join(wantLayers, "\n  "))
	}
	gotCols := strings.Fields(cfg("BBFILE_COLLECTIONS"))
	slices.Sort(gotCols)
	slices.Sort(wantCollections)
	if !slices.Equal(gotCols, wantCollections) {
		t.Errorf("BitBake BBFILE_COLLECTIONS = %v, want %v (the collections of the resolved layers)", gotCols, wantCollections)
	}
	if df := strings.Fields(cfg("DISTRO_FEATURES")); !slices.Contains(df, "systemd") {
		t.Errorf("BitBake DISTRO_FEATURES lacks systemd: %v", df)
	}

	// Every fleet provisioning variable, in the recipe that reads it.
	for recipe, vars := range wantVars {
		t.Logf("%s is %s", recipe, ans.Files[recipe])
		for name, want := range vars {
			got := ans.Recipes[recipe][name]
			switch {
			case got == nil:
				t.Errorf("BitBake %s in %s is not set, want %q", name, recipe, want)
			case *got != want:
				t.Errorf("BitBake %s in %s = %q, want %q", name, recipe, *got, want)
			}
		}
	}
	field := func(recipe, name string) []string {
		if v := ans.Recipes[recipe][name]; v != nil {
			return strings.Fields(*v)
		}
		return nil
	}
	if pc := field(bin, "PACKAGECONFIG"); !slices.Contains(pc, "fleetprovisioning") {
		t.Errorf("BitBake PACKAGECONFIG in %s = %v, want fleetprovisioning in it", bin, pc)
	}
	if res.Generation == model.GenerationNew {
		if deps := field(bin, "DEPENDS"); !slices.Contains(deps, plugin) {
			t.Errorf("BitBake DEPENDS of %s lacks %s (PACKAGECONFIG fleetprovisioning not in effect): %v", bin, plugin, deps)
		}
	} else {
		// The claim files: in SRC_URI, and found in the project's claim
		// folder rather than meta-aws's empty placeholders.
		src := field(bin, "SRC_URI")
		want := map[string]string{claimURLs[0]: cert, claimURLs[1]: key, claimURLs[2]: rootCA}
		for _, u := range claimURLs {
			if !slices.Contains(src, u) {
				t.Errorf("BitBake SRC_URI of %s lacks %s: %v", bin, u, src)
			}
			if got := ans.LocalPaths[bin][u]; got != want[u] {
				t.Errorf("BitBake takes %s of %s from %q, want %q (the project's claim folder)", u, bin, got, want[u])
			}
		}
	}
	if ii := field(p.Image, "IMAGE_INSTALL"); !slices.Contains(ii, bin) {
		t.Errorf("BitBake IMAGE_INSTALL of %s lacks %s: %v", p.Image, bin, ii)
	}

	// The command engineers use agrees (one call: each starts a server).
	engine.WaitServerGone(build, time.Minute)
	start = time.Now()
	got := realbb.Getvar(ctx, t, o, getvar[0], getvar[1])
	if got != getvar[2] {
		t.Errorf("bitbake-getvar -r %s --value %s printed %q, want %q", getvar[0], getvar[1], got, getvar[2])
	}
	t.Logf("bitbake-getvar -r %s --value %s = %q (%s)", getvar[0], getvar[1], got, time.Since(start).Round(time.Second))
}

func bbReadFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "(missing)"
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
