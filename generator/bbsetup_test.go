package generator

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
	"fleetbake/model"
)

// bbsetupProject is a project in a bitbake-setup folder whose layers/
// checkouts are git repositories (origin: a folder of this machine, as
// bitbake-setup leaves them), resolved as `fleetbake export` resolves it.
func bbsetupProject(t *testing.T) (*model.Project, *model.Resolution, map[string]string) {
	t.Helper()
	setup := t.TempDir()
	layertree.Write(t, setup, layertree.BBSetup("wrynose", "2.18"))
	heads := map[string]string{}
	for _, repo := range []string{"bitbake", "openembedded-core", "meta-yocto", "meta-openembedded", "meta-aws"} {
		dir := filepath.Join(setup, "layers", repo)
		gitT(t, dir, "init", "--quiet", "-b", "wrynose")
		gitT(t, dir, "remote", "add", "origin", "file:///srv/mirror/"+repo)
		gitT(t, dir, "add", "-A")
		gitT(t, dir, "commit", "--quiet", "-m", "fixture")
		heads[repo] = strings.TrimSpace(gitT(t, dir, "rev-parse", "HEAD"))
	}
	layertree.BBSetupLinks(t, setup)
	p := model.Default()
	p.SetPath(filepath.Join(setup, model.DefaultFile))
	p.Machine = "qemuarm64"
	p.Distro = "poky-altcfg"
	p.Greengrass.ClaimDir = "/home/engineer/secret-claims"
	p.LocalConf = map[string]string{"BB_NUMBER_THREADS": "4"}
	w, err := model.Discover(p.SourceRoots()...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := model.Resolve(p, w)
	if err != nil {
		t.Fatal(err)
	}
	return p, res, heads
}

func gitT(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestExportBBSetup(t *testing.T) {
	p, res, heads := bbsetupProject(t)
	// meta-aws pinned; the rest not.
	p.Pins = model.Pins{"layers/meta-aws": heads["meta-aws"]}
	exp, err := ExportBBSetup(p, res)
	if err != nil {
		t.Fatal(err)
	}
	var cfg bbsetupConfig
	if err := json.Unmarshal(exp.Files[BBSetupConfigFile], &cfg); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, exp.Files[BBSetupConfigFile])
	}
	if cfg.Version != "1.0" || len(cfg.BitbakeSet.Configurations) != 1 {
		t.Fatalf("config %+v", cfg)
	}
	aws := cfg.Sources["meta-aws"].GitRemote
	if aws.Rev != heads["meta-aws"] || aws.Branch != "wrynose" || aws.Remotes["origin"].URI != "https://github.com/aws4embeddedlinux/meta-aws" || len(aws.Remotes) != 1 {
		t.Fatalf("meta-aws source %+v: want the pin, the branch and the catalog URL (not the checkout's file:// origin)", aws)
	}
	oe := cfg.Sources["openembedded-core"].GitRemote
	if oe.Rev != "wrynose" || oe.Remotes["origin"].URI != "https://git.openembedded.org/openembedded-core" {
		t.Fatalf("unpinned openembedded-core %+v: rev is the branch", oe)
	}
	if bb := cfg.Sources["bitbake"].GitRemote; bb.Branch != "2.18" || bb.Rev != "2.18" {
		t.Fatalf("bitbake %+v: wrynose needs BitBake 2.18", bb)
	}
	var noted []string
	for _, n := range exp.Notes {
		noted = append(noted, strings.SplitN(n, ":", 2)[0])
	}
	if strings.Join(noted, " ") != "bitbake meta-openembedded meta-yocto openembedded-core" {
		t.Fatalf("notes name %v, want every unpinned source and not meta-aws", noted)
	}
	c := cfg.BitbakeSet.Configurations[0]
	if strings.Join(c.OEFragments, " ") != "machine/qemuarm64 distro/poky-altcfg "+BBSetupFragment {
		t.Fatalf("fragments %v", c.OEFragments)
	}
	if strings.Join(c.BBLayers, " ") != "openembedded-core/meta meta-openembedded/meta-oe meta-yocto/meta-poky meta-openembedded/meta-python meta-openembedded/meta-multimedia meta-openembedded/meta-networking meta-aws" {
		t.Fatalf("bb-layers %v", c.BBLayers)
	}
	if strings.Join(c.BBLayersFileRel, " ") != BBSetupLayerDir || strings.Join(c.EnvPassthrough, " ") != ClaimDirEnv {
		t.Fatalf("file-relative %v passthrough %v", c.BBLayersFileRel, c.EnvPassthrough)
	}

	frag := string(exp.Files[BBSetupLayerDir+"/conf/fragments/fleetbake.conf"])
	conf, err := ReadConf([]byte(frag))
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]string{}
	for _, a := range conf.Assignments {
		vals[a.Var] = a.Value
	}
	if _, ok := vals["MACHINE"]; ok {
		t.Fatalf("the fragment sets MACHINE, which the built-in fragment refuses:\n%s", frag)
	}
	if _, ok := vals["DISTRO"]; ok {
		t.Fatalf("the fragment sets DISTRO:\n%s", frag)
	}
	const plugin = ":pn-greengrass-plugin-fleetprovisioning"
	if vals["CLAIM_CERT_PATH"+plugin] != "${FLEETBAKE_CLAIM_DIR}/claim.cert.pem" || vals["BB_NUMBER_THREADS"] != "4" || vals["BB_CONF_FRAGMENT_SUMMARY"] == "" {
		t.Fatalf("fragment values %v", vals)
	}
	// The claim files are SRC_URI entries under the variable, so a host
	// without them stops at parse time naming the file; unset, the
	// variable is a folder named to say so.
	if got, want := vals["SRC_URI:append"+plugin], " file://${FLEETBAKE_CLAIM_DIR}/claim.cert.pem file://${FLEETBAKE_CLAIM_DIR}/claim.pkey.pem file://${FLEETBAKE_CLAIM_DIR}/claim.root.pem"; got != want {
		t.Fatalf("SRC_URI:append%s = %q, want %q", plugin, got, want)
	}
	if !strings.Contains(frag, "\nFLEETBAKE_CLAIM_DIR ??= \""+ClaimDirUnset+"\"\n") {
		t.Fatalf("the fragment has no weak default for FLEETBAKE_CLAIM_DIR:\n%s", frag)
	}
	for name, data := range exp.Files {
		for _, local := range []string{"secret-claims", p.Dir(), "/srv/mirror"} {
			if strings.Contains(string(data), local) {
				t.Errorf("%s names %q, a path of this machine:\n%s", name, local, data)
			}
		}
	}
	lc, err := ReadConf(exp.Files[BBSetupLayerDir+"/conf/layer.conf"])
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, a := range lc.Assignments {
		if a.Var == "BBFILE_COLLECTIONS" || a.Var == "LAYERSERIES_COMPAT_"+bbsetupCollection {
			cols = append(cols, a.Value)
		}
	}
	if strings.Join(cols, " ") != bbsetupCollection+" wrynose" || !strings.HasPrefix(BBSetupFragment, bbsetupCollection+"/") {
		t.Fatalf("layer.conf collection/compat %v", cols)
	}
}

func TestExportBBSetupRefusals(t *testing.T) {
	p, res, _ := bbsetupProject(t)
	old := *res
	old.Release = "scarthgap"
	if _, err := ExportBBSetup(p, &old); err == nil || !strings.Contains(err.Error(), "export kas") {
		t.Fatalf("scarthgap: %v; want a refusal that points at export kas", err)
	}
	// A layer in a repository the catalog does not know, whose origin is a
	// folder of this machine: another machine cannot clone it.
	own := filepath.Join(p.Dir(), "layers", "meta-own")
	layertree.Write(t, own, layertree.Spec{Layers: []layertree.Layer{{Dir: ".", Collection: "own", Compat: []string{"wrynose"}}}})
	gitT(t, own, "init", "--quiet", "-b", "main")
	gitT(t, own, "remote", "add", "origin", "/home/engineer/meta-own.git")
	withOwn := *res
	withOwn.Layers = append(append([]*model.Layer{}, res.Layers...), &model.Layer{Name: "meta-own", Path: own, OnDisk: true, Collection: "own"})
	if _, err := ExportBBSetup(p, &withOwn); err == nil || !strings.Contains(err.Error(), "meta-own") || !strings.Contains(err.Error(), "public URL") {
		t.Fatalf("local origin: %v", err)
	}
	gitT(t, own, "remote", "set-url", "origin", "https://git.example.com/meta-own.git")
	exp, err := ExportBBSetup(p, &withOwn)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(exp.Files[BBSetupConfigFile]), `"uri": "https://git.example.com/meta-own.git"`) {
		t.Fatalf("meta-own's origin not used:\n%s", exp.Files[BBSetupConfigFile])
	}
}

// bitbake is no layer repository, but a pin of its checkout beside
// openembedded-core is honoured.
func TestExportBBSetupPinsBitBakeBeside(t *testing.T) {
	p, res, heads := bbsetupProject(t)
	p.Pins = model.Pins{"layers/bitbake": heads["bitbake"]}
	exp, err := ExportBBSetup(p, res)
	if err != nil {
		t.Fatal(err)
	}
	var cfg bbsetupConfig
	if err := json.Unmarshal(exp.Files[BBSetupConfigFile], &cfg); err != nil {
		t.Fatal(err)
	}
	if bb := cfg.Sources["bitbake"].GitRemote; bb.Rev != heads["bitbake"] || bb.Branch != "2.18" {
		t.Fatalf("bitbake %+v, want rev %s", bb, heads["bitbake"])
	}
	for _, n := range exp.Notes {
		if strings.HasPrefix(n, "bitbake:") {
			t.Fatalf("pinned bitbake noted as unpinned: %s", n)
		}
	}
}
