// Package faketinfoil is a stand-in for BitBake's lib/bb (tinfoil and
// fetch2) and poky's oe-init-build-env that answers from vars.json in the
// build folder, so that engine.QueryBitBake's script, its sourcing of
// oe-init-build-env, its answer and its cancellation are tested without a
// parse of minutes. TestRealBitBakeVerify (package app) runs the real one.
package faketinfoil

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// files are the stand-in's poky tree. vars.json holds {"config": {...},
// "recipes": {recipe: {...}}}; each prepare() adds a line to sessions in
// the build folder, with its config_only; with "sleep": n, prepare() writes its pid to
// parsing.pid in the build folder and parses for n seconds, as a cold
// parse does.
var files = map[string]string{
	"oe-init-build-env": `here=$(pwd)
export PATH="$here/bitbake/bin:$PATH"
cd "$1"
echo "### Shell environment set up for builds. ###"
`,
	"bitbake/bin/bitbake":        "#!/bin/sh\nexit 0\n",
	"bitbake/lib/bb/__init__.py": "",
	"bitbake/lib/bb/tinfoil.py": `import json, os, time
class _D:
    def __init__(self, vals): self.vals = vals
    def getVar(self, name): return self.vals.get(name)
class Tinfoil:
    def __enter__(self): return self
    def __exit__(self, *a): return False
    def prepare(self, config_only=False, quiet=0):
        with open("vars.json") as f: self.all = json.load(f)
        with open("sessions", "a") as f: f.write("session config_only=%s\n" % config_only)
        if self.all.get("sleep"):
            with open("parsing.pid", "w") as f: f.write(str(os.getpid()))
            time.sleep(self.all["sleep"])
        self.config_data = _D(self.all["config"])
    def parse_recipe(self, name):
        if name not in self.all["recipes"]:
            raise Exception("Nothing PROVIDES '%s'" % name)
        return _D(self.all["recipes"][name])
`,
	"bitbake/lib/bb/fetch2.py": `import os
class Fetch:
    def __init__(self, urls, d, cache=True, localonly=False): self.d = d
    def localpath(self, url): return os.path.join(self.d.getVar("FILESDIR"), url[len("file://"):])
`,
}

// Tree writes the stand-in poky under dir/poky and a build folder with
// empty conf files (unless they exist) and vars.json under build; it
// returns the folder holding oe-init-build-env. It skips t without python3.
func Tree(t testing.TB, dir, build, vars string) (oeInit string) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on PATH")
	}
	oe := filepath.Join(dir, "poky")
	for name, text := range files {
		write(t, filepath.Join(oe, name), text, 0o755)
	}
	for _, name := range []string{"conf/local.conf", "conf/bblayers.conf"} {
		if _, err := os.Stat(filepath.Join(build, name)); err != nil {
			write(t, filepath.Join(build, name), "", 0o644)
		}
	}
	write(t, filepath.Join(build, "vars.json"), vars, 0o644)
	return oe
}

func write(t testing.TB, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
}
