package generator

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fleetbake/model"
)

// FileChange is one file fleetbake owns (in part): what is on disk now and
// what fleetbake would write.
type FileChange struct {
	Path    string      // absolute
	Rel     string      // relative to the project folder when inside it, for messages
	Old     []byte      // content on disk when Plan read it (nil when missing)
	New     []byte      // content Apply writes
	Exists  bool        // the file existed when Plan read it
	Changed bool        // New differs from Old (or the file is missing)
	Perm    os.FileMode // mode Apply gives the file (the old file's, or 0644)

	read stamp // what Plan saw, so Apply can refuse a file changed since
}

// Status is "created", "updated" or "up to date".
func (f *FileChange) Status() string {
	switch {
	case !f.Changed:
		return "up to date"
	case !f.Exists:
		return "created"
	default:
		return "updated"
	}
}

// Changes is everything `fleetbake generate` would write. Plan fills it
// without touching the disk; Apply writes it.
type Changes struct {
	Files []FileChange
	// Warnings are things the engineer should act on: an own assignment
	// after the block that overrides fleetbake's, missing claim files,
	// endpoints not known yet.
	Warnings []string
	// Notes are information: layers not fetched yet, the generation used.
	Notes []string
}

// Empty reports whether every file is up to date.
func (c *Changes) Empty() bool {
	for i := range c.Files {
		if c.Files[i].Changed {
			return false
		}
	}
	return true
}

// Diff is a unified diff of every file that would change ("" when none).
func (c *Changes) Diff() string {
	var b strings.Builder
	for i := range c.Files {
		f := &c.Files[i]
		if !f.Changed {
			continue
		}
		oldName := "a/" + f.Rel
		if !f.Exists {
			oldName = "/dev/null"
		}
		b.WriteString(unifiedDiff(oldName, "b/"+f.Rel, string(f.Old), string(f.New)))
	}
	return b.String()
}

// Summary is one line per file: "build/conf/local.conf: up to date".
func (c *Changes) Summary() []string {
	lines := make([]string, 0, len(c.Files))
	for i := range c.Files {
		f := &c.Files[i]
		lines = append(lines, f.Rel+": "+f.Status())
	}
	return lines
}

// stamp identifies the content of a file at one moment.
type stamp struct {
	exists bool
	size   int64
	mtime  time.Time
	sum    [32]byte
}

func (s stamp) same(o stamp) bool {
	return s.exists == o.exists && s.size == o.size && s.sum == o.sum
}

// stampOf is the stamp of a file that holds data.
func stampOf(data []byte) stamp {
	return stamp{exists: true, size: int64(len(data)), sum: sha256.Sum256(data)}
}

// readStamped reads path and records what it saw. A missing file is not an
// error; anything else (permission, a folder in the way) is.
func readStamped(path string) ([]byte, stamp, os.FileMode, error) {
	// Bounded, regular files only: a FIFO named local.conf must not hang
	// generate, nor /dev/zero fill memory.
	data, err := model.ReadRegularFile(path, model.MaxEditedConfSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, stamp{}, 0o644, nil
	}
	if err != nil {
		return nil, stamp{}, 0, err
	}
	st := stampOf(data)
	perm := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		st.mtime = fi.ModTime()
		perm = fi.Mode().Perm()
	}
	return data, st, perm, nil
}

// target is one file to plan: where it goes, the start of a new file, and
// the block fleetbake owns in it.
type target struct {
	path   string
	header string // written only when the file does not exist
	block  string // markers included
	// checkOutside makes Plan warn about the engineer's assignments outside
	// the block that override fleetbake's.
	checkOutside bool
}

// plan renders every file and compares it with disk.
func plan(in *input) (*Changes, error) {
	if in.p == nil {
		return nil, errors.New("generator: no project")
	}
	targets, extraWarns, err := renderTargets(in)
	if err != nil {
		return nil, err
	}
	c := &Changes{Warnings: extraWarns}
	for _, t := range targets {
		fc, warns, err := planFile(in.p, t)
		if err != nil {
			return nil, err
		}
		c.Files = append(c.Files, fc)
		c.Warnings = append(c.Warnings, warns...)
	}
	c.Warnings = append(c.Warnings, projectWarnings(in)...)
	c.Warnings = append(c.Warnings, offlineWarnings(in)...)
	c.Warnings = append(c.Warnings, bbsetupWarnings(in)...)
	c.Notes = append(c.Notes, projectNotes(in)...)
	return c, nil
}

func planFile(p *model.Project, t target) (FileChange, []string, error) {
	fc := FileChange{Path: t.path, Rel: relName(p, t.path)}
	old, st, perm, err := readStamped(t.path)
	if err != nil {
		return fc, nil, fmt.Errorf("cannot read %s: %w", fc.Rel, err)
	}
	fc.Old, fc.Exists, fc.read, fc.Perm = old, st.exists, st, perm
	r, err := findBlock(fc.Rel, old)
	if err != nil {
		return fc, nil, err
	}
	fc.New = spliceBlock(old, fc.Exists, r, t.header, t.block)
	fc.Changed = !fc.Exists || string(fc.New) != string(old)
	var warns []string
	if t.checkOutside && fc.Exists {
		warns = outsideWarnings(fc.Rel, old, r, t.block)
	}
	return fc, warns, nil
}

// relName names path relative to the project folder when it is inside it.
func relName(p *model.Project, path string) string {
	if p.Path() == "" {
		return path
	}
	rel, err := filepath.Rel(p.Dir(), path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return path
	}
	return filepath.ToSlash(rel)
}

// renderTargets renders the content of every file fleetbake owns, before
// any file is read or written: a value that cannot be written stops here.
// It also returns warnings about [local_conf] extras that override a value
// fleetbake sets.
func renderTargets(in *input) ([]target, []string, error) {
	p := in.p
	if p.BuildDir == "" {
		return nil, nil, errors.New("build_dir is empty in fleetbake.toml; set it (e.g. build)")
	}
	build := absPath(p.Abs(p.BuildDir))
	if len(in.layers) == 0 {
		return nil, nil, errors.New("no layers to write into bblayers.conf: the layer set is empty; add layers in fleetbake.toml (e.g. meta-aws) and check that oe-core is found")
	}
	for _, l := range in.layers {
		if l.Path == "" {
			return nil, nil, fmt.Errorf("layer %s has no folder (not on disk and not in the catalog); add its checkout to a source folder or remove it from fleetbake.toml", l.Name)
		}
	}
	var ts []target
	add := func(path, headTmpl, blockTmpl string, data any, checkOutside bool) (string, error) {
		head := ""
		if headTmpl != "" {
			var err error
			if head, err = render(headTmpl, nil); err != nil {
				return "", err
			}
		}
		content, err := render(blockTmpl, data)
		if err != nil {
			return "", err
		}
		block := wrapBlock(content)
		// Never write what the reader cannot read back: the same check the
		// fuzz test makes, on every run.
		if _, err := ReadConf([]byte(head + block)); err != nil {
			return "", fmt.Errorf("generator: %s would not parse (%v); this is a fleetbake bug, please report it", blockTmpl, err)
		}
		if err := guardConf(blockTmpl, head+block); err != nil {
			return "", err
		}
		ts = append(ts, target{path: path, header: head, block: block, checkOutside: checkOutside})
		return content, nil
	}

	if _, err := add(filepath.Join(build, "conf", "bblayers.conf"), "bblayers.conf.head.tmpl", "bblayers.conf.block.tmpl",
		layersData{Source: source(p), Layers: in.layerPaths(), Pins: pinLines(p)}, true); err != nil {
		return nil, nil, err
	}
	ld := in.localData()
	ld.RemoveFragments = strings.Join(model.BuiltinFragments(build), " ")
	lcBlock, err := add(filepath.Join(build, "conf", "local.conf"), "local.conf.head.tmpl", "local.conf.block.tmpl", ld, true)
	if err != nil {
		return nil, nil, err
	}
	if in.useClaimLayer() {
		if in.release == "" {
			return nil, nil, errors.New("the claim layer needs the Yocto release for LAYERSERIES_COMPAT: set release in fleetbake.toml (e.g. kirkstone) or put oe-core in a source folder")
		}
		cert, _, _ := p.ClaimFiles()
		d := claimLayerData{Source: source(p), Collection: claimLayerCollection, Release: in.release, ClaimDir: filepath.Dir(cert)}
		dir := in.claimLayerPath()
		if _, err := add(filepath.Join(dir, "conf", "layer.conf"), "", "layer.conf.tmpl", d, false); err != nil {
			return nil, nil, err
		}
		if _, err := add(filepath.Join(dir, filepath.FromSlash(claimBBAppend)), "", "greengrass-bin.bbappend.tmpl", d, false); err != nil {
			return nil, nil, err
		}
	}
	return ts, extrasWarnings(p, lcBlock), nil
}

// extrasWarnings names each [local_conf] extra that replaces a value
// fleetbake's block sets itself (extras come last, so they win).
func extrasWarnings(p *model.Project, block string) []string {
	conf, err := ReadConf([]byte(block))
	if err != nil {
		return nil
	}
	first := map[string]string{}
	var warns []string
	for _, a := range conf.Assignments {
		extra, isExtra := p.LocalConf[a.Var]
		if prev, seen := first[a.Var]; seen && isExtra && extra == a.Value && !slices.ContainsFunc(a.Overrides(), isAdditive) {
			warns = append(warns, fmt.Sprintf("local_conf.%s = %q in fleetbake.toml replaces the %q fleetbake sets for Greengrass; remove it from [local_conf] unless that is meant", a.Var, a.Value, prev))
		}
		if _, seen := first[a.Var]; !seen {
			first[a.Var] = a.Value
		}
	}
	return warns
}
