package generator

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/model"
)

func TestGenerateCreatesCompleteFiles(t *testing.T) {
	f := newFixture(t, model.GenerationNew)
	f.writeClaimFiles(t)
	c := f.generate(t)
	if got := strings.Join(c.Summary(), "\n"); got != "build/conf/bblayers.conf: created\nbuild/conf/local.conf: created" {
		t.Errorf("summary:\n%s", got)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("unexpected warnings: %q", c.Warnings)
	}

	bb := f.read(t, "build/conf/bblayers.conf")
	for key, want := range map[string]string{"POKY_BBLAYERS_CONF_VERSION": "2", "BBPATH": "${TOPDIR}", "BBFILES": ""} {
		if v, ok := valueOf(t, bb, key); !ok || v != want {
			t.Errorf("bblayers.conf %s = %q (set %v), want %q", key, v, ok, want)
		}
	}
	layers, _ := valueOf(t, bb, "BBLAYERS")
	var want []string
	for _, l := range f.res.Layers {
		want = append(want, l.Path)
	}
	if got := strings.Fields(layers); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("BBLAYERS = %q, want %q", got, want)
	}

	lc := f.read(t, "build/conf/local.conf")
	cert, key, root := f.p.ClaimFiles()
	const pn = ":pn-greengrass-plugin-fleetprovisioning"
	for k, want := range map[string]string{
		"CONF_VERSION":                         "2",
		"MACHINE":                              "qemux86-64",
		"DISTRO":                               "poky",
		"INIT_MANAGER":                         "systemd",
		"IMAGE_INSTALL:append:pn-" + f.p.Image: " greengrass-bin",
		"USER_CLASSES":                         "buildstats",
		"PATCHRESOLVE":                         "noop",
		"PACKAGECONFIG:pn-greengrass-bin":      "fleetprovisioning",
		"GGV2_REGION":                          "eu-west-1",
		"AWS_REGION" + pn:                      "eu-west-1",
		"IOT_DATA_ENDPOINT" + pn:               f.p.Greengrass.DataEndpoint,
		"IOT_CRED_ENDPOINT" + pn:               f.p.Greengrass.CredentialEndpoint,
		"IOT_ROLE_ALIAS" + pn:                  "fleetbake-TokenExchangeRoleAlias",
		"FLEET_PROVISIONING_TEMPLATE" + pn:     "fleetbake-Template",
		"CLAIM_CERT_PATH" + pn:                 cert,
		"CLAIM_KEY_PATH" + pn:                  key,
		"ROOT_CA_PATH" + pn:                    root,
	} {
		if v, ok := valueOf(t, lc, k); !ok || v != want {
			t.Errorf("local.conf %s = %q (set %v), want %q", k, v, ok, want)
		}
	}
	for _, old := range []string{"GGV2_DATA_EP", "GGV2_THING_NAME"} {
		if _, ok := valueOf(t, lc, old); ok {
			t.Errorf("new generation tree got old variable %s", old)
		}
	}
	// The nucleus reaches the chosen image only, never every image (a
	// BSP's initramfs is an image too); no password-less root login.
	for _, never := range []string{"IMAGE_INSTALL:append", "EXTRA_IMAGE_FEATURES"} {
		if v, ok := valueOf(t, lc, never); ok {
			t.Errorf("local.conf sets %s = %q", never, v)
		}
	}
	// What oe-init-build-env writes and a new local.conf must not lack:
	// BitBake stops before a full disk corrupts TMPDIR, DL_DIR or SSTATE_DIR.
	disk, ok := valueOf(t, lc, "BB_DISKMON_DIRS")
	if got := strings.Fields(disk); !ok || len(got) != 8 || got[0] != "STOPTASKS,${TMPDIR},1G,100K" || got[7] != "HALT,/tmp,10M,1K" {
		t.Errorf("BB_DISKMON_DIRS = %q (set %v)", disk, ok)
	}
	if _, err := os.Stat(f.path(ClaimLayerDir)); err == nil {
		t.Error("claim layer written for a new-generation tree")
	}
	// No backup for a file that did not exist.
	if _, err := os.Stat(f.path("build/conf/local.conf" + BackupSuffix)); err == nil {
		t.Error("backup written for a new file")
	}
}

func TestSecondRunChangesNothing(t *testing.T) {
	f := newFixture(t, model.GenerationOld)
	f.writeClaimFiles(t)
	f.generate(t)
	before := snapshot(t, f.dir)
	c, err := Plan(f.p, f.res)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Empty() || c.Diff() != "" {
		t.Fatalf("second plan not empty:\n%s", c.Diff())
	}
	for _, line := range c.Summary() {
		if !strings.HasSuffix(line, ": up to date") {
			t.Errorf("summary line %q", line)
		}
	}
	if err := Apply(c); err != nil {
		t.Fatal(err)
	}
	if d := diffSnapshots(before, snapshot(t, f.dir)); d != "" {
		t.Errorf("an up-to-date Apply touched files:\n%s", d)
	}
}

func TestHandEditsSurviveByteForByte(t *testing.T) {
	f := newFixture(t, model.GenerationNew)
	f.writeClaimFiles(t)
	f.generate(t)
	lc := f.read(t, "build/conf/local.conf")
	r, err := findBlock("", []byte(lc))
	if err != nil || !r.found {
		t.Fatal("no block", err)
	}
	// The engineer's own lines, odd ones included, before and after the block;
	// no newline at the very end.
	before := "# my notes  \t\nBB_DISKMON_DIRS ??= \"\\\n    STOPTASKS,${TMPDIR},1G,100K \\\n    HALT,${TMPDIR},100M,1K\"\n\n\n"
	after := "\n# tail comment\nEXTRA_IMAGE_FEATURES += \"ssh-server-dropbear\"\nUSER_CLASSES ?= \"buildstats\""
	edited := before + lc[r.start:r.end] + after
	f.write(t, "build/conf/local.conf", edited)

	f.p.Machine = "raspberrypi4-64"
	f.p.Shared.BBNumberThreads = 16
	c := f.generate(t)
	if got := strings.Join(c.Summary(), "\n"); !strings.Contains(got, "build/conf/local.conf: updated") {
		t.Errorf("summary:\n%s", got)
	}
	now := f.read(t, "build/conf/local.conf")
	if !strings.HasPrefix(now, before) || !strings.HasSuffix(now, after) {
		t.Fatalf("own lines changed:\n%s", now)
	}
	if v, _ := valueOf(t, now, "MACHINE"); v != "raspberrypi4-64" {
		t.Errorf("MACHINE = %q", v)
	}
	if v, _ := valueOf(t, now, "BB_NUMBER_THREADS"); v != "16" {
		t.Errorf("BB_NUMBER_THREADS = %q", v)
	}
	// One backup: the previous file, exactly.
	if bak := f.read(t, "build/conf/local.conf"+BackupSuffix); bak != edited {
		t.Errorf("backup is not the previous file:\n%s", bak)
	}
}

func TestExistingConfWithoutBlockGetsBlockAppended(t *testing.T) {
	f := newFixture(t, model.GenerationNew)
	f.writeClaimFiles(t)
	// What oe-init-build-env copies from the template, shortened.
	template := "MACHINE ??= \"qemux86-64\"\nDISTRO ?= \"poky\"\nCONF_VERSION = \"2\"\n"
	bbTemplate := "POKY_BBLAYERS_CONF_VERSION = \"2\"\nBBPATH = \"${TOPDIR}\"\nBBFILES ?= \"\"\nBBLAYERS ?= \" \\\n  /old/meta \\\n  \"\n"
	f.write(t, "build/conf/local.conf", template)
	f.write(t, "build/conf/bblayers.conf", bbTemplate)
	c := f.generate(t)
	if len(c.Warnings) != 0 {
		t.Errorf("the template's own assignments before the block are harmless, got warnings %q", c.Warnings)
	}
	lc := f.read(t, "build/conf/local.conf")
	if !strings.HasPrefix(lc, template+"\n"+BeginMarker+"\n") {
		t.Errorf("block not appended after the template:\n%s", lc)
	}
	bb := f.read(t, "build/conf/bblayers.conf")
	if !strings.HasPrefix(bb, bbTemplate) {
		t.Errorf("bblayers.conf template lines changed:\n%s", bb)
	}
	conf, _ := ReadConf([]byte(bb))
	last := conf.Assignments[len(conf.Assignments)-1]
	if last.Var != "BBLAYERS" || last.Op != "=" || strings.Contains(last.Value, "/old/meta") {
		t.Errorf("fleetbake's BBLAYERS is not the last word: %+v", last)
	}
	if f.read(t, "build/conf/bblayers.conf"+BackupSuffix) != bbTemplate {
		t.Error("bblayers.conf backup differs from the old file")
	}
}

func TestWarnsAboutOwnAssignmentsThatOverride(t *testing.T) {
	f := newFixture(t, model.GenerationNew)
	f.writeClaimFiles(t)
	f.generate(t)
	lc := f.read(t, "build/conf/local.conf")
	lc = "MACHINE = \"before-is-harmless\"\n" + lc +
		"MACHINE = \"qemuarm64\"\n" +
		"DISTRO ?= \"weak-after-is-harmless\"\n" +
		"IMAGE_INSTALL:append = \" htop\"\n" +
		"DL_DIR:append = \"/x\"\n" +
		"DISTRO:mymachine = \"other\"\n" +
		"IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning = \"wrong.example.com\"\n" +
		"IMAGE_INSTALL:remove = \"greengrass-bin\"\n"
	f.write(t, "build/conf/local.conf", lc)
	f.p.Shared.DLDir = "/srv/dl"
	c, err := Plan(f.p, f.res)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(c.Warnings, "\n")
	for _, want := range []string{
		`MACHINE = "qemuarm64" after fleetbake's block overrides its MACHINE = "qemux86-64"`,
		`DL_DIR:append = "/x" changes fleetbake's DL_DIR`,
		`DISTRO:mymachine = "other" overrides fleetbake's DISTRO = "poky" whenever the override "mymachine" is active`,
		`IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning = "wrong.example.com" after fleetbake's block overrides`,
		`IMAGE_INSTALL:remove = "greengrass-bin" may remove what fleetbake appends to IMAGE_INSTALL`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing warning containing %q in:\n%s", want, all)
		}
	}
	for _, not := range []string{"before-is-harmless", "weak-after-is-harmless", "htop"} {
		if strings.Contains(all, not) {
			t.Errorf("warned about a harmless line (%s):\n%s", not, all)
		}
	}
	// Line numbers point at the engineer's lines.
	if !strings.Contains(all, "build/conf/local.conf:1: MACHINE") && strings.Contains(all, "before-is-harmless") {
		t.Error("line numbers wrong")
	}
	lines := strings.Split(lc, "\n")
	for _, w := range c.Warnings {
		var n int
		var rest string
		if _, err := fmtSscanf(w, &n, &rest); err != nil {
			t.Fatalf("warning without file:line: %q", w)
		}
		if !strings.HasPrefix(lines[n-1], rest) {
			t.Errorf("warning %q points at line %d = %q", w, n, lines[n-1])
		}
	}
	// Warnings never edit the engineer's lines.
	if err := Apply(c); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(f.read(t, "build/conf/local.conf"), "IMAGE_INSTALL:remove = \"greengrass-bin\"\n") {
		t.Error("own lines were edited")
	}
}

// fmtSscanf splits "build/conf/local.conf:12: MACHINE = ..." into 12 and
// the variable name.
func fmtSscanf(w string, n *int, rest *string) (int, error) {
	const prefix = "build/conf/local.conf:"
	if !strings.HasPrefix(w, prefix) {
		return 0, errors.New("no prefix")
	}
	num, tail, ok := strings.Cut(strings.TrimPrefix(w, prefix), ": ")
	if !ok {
		return 0, errors.New("no line")
	}
	v := 0
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, errors.New("bad number")
		}
		v = v*10 + int(c-'0')
	}
	*n = v
	*rest, _, _ = strings.Cut(tail, " ")
	return 2, nil
}

func TestMalformedMarkersChangeNothing(t *testing.T) {
	for name, broken := range map[string]string{
		"duplicate":    "A = \"1\"\n" + testBlock + testBlock,
		"unterminated": "A = \"1\"\n" + BeginMarker + "\nMACHINE = \"x\"\n",
		"stray end":    "A = \"1\"\n" + EndMarker + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, model.GenerationOld)
			f.writeClaimFiles(t)
			f.write(t, "build/conf/local.conf", broken)
			before := snapshot(t, f.dir)
			_, err := Plan(f.p, f.res)
			var me *MarkerError
			if !errors.As(err, &me) || me.Path != "build/conf/local.conf" {
				t.Fatalf("err = %v, want a MarkerError naming build/conf/local.conf", err)
			}
			if d := diffSnapshots(before, snapshot(t, f.dir)); d != "" {
				t.Errorf("files changed:\n%s", d)
			}
		})
	}
}

func TestFileChangedDuringRunIsRefused(t *testing.T) {
	f := newFixture(t, model.GenerationOld)
	f.writeClaimFiles(t)
	f.generate(t)
	f.p.Machine = "qemuarm64"
	c, err := Plan(f.p, f.res)
	if err != nil {
		t.Fatal(err)
	}
	// The engineer saves local.conf in an editor between Plan and Apply.
	lc := f.read(t, "build/conf/local.conf") + "MY_SETTING = \"1\"\n"
	f.write(t, "build/conf/local.conf", lc)
	before := snapshot(t, f.dir)
	err = Apply(c)
	var ce *model.ChangedOnDiskError
	if !errors.As(err, &ce) || ce.Name != "build/conf/local.conf" {
		t.Fatalf("err = %v, want ChangedOnDiskError for build/conf/local.conf", err)
	}
	if !strings.Contains(err.Error(), "nothing was written") {
		t.Errorf("error does not say nothing was written: %v", err)
	}
	if d := diffSnapshots(before, snapshot(t, f.dir)); d != "" {
		t.Errorf("files changed:\n%s", d)
	}
	// A file deleted in between is a change too.
	c, _ = Plan(f.p, f.res)
	os.Remove(f.path("build/conf/local.conf"))
	if err := Apply(c); !errors.As(err, &ce) {
		t.Errorf("deleted file: err = %v", err)
	}
	// A file that appears in between is a change too.
	os.RemoveAll(f.path("build"))
	c, _ = Plan(f.p, f.res)
	f.write(t, "build/conf/local.conf", "MINE = \"1\"\n")
	if err := Apply(c); !errors.As(err, &ce) {
		t.Errorf("new file appeared: err = %v", err)
	}
	if f.read(t, "build/conf/local.conf") != "MINE = \"1\"\n" {
		t.Error("file that appeared was overwritten")
	}
}

func TestReadOnlyFolderChangesNothing(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores folder permissions; CI runs this as an ordinary user")
	}
	f := newFixture(t, model.GenerationOld)
	f.writeClaimFiles(t)
	f.generate(t)
	f.p.Machine = "qemuarm64"
	// bblayers.conf is unchanged; local.conf and the claim layer change. Make
	// the claim layer's folder read-only: local.conf must not be written either.
	f.p.Greengrass.ClaimDir = "other-claims"
	f.writeClaimFiles(t)
	ro := f.path(ClaimLayerDir + "/recipes-iot/aws-iot-greengrass")
	if err := os.Chmod(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(ro, 0o755) })
	before := snapshot(t, f.dir)
	c, err := Plan(f.p, f.res)
	if err != nil {
		t.Fatal(err)
	}
	err = Apply(c)
	if err == nil || !strings.Contains(err.Error(), "permission denied") || !strings.Contains(err.Error(), "greengrass-bin_%.bbappend") {
		t.Fatalf("err = %v, want permission denied naming the bbappend", err)
	}
	if d := diffSnapshots(before, snapshot(t, f.dir)); d != "" {
		t.Errorf("files changed:\n%s", d)
	}

	// A read-only project folder where conf/ does not exist yet: no folder
	// left behind.
	g := newFixture(t, model.GenerationNew)
	if err := os.Chmod(g.dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(g.dir, 0o755) })
	c, err = Plan(g.p, g.res)
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(c); err == nil || !strings.Contains(err.Error(), "build/conf/bblayers.conf") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(g.path("build")); err == nil {
		t.Error("build folder left behind")
	}
}

func TestRefusesUnsafeValues(t *testing.T) {
	// Projects that skipped model.Validate (the UI building one in memory):
	// the generator itself refuses what it cannot write.
	for name, mutate := range map[string]func(p *model.Project){
		"quote":          func(p *model.Project) { p.Machine = `qemu"x` },
		"newline":        func(p *model.Project) { p.Distro = "poky\nINHERIT += \"evil\"" },
		"carriage":       func(p *model.Project) { p.Greengrass.DataEndpoint = "a\rB = \"1\"" },
		"python":         func(p *model.Project) { p.LocalConf = map[string]string{"X": "${@os.system('id')}"} },
		"backslash":      func(p *model.Project) { p.Shared.SstateMirrors = `file://.* http://x/PATH \n` },
		"bad name":       func(p *model.Project) { p.LocalConf = map[string]string{"X = \"1\"\nY": "1"} },
		"python in name": func(p *model.Project) { p.LocalConf = map[string]string{"X:${@bb}": "1"} },
		"space in layer": func(p *model.Project) {},
		"bad utf8":       func(p *model.Project) { p.Greengrass.ThingGroup = "g\xff" },
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, model.GenerationOld)
			mutate(f.p)
			if name == "space in layer" {
				f.res.Layers[4].Path = filepath.Join(f.dir, "my layers", "meta-aws")
			}
			before := snapshot(t, f.dir)
			_, err := Plan(f.p, f.res)
			if err == nil {
				t.Fatal("Plan accepted an unsafe value")
			}
			var uv *UnsafeValueError
			var ne *nameError
			if !errors.As(err, &uv) && !errors.As(err, &ne) {
				t.Errorf("err = %v (%T), want *UnsafeValueError or *nameError", err, err)
			}
			if d := diffSnapshots(before, snapshot(t, f.dir)); d != "" {
				t.Errorf("files changed:\n%s", d)
			}
		})
	}
}

func TestOldGenerationClaimLayer(t *testing.T) {
	f := newFixture(t, model.GenerationOld)
	f.writeClaimFiles(t)
	f.p.Greengrass.ThingGroup = "line-7"
	f.p.Greengrass.ThingNamePrefix = "press"
	f.generate(t)
	lc := f.read(t, "build/conf/local.conf")
	for k, want := range map[string]string{
		"PACKAGECONFIG:pn-greengrass-bin":       "fleetprovisioning",
		"GGV2_REGION":                           "eu-west-1",
		"GGV2_DATA_EP":                          f.p.Greengrass.DataEndpoint,
		"GGV2_CRED_EP":                          f.p.Greengrass.CredentialEndpoint,
		"GGV2_TES_RALIAS":                       "fleetbake-TokenExchangeRoleAlias",
		"GGV2_FLEET_PROVISIONING_TEMPLATE_NAME": "fleetbake-Template",
		"GGV2_THING_NAME":                       "press",
		"GGV2_THING_GROUP":                      "line-7",
	} {
		if v, ok := valueOf(t, lc, k); !ok || v != want {
			t.Errorf("local.conf %s = %q (set %v), want %q", k, v, ok, want)
		}
	}
	if _, ok := valueOf(t, lc, "CLAIM_CERT_PATH:pn-greengrass-plugin-fleetprovisioning"); ok {
		t.Error("old generation got new variables")
	}
	layerConf := f.read(t, ClaimLayerDir+"/conf/layer.conf")
	for k, want := range map[string]string{
		"BBFILE_COLLECTIONS":                 "fleetbake-claim",
		"LAYERSERIES_COMPAT_fleetbake-claim": "kirkstone",
		"LAYERDEPENDS_fleetbake-claim":       "core meta-aws",
	} {
		if v, _ := valueOf(t, layerConf, k); v != want {
			t.Errorf("layer.conf %s = %q, want %q", k, v, want)
		}
	}
	bbappend := f.read(t, ClaimLayerDir+"/recipes-iot/aws-iot-greengrass/greengrass-bin_%.bbappend")
	cert, _, _ := f.p.ClaimFiles()
	if v, _ := valueOf(t, bbappend, "FILESEXTRAPATHS:prepend"); v != filepath.Dir(cert)+":" {
		t.Errorf("FILESEXTRAPATHS:prepend = %q", v)
	}
	bb := f.read(t, "build/conf/bblayers.conf")
	layers, _ := valueOf(t, bb, "BBLAYERS")
	fields := strings.Fields(layers)
	if fields[len(fields)-1] != f.path(ClaimLayerDir) {
		t.Errorf("claim layer not last in BBLAYERS: %q", fields)
	}
	// The private key is referenced, never copied.
	filepath.Walk(f.path(ClaimLayerDir), func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".pem") {
			t.Errorf("claim file copied into the layer: %s", p)
		}
		return nil
	})
}

func TestGreengrassLiteAndDisabled(t *testing.T) {
	f := newFixture(t, model.GenerationOld) // lite reads the IOT_* names on every branch
	f.writeClaimFiles(t)
	f.p.Greengrass.Nucleus = model.NucleusLite
	f.generate(t)
	lc := f.read(t, "build/conf/local.conf")
	for k, want := range map[string]string{
		"IMAGE_INSTALL:append:pn-" + f.p.Image:           " greengrass-lite",
		"PACKAGECONFIG:append:pn-greengrass-lite":        " fleetprovisioning",
		"IOT_DATA_ENDPOINT:pn-greengrass-lite":           f.p.Greengrass.DataEndpoint,
		"FLEET_PROVISIONING_TEMPLATE:pn-greengrass-lite": "fleetbake-Template",
		"AWS_REGION:pn-greengrass-lite":                  "eu-west-1",
	} {
		if v, ok := valueOf(t, lc, k); !ok || v != want {
			t.Errorf("local.conf %s = %q (set %v), want %q", k, v, ok, want)
		}
	}
	if _, err := os.Stat(f.path(ClaimLayerDir)); err == nil {
		t.Error("claim layer written for greengrass-lite")
	}

	f.p.Greengrass.Enabled = false
	f.generate(t)
	lc = f.read(t, "build/conf/local.conf")
	for _, gone := range []string{"INIT_MANAGER", "IMAGE_INSTALL:append", "IOT_DATA_ENDPOINT:pn-greengrass-lite"} {
		if _, ok := valueOf(t, lc, gone); ok {
			t.Errorf("%s still set with Greengrass off", gone)
		}
	}
}

func TestNoCheckoutWorksFromCatalogPaths(t *testing.T) {
	f := newFixture(t, model.GenerationNew)
	for _, l := range f.res.Layers {
		os.RemoveAll(l.Path)
		l.OnDisk = false
	}
	c := f.generate(t)
	if len(c.Notes) == 0 || !strings.Contains(c.Notes[0], "not fetched yet") || !strings.Contains(c.Notes[0], "fleetbake layers fetch") {
		t.Errorf("notes = %q", c.Notes)
	}
	bb := f.read(t, "build/conf/bblayers.conf")
	if !strings.Contains(bb, f.res.Layers[0].Path) {
		t.Error("catalog path missing from bblayers.conf")
	}
	// Endpoints unknown and no claim files: warnings, not errors.
	f.p.Greengrass.DataEndpoint = ""
	c, err := Plan(f.p, f.res)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(c.Warnings, "\n")
	if !strings.Contains(all, "endpoints are not known yet") || !strings.Contains(all, "claim files missing") {
		t.Errorf("warnings = %q", c.Warnings)
	}
}

func TestExtrasOverridingFleetbakeKeysWarn(t *testing.T) {
	f := newFixture(t, model.GenerationNew)
	f.writeClaimFiles(t)
	f.p.LocalConf = map[string]string{"INIT_MANAGER": "sysvinit", "IMAGE_INSTALL:append": " htop"}
	c := f.generate(t)
	lc := f.read(t, "build/conf/local.conf")
	if v, _ := valueOf(t, lc, "INIT_MANAGER"); v != "sysvinit" {
		t.Errorf("the engineer's [local_conf] must have the last word, INIT_MANAGER = %q", v)
	}
	all := strings.Join(c.Warnings, "\n")
	if !strings.Contains(all, "local_conf.INIT_MANAGER") || strings.Contains(all, "htop") {
		t.Errorf("warnings = %q", c.Warnings)
	}
}

func TestDiffShowsOnlyTheChange(t *testing.T) {
	f := newFixture(t, model.GenerationNew)
	f.writeClaimFiles(t)
	f.generate(t)
	f.p.Machine = "qemuarm64"
	c, err := Plan(f.p, f.res)
	if err != nil {
		t.Fatal(err)
	}
	d := c.Diff()
	want := "--- a/build/conf/local.conf\n+++ b/build/conf/local.conf\n"
	if !strings.HasPrefix(d, want) {
		t.Fatalf("diff:\n%s", d)
	}
	if !strings.Contains(d, "\n-MACHINE = \"qemux86-64\"\n+MACHINE = \"qemuarm64\"\n") || strings.Count(d, "\n-") != 1 || strings.Count(d, "\n+") != 2 {
		t.Errorf("diff:\n%s", d)
	}
	// Plan wrote nothing.
	if v, _ := valueOf(t, f.read(t, "build/conf/local.conf"), "MACHINE"); v != "qemux86-64" {
		t.Error("Plan wrote the file")
	}
}
