package generator

import (
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fleetbake/model"
)

// These tests run BitBake's own parser and data store (lib/bb/parse,
// lib/bb/data_smart.py) on what fleetbake renders, and count every Python
// expression BitBake evaluates. They need only BitBake's lib folder, no poky
// build, and are skipped unless FLEETBAKE_BITBAKE names a BitBake clone
// (the same variable the engine tests use), e.g.
//
//	git clone -b 2.8 https://git.openembedded.org/bitbake   # scarthgap's BitBake
//	FLEETBAKE_BITBAKE=$PWD/bitbake go test -run TestRealDataSmart -v ./generator/

// dataSmartScript parses each conf file given with bb.parse.handle into a
// fresh datastore with OVERRIDES set, expands every variable with getVar,
// and prints how many Python expressions bb.utils.better_eval ran (the only
// path by which data_smart's python_sub evaluates ${@...}).
const dataSmartScript = `
import sys
sys.path.insert(0, sys.argv[1])
import bb, bb.data, bb.parse, bb.utils
ran = []
orig = bb.utils.better_eval
def spy(source, locals, extraglobals=None):
    ran.append(source)
    return orig(source, locals, extraglobals)
bb.utils.better_eval = spy
overrides = sys.argv[2]
for conf in sys.argv[3:]:
    d = bb.data.init()
    d.setVar("OVERRIDES", overrides)
    bb.parse.handle(conf, d)
    for k in sorted(d.keys()):
        try:
            d.getVar(k)
        except Exception:
            pass  # a reference loop or an unknown function: not Python that ran
    print(conf, len(ran))
    ran.clear()
`

// runDataSmart returns, per conf file, the number of Python expressions
// real BitBake evaluated while expanding every variable.
func runDataSmart(t *testing.T, lib string, overrides string, confs []string) map[string]int {
	t.Helper()
	script := filepath.Join(t.TempDir(), "expand.py")
	if err := os.WriteFile(script, []byte(dataSmartScript), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", append([]string{script, lib, overrides}, confs...)...)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("BitBake's data store: %v\n%s", err, out)
	}
	ran := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		n, err := strconv.Atoi(f[1])
		if err == nil {
			ran[f[0]] = n
		}
	}
	return ran
}

func bitbakeLib(t *testing.T) string {
	root := os.Getenv("FLEETBAKE_BITBAKE")
	if root == "" {
		t.Skip("FLEETBAKE_BITBAKE is not set to a clone of openembedded/bitbake")
	}
	lib := filepath.Join(root, "lib")
	if _, err := os.Stat(filepath.Join(lib, "bb", "data_smart.py")); err != nil {
		t.Fatalf("FLEETBAKE_BITBAKE=%s has no lib/bb/data_smart.py: %v", root, err)
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	return lib
}

// layerPrelude stands for a layer's own values: one ends in "$" (a regular
// expression), as outsideValues in the model.
const layerPrelude = "UNKNOWN_VAR = \"x$\"\nTOPDIR = \"/top\"\n"

const hostileOverrides = "pn-foo:pn-greengrass-plugin-fleetprovisioning:pn-greengrass-lite"

// TestRealDataSmartRunsBypassesOldCodeWrote: the harness has teeth; what
// fleetbake wrote before the rule makes real BitBake run Python.
func TestRealDataSmartRunsBypassesOldCodeWrote(t *testing.T) {
	lib := bitbakeLib(t)
	dir := t.TempDir()
	var confs []string
	for i, c := range []string{
		"D1 = \"$\"\nDISTRO_FEATURES:append = \" ${D1}{@str(6*7)}\"\n",
		"A = \"{@str(6*7)}\"\nA:prepend = \"x$\"\n",
		layerPrelude + "A = \"${UNKNOWN_VAR}{@str(6*7)}\"\n",
		"B = \"$\"\nC = \"@str(6*7)\"\nA = \"${B}{${C}}\"\n",
		"A = \"ok\"\nA:pn-foo = \"x$\"\nA:append = \"{@str(6*7)}\"\n",
	} {
		p := filepath.Join(dir, "bypass"+strconv.Itoa(i)+".conf")
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		confs = append(confs, p)
	}
	ran := runDataSmart(t, lib, hostileOverrides, confs)
	for _, c := range confs {
		if ran[c] == 0 {
			data, _ := os.ReadFile(c)
			t.Errorf("real BitBake ran no Python for %s:\n%s", c, data)
		}
	}
}

// TestRealDataSmartRunsNoPythonFromFleetbake: seeded hostile projects (as
// TestWholeProjectsNeverFormPython), rendered, each local.conf after a
// layer's values, expanded by real BitBake: no Python runs.
func TestRealDataSmartRunsNoPythonFromFleetbake(t *testing.T) {
	lib := bitbakeLib(t)
	fx := newFixture(t, model.GenerationNew)
	fx.writeClaimFiles(t)
	r := rand.New(rand.NewSource(9))
	dir := t.TempDir()
	var confs []string
	// The bypass classes of issue 9 as project settings, then random ones.
	bypasses := []map[string]string{
		{"D1": "$", "DISTRO_FEATURES:append": " ${D1}{@str(6*7)}"},
		{"A": "{@str(6*7)}", "A:prepend": "x$"},
		{"A": "${UNKNOWN_VAR}{@str(6*7)}"},
		{"B": "$", "C": "@str(6*7)", "A": "${B}{${C}}"},
		{"A": "ok", "A:pn-foo": "x$", "A:append": "{@str(6*7)}"},
		{"B": "x${", "A": "${B}@str(6*7)}"},
	}
	for i := 0; len(confs) < 300 && i < 5000; i++ {
		p := hostileProject(fx.p, r)
		if i < len(bypasses) {
			p.LocalConf = bypasses[i]
		}
		c, err := Plan(p, fx.res)
		if err != nil {
			continue
		}
		for _, fc := range c.Files {
			if strings.HasSuffix(fc.Rel, "local.conf") {
				path := filepath.Join(dir, "p"+strconv.Itoa(i)+".conf")
				if err := os.WriteFile(path, append([]byte(layerPrelude), fc.New...), 0o644); err != nil {
					t.Fatal(err)
				}
				confs = append(confs, path)
			}
		}
	}
	if len(confs) < 100 {
		t.Fatalf("only %d projects rendered", len(confs))
	}
	ran := runDataSmart(t, lib, hostileOverrides, confs)
	if len(ran) != len(confs) {
		t.Fatalf("BitBake reported on %d of %d files", len(ran), len(confs))
	}
	for _, c := range confs {
		if ran[c] != 0 {
			data, _ := os.ReadFile(c)
			t.Fatalf("real BitBake ran %d Python expressions for\n%s", ran[c], data)
		}
	}
	t.Logf("%d rendered local.conf files expanded by BitBake's data_smart: no Python ran", len(confs))
}
