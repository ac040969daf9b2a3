//go:build linux

package generator_test

// Tests against real BitBake and a real bitbake-setup, on a setup folder
// that bitbake-setup made (the layout of Yocto 5.3 and later: layers/,
// build/, config/; see model/layout_bbsetup.go).
//
// FLEETBAKE_BBSETUP_TREE names such a setup folder whose configuration has
// meta-openembedded (meta-oe, meta-python, meta-multimedia, meta-networking)
// and meta-aws beside bitbake, openembedded-core and meta-yocto, of one
// release (whinlatter or wrynose), e.g. made with
//
//	bitbake/bin/bitbake-setup init --non-interactive my.conf.json poky-aws machine/qemux86-64 distro/poky
//
// FLEETBAKE_BITBAKE_SETUP names bin/bitbake-setup (bitbake 2.16 or later).
// Nothing is fetched from the network: the export's sources are pointed at
// the tree's own layers/ checkouts (file://) with --source-overrides, which
// keeps the export's branch and rev. OE refuses root: run as an ordinary
// user, e.g.
//
//	FLEETBAKE_BBSETUP_TREE=/work/yocto-bbsetup/bitbake-builds/poky-aws-wrynose \
//	FLEETBAKE_BITBAKE_SETUP=/work/yocto-bbsetup/src/bitbake/bin/bitbake-setup \
//	go test -timeout 40m -run 'TestRealBBSetup' -v ./generator/
//
// BitBake only parses the configuration (bitbake-getvar and tinfoil with
// config_only), so no recipe is fetched or parsed.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"fleetbake/engine"
	"fleetbake/generator"
	"fleetbake/internal/realbb"
	"fleetbake/model"
)

func bbsetupTree(t *testing.T) string {
	t.Helper()
	tree := os.Getenv("FLEETBAKE_BBSETUP_TREE")
	if tree == "" {
		t.Skip("FLEETBAKE_BBSETUP_TREE is not set to a setup folder made by bitbake-setup with meta-openembedded and meta-aws")
	}
	tree, err := filepath.Abs(tree)
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"layers/openembedded-core/oe-init-build-env", "layers/bitbake/bin/bitbake", "layers/meta-openembedded/meta-oe/conf/layer.conf",
		"layers/meta-aws/conf/layer.conf", "config/config-upstream.json", "build/conf/bblayers.conf"} {
		if _, err := os.Stat(filepath.Join(tree, rel)); err != nil {
			t.Fatalf("FLEETBAKE_BBSETUP_TREE=%s must be a setup folder made by bitbake-setup with meta-openembedded and meta-aws: %v", tree, err)
		}
	}
	if os.Geteuid() == 0 {
		t.Skip("OE's sanity check refuses to run BitBake as root: run this test as an ordinary user")
	}
	return tree
}

// bbsetupCopy makes a setup folder in a temp dir that shares the tree's
// checkouts (layers/ is a link to them) and has copies of its config/ and
// build/conf files: generate writes there, never into the engineer's tree.
func bbsetupCopy(t *testing.T, tree string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(tree, "layers"), filepath.Join(dir, "layers")); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"config/config-upstream.json", "config/sources-fixed-revisions.json", "build/conf/bblayers.conf", "build/conf/local.conf", "build/conf/toolcfg.conf", "build/conf/site.conf"} {
		data, err := os.ReadFile(filepath.Join(tree, rel)) // site.conf: the content its link points at
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rel), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// bbsetupProject is the project both tests build: MACHINE differs from the
// built-in fragment the tree enables, so the value BitBake reports must be
// fleetbake's; claim files exist (placeholders) in the project's folder.
func bbsetupProject(t *testing.T, dir, tree string) (*model.Project, *model.Resolution) {
	t.Helper()
	p := realbb.Project(dir, "fbsetup", realbb.Offline(""))
	p.Machine = "qemuarm64"
	if slices.Contains(model.BuiltinFragments(filepath.Join(tree, "build")), "machine/qemuarm64") {
		p.Machine = "qemux86-64"
	}
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	realbb.WriteClaims(t, p, realbb.Placeholder, realbb.Placeholder, realbb.Placeholder)
	res := realbb.Resolve(t, p)
	realbb.OnDisk(t, res, dir)
	return p, res
}

// bbsetupWant is what BitBake must read in a build of the project: from the
// project and the resolved layers, not from the written files.
func bbsetupWant(p *model.Project) map[string]string {
	cert, _, _ := p.ClaimFiles()
	const plugin = ":pn-greengrass-plugin-fleetprovisioning"
	return map[string]string{
		"MACHINE":                       p.Machine,
		"DISTRO":                        p.Distro,
		"INIT_MANAGER":                  "systemd",
		"GGV2_REGION":                   p.Greengrass.Region,
		"IOT_DATA_ENDPOINT" + plugin:    p.Greengrass.DataEndpoint,
		"IOT_ROLE_ALIAS" + plugin:       p.Greengrass.Names().RoleAlias,
		"CLAIM_CERT_PATH" + plugin:      cert,
		"SSTATE_SKIP_CREATION" + plugin: "1",
		"BB_NO_NETWORK":                 "1",
	}
}

// bbsetupCheck asks BitBake, in the build environment o names, for every
// wanted variable, the meta-aws layer's LAYERSERIES_COMPAT and
// BBFILE_COLLECTIONS: engine's query of no recipe, which parses the
// configuration only, as bitbake-getvar does without -r.
func bbsetupCheck(ctx context.Context, t *testing.T, o engine.BBQueryOptions, want map[string]string, res *model.Resolution) {
	t.Helper()
	names := []string{"LAYERSERIES_COMPAT_meta-aws", "BBFILE_COLLECTIONS"}
	for n := range want {
		names = append(names, n)
	}
	ans, err := engine.QueryBitBake(ctx, o, engine.BBQuery{Config: names})
	if err != nil {
		t.Fatalf("BitBake: %v", err)
	}
	got := ans.Config
	for n, w := range want {
		if got[n] == nil || *got[n] != w {
			t.Errorf("BitBake reads %s = %v, want %q", n, deref(got[n]), w)
		}
	}
	if c := got["LAYERSERIES_COMPAT_meta-aws"]; c == nil || !slices.Contains(strings.Fields(*c), res.Release) {
		t.Errorf("LAYERSERIES_COMPAT_meta-aws = %v: meta-aws of %s not parsed", deref(c), res.Release)
	}
	cols := strings.Fields(deref(got["BBFILE_COLLECTIONS"]))
	for _, l := range res.Layers {
		if !slices.Contains(cols, l.Collection) {
			t.Errorf("BBFILE_COLLECTIONS %v lacks %s", cols, l.Collection)
		}
	}
	// The command the brief names, once, as an engineer would run it.
	out, err := realbb.Combined(ctx, o, "bitbake-getvar", "--value", "MACHINE")
	if err != nil || !strings.HasSuffix(strings.TrimSpace(out), want["MACHINE"]) {
		t.Errorf("bitbake-getvar --value MACHINE: %v\n%s", err, engine.Tail(out, 10))
	}
}

func deref(s *string) string {
	if s == nil {
		return "<unset>"
	}
	return *s
}

// Discovery and generate on a bitbake-setup folder, read back by BitBake.
func TestRealBBSetupLayoutGenerate(t *testing.T) {
	tree := bbsetupTree(t)
	dir := bbsetupCopy(t, tree)
	p, res := bbsetupProject(t, dir, tree)
	s, _ := model.FindBBSetup(tree)
	if want := s.Release(); res.Release != want || want == "" {
		t.Fatalf("release %q; the setup's configuration says %q", res.Release, want)
	}
	c, err := generator.Plan(p, res)
	if err != nil {
		t.Fatal(err)
	}
	if err := generator.Apply(c); err != nil {
		t.Fatal(err)
	}
	build := filepath.Join(dir, "build")
	t.Cleanup(func() { engine.WaitServerGone(build, time.Minute) })
	for _, f := range c.Files {
		if !strings.HasPrefix(f.Path, filepath.Join(build, "conf")+string(filepath.Separator)) {
			t.Errorf("generate wrote %s, outside the setup's build/conf", f.Path)
		}
	}
	bbsetupCheck(realbb.Context(t), t, engine.BBQueryOptions{OEInit: filepath.Join(dir, "layers", "openembedded-core"), BuildDir: build}, bbsetupWant(p), res)
}

// export bitbake-setup, then real `bitbake-setup init --non-interactive`:
// the setup it makes has the pinned commits, the fragments, the layers, and
// BitBake reads there what it reads in the generated build.
func TestRealBBSetupInitFromExport(t *testing.T) {
	tree := bbsetupTree(t)
	tool := os.Getenv("FLEETBAKE_BITBAKE_SETUP")
	if tool == "" {
		t.Skip("FLEETBAKE_BITBAKE_SETUP is not set to bitbake's bin/bitbake-setup")
	}
	if v, err := os.ReadFile(filepath.Join(filepath.Dir(filepath.Dir(tool)), "lib", "bb", "__init__.py")); err == nil {
		t.Logf("bitbake-setup of %s", regexp.MustCompile(`__version__ = "[^"]*"`).FindString(string(v)))
	}
	ctx := realbb.Context(t)
	dir := bbsetupCopy(t, tree)
	p, res := bbsetupProject(t, dir, tree)
	pins := realbb.Pin(t, p, res)
	exp, err := generator.ExportBBSetup(p, res)
	if err != nil {
		t.Fatal(err)
	}
	expDir := filepath.Join(t.TempDir(), "export")
	for name, data := range exp.Files {
		path := filepath.Join(expDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// No network: every source from the tree's checkout, branch and rev kept.
	var cfg struct {
		Sources map[string]struct {
			GitRemote struct {
				Branch, Rev string
			} `json:"git-remote"`
		} `json:"sources"`
	}
	if err := json.Unmarshal(exp.Files[generator.BBSetupConfigFile], &cfg); err != nil {
		t.Fatal(err)
	}
	overrides := map[string]any{}
	for name, s := range cfg.Sources {
		local := map[string]any{"remotes": map[string]any{"origin": map[string]string{"uri": "file://" + filepath.Join(tree, "layers", name)}}, "rev": s.GitRemote.Rev}
		if b := s.GitRemote.Branch; b != "" {
			local["branch"] = b
		}
		overrides[name] = map[string]any{"git-remote": local}
	}
	ovData, _ := json.Marshal(map[string]any{"sources": overrides})
	ovFile := filepath.Join(t.TempDir(), "overrides.json")
	if err := os.WriteFile(ovFile, ovData, 0o644); err != nil {
		t.Fatal(err)
	}
	top := t.TempDir()
	args := []string{tool,
		"--global-settings", filepath.Join(top, "no-global-settings.conf"),
		"--setting", "default", "top-dir-prefix", top, "--setting", "default", "top-dir-name", "bb",
		"init", "--non-interactive", "--source-overrides", ovFile}
	// 2.18 writes a VS Code workspace when `code` is on PATH; 2.16 has no
	// such option (and refuses it).
	if help, _ := realbb.Run(ctx, tool, "init", "--help"); strings.Contains(help, "--init-vscode") {
		args = append(args, "--no-init-vscode")
	}
	out, err := realbb.Run(ctx, append(args, filepath.Join(expDir, generator.BBSetupConfigFile))...)
	if err != nil {
		t.Fatalf("bitbake-setup init: %v\n%s", err, engine.Tail(out, 40))
	}
	setup := filepath.Join(top, "bb", "fleetbake-"+res.Release)
	t.Cleanup(func() { engine.WaitServerGone(filepath.Join(setup, "build"), time.Minute) })
	s, ok := model.FindBBSetup(setup)
	if !ok {
		t.Fatalf("no setup folder at %s:\n%s", setup, engine.Tail(out, 20))
	}
	for key, pin := range pins {
		name := filepath.Base(filepath.FromSlash(key))
		if got := s.Sources[name].Rev; got != pin {
			t.Errorf("sources-fixed-revisions.json: %s at %q, pinned %s", name, got, pin)
		}
	}
	frags, err := os.ReadFile(filepath.Join(setup, "build", "conf", "toolcfg.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"machine/" + p.Machine, "distro/" + p.Distro, generator.BBSetupFragment} {
		if !strings.Contains(string(frags), f) {
			t.Errorf("toolcfg.conf does not enable %s:\n%s", f, frags)
		}
	}
	env, _ := os.ReadFile(filepath.Join(setup, "build", "init-build-env"))
	if !strings.Contains(string(env), generator.ClaimDirEnv) {
		t.Errorf("init-build-env does not pass %s to BitBake:\n%s", generator.ClaimDirEnv, env)
	}
	cert, _, _ := p.ClaimFiles()
	t.Setenv(generator.ClaimDirEnv, filepath.Dir(cert))
	// BitBake in bitbake-setup's own build environment (its init-build-env).
	bbsetupCheck(ctx, t, engine.BBQueryOptions{BuildDir: filepath.Join(setup, "build"), InitScript: filepath.Join(setup, "build", "init-build-env")}, bbsetupWant(p), res)
}
