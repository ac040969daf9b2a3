package generator

import (
	"errors"
	"testing"
)

func TestReadConfAssignments(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []Assignment
	}{
		{"plain", `MACHINE = "qemux86-64"`, []Assignment{{Var: "MACHINE", Op: "=", Value: "qemux86-64", Line: 1, End: 1}}},
		{"no spaces", `A="b"`, []Assignment{{Var: "A", Op: "=", Value: "b", Line: 1, End: 1}}},
		{"single quotes", `A = 'say "hi"'`, []Assignment{{Var: "A", Op: "=", Value: `say "hi"`, Line: 1, End: 1}}},
		{"weak", `DISTRO ?= "poky"`, []Assignment{{Var: "DISTRO", Op: "?=", Value: "poky", Line: 1, End: 1}}},
		{"weaker", `DISTRO ??= "poky"`, []Assignment{{Var: "DISTRO", Op: "??=", Value: "poky", Line: 1, End: 1}}},
		{"immediate", `F:prepend := "${THISDIR}/files:"`, []Assignment{{Var: "F:prepend", Op: ":=", Value: "${THISDIR}/files:", Line: 1, End: 1}}},
		{"lazy name +=", `A+= "x"`, []Assignment{{Var: "A", Op: "+=", Value: "x", Line: 1, End: 1}}},
		{"lazy name .=", `BBPATH .= ":${LAYERDIR}"`, []Assignment{{Var: "BBPATH", Op: ".=", Value: ":${LAYERDIR}", Line: 1, End: 1}}},
		{"=+ and =.", "A =+ \"x\"\nB =. \"y\"", []Assignment{
			{Var: "A", Op: "=+", Value: "x", Line: 1, End: 1}, {Var: "B", Op: "=.", Value: "y", Line: 2, End: 2}}},
		{"override", `IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning = "a.b"`,
			[]Assignment{{Var: "IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning", Op: "=", Value: "a.b", Line: 1, End: 1}}},
		{"flag", `do_install[depends] = "x:do_y"`, []Assignment{{Var: "do_install", Flag: "depends", Op: "=", Value: "x:do_y", Line: 1, End: 1}}},
		{"export", `export FOO = "bar"`, []Assignment{{Export: true, Var: "FOO", Op: "=", Value: "bar", Line: 1, End: 1}}},
		{"comments and blanks", "# c\n\n   \nA = \"1\"\n#B = \"2\"", []Assignment{{Var: "A", Op: "=", Value: "1", Line: 4, End: 4}}},
		{"continuation", "BBLAYERS ?= \" \\\n  /a \\\n  /b \\\n  \"\nX = \"y\"", []Assignment{
			{Var: "BBLAYERS", Op: "?=", Value: "   /a   /b   ", Line: 1, End: 4}, {Var: "X", Op: "=", Value: "y", Line: 5, End: 5}}},
		{"trailing spaces dropped", "A = \"x\"   \t", []Assignment{{Var: "A", Op: "=", Value: "x", Line: 1, End: 1}}},
		{"CR is a line break", "A = \"1\"\rB = \"2\"\r\nC = \"3\"", []Assignment{
			{Var: "A", Op: "=", Value: "1", Line: 1, End: 1}, {Var: "B", Op: "=", Value: "2", Line: 2, End: 2}, {Var: "C", Op: "=", Value: "3", Line: 3, End: 3}}},
		{"greedy to last quote", `A = "x" "y"`, []Assignment{{Var: "A", Op: "=", Value: `x" "y`, Line: 1, End: 1}}},
		{"directives", "include conf/x.conf\nrequire y.inc\nexport PATH\nunset FOO\nA = \"1\"", []Assignment{{Var: "A", Op: "=", Value: "1", Line: 5, End: 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ReadConf([]byte(tt.text))
			if err != nil {
				t.Fatalf("ReadConf: %v", err)
			}
			if len(c.Assignments) != len(tt.want) {
				t.Fatalf("got %d assignments %+v, want %+v", len(c.Assignments), c.Assignments, tt.want)
			}
			for i, w := range tt.want {
				if c.Assignments[i] != w {
					t.Errorf("assignment %d = %+v, want %+v", i, c.Assignments[i], w)
				}
			}
		})
	}
}

// Lines BitBake refuses must be refused here too, or the round-trip test
// would accept output BitBake cannot read.
func TestReadConfRefuses(t *testing.T) {
	for _, text := range []string{
		`A = "a"b"`,                // exactly three quotes: BitBake's look-ahead refuses it
		`A = "x`,                   // unterminated
		` = "x"`,                   // empty name
		`export = "x"`,             // "export " then an empty name
		`  A = "x"`,                // leading space: no regexp matches
		"  # indented comment",     // BitBake only skips lines starting with #
		"# comment \\\nA = \"x\"",  // comment continued onto a non-comment line
		`A = x`,                    // unquoted
		"A = \"x\" # comment",      // trailing comment after the quote
		`A[bad flag] = "x"`,        // space in flag
		"A = \"x\"\nB = \"y\" z\"", // second line bad
	} {
		if _, err := ReadConf([]byte(text)); err == nil {
			t.Errorf("ReadConf(%q) accepted a line BitBake refuses", text)
		} else {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("ReadConf(%q): error %v is not a *ParseError", text, err)
			}
		}
	}
}

func TestAssignmentNameAndOverrides(t *testing.T) {
	a := Assignment{Var: "PACKAGECONFIG:append:pn-greengrass-lite"}
	if a.Name() != "PACKAGECONFIG" {
		t.Errorf("Name = %q", a.Name())
	}
	if ov := a.Overrides(); len(ov) != 2 || ov[0] != "append" || ov[1] != "pn-greengrass-lite" {
		t.Errorf("Overrides = %q", ov)
	}
	if (Assignment{Var: "MACHINE"}).Overrides() != nil {
		t.Error("plain variable has overrides")
	}
}
