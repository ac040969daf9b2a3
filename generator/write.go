package generator

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// BackupSuffix names the one backup Apply keeps of a file it replaces:
// conf/local.conf.fleetbake-bak.
const BackupSuffix = ".fleetbake-bak"

// ChangedOnDiskError is a file that changed between Plan reading it and
// Apply writing it (an editor saved it, another run wrote it). Nothing is
// written: the engineer's edit would be lost.
type ChangedOnDiskError struct{ Rel string }

func (e *ChangedOnDiskError) Error() string {
	return fmt.Sprintf("%s changed on disk after fleetbake read it; nothing was written. Run `fleetbake generate` again (with --diff to see the new changes)", e.Rel)
}

// pending is one file to put in place: its temporary file, and what to put
// back if a later step fails.
type pending struct {
	fc         *FileChange
	tmp        string // new content, synced, in the same folder
	bakTmp     string // backup of the old content, "" when the file is new
	bakPath    string
	oldBak     []byte // the previous backup, to restore on rollback
	oldBakSeen bool
	renamed    bool
	bakDone    bool
}

// Apply writes every changed file of c. It first checks that no file changed
// on disk since Plan read it, creates missing folders (conf/), writes every
// new content and backup to a temporary file in its folder and syncs it, and
// only then renames them into place. Any failure leaves every file, backup
// and folder as it was, and says which file and why. c itself is not
// changed: its Summary still says what was created or updated, and applying
// it a second time fails (the files no longer match what Plan read).
func Apply(c *Changes) error {
	var todo []*pending
	for i := range c.Files {
		if c.Files[i].Changed {
			todo = append(todo, &pending{fc: &c.Files[i]})
		}
	}
	if len(todo) == 0 {
		return nil
	}
	for _, p := range todo {
		if err := checkUnchanged(p.fc); err != nil {
			return err
		}
	}

	var created []string
	cleanup := func() {
		for _, p := range todo {
			if p.tmp != "" {
				os.Remove(p.tmp)
			}
			if p.bakTmp != "" {
				os.Remove(p.bakTmp)
			}
		}
		removeCreated(created)
	}

	// Phase 1: everything that can fail for lack of room or permission.
	for _, p := range todo {
		dirs, err := mkdirAll(filepath.Dir(p.fc.Path))
		created = append(created, dirs...)
		if err != nil {
			cleanup()
			return writeError(p.fc, err)
		}
		if p.fc.Exists {
			p.bakPath = p.fc.Path + BackupSuffix
			if old, err := os.ReadFile(p.bakPath); err == nil {
				p.oldBak, p.oldBakSeen = old, true
			}
		}
	}
	// The temporary files are written and synced at once: each fsync waits
	// for the disk, and concurrent ones share a journal commit, so a run
	// that rewrites several files costs about one fsync, not one per file.
	if err := writeTemps(todo); err != nil {
		cleanup()
		return err
	}

	// Phase 2: last check, then renames, rolled back on the first failure.
	for _, p := range todo {
		if err := checkUnchanged(p.fc); err != nil {
			cleanup()
			return err
		}
	}
	for _, p := range todo {
		if p.bakTmp != "" {
			if err := os.Rename(p.bakTmp, p.bakPath); err != nil {
				rollback(todo)
				cleanup()
				return writeError(p.fc, err)
			}
			p.bakTmp, p.bakDone = "", true
		}
		if err := os.Rename(p.tmp, p.fc.Path); err != nil {
			rollback(todo)
			cleanup()
			return writeError(p.fc, err)
		}
		p.tmp, p.renamed = "", true
	}
	syncDirs(todo)
	return nil
}

// writeTemps writes every new content and backup of todo to its temporary
// file concurrently; on error the first failure is returned and the
// temporary files made so far stay recorded in todo for cleanup.
func writeTemps(todo []*pending) error {
	var wg sync.WaitGroup
	errs := make([]error, 2*len(todo)) // new content at 2i, backup at 2i+1
	for i, p := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tmp, err := writeTemp(p.fc.Path, p.fc.New, p.fc.Perm)
			p.tmp = tmp
			if err != nil {
				errs[2*i] = writeError(p.fc, err)
			}
		}()
		if p.bakPath != "" {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tmp, err := writeTemp(p.bakPath, p.fc.Old, p.fc.Perm)
				p.bakTmp = tmp
				if err != nil {
					errs[2*i+1] = writeError(p.fc, err)
				}
			}()
		}
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func writeError(fc *FileChange, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("cannot write %s: permission denied on %s; nothing was written. Fix the folder's permissions or choose another build_dir", fc.Rel, pe.Path)
	}
	return fmt.Errorf("cannot write %s: %w; nothing was written", fc.Rel, err)
}

// checkUnchanged re-reads the file and compares it with what Plan read.
func checkUnchanged(fc *FileChange) error {
	_, now, _, err := readStamped(fc.Path)
	if err != nil {
		return fmt.Errorf("cannot read %s again before writing it: %w; nothing was written", fc.Rel, err)
	}
	if !now.same(fc.read) {
		return &ChangedOnDiskError{Rel: fc.Rel}
	}
	return nil
}

// writeTemp writes data to a new temporary file next to path and syncs it.
func writeTemp(path string, data []byte, perm os.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(name)
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
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// mkdirAll is os.MkdirAll that returns the folders it created, so a failed
// Apply can remove them again.
func mkdirAll(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				return nil, fmt.Errorf("%s is a file, not a folder", d)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	var created []string
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return created, err
		}
		created = append(created, missing[i])
	}
	return created, nil
}

// removeCreated removes folders Apply created, deepest first, if still empty.
func removeCreated(dirs []string) {
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for _, d := range dirs {
		os.Remove(d)
	}
}

// rollback puts back every file and backup already renamed into place.
func rollback(todo []*pending) {
	for _, p := range todo {
		if p.renamed {
			if p.fc.Exists {
				if tmp, err := writeTemp(p.fc.Path, p.fc.Old, p.fc.Perm); err == nil {
					if os.Rename(tmp, p.fc.Path) != nil {
						os.Remove(tmp)
					}
				}
			} else {
				os.Remove(p.fc.Path)
			}
		}
		if p.bakDone {
			if p.oldBakSeen {
				if tmp, err := writeTemp(p.bakPath, p.oldBak, p.fc.Perm); err == nil {
					if os.Rename(tmp, p.bakPath) != nil {
						os.Remove(tmp)
					}
				}
			} else {
				os.Remove(p.bakPath)
			}
		}
	}
}

// syncDirs makes the renames durable.
func syncDirs(todo []*pending) {
	seen := map[string]bool{}
	for _, p := range todo {
		dir := filepath.Dir(p.fc.Path)
		if seen[dir] {
			continue
		}
		seen[dir] = true
		if d, err := os.Open(dir); err == nil {
			d.Sync()
			d.Close()
		}
	}
}
