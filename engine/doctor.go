package engine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"fleetbake/model"
)

// Status is the outcome of one host check.
type Status int

// Check outcomes. Warn does not stop a build; Fail does.
const (
	Pass Status = iota
	Warn
	Fail
)

func (s Status) String() string {
	switch s {
	case Pass:
		return "ok"
	case Warn:
		return "warning"
	}
	return "FAIL"
}

// Check is one host check: what was found, and what to do when it is not Pass.
type Check struct {
	Name   string
	Status Status
	Detail string
	Fix    string
}

// OK reports whether the check does not stop a build.
func (c Check) OK() bool { return c.Status != Fail }

// DoctorOptions says where to look.
type DoctorOptions struct {
	// SourceRoots are searched (each and its direct sub-folders) for
	// oe-init-build-env; PATH is searched for bitbake too.
	SourceRoots []string
	// BuildDir is measured for free space (its nearest existing parent).
	BuildDir string
	// Release is the Yocto release code name when known; tools needed only by
	// newer releases (lz4c, zstd) are required unless it is an older one.
	Release string
}

// Thresholds of the disk-space check. An image build with its downloads and
// sstate takes 50 GB and more; below 10 GB it cannot finish.
const (
	DiskWarnBytes = 50 << 30
	DiskFailBytes = 10 << 30
)

// Doctor runs every host check a build needs and returns them all, in a
// stable order, without stopping at the first failure.
func Doctor(opts DoctorOptions) []Check {
	return []Check{
		checkBitBake(opts.SourceRoots),
		checkLocale(),
		checkHostTools(opts.Release, exec.LookPath),
		checkDisk(opts.BuildDir),
		checkUser(os.Geteuid()),
	}
}

// Preflight runs Doctor for the project plus the extra checks the caller
// made (fleetbake adds "conf files" from the generator), and returns an error
// listing every failure, or nil when nothing fails.
func Preflight(p *model.Project, extra ...Check) ([]Check, error) {
	opts := DoctorOptions{SourceRoots: projectRoots(p), BuildDir: p.Abs(p.BuildDir), Release: p.Release}
	checks := append(Doctor(opts), extra...)
	return checks, Failed(checks)
}

// Failed returns an error naming every failed check with its fix, or nil.
func Failed(checks []Check) error {
	var msgs []string
	for _, c := range checks {
		if c.Status == Fail {
			m := c.Name + ": " + c.Detail
			if c.Fix != "" {
				m += "; " + c.Fix
			}
			msgs = append(msgs, m)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return errors.New("the build cannot start:\n  " + strings.Join(msgs, "\n  "))
}

// projectRoots gives the project's source folders (see model.Project.SourceRoots).
func projectRoots(p *model.Project) []string { return p.SourceRoots() }

// BitBakeLocation is where BitBake was found.
type BitBakeLocation struct {
	// OEInit is the folder holding oe-init-build-env ("" when only a bitbake
	// on PATH was found).
	OEInit string
	// BitBake is the bitbake program (bin/bitbake).
	BitBake string
	// Version is BitBake's version from lib/bb/__init__.py, when readable.
	Version string
}

// FindBitBake looks for oe-init-build-env in each root and its direct
// sub-folders (poky/, openembedded-core/), then for bitbake on PATH.
func FindBitBake(roots []string) (BitBakeLocation, error) {
	for _, root := range roots {
		candidates := []string{root}
		if entries, err := os.ReadDir(root); err == nil {
			for _, e := range entries {
				if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
					candidates = append(candidates, filepath.Join(root, e.Name()))
				}
			}
		}
		for _, dir := range candidates {
			if _, err := os.Stat(filepath.Join(dir, "oe-init-build-env")); err != nil {
				continue
			}
			// poky has bitbake/ inside; openembedded-core expects it beside.
			for _, bb := range []string{filepath.Join(dir, "bitbake"), filepath.Join(filepath.Dir(dir), "bitbake")} {
				if prog := filepath.Join(bb, "bin", "bitbake"); fileExists(prog) {
					return BitBakeLocation{OEInit: dir, BitBake: prog, Version: bitbakeVersion(bb)}, nil
				}
			}
			return BitBakeLocation{OEInit: dir}, fmt.Errorf("found %s/oe-init-build-env but no bitbake/ in it or beside it: clone bitbake next to openembedded-core", dir)
		}
	}
	if prog, err := exec.LookPath("bitbake"); err == nil {
		return BitBakeLocation{BitBake: prog, Version: bitbakeVersion(filepath.Dir(filepath.Dir(prog)))}, nil
	}
	return BitBakeLocation{}, fmt.Errorf("no oe-init-build-env under %s and no bitbake on PATH", strings.Join(roots, ", "))
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// bitbakeVersion reads __version__ from a BitBake checkout.
func bitbakeVersion(checkout string) string {
	data, err := os.ReadFile(filepath.Join(checkout, "lib", "bb", "__init__.py"))
	if err != nil {
		return ""
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("__version__")) {
			if i := bytes.IndexAny(line, `"'`); i >= 0 {
				v := line[i+1:]
				if j := bytes.IndexAny(v, `"'`); j >= 0 {
					return string(v[:j])
				}
			}
		}
	}
	return ""
}

func checkBitBake(roots []string) Check {
	c := Check{Name: "bitbake"}
	loc, err := FindBitBake(roots)
	if err != nil {
		c.Status, c.Detail = Fail, err.Error()
		// poky has no branch after walnascar: from whinlatter the same files
		// come from openembedded-core and bitbake (model/catalog.toml lists
		// poky up to walnascar; git.yoctoproject.org/poky branches).
		c.Fix = "run `fleetbake layers fetch`: it clones what the project's release needs (poky up to walnascar; openembedded-core and bitbake from whinlatter on, when poky has no branch); or name the folder that holds them in sources of fleetbake.toml"
		return c
	}
	v := ""
	if loc.Version != "" {
		v = " " + loc.Version
	}
	if loc.OEInit != "" {
		c.Detail = fmt.Sprintf("bitbake%s at %s, oe-init-build-env in %s", v, loc.BitBake, loc.OEInit)
		// OE stops at its first parse when BitBake is older than it needs
		// (meta/conf/sanity.conf: BB_MIN_VERSION, "Bitbake version X is
		// required"): say so here, before a build is started.
		if min := bbMinVersion(loc.OEInit); min != "" && loc.Version != "" && versionLess(loc.Version, min) {
			c.Status = Fail
			c.Detail = fmt.Sprintf("bitbake %s at %s, but the openembedded-core in %s needs %s or newer (BB_MIN_VERSION in meta/conf/sanity.conf)", loc.Version, loc.BitBake, loc.OEInit, min)
			c.Fix = "check out the BitBake branch of this release (`fleetbake layers` names it; e.g. git -C <bitbake> checkout 2.18) or the oe-core branch that matches this BitBake"
		}
	} else {
		c.Status = Warn
		c.Detail = fmt.Sprintf("bitbake%s on PATH at %s, but no oe-init-build-env in the project's sources", v, loc.BitBake)
		c.Fix = "add your poky or openembedded-core checkout to the project's sources"
	}
	return c
}

func checkLocale() Check {
	c := Check{Name: "locale"}
	out, err := exec.Command("locale", "-a").Output()
	if err != nil {
		c.Status, c.Detail = Fail, "cannot list locales (`locale -a`: "+err.Error()+")"
		c.Fix = "sudo apt-get install locales && sudo localedef -i en_US -f UTF-8 en_US.UTF-8"
		return c
	}
	for _, l := range strings.Fields(string(out)) {
		if strings.EqualFold(l, "en_US.utf8") || strings.EqualFold(l, "en_US.UTF-8") {
			c.Detail = "en_US.UTF-8 is available"
			return c
		}
	}
	c.Status = Fail
	c.Detail = "the en_US.UTF-8 locale BitBake needs is missing (`locale -a` does not list en_US.utf8)"
	c.Fix = "sudo apt-get install locales && sudo localedef -i en_US -f UTF-8 en_US.UTF-8 (or enable it in /etc/locale.gen and run sudo locale-gen)"
	return c
}

// hostTools are the programs OE's sanity check and HOSTTOOLS need, with the
// Debian/Ubuntu package that provides each.
var hostTools = []struct{ tool, pkg string }{
	{"patch", "patch"}, {"diffstat", "diffstat"}, {"git", "git"}, {"bzip2", "bzip2"}, {"tar", "tar"},
	{"gzip", "gzip"}, {"gawk", "gawk"}, {"chrpath", "chrpath"}, {"wget", "wget"}, {"cpio", "cpio"},
	{"perl", "perl"}, {"file", "file"}, {"which", "debianutils"}, {"make", "make"}, {"gcc", "gcc"},
	{"g++", "g++"}, {"python3", "python3"},
}

// newerTools are in HOSTTOOLS since kirkstone (Yocto 4.0).
var newerTools = []struct{ tool, pkg string }{
	{"lz4c", "lz4"}, {"zstd", "zstd"}, {"pzstd", "zstd"}, {"unzstd", "zstd"},
}

// olderReleases need none of newerTools.
var olderReleases = map[string]bool{"dunfell": true, "gatesgarth": true, "hardknott": true, "honister": true, "zeus": true, "warrior": true, "thud": true, "sumo": true}

func checkHostTools(release string, look func(string) (string, error)) Check {
	c := Check{Name: "host tools"}
	tools := hostTools
	if !olderReleases[release] {
		tools = append(append(tools[:0:0], hostTools...), newerTools...)
	}
	var missing []string
	pkgs := map[string]bool{}
	for _, t := range tools {
		if _, err := look(t.tool); err != nil {
			missing = append(missing, t.tool)
			pkgs[t.pkg] = true
		}
	}
	if len(missing) == 0 {
		c.Detail = fmt.Sprintf("all %d tools BitBake needs are on PATH", len(tools))
		return c
	}
	names := make([]string, 0, len(pkgs))
	for p := range pkgs {
		names = append(names, p)
	}
	sort.Strings(names)
	c.Status = Fail
	c.Detail = "missing on PATH: " + strings.Join(missing, " ")
	c.Fix = "sudo apt-get install " + strings.Join(names, " ")
	return c
}

func checkDisk(buildDir string) Check {
	c := Check{Name: "disk space"}
	if buildDir == "" {
		c.Status, c.Detail = Warn, "no build folder to measure"
		return c
	}
	dir := buildDir
	for !fileExists(dir) && filepath.Dir(dir) != dir {
		dir = filepath.Dir(dir)
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		c.Status, c.Detail = Warn, "cannot measure free space in "+dir+": "+err.Error()
		return c
	}
	return diskCheck(dir, fs.Bavail*uint64(fs.Bsize))
}

func diskCheck(dir string, free uint64) Check {
	c := Check{Name: "disk space"}
	gb := func(b uint64) string { return fmt.Sprintf("%.1f GB", float64(b)/(1<<30)) }
	c.Detail = fmt.Sprintf("%s free in %s", gb(free), dir)
	switch {
	case free < DiskFailBytes:
		c.Status = Fail
		c.Detail += fmt.Sprintf(" (less than %s: the build cannot finish)", gb(DiskFailBytes))
		c.Fix = "free space, or move build_dir (and DL_DIR, SSTATE_DIR) to a larger disk"
	case free < DiskWarnBytes:
		c.Status = Warn
		c.Detail += fmt.Sprintf(" (less than the %s an image build usually needs)", gb(DiskWarnBytes))
		c.Fix = "free space, or share DL_DIR and SSTATE_DIR on a larger disk; INHERIT += \"rm_work\" saves space"
	}
	return c
}

func checkUser(euid int) Check {
	c := Check{Name: "user"}
	if euid == 0 {
		c.Status = Fail
		c.Detail = "running as root"
		c.Fix = "OE refuses to build as root: run as an ordinary user"
		return c
	}
	c.Detail = fmt.Sprintf("running as uid %d", euid)
	return c
}

// bbMinVersion reads BB_MIN_VERSION from oe-core's meta/conf/sanity.conf
// under the folder holding oe-init-build-env (poky, or openembedded-core).
func bbMinVersion(oeInit string) string {
	data, err := os.ReadFile(filepath.Join(oeInit, "meta", "conf", "sanity.conf"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		name, value, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(name) != "BB_MIN_VERSION" {
			continue
		}
		return strings.Trim(strings.TrimSpace(value), `"'`)
	}
	return ""
}

// versionLess compares dotted numeric versions ("2.16.0" < "2.18.0");
// a part that is not a number compares as 0.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}
