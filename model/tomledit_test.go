package model

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// handWritten is a project file as an engineer keeps it: comments above
// and beside keys, blank lines, their own order, a multi-line array.
const handWritten = `# Our gateway image. Ask Ana before changing the machine.
format = 1

build_dir = "build"   # shared with the CI job
machine = "qemux86-64" # the emulator for now
distro = "poky"
image = "core-image-minimal"
release = "scarthgap"

layers = [
  "meta-aws",     # Greengrass
  "meta-python",
]

[local_conf]
# keep the disk monitor quiet on the CI runner
"BB_DISKMON_DIRS" = ""

[greengrass]
enabled = true
region = "eu-west-1"
prefix = "gw" # every AWS name starts with this

claim_dir = "claim-certs"
# endpoints are filled in by fleetbake provision apply
`

func loadText(t *testing.T, text string) *Project {
	t.Helper()
	p, err := Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEditTOMLChangesOnlyTheLinesOfChangedKeys(t *testing.T) {
	old := loadText(t, handWritten)
	p := loadText(t, handWritten)
	p.Machine = "raspberrypi4-64"
	p.Release = ""
	p.Layers = append(p.Layers, "meta-raspberrypi")
	p.LocalConf["INHERIT:append"] = " rm_work"
	p.Greengrass.DataEndpoint = "abc-ats.iot.eu-west-1.amazonaws.com"
	p.Greengrass.CredentialEndpoint = "c1.credentials.iot.eu-west-1.amazonaws.com"
	p.Shared.DLDir = "/srv/downloads"
	got, err := EditTOML([]byte(handWritten), old, p)
	if err != nil {
		t.Fatal(err)
	}
	want := `# Our gateway image. Ask Ana before changing the machine.
format = 1

build_dir = "build"   # shared with the CI job
machine = "raspberrypi4-64" # the emulator for now
distro = "poky"
image = "core-image-minimal"

layers = ["meta-aws", "meta-python", "meta-raspberrypi"]

[local_conf]
# keep the disk monitor quiet on the CI runner
"BB_DISKMON_DIRS" = ""
"INHERIT:append" = " rm_work"

[greengrass]
enabled = true
region = "eu-west-1"
prefix = "gw" # every AWS name starts with this

claim_dir = "claim-certs"
data_endpoint = "abc-ats.iot.eu-west-1.amazonaws.com"
credential_endpoint = "c1.credentials.iot.eu-west-1.amazonaws.com"
# endpoints are filled in by fleetbake provision apply

[shared]
dl_dir = "/srv/downloads"
`
	if string(got) != want {
		t.Errorf("edited file:\n%s\nwant:\n%s", got, want)
	}
	// Nothing changed: the text comes back byte for byte.
	same, err := EditTOML([]byte(handWritten), old, loadText(t, handWritten))
	if err != nil || string(same) != handWritten {
		t.Errorf("no change: err %v, text changed:\n%s", err, same)
	}
}

// TestEditTOMLOddLayouts: dotted keys, literal strings, CRLF, no final
// newline, no top-level keys, a comment with brackets and quotes.
func TestEditTOMLOddLayouts(t *testing.T) {
	cases := []struct {
		name, text string
		change     func(*Project)
		want       string
	}{
		{"dotted key", "machine = 'a' # it's \"quoted\" [x]\ngreengrass.region = \"us-east-1\"\n",
			func(p *Project) { p.Greengrass.Region = "eu-north-1"; p.Machine = "b" },
			"machine = \"b\" # it's \"quoted\" [x]\ngreengrass.region = \"eu-north-1\"\n"},
		{"crlf and no final newline", "machine = \"a\"\r\n[greengrass]\r\nregion = \"x\"",
			func(p *Project) { p.Greengrass.Prefix = "gw" },
			"machine = \"a\"\r\n[greengrass]\r\nregion = \"x\"\r\nprefix = \"gw\"\r\n"},
		{"top-level key added before the tables", "# top\n\n[greengrass]\nregion = \"x\"\n",
			func(p *Project) { p.Image = "img" },
			"# top\n\nimage = \"img\"\n[greengrass]\nregion = \"x\"\n"},
		{"multi-line string kept, other key changed", "image = \"\"\"\nimg\"\"\"\nmachine = \"a\"\n",
			func(p *Project) { p.Machine = "b" },
			"image = \"\"\"\nimg\"\"\"\nmachine = \"b\"\n"},
		{"removed key takes its comment along, not the next line", "release = \"a\" # gone\ndistro = \"poky\"\n",
			func(p *Project) { p.Release = "" },
			"distro = \"poky\"\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old := loadText(t, c.text)
			p := loadText(t, c.text)
			c.change(p)
			got, err := EditTOML([]byte(c.text), old, p)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got:\n%q\nwant:\n%q", got, c.want)
			}
		})
	}
}

// TestEditTOMLRefusesWhatItCannotFollow: an inline table cannot take a new
// key; the editor says so (Save then writes the whole file) rather than
// writing a file that means something else.
func TestEditTOMLRefusesWhatItCannotFollow(t *testing.T) {
	text := "greengrass = { region = \"x\" }\n"
	old := loadText(t, text)
	p := loadText(t, text)
	p.Greengrass.Prefix = "gw"
	if out, err := EditTOML([]byte(text), old, p); err == nil {
		t.Fatalf("no error; wrote:\n%s", out)
	}
}

// TestEditTOMLRandomChangesKeepEveryComment makes random changes to many
// settings at once, many times, and checks the result decodes to the
// project and keeps every comment line of the original.
func TestEditTOMLRandomChangesKeepEveryComment(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var comments []string
	for _, l := range strings.Split(handWritten, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			comments = append(comments, l)
		}
	}
	vals := []string{"", "x", "a b", "q\"uote", "back\\slash", "tab\there", "ünï", "#not a comment", "[x]", "'"}
	pick := func() string { return vals[r.IntN(len(vals))] }
	text := handWritten
	for i := range 400 {
		old := loadText(t, text)
		p := loadText(t, text)
		for range 1 + r.IntN(4) {
			switch r.IntN(9) {
			case 0:
				p.Machine = pick()
			case 1:
				p.Release = pick()
			case 2:
				p.Layers = append(p.Layers[:r.IntN(len(p.Layers)+1)], pick())
			case 3:
				if p.LocalConf == nil {
					p.LocalConf = map[string]string{}
				}
				p.LocalConf[fmt.Sprintf("VAR_%d:append", r.IntN(3))] = pick()
			case 4:
				p.Greengrass.DataEndpoint = pick()
			case 5:
				p.Shared.BBNumberThreads = r.IntN(3)
			case 6:
				p.Greengrass.AWSGeneratedKey = r.IntN(2) == 1
			case 7:
				p.Shared.SstateMirrors = pick()
			case 8:
				delete(p.LocalConf, fmt.Sprintf("VAR_%d:append", r.IntN(3)))
			}
		}
		out, err := EditTOML([]byte(text), old, p)
		if err != nil {
			t.Fatalf("step %d: %v\nfile:\n%s", i, err, text)
		}
		back := loadText(t, string(out))
		if !reflect.DeepEqual(back.Layers, p.Layers) || back.Machine != p.Machine || back.Greengrass != p.Greengrass || back.Shared != p.Shared {
			t.Fatalf("step %d: decodes to another project:\n%s", i, out)
		}
		for _, c := range comments {
			if !strings.Contains(string(out), c+"\n") {
				t.Fatalf("step %d: comment %q lost:\n%s", i, c, out)
			}
		}
		text = string(out)
	}
}

// TestSaveWritesThroughASymlink: a fleetbake.toml that is a symlink stays
// one, and the file it names gets the change, comments kept.
func TestSaveWritesThroughASymlink(t *testing.T) {
	dir := t.TempDir()
	realDir := filepath.Join(dir, "dotfiles")
	os.Mkdir(realDir, 0o755)
	real := filepath.Join(realDir, "gw.toml")
	if err := os.WriteFile(real, []byte(handWritten), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, DefaultFile)
	if err := os.Symlink("dotfiles/gw.toml", link); err != nil {
		t.Fatal(err)
	}
	p, err := Load(link)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.SaveUpdate(func(q *Project) { q.Greengrass.DataEndpoint = "abc-ats.iot.example" }); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s is no longer a symlink (%v)", link, err)
	}
	data, _ := os.ReadFile(real)
	want := strings.Replace(handWritten, "claim_dir = \"claim-certs\"\n", "claim_dir = \"claim-certs\"\ndata_endpoint = \"abc-ats.iot.example\"\n", 1)
	if string(data) != want {
		t.Errorf("real file:\n%s\nwant:\n%s", data, want)
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(tmps) > 0 {
		t.Errorf("temporary files next to the link: %v", tmps)
	}
}
