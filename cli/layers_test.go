package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
	"fleetbake/model"
)

// runCLI runs fleetbake in-process and returns exit code, stdout, stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// initProject runs `fleetbake init` with args for dir/fleetbake.toml and
// returns that path.
func initProject(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cfg := filepath.Join(dir, "fleetbake.toml")
	if code, _, errs := runCLI(t, append([]string{"--config", cfg, "init"}, args...)...); code != 0 {
		t.Fatalf("init: %s", errs)
	}
	return cfg
}

func TestLayersWithoutCheckoutListsCatalog(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "fleetbake.toml")
	code, out, errs := runCLI(t, "--config", cfg, "layers")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"No Yocto layers found", "fleetbake layers fetch", "meta-raspberrypi", "https://github.com/aws4embeddedlinux/meta-aws", "`fleetbake init`"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// In a bitbake-setup folder whose layers/ is still empty, `layers` names
// layers/ as where `layers fetch` clones, not sources/.
func TestLayersNamesFetchFolderOfBBSetup(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"config", "layers"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "config", "config-upstream.json"), []byte(`{"data": {"sources": {}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "--config", filepath.Join(dir, "fleetbake.toml"), "layers")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if want := "clones what the project needs into " + filepath.Join(dir, "layers") + "."; !strings.Contains(out, want) {
		t.Fatalf("output lacks %q:\n%s", want, out)
	}
}

func TestLayersJSON(t *testing.T) {
	dir := t.TempDir()
	spec := layertree.Standard("scarthgap", true)
	spec.Layers = append(spec.Layers, layertree.Layer{Dir: "meta-broken", Conf: "BBFILE_COLLECTIONS += \"broken\n"})
	layertree.Write(t, dir, spec)
	cfg := initProject(t, dir, "--layers", "meta-aws", "--machine", "raspberrypi4-64")
	code, out, errs := runCLI(t, "--config", cfg, "layers", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep layersReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Release != "scarthgap" || rep.Generation != "new" || len(rep.Layers) != 8 || rep.Project != cfg {
		t.Fatalf("report: release %q generation %q layers %d project %q", rep.Release, rep.Generation, len(rep.Layers), rep.Project)
	}
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "meta-broken") || !strings.Contains(rep.Problems[0], ":1: unterminated") {
		t.Fatalf("problems: %v", rep.Problems)
	}
	r := rep.Resolution
	if r == nil || r.Error != "" || len(r.NotOnDisk) != 1 || r.NotOnDisk[0] != "meta-raspberrypi" || r.Layers[0].Name != "meta" {
		t.Fatalf("resolution: %+v", r)
	}
	// The table form shows the same things.
	_, table, _ := runCLI(t, "--config", cfg, "layers")
	for _, want := range []string{"Release on disk: scarthgap", "variables: new", "meta-broken", "provides MACHINE raspberrypi4-64", "run `fleetbake layers fetch`"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

func TestInitWritesValidProjectAndNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "fleetbake.toml")
	code, out, errs := runCLI(t, "--config", cfg, "init", "--machine", "raspberrypi5", "--distro", "poky", "--image", "core-image-base",
		"--layers", "meta-aws, meta-raspberrypi", "--release", "scarthgap", "--build-dir", "build-rpi", "--region", "eu-west-1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "Wrote") {
		t.Fatalf("output: %s", out)
	}
	p, err := model.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.Machine != "raspberrypi5" || p.Image != "core-image-base" || p.Release != "scarthgap" || p.BuildDir != "build-rpi" ||
		p.Greengrass.Region != "eu-west-1" || strings.Join(p.Layers, ",") != "meta-aws,meta-raspberrypi" {
		t.Fatalf("project: %+v", p)
	}
	before, _ := os.ReadFile(cfg)
	code, _, errs = runCLI(t, "--config", cfg, "init", "--machine", "other")
	if code == 0 || !strings.Contains(errs, "already exists") {
		t.Fatalf("second init: exit %d %s", code, errs)
	}
	after, _ := os.ReadFile(cfg)
	if !bytes.Equal(before, after) {
		t.Fatal("init changed an existing file")
	}
}

func TestInitRefusesInvalidValues(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "fleetbake.toml")
	code, _, errs := runCLI(t, "--config", cfg, "init", "--machine", "bad machine", "--region", "moon-1")
	if code == 0 {
		t.Fatal("init accepted bad values")
	}
	for _, want := range []string{`machine = "bad machine"`, `greengrass.region = "moon-1"`} {
		if !strings.Contains(errs, want) {
			t.Errorf("error lacks %q:\n%s", want, errs)
		}
	}
	if _, err := os.Stat(cfg); !os.IsNotExist(err) {
		t.Fatal("init wrote a file despite errors")
	}
}

func TestLayersFetchEndToEnd(t *testing.T) {
	fetchMirror(t)
	rel := "scarthgap"

	dir := t.TempDir()
	cfg := filepath.Join(dir, "fleetbake.toml")
	if code, _, errs := runCLI(t, "--config", cfg, "layers", "fetch"); code == 0 || !strings.Contains(errs, "fleetbake init") {
		t.Fatalf("fetch without a project: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, "--config", cfg, "init", "--release", rel); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := runCLI(t, "--config", cfg, "layers", "fetch")
	if code != 0 {
		t.Fatalf("fetch: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "All layers of the project are on disk.") {
		t.Fatalf("output:\n%s", out)
	}
	code, out, _ = runCLI(t, "--config", cfg, "layers", "--json")
	var rep layersReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("layers --json after fetch: %d %s", code, out)
	}
	if rep.Release != rel || rep.Resolution == nil || len(rep.Resolution.NotOnDisk) != 0 || rep.Resolution.Error != "" {
		t.Fatalf("after fetch: %+v", rep.Resolution)
	}
	// Fetching again changes nothing.
	code, out, _ = runCLI(t, "--config", cfg, "layers", "fetch")
	if code != 0 || !strings.Contains(out, "nothing to fetch") {
		t.Fatalf("second fetch: %d %s", code, out)
	}
}

// On a fresh machine (no checkout) init picks the default release, so that
// generate works from the catalog straight away and writes valid files.
func TestInitOnFreshMachineThenGenerate(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "fleetbake.toml")
	code, out, errs := runCLI(t, "--config", cfg, "init")
	if code != 0 || !strings.Contains(out, "release "+model.DefaultRelease) {
		t.Fatalf("init: %d %q %q", code, out, errs)
	}
	code, out, errs = runCLI(t, "--config", cfg, "generate")
	if code != 0 || !strings.Contains(out, "not fetched yet") {
		t.Fatalf("generate: %d %q %q", code, out, errs)
	}
	for _, f := range []string{"build/conf/local.conf", "build/conf/bblayers.conf"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	// A checkout on disk decides the release: init writes none.
	dir2 := t.TempDir()
	layertree.Write(t, filepath.Join(dir2, "sources"), layertree.Standard("walnascar", true))
	cfg2 := filepath.Join(dir2, "fleetbake.toml")
	if code, _, errs := runCLI(t, "--config", cfg2, "init"); code != 0 {
		t.Fatal(errs)
	}
	p, err := model.Load(cfg2)
	if err != nil || p.Release != "" {
		t.Fatalf("release %q written although oe-core is on disk (%v)", p.Release, err)
	}
}

// TestExitCodesForScripts: `layers` exits 1 when a layer is missing
// everywhere; `generate --check` exits 1 while changes are pending and 0
// once the files are written.
func TestExitCodesForScripts(t *testing.T) {
	dir := t.TempDir()
	layertree.Write(t, dir, layertree.Standard("scarthgap", true))
	cfg := initProject(t, dir, "--layers", "meta-aws", "--machine", "qemux86-64")
	if code, out, errs := runCLI(t, "--config", cfg, "generate", "--check"); code != 1 || !strings.Contains(out, "would be") || !strings.Contains(errs, "not up to date") {
		t.Fatalf("generate --check before generate: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runCLI(t, "--config", cfg, "generate"); code != 0 {
		t.Fatalf("generate: %s", errs)
	}
	if code, out, errs := runCLI(t, "--config", cfg, "generate", "--check"); code != 0 {
		t.Fatalf("generate --check after generate: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runCLI(t, "--config", cfg, "layers"); code != 0 {
		t.Fatalf("layers with every layer there: exit %d: %s", code, errs)
	}
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), `"meta-aws"`, `"meta-aws", "meta-nowhere"`, 1)
	if err := os.WriteFile(cfg, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runCLI(t, "--config", cfg, "layers"); code != 1 {
		t.Fatalf("layers with a layer missing everywhere: exit %d\n%s", code, out)
	}
}

// Issue 9 item 7: a layer.conf and a folder name carrying terminal escape
// sequences reach `fleetbake layers` escaped, never raw.
func TestLayersEscapesTerminalSequences(t *testing.T) {
	dir := t.TempDir()
	spec := layertree.Standard("scarthgap", true)
	spec.Layers = append(spec.Layers,
		layertree.Layer{Dir: "meta-ev\x1b]0;pwned\x07il", Conf: "BBFILE_COLLECTIONS += \"ev\x1b[2Jil\"\nLAYERSERIES_COMPAT_ev\x1b[2Jil = \"scarthgap\x9b31m\"\n"},
		layertree.Layer{Dir: "meta-broken", Conf: "BBFILE_COLLECTIONS += \"x\x1b[31m\n"},
	)
	layertree.Write(t, dir, spec)
	cfg := initProject(t, dir, "--layers", "meta-aws", "--machine", "raspberrypi4-64")
	_, out, errs := runCLI(t, "--config", cfg, "layers")
	for _, s := range []string{out, errs} {
		if i := strings.IndexAny(s, "\x1b\x07\u009b"); i >= 0 {
			t.Fatalf("a raw control character reaches the terminal at %d:\n%q", i, s)
		}
	}
	for _, want := range []string{`meta-ev\x1b]0;pwned\x07il`, `ev\x1b[2Jil`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks the escaped %s:\n%s", want, out)
		}
	}
}

// `layers --json` escapes what encoding/json leaves raw: DEL, C1 controls
// (CSI U+009B) and the bidirectional overrides; the JSON reads back to the
// same names.
func TestLayersJSONEscapesDELAndC1(t *testing.T) {
	dir := t.TempDir()
	spec := layertree.Standard("scarthgap", true)
	name := "meta-ev\x7fil\u009b2J\u202eok"
	spec.Layers = append(spec.Layers, layertree.Layer{Dir: name, Conf: "BBFILE_COLLECTIONS += \"evil\"\nLAYERSERIES_COMPAT_evil = \"scarthgap\"\n"})
	layertree.Write(t, dir, spec)
	cfg := initProject(t, dir, "--layers", "meta-aws", "--machine", "raspberrypi4-64")
	_, out, _ := runCLI(t, "--config", cfg, "layers", "--json")
	for _, r := range out {
		if model.IsControl(r) && r != '\n' {
			t.Fatalf("raw %U in layers --json:\n%q", r, out)
		}
	}
	for _, want := range []string{`\u007f`, `\u009b`, `\u202e`} {
		if !strings.Contains(out, want) {
			t.Errorf("layers --json lacks %s:\n%s", want, out)
		}
	}
	var rep layersReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("layers --json is not JSON: %v\n%s", err, out)
	}
	found := false
	for _, l := range rep.Layers {
		found = found || strings.HasSuffix(l.Path, name)
	}
	if !found {
		t.Errorf("no layer path reads back as %q: %+v", name, rep.Layers)
	}
}

// The engineer's own lines in local.conf (quoted in warnings and in the
// diff) and layer problems reach `fleetbake generate` output escaped.
func TestGenerateEscapesTerminalSequences(t *testing.T) {
	dir := t.TempDir()
	spec := layertree.Standard("scarthgap", true)
	spec.Layers = append(spec.Layers, layertree.Layer{Dir: "meta-broken\x1b[5m", Conf: "BBFILE_COLLECTIONS += \"x\n"})
	layertree.Write(t, dir, spec)
	cfg := initProject(t, dir, "--layers", "meta-aws", "--machine", "qemuarm64")
	if code, _, errs := runCLI(t, "--config", cfg, "generate"); code != 0 {
		t.Fatalf("generate: %s", errs)
	}
	lc := filepath.Join(dir, "build", "conf", "local.conf")
	f, err := os.OpenFile(lc, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("MACHINE = \"evil\x1b]0;pwned\x07\"\n")
	f.Close()
	for _, args := range [][]string{{"generate", "--dry-run"}, {"generate", "--diff"}} {
		_, out, errs := runCLI(t, append([]string{"--config", cfg}, args...)...)
		all := out + errs
		if i := strings.IndexAny(all, "\x1b\x07"); i >= 0 {
			t.Fatalf("%v: a raw control character reaches the terminal at %d:\n%q", args, i, all)
		}
		if !strings.Contains(all, `evil\x1b]0;pwned\x07`) || !strings.Contains(all, `meta-broken\x1b[5m`) {
			t.Errorf("%v: output lacks the escaped line or layer:\n%s", args, all)
		}
	}
}
