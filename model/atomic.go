package model

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// This file holds the one way fleetbake replaces a file: a synced temporary
// file next to the real file (through symlinks), renamed over it. Temporary
// files carry fleetbake's own name pattern, are removed when the process is
// interrupted, and ones left by a killed run are removed by the next write.

// tempInfix is in the name of every temporary file fleetbake makes:
// .local.conf.tmp-123456 next to local.conf.
const tempInfix = ".tmp-"

// TempPattern is the os.CreateTemp pattern of the temporary files for path.
func TempPattern(path string) string { return "." + filepath.Base(path) + tempInfix + "*" }

// maxLinks bounds symlink chains, as the kernel does (MAXSYMLINKS is 40).
const maxLinks = 40

// RealPath follows symlinks from path to the file they name, so a write
// replaces the real file and leaves the link a link. Unlike
// filepath.EvalSymlinks, the final file may be missing (a link made before
// the file), and every relative link is read against its own folder.
func RealPath(path string) (string, error) {
	cur := path
	for range maxLinks {
		fi, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return cur, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return cur, nil
		}
		target, err := os.Readlink(cur)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(cur), target)
		}
		cur = target
	}
	return "", fmt.Errorf("%s: more than %d symlinks in a row (a loop?); point it straight at the file", path, maxLinks)
}

// CreateTemp writes data to a new temporary file next to path (path must
// already be the real file, see RealPath), gives it perm and syncs it. The
// file is removed if the process is interrupted before ForgetTemp.
func CreateTemp(path string, data []byte, perm os.FileMode) (string, error) {
	return createTemp(path, data, perm, true)
}

// createTemp is CreateTemp; track false leaves signals alone, for
// processes that must outlive a signal (the build supervisor writes its
// state with WriteFileAtomic while it ignores SIGTERM and SIGHUP).
func createTemp(path string, data []byte, perm os.FileMode, track bool) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), TempPattern(path))
	if err != nil {
		return "", err
	}
	name := f.Name()
	if track {
		trackTemp(name)
	}
	fail := func(err error) (string, error) {
		f.Close()
		RemoveTemp(name)
		return "", err
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	return name, nil
}

// RemoveTemp removes a temporary file made by CreateTemp.
func RemoveTemp(name string) {
	os.Remove(name)
	ForgetTemp(name)
}

// RemoveStaleTemps removes the temporary files of path that a killed run
// left: fleetbake's own name pattern, a regular file, last written before
// before (the start of this run, so a concurrent writer's file is kept).
// It returns the names removed.
func RemoveStaleTemps(path string, before time.Time) []string {
	return RemoveStaleTempsOf([]string{path}, before)
}

// RemoveStaleTempsOf is RemoveStaleTemps for several paths, listing each
// folder once: generate sweeps local.conf, bblayers.conf and both backups,
// all in conf/, and listed that folder four times (issue 12).
func RemoveStaleTempsOf(paths []string, before time.Time) []string {
	var dirs []string
	prefixes := map[string][]string{} // folder -> "."+base+tempInfix of its paths
	for _, p := range paths {
		dir := filepath.Dir(p)
		if _, ok := prefixes[dir]; !ok {
			dirs = append(dirs, dir)
		}
		prefixes[dir] = append(prefixes[dir], "."+filepath.Base(p)+tempInfix)
	}
	var removed []string
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if !e.Type().IsRegular() || !slices.ContainsFunc(prefixes[dir], func(base string) bool {
				return strings.HasPrefix(name, base) && isTempSuffix(name[len(base):])
			}) {
				continue
			}
			fi, err := e.Info()
			if err != nil || !fi.ModTime().Before(before) {
				continue
			}
			full := filepath.Join(dir, name)
			if os.Remove(full) == nil {
				removed = append(removed, full)
			}
		}
	}
	return removed
}

// isTempSuffix reports whether s is what os.CreateTemp puts for "*": digits.
func isTempSuffix(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// SyncDir makes renames in dir durable.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// processStart is when this process started writing, for RemoveStaleTemps.
var processStart = time.Now()

// staleBefore is the cut-off for writes that hold no lock (the state file,
// the project file): another process may be between writing its temporary
// file and renaming it (an fsync on a loaded disk takes a while), so only
// files last written well before this process started are taken as left
// by a killed run. generator.Apply holds the build folder's lock and uses
// its own start.
func staleBefore() time.Time { return processStart.Add(-staleMargin) }

const staleMargin = 10 * time.Minute

// WriteFileAtomic writes data to a temporary file next to path, syncs it
// and renames it over path, so a crash never leaves a half-written file.
// A symlink at path is replaced, not followed: the state file and the
// claim files must not write wherever a link points (files the engineer
// owns and may link, the project file and the conf files, are written
// through RealPath by their savers). Temporary files of path left by a
// killed run are removed first; its own temporary file is not removed on
// a signal (see createTemp), the next write removes it.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	RemoveStaleTemps(path, staleBefore())
	tmp, err := createTemp(path, data, perm, false)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	SyncDir(filepath.Dir(path))
	return nil
}

// KeepAside renames path to dest, or, when dest exists, to dest-2, dest-3
// and so on: never over a file, since what is there may be another version
// someone has still to copy from. It returns the name used.
func KeepAside(path, dest string) (string, error) {
	name := dest
	for i := 2; ; i++ {
		err := RenameNoReplace(path, name)
		if errors.Is(err, errors.ErrUnsupported) {
			if _, serr := os.Lstat(name); serr == nil {
				err = fs.ErrExist
			} else {
				err = os.Rename(path, name)
			}
		}
		if !errors.Is(err, fs.ErrExist) || i > 1000 {
			return name, err
		}
		name = fmt.Sprintf("%s-%d", dest, i)
	}
}
