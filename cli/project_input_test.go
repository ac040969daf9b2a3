package cli

import (
	"os"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
	"fleetbake/model"
)

// `help settings` prints every setting of the one list in model.
func TestHelpSettingsListsEverySetting(t *testing.T) {
	code, out, errs := runCLI(t, "help", "settings")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, s := range model.Settings() {
		if !strings.Contains(out, "\n  "+s.Key+" = "+s.Example+"\n") || !strings.Contains(strings.Join(strings.Fields(out), " "), s.Doc) {
			t.Errorf("help settings lacks %s:\n%s", s.Key, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if len(line) > 80 && !strings.Contains(line, " = ") {
			t.Errorf("line over 80 columns: %q", line)
		}
	}
	_, out, _ = runCLI(t, "help")
	if !strings.Contains(out, "fleetbake help settings") {
		t.Errorf("help does not point at help settings:\n%s", out)
	}
}

// The README's settings table is model.SettingsMarkdown, so that the
// documentation cannot drift from the list the program checks against.
// FLEETBAKE_UPDATE_README=1 rewrites it.
func TestReadmeSettingsTable(t *testing.T) {
	const begin, end = "<!-- settings:begin -->\n", "<!-- settings:end -->"
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q ... %q section", begin, end)
	}
	want := model.SettingsMarkdown()
	if got := s[i+len(begin) : j]; got != want {
		if os.Getenv("FLEETBAKE_UPDATE_README") == "1" {
			if err := os.WriteFile("../README.md", []byte(s[:i+len(begin)]+want+s[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Fatalf("README.md settings table differs from model.Settings; run FLEETBAKE_UPDATE_README=1 go test ./cli -run ReadmeSettings\n got:\n%s\nwant:\n%s", got, want)
	}
}

// A project file with typos reports each at once, names the file once and
// points at help settings.
func TestUnknownSettingsReportedAtOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := dir + "/fleetbake.toml"
	if code, _, errs := runCLI(t, "--config", cfg, "init"); code != 0 {
		t.Fatalf("init: %s", errs)
	}
	data, _ := os.ReadFile(cfg)
	data = append([]byte("machien = \"x\"\nimgae = \"y\"\n"), data...)
	if err := os.WriteFile(cfg, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "--config", cfg, "layers")
	if code == 0 {
		t.Fatal("layers accepted a file with unknown settings")
	}
	for _, want := range []string{"2 unknown settings", "machien; did you mean machine?", "imgae; did you mean image?", "fleetbake help settings"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if n := strings.Count(errs, "fleetbake.toml"); n != 1 {
		t.Errorf("fleetbake.toml named %d times:\n%s", n, errs)
	}
}

// A workspace whose path has a space is refused when the project is made,
// with why, not when BitBake's sanity check stops the build.
func TestInitRefusesAPathWithASpace(t *testing.T) {
	dir := t.TempDir() + "/My Yocto"
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "--config", dir+"/fleetbake.toml", "init")
	if code == 0 {
		t.Fatal("init accepted a build folder under a path with a space")
	}
	for _, want := range []string{"build_dir", "contains a space", "sanity.bbclass", "My Yocto/build"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if _, err := os.Stat(dir + "/fleetbake.toml"); err == nil {
		t.Error("init wrote the project file anyway")
	}
}

// A MACHINE that no layer has is refused by init (with the closest names)
// and by layers and generate when the project file already names it; a
// catalog-only workspace takes it with a note.
func TestUnknownMachineIsRefusedWithASuggestion(t *testing.T) {
	dir := t.TempDir()
	layertree.Write(t, dir, layertree.Standard("scarthgap", true))
	cfg := dir + "/fleetbake.toml"
	code, _, errs := runCLI(t, "--config", cfg, "init", "--machine", "qemux86-46")
	if code == 0 || !strings.Contains(errs, "--machine qemux86-46: no conf/machine/qemux86-46.conf") || !strings.Contains(errs, "did you mean qemux86-64") {
		t.Fatalf("init: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(cfg); err == nil {
		t.Fatal("init wrote the project file anyway")
	}
	if code, _, errs := runCLI(t, "--config", cfg, "init"); code != 0 {
		t.Fatalf("init: %s", errs)
	}
	data, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(data), `machine = "qemux86-64"`, `machine = "qemux86-46"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "--config", cfg, "layers")
	if code != 1 || !strings.Contains(out, "missing: MACHINE qemux86-46 is in no layer") {
		t.Errorf("layers: exit %d\n%s", code, out)
	}
	code, _, errs = runCLI(t, "--config", cfg, "generate")
	if code == 0 || !strings.Contains(errs, "unknown machine: MACHINE qemux86-46") {
		t.Errorf("generate: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(dir + "/build/conf/local.conf"); err == nil {
		t.Error("generate wrote local.conf for a MACHINE no layer has")
	}

	empty := t.TempDir()
	code, out, errs = runCLI(t, "--config", empty+"/fleetbake.toml", "init", "--machine", "my-board", "--layers", "meta-aws")
	if code != 0 || !strings.Contains(out, "MACHINE my-board is not found on disk or in the catalog") {
		t.Errorf("init without a checkout: exit %d\n%s\n%s", code, out, errs)
	}
}
