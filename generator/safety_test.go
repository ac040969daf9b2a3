package generator

import (
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"fleetbake/model"
)

// renderedAssignments reads every file Plan rendered, as BitBake would.
func renderedAssignments(t testing.TB, c *Changes) []Assignment {
	t.Helper()
	var all []Assignment
	for _, fc := range c.Files {
		conf, err := ReadConf(fc.New)
		if err != nil {
			t.Fatalf("%s does not parse: %v\n%s", fc.Rel, err, fc.New)
		}
		all = append(all, conf.Assignments...)
	}
	return all
}

func mustConf(t testing.TB, text string) []Assignment {
	t.Helper()
	c, err := ReadConf([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return c.Assignments
}

// The model has teeth: the bypasses of issue 9 (what fleetbake wrote before
// the rule) form "${@" in it.
func TestExpansionModelFindsKnownBypasses(t *testing.T) {
	for name, conf := range map[string]string{
		"issue 9: D1 = $ and an append":     "D1 = \"$\"\nDISTRO_FEATURES:append = \" ${D1}{@bb.utils.which('','')}\"\n",
		"append joins a trailing $":         "A = \"x$\"\nA:append = \"{@os.getcwd()}\"\n",
		"prepend":                           "A = \"{@os.getcwd()}\"\nA:prepend = \"$\"\n",
		"two references":                    "B = \"$\"\nC = \"{@os.getcwd()}\"\nA = \"${B}${C}\"\n",
		"reference yields ${ then @":        "B = \"x${\"\nA = \"${B}@os.getcwd()}\"\n",
		"a layer's value ending in $":       "A = \"${LAYER_REGEX}{@os.getcwd()}\"\n",
		"reference forms a new reference":   "B = \"$\"\nC = \"@os.getcwd()\"\nA = \"${B}{${C}}\"\n",
		"override replaces the plain value": "A = \"ok\"\nA:pn-foo = \"x$\"\nA:append = \"{@os.getcwd()}\"\n",
		"quote in a value":                  "A = \"x' + str(os.getcwd()) + '\"\n",
	} {
		if v, _ := pythonFormed(mustConf(t, conf)); v == "" {
			t.Errorf("%s: the model found no Python in\n%s", name, conf)
		}
	}
	if v, s := pythonFormed(mustConf(t, "A = \"${TOPDIR}/x\"\nB = \"${A} y\"\nB:append = \" z\"\n")); v != "" {
		t.Errorf("the model finds Python in plain references: %s = %q", v, s)
	}
}

// The issue's reproduction: refused by Validate (naming the field) and by
// the generator on its own, for a project that skips Validate.
func TestIssue9ReproductionRefused(t *testing.T) {
	fx := newFixture(t, model.GenerationNew)
	fx.p.LocalConf = map[string]string{
		"D1":                     "$",
		"DISTRO_FEATURES:append": " ${D1}{@bb.utils.which('','')}",
	}
	err := fx.p.Validate()
	var ve *model.ValidationError
	if !errors.As(err, &ve) || ve.Field("local_conf.D1") == nil || ve.Field("local_conf.DISTRO_FEATURES:append") == nil {
		t.Fatalf("Validate = %v, want problems for local_conf.D1 and local_conf.DISTRO_FEATURES:append", err)
	}
	if !strings.Contains(ve.Field("local_conf.D1").Problem, "${NAME}") {
		t.Errorf("the message does not say what is accepted: %v", ve.Field("local_conf.D1"))
	}
	for _, lc := range []map[string]string{{"D1": "$"}, {"X": " ${D1}{@os.getcwd()}"}} {
		fx.p.LocalConf = lc
		_, err := Plan(fx.p, fx.res)
		var uv *UnsafeValueError
		if !errors.As(err, &uv) {
			t.Fatalf("Plan(%v) = %v, want an UnsafeValueError", lc, err)
		}
	}
}

// Values are built of tokens: plain text and well-formed references to
// variables the project sets itself and to ones it does not (most values
// render), and hostile pieces of "${@", quotes and malformed references.
var plainTokens = []string{"x", "-", "/", " ", "a b", ":", "${D1}", "${D2}", "${DISTRO_FEATURES}", "${TOPDIR}", "${UNKNOWN_VAR}"}

var hostileTokens = []string{"$", "{", "}", "@", "${", "{@", "os.getcwd()", "'", "${D1", "$$", "${@x}", "${X:y}"}

var hostileKeys = []string{
	"D1", "D2", "D1:append", "D2:prepend", "DISTRO_FEATURES:append", "DISTRO_FEATURES:prepend",
	"DISTRO_FEATURES:pn-foo", "IMAGE_INSTALL:append", "D1:remove", "X_${D1}", "EXTRA:${D2}",
}

func hostileValue(r *rand.Rand) string {
	var b strings.Builder
	for n := r.Intn(5); n >= 0; n-- {
		if r.Intn(8) == 0 {
			b.WriteString(hostileTokens[r.Intn(len(hostileTokens))])
		} else {
			b.WriteString(plainTokens[r.Intn(len(plainTokens))])
		}
	}
	return b.String()
}

// hostileProject sets several fields at once: [local_conf] extras that
// reference each other, shared settings and paths.
func hostileProject(base *model.Project, r *rand.Rand) *model.Project {
	p := *base
	p.LocalConf = map[string]string{}
	for n := 1 + r.Intn(4); n > 0; n-- {
		p.LocalConf[hostileKeys[r.Intn(len(hostileKeys))]] = hostileValue(r)
	}
	if r.Intn(3) == 0 {
		p.Shared.SstateMirrors = "file://.* http://h/" + hostileValue(r)
	}
	if r.Intn(3) == 0 {
		p.Shared.DLDir = "dl" + hostileValue(r)
	}
	if r.Intn(4) == 0 {
		p.Distro = "poky" + hostileValue(r)
	}
	if r.Intn(4) == 0 {
		p.Greengrass.ClaimDir = "claim" + hostileValue(r)
	}
	return &p
}

// checkNoPython renders p and, when the generator accepts it, expands every
// variable of every file with the model. It reports whether p rendered.
func checkNoPython(t testing.TB, p *model.Project, res *model.Resolution) bool {
	t.Helper()
	c, err := Plan(p, res)
	if err != nil {
		var uv *UnsafeValueError
		var fe *FieldValueError
		var ne *nameError
		if !errors.As(err, &uv) && !errors.As(err, &fe) && !errors.As(err, &ne) {
			t.Fatalf("Plan refused %v with a stray error: %v", p.LocalConf, err)
		}
		return false
	}
	if v, s := pythonFormed(renderedAssignments(t, c)); v != "" {
		t.Fatalf("expanding %s forms Python or a quote: %q\nlocal_conf=%q distro=%q dl_dir=%q sstate_mirrors=%q claim_dir=%q",
			v, s, p.LocalConf, p.Distro, p.Shared.DLDir, p.Shared.SstateMirrors, p.Greengrass.ClaimDir)
	}
	return true
}

// TestWholeProjectsNeverFormPython: seeded random projects with hostile
// values in several fields at once; whatever the generator writes, no
// expansion of it, combined with any layer values, forms "${@".
func TestWholeProjectsNeverFormPython(t *testing.T) {
	fx := newFixture(t, model.GenerationNew)
	fx.writeClaimFiles(t)
	r := rand.New(rand.NewSource(9))
	n := 1500
	if testing.Short() {
		n = 500
	}
	rendered, withRefs := 0, 0
	for i := 0; i < n; i++ {
		p := hostileProject(fx.p, r)
		if checkNoPython(t, p, fx.res) {
			rendered++
			for _, v := range p.LocalConf {
				if strings.Contains(v, "${") {
					withRefs++
					break
				}
			}
		}
	}
	// Not vacuous: many projects render, references included.
	if rendered < n/10 || withRefs < n/20 {
		t.Fatalf("only %d of %d projects rendered (%d with references): the generator refuses too much for this test to mean anything", rendered, n, withRefs)
	}
	t.Logf("%d of %d hostile projects rendered (%d with references), none forms Python", rendered, n, withRefs)
}

// FuzzWholeProjectNoPython is the same property under `go test -fuzz`:
// four [local_conf] entries and a shared setting at once.
func FuzzWholeProjectNoPython(f *testing.F) {
	f.Add("D1", "$", "DISTRO_FEATURES:append", " ${D1}{@os.getcwd()}", "x", "y", "file://.* http://h/x")
	f.Add("A", "${B}", "B", "x${", "C", "${A}@os.getcwd()}", "file://.* http://h/$")
	f.Add("A:append", "{@x}", "A", "x$", "B:prepend", "$", "")
	fx := newFixture(f, model.GenerationNew)
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3, mirrors string) {
		p := *fx.p
		p.LocalConf = map[string]string{k1: v1, k2: v2, k3: v3}
		p.Shared.SstateMirrors = mirrors
		checkNoPython(t, &p, fx.res)
	})
}

// Item 2 of issue 9: a line break in the project folder's path would add
// lines to every generated file; it is refused, naming the path.
func TestProjectPathWithNewlineRefused(t *testing.T) {
	fx := newFixture(t, model.GenerationNew)
	evil := filepath.Join(fx.dir, "x\nMACHINE = \"evil\"\n#")
	if err := os.MkdirAll(evil, 0o755); err != nil {
		t.Fatal(err)
	}
	fx.p.SetPath(filepath.Join(evil, model.DefaultFile))
	_, err := Plan(fx.p, fx.res)
	var te *TextError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "project file's path") {
		t.Fatalf("Plan = %v, want a TextError naming the project file's path", err)
	}
	if _, err := ExportKas(fx.p, fx.res, ""); !errors.As(err, &te) {
		t.Fatalf("ExportKas = %v, want a TextError", err)
	}
}

func TestKasFileNameWithNewlineRefused(t *testing.T) {
	fx := newFixture(t, model.GenerationNew)
	_, err := ExportKas(fx.p, fx.res, "k.yml\nmachine: evil")
	var te *TextError
	if !errors.As(err, &te) || te.What != "the kas file name" {
		t.Fatalf("ExportKas = %v, want a TextError for the kas file name", err)
	}
	out, err := ExportKas(fx.p, fx.res, "k.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := guardKas(string(out)); err != nil {
		t.Fatal(err)
	}
}

// Other text in comments (the claim layer's folder, under the project
// folder) and a value with '$' in a literal field are refused by name.
func TestLiteralFieldsRefuseDollar(t *testing.T) {
	for _, tc := range []struct {
		field string
		set   func(p *model.Project)
	}{
		{"shared.dl_dir", func(p *model.Project) { p.Shared.DLDir = "dl$" }},
		{"shared.sstate_mirrors", func(p *model.Project) { p.Shared.SstateMirrors = "file://.* http://h/$" }},
		{"greengrass.claim_dir", func(p *model.Project) { p.Greengrass.ClaimDir = "c${X}" }},
		{"distro", func(p *model.Project) { p.Distro = "a'b" }},
	} {
		fx := newFixture(t, model.GenerationNew)
		tc.set(fx.p)
		_, err := Plan(fx.p, fx.res)
		var fe *FieldValueError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: Plan = %v, want a FieldValueError for it", tc.field, err)
		}
	}
}

// guardConf catches what a template could emit past the gates.
func TestGuardConfRefusesStrayLines(t *testing.T) {
	for name, text := range map[string]string{
		"comment continued":   "# from /x\\\n# y\n",
		"control character":   "# a\x1b[2Jb\n",
		"directive":           "include /tmp/evil.conf\n",
		"lone $":              "A = \"x$\"\n",
		"{@ after reference":  "A = \"${B}{@x}\"\n",
		"override with ${@":   "A:${B}{x} = \"1\"\n",
		"value starts with {": "A:append = \"{@x}\"\n",
	} {
		if err := guardConf("t", text); err == nil {
			t.Errorf("%s: guardConf accepted %q", name, text)
		}
	}
	if err := guardConf("t", "# ok\nBBFILE_PATTERN_x = \"^${LAYERDIR}/\"\nBBLAYERS = \" \\\n  /a \\\n  \"\n"); err != nil {
		t.Errorf("guardConf refused fleetbake's own lines: %v", err)
	}
}

// A '$' or a quote in the project's folder reaches every path fleetbake
// writes; it is refused once, naming the folder.
func TestProjectFolderWithDollarRefused(t *testing.T) {
	fx := newFixture(t, model.GenerationNew)
	odd := filepath.Join(fx.dir, "o'x$")
	fx.p.SetPath(filepath.Join(odd, model.DefaultFile))
	_, err := Plan(fx.p, fx.res)
	var fe *FieldValueError
	if !errors.As(err, &fe) || fe.Field != projectFolderField || !strings.Contains(err.Error(), "move the project") {
		t.Fatalf("Plan = %v, want a FieldValueError for the project folder", err)
	}
}

// Issue 9 item 7: a conf/local.conf that is a FIFO (or /dev/zero) is
// refused with its path; Plan neither hangs nor reads without end.
func TestPlanRefusesFIFOAndDeviceConf(t *testing.T) {
	for _, kind := range []string{"fifo", "device"} {
		fx := newFixture(t, model.GenerationNew)
		lc := fx.path("build/conf/local.conf")
		if err := os.MkdirAll(filepath.Dir(lc), 0o755); err != nil {
			t.Fatal(err)
		}
		if kind == "fifo" {
			if err := syscall.Mkfifo(lc, 0o600); err != nil {
				t.Skip("no FIFOs here:", err)
			}
		} else if err := os.Symlink("/dev/zero", lc); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := Plan(fx.p, fx.res); done <- err }()
		select {
		case err := <-done:
			var fe *model.FileReadError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), "local.conf") || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("%s: Plan = %v, want a FileReadError naming local.conf", kind, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Plan still reading local.conf after 10s", kind)
		}
	}
}

// A [pins] key is a folder path the bblayers.conf header names in a
// comment: one holding a line break is refused as a TextError naming it,
// before anything is written, not left to the whole-file guard.
func TestPinInCommentRefused(t *testing.T) {
	fx := newFixture(t, model.GenerationNew)
	fx.p.Pins = model.Pins{"sources/meta-aws\nBBLAYERS = \"/tmp/evil\"": "1f0e8d3c2b4a59687766554433221100ffeeddcc"}
	_, err := Plan(fx.p, fx.res)
	var te *TextError
	if !errors.As(err, &te) || te.What != "a [pins] entry" || !strings.Contains(err.Error(), "BBLAYERS") {
		t.Fatalf("Plan = %v, want a TextError for the [pins] entry", err)
	}
	if _, err := os.Stat(fx.path("build/conf/bblayers.conf")); !os.IsNotExist(err) {
		t.Errorf("bblayers.conf written: %v", err)
	}
}
