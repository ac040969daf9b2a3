package model

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseConfOperators(t *testing.T) {
	conf := `# comment
BBFILE_COLLECTIONS += "one"
BBFILE_COLLECTIONS += 'two'
BBFILE_PRIORITY_one = "7"
LAYERDEPENDS_one = "core"
LAYERDEPENDS_one += "openembedded-layer"
LAYERDEPENDS_one =+ "first"
LAYERDEPENDS_one:append = " appended"
LAYERDEPENDS_one:remove = "first"
LAYERSERIES_COMPAT_one = " \
    scarthgap \
    walnascar \
"
LAYERVERSION_one ?= "3"
LAYERVERSION_one ?= "4"
LAYERRECOMMENDS_one ??= "weak"
LAYERRECOMMENDS_two ??= "weak"
LAYERRECOMMENDS_two = "strong"
X .= "b"
X =. "a"
export Y = "z"   # trailing comment
addpylib ${LAYERDIR}/lib oe
COREBASE = '${@os.path.normpath("${LAYERDIR}/../")}'
`
	vars, errs := parseConf("layer.conf", []byte(conf))
	if len(errs) > 0 {
		t.Fatalf("unexpected problems: %v", errs)
	}
	want := map[string]string{
		"BBFILE_COLLECTIONS":  "one two",
		"LAYERDEPENDS_one":    "core openembedded-layer appended",
		"LAYERVERSION_one":    "3",
		"LAYERRECOMMENDS_one": "weak",
		"LAYERRECOMMENDS_two": "strong",
		"X":                   "ab",
		"Y":                   "z",
	}
	for k, v := range want {
		if got := vars[k]; got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if got := strings.Fields(vars["LAYERSERIES_COMPAT_one"]); !reflect.DeepEqual(got, []string{"scarthgap", "walnascar"}) {
		t.Errorf("continuation lines: got %q", got)
	}
}

func TestParseConfMalformed(t *testing.T) {
	cases := []struct {
		name, conf string
		line       int
		problem    string
	}{
		{"unterminated quote", "BBFILE_COLLECTIONS += \"x\"\nLAYERDEPENDS_x = \"core\nLAYERSERIES_COMPAT_x = \"scarthgap\"\n", 2, "unterminated"},
		{"unquoted", "BBFILE_COLLECTIONS += x\n", 1, "not quoted"},
		{"no value", "\n\nBBFILE_PRIORITY_x =\n", 3, "no value"},
		{"trailing junk", "BBFILE_COLLECTIONS += \"x\" junk\n", 1, "unexpected text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errs := parseConf("/l/conf/layer.conf", []byte(c.conf))
			if len(errs) == 0 {
				t.Fatal("no problem reported")
			}
			var ce *ConfError
			if !errors.As(errs[0], &ce) {
				t.Fatalf("want *ConfError, got %T", errs[0])
			}
			if ce.Line != c.line || ce.File != "/l/conf/layer.conf" || !strings.Contains(ce.Problem, c.problem) {
				t.Errorf("got %v, want line %d and %q", ce, c.line, c.problem)
			}
			if !strings.HasPrefix(ce.Error(), "/l/conf/layer.conf:") {
				t.Errorf("error must name the file and line: %s", ce)
			}
		})
	}
}

func TestParseDepends(t *testing.T) {
	got, err := parseDepends("core (>= 12) openembedded-layer meta-python (=1) x ( < 3 )")
	if err != nil {
		t.Fatal(err)
	}
	want := []Dependency{{"core", ">= 12"}, {"openembedded-layer", ""}, {"meta-python", "=1"}, {"x", "< 3"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
	for _, bad := range []string{"(>= 1) core", "core (>= 12", "core (~ 3)"} {
		if _, err := parseDepends(bad); err == nil {
			t.Errorf("parseDepends(%q) accepted bad input", bad)
		}
	}
}

func TestSatisfiesConstraint(t *testing.T) {
	cases := []struct {
		version, constraint string
		ok                  bool
	}{
		{"15", ">= 12", true},
		{"12", ">= 12", true},
		{"11", ">= 12", false},
		{"", ">= 12", false},
		{"anything", "", true},
		{"3", "= 3", true},
		{"3", "==3", true},
		{"4", "3", false},
		{"2", "< 3", true},
		{"3", "> 3", false},
		{"1.10", ">= 1.9", true},
		{"3", "<= 3", true},
	}
	for _, c := range cases {
		if got := SatisfiesConstraint(c.version, c.constraint); got != c.ok {
			t.Errorf("SatisfiesConstraint(%q, %q) = %v", c.version, c.constraint, got)
		}
	}
}

func TestLayersFromConfNoCollections(t *testing.T) {
	vars, _ := parseConf("f", []byte("BBPATH .= \":${LAYERDIR}\"\n"))
	ls, errs := layersFromConf("/x/conf/layer.conf", "/x", "x", vars)
	if len(ls) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "no BBFILE_COLLECTIONS") {
		t.Fatalf("got %v %v", ls, errs)
	}
}
