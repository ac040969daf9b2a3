package generator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/model"
)

// fixture is a project folder in a temp dir with a hand-made layer set.
type fixture struct {
	dir string
	p   *model.Project
	res *model.Resolution
}

// newFixture makes a project in a temp folder whose layers (poky's meta and
// meta-poky, meta-openembedded's meta-oe and meta-python, meta-aws) exist
// as folders under sources/, and a Resolution for them built by hand.
func newFixture(t testing.TB, gen model.Generation) *fixture {
	t.Helper()
	return newFixtureGen(t, t.TempDir(), gen)
}

// newFixtureIn is newFixture in a given folder (for a child process).
func newFixtureIn(t testing.TB, dir string) *fixture {
	return newFixtureGen(t, dir, model.GenerationNew)
}

func newFixtureGen(t testing.TB, dir string, gen model.Generation) *fixture {
	t.Helper()
	p := model.Default()
	p.SetPath(filepath.Join(dir, model.DefaultFile))
	p.Release = "scarthgap"
	p.Greengrass.DataEndpoint = "abc123-ats.iot.eu-west-1.amazonaws.com"
	p.Greengrass.CredentialEndpoint = "c1d2e3.credentials.iot.eu-west-1.amazonaws.com"
	p.Greengrass.Region = "eu-west-1"
	release := "scarthgap"
	if gen == model.GenerationOld {
		release = "kirkstone"
		p.Release = release
	}
	layer := func(repo, sub, name, col string, deps ...string) *model.Layer {
		path := filepath.Join(dir, "sources", repo, sub)
		if err := os.MkdirAll(filepath.Join(path, "conf"), 0o755); err != nil {
			t.Fatal(err)
		}
		l := &model.Layer{Name: name, Path: path, OnDisk: true, Collection: col, SeriesCompat: []string{release}, Repo: repo, Subdir: sub}
		for _, d := range deps {
			l.Depends = append(l.Depends, model.Dependency{Collection: d})
		}
		return l
	}
	res := &model.Resolution{
		Release:    release,
		Generation: gen,
		Layers: []*model.Layer{
			layer("poky", "meta", "meta", "core"),
			layer("poky", "meta-poky", "meta-poky", "yocto", "core"),
			layer("meta-openembedded", "meta-oe", "meta-oe", "openembedded-layer", "core"),
			layer("meta-openembedded", "meta-python", "meta-python", "meta-python", "core", "openembedded-layer"),
			layer("meta-aws", "", "meta-aws", "meta-aws", "core", "openembedded-layer", "meta-python"),
		},
	}
	return &fixture{dir: dir, p: p, res: res}
}

// writeClaimFiles puts placeholder claim files where the project expects them.
func (f *fixture) writeClaimFiles(t testing.TB) {
	t.Helper()
	cert, key, root := f.p.ClaimFiles()
	if err := os.MkdirAll(filepath.Dir(cert), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{cert, key, root} {
		if err := os.WriteFile(p, []byte("-----BEGIN TEST-----\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) path(rel string) string { return filepath.Join(f.dir, filepath.FromSlash(rel)) }

func (f *fixture) read(t testing.TB, rel string) string {
	t.Helper()
	data, err := os.ReadFile(f.path(rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func (f *fixture) write(t testing.TB, rel, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(f.path(rel)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.path(rel), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// generate runs Plan and Apply.
func (f *fixture) generate(t testing.TB) *Changes {
	t.Helper()
	c, err := Plan(f.p, f.res)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if err := Apply(c); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return c
}

// valueOf returns the value of the last assignment to key in a conf text.
func valueOf(t testing.TB, text, key string) (string, bool) {
	t.Helper()
	conf, err := ReadConf([]byte(text))
	if err != nil {
		t.Fatalf("ReadConf: %v\n%s", err, text)
	}
	val, ok := "", false
	for _, a := range conf.Assignments {
		if a.Var == key {
			val, ok = a.Value, true
		}
	}
	return val, ok
}

// snapshot reads every regular file under dir (relative path -> content,
// with the mode) so a test can prove nothing changed.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		if fi.IsDir() {
			out[rel+"/"] = fi.Mode().String()
			return nil
		}
		data, _ := os.ReadFile(path)
		out[rel] = fi.Mode().String() + "\n" + string(data)
		return nil
	})
	return out
}

func diffSnapshots(a, b map[string]string) string {
	var lines []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			lines = append(lines, "removed "+k)
		} else if v != w {
			lines = append(lines, "changed "+k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			lines = append(lines, "added "+k)
		}
	}
	return strings.Join(lines, "\n")
}
