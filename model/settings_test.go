package model

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// tomlKeys lists the dotted toml keys of a struct type, descending into
// nested structs (tables) the way fleetbake.toml lays them out.
func tomlKeys(t reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("toml")
		if !f.IsExported() || tag == "" || tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Type.Kind() == reflect.Struct {
			out = append(out, tomlKeys(f.Type, prefix+name+".")...)
			continue
		}
		out = append(out, prefix+name)
	}
	return out
}

// Settings is the one documented list: it must hold every key the project
// file reads, in file order, and nothing else.
func TestSettingsListEveryKey(t *testing.T) {
	want := tomlKeys(reflect.TypeOf(Project{}), "")
	if got := SettingKeys(); !slices.Equal(got, want) {
		t.Fatalf("Settings keys differ from Project's toml tags:\n got %v\nwant %v", got, want)
	}
	for _, s := range Settings() {
		if s.Doc == "" || s.Example == "" {
			t.Errorf("%s lacks a doc or an example", s.Key)
		}
	}
}

// Every unknown key is reported at once, each with its closest setting, and
// the file is named once.
func TestLoadReportsEveryUnknownKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fleetbake.toml")
	data := `format = 1
machin = "qemux86-64"
build_dri = "build"
image = "core-image-minimal"

[greengrass]
regoin = "eu-west-1"
enabled = true

[greengras]
prefix = "x"
`
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil {
		t.Fatal("Load accepted unknown keys")
	}
	msg := err.Error()
	for _, want := range []string{
		"4 unknown settings:",
		"machin; did you mean machine?",
		"build_dri; did you mean build_dir?",
		"greengrass.regoin; did you mean greengrass.region?",
		"\n  greengras; did you mean greengrass?\n",
		"fleetbake help settings",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "greengras.prefix") {
		t.Errorf("a misspelt table is reported once, not with each key under it:\n%s", msg)
	}
	if n := strings.Count(msg, "fleetbake.toml"); n != 1 {
		t.Errorf("the file is named %d times, want once:\n%s", n, msg)
	}
	if !strings.HasPrefix(msg, path+": ") {
		t.Errorf("error does not start with the path:\n%s", msg)
	}
}

// A Validate error names the file once, by its path.
func TestValidationErrorNamesFileOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fleetbake.toml")
	p := Default()
	p.Machine = ""
	p.SetPath(path)
	err := p.Validate()
	if err == nil || !strings.HasPrefix(err.Error(), path+" has 1 problem:") || strings.Count(err.Error(), "fleetbake.toml") != 1 {
		t.Fatalf("Validate() = %v", err)
	}
}

func TestClosest(t *testing.T) {
	cands := []string{"raspberrypi4-64", "raspberrypi4", "raspberrypi5", "qemux86-64", "qemuarm64", "imx8mp-lpddr4-evk"}
	cases := []struct {
		name string
		want []string
	}{
		{"raspberrypi4-46", []string{"raspberrypi4-64", "raspberrypi4"}},
		{"qemux86_64", []string{"qemux86-64"}},
		{"imx8mp", []string{"imx8mp-lpddr4-evk"}},
		{"beaglebone", nil},
	}
	for _, c := range cases {
		got := Closest(c.name, cands, 2)
		if !slices.Equal(got, c.want) {
			t.Errorf("Closest(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}

// The examples of the name settings are the names fleetbake derives when
// they are empty (found walking through: help said fleetbake-group where
// apply creates fleetbake-Group).
func TestSettingsNameExamplesAreDerived(t *testing.T) {
	names := Default().Greengrass.Names()
	want := map[string]string{
		"greengrass.provisioning_template": names.ProvisioningTemplate,
		"greengrass.role_alias":            names.RoleAlias,
		"greengrass.thing_group":           names.ThingGroup,
		"greengrass.thing_name_prefix":     names.ThingNamePrefix,
		"greengrass.token_exchange_role":   names.TokenExchangeRole,
		"greengrass.token_exchange_policy": names.TokenExchangePolicy,
		"greengrass.core_policy":           names.CorePolicy,
		"greengrass.provisioning_role":     names.ProvisioningRole,
		"greengrass.claim_policy":          names.ClaimPolicy,
	}
	var b strings.Builder
	WriteSettings(&b)
	for _, s := range Settings() {
		n, ok := want[s.Key]
		if !ok {
			continue
		}
		delete(want, s.Key)
		if s.Example != `"`+n+`"` {
			t.Errorf("%s: example %s, apply derives %q", s.Key, s.Example, n)
		}
		if !strings.Contains(b.String(), s.Key+` = "`+n+`"`) {
			t.Errorf("help settings does not show %s = %q", s.Key, n)
		}
	}
	if len(want) > 0 {
		t.Errorf("no setting for %v", want)
	}
}
