package generator

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"fleetbake/model"
)

// BackupSuffix names the one backup Apply keeps of a file it replaces:
// conf/local.conf.fleetbake-bak.
const BackupSuffix = ".fleetbake-bak"

// lockWait is how long Apply waits for another run writing the same build
// folder; a run writes for milliseconds, so a longer wait means it is stuck.
var lockWait = 10 * time.Second

// retryGenerate is what a *model.ChangedOnDiskError from Apply asks to run.
const retryGenerate = "`fleetbake generate` (with --diff to see the new changes)"

// changedOnDisk returns err as a *model.ChangedOnDiskError that says to
// run generate again, and whether it is one.
func changedOnDisk(err error) (error, bool) {
	var ce *model.ChangedOnDiskError
	if !errors.As(err, &ce) {
		return err, false
	}
	ce.Retry = retryGenerate
	return ce, true
}

// pending is one file to put in place: its temporary file, and what to put
// back if a later step fails.
type pending struct {
	fc         *FileChange
	real       string // fc.Path with symlinks followed: the file replaced
	tmp        string // new content, synced, in the same folder
	bakTmp     string // backup of the old content (only without exchange)
	bakPath    string
	oldBak     []byte // the previous backup, to restore on rollback
	oldBakSeen bool
	renamed    bool
	bakDone    bool
	exchanged  bool   // the old file itself became the backup
	step       string // the step noted in the lock (interrupted.go), "" when none is half done
}

// Apply writes every changed file of c. It takes the build folder's lock
// (one run writes it at a time; another waits, then finds the files changed
// and writes nothing), checks that no file changed on disk since Plan read
// it, creates missing folders (conf/), writes every new content to a synced
// temporary file in its folder, and only then puts them in place, each with
// an exchange that shows what it replaced: an edit that landed after the
// last check is put back and reported, never lost (see replace.go). Any
// failure leaves every file, backup and folder as it was, and says which
// file and why. Symlinked files are written through the link. c itself is
// not changed: its Summary still says what was created or updated, and
// applying it a second time fails (the files no longer match what Plan read).
func Apply(c *Changes) error {
	start := time.Now()
	if len(c.Files) == 0 {
		return nil
	}
	var todo []*pending
	reals := make([]string, len(c.Files))
	for i := range c.Files {
		real, err := model.RealPath(c.Files[i].Path)
		if err != nil {
			return fmt.Errorf("cannot write %s: %w; nothing was written", c.Files[i].Rel, err)
		}
		reals[i] = real
		if c.Files[i].Changed {
			todo = append(todo, &pending{fc: &c.Files[i], real: real})
		}
	}
	// The lock is in the folder of the first file (build/conf), where
	// its name is, even when that file is a link to another folder.
	lockDir := filepath.Dir(c.Files[0].Path)
	if len(todo) == 0 {
		if _, err := os.Stat(lockDir); err != nil {
			return nil
		}
	}

	var created []string
	// Phase 1: folders and the lock, then everything that can fail for lack
	// of room or permission.
	for _, p := range todo {
		for _, dir := range []string{lockDir, filepath.Dir(p.real)} {
			dirs, err := mkdirAll(dir)
			created = append(created, dirs...)
			if err != nil {
				removeCreated(created)
				return writeError(p.fc, err)
			}
		}
	}
	dropLock := func() {
		if slices.Contains(created, lockDir) {
			os.Remove(filepath.Join(lockDir, model.LockName))
		}
	}
	lock, err := model.LockDir(lockDir, lockWait)
	if err != nil {
		dropLock()
		removeCreated(created)
		return err
	}
	defer lock.Unlock()
	// A run killed in the middle of putting a file in place may have left
	// the engineer's edit under a temporary name: settle that first.
	if err := recoverInterrupted(lock); err != nil {
		dropLock()
		removeCreated(created)
		return err
	}
	j := &journal{lock: lock, todo: todo}
	defer j.save() // what is still noted at the end stays for the next run
	// Runs killed before this one left their temporary files; the lock
	// says none is writing now.
	var sweep []string
	for _, real := range reals {
		sweep = append(sweep, real, real+BackupSuffix)
	}
	model.RemoveStaleTempsOf(sweep, start)
	cleanup := func() {
		for _, p := range todo {
			if p.tmp != "" {
				model.RemoveTemp(p.tmp)
			}
			if p.bakTmp != "" {
				model.RemoveTemp(p.bakTmp)
			}
		}
		dropLock()
		removeCreated(created)
	}
	for _, p := range todo {
		if err := checkUnchanged(p); err != nil {
			cleanup()
			return err
		}
		if p.fc.Exists {
			p.bakPath = p.real + BackupSuffix
			if old, err := os.ReadFile(p.bakPath); err == nil {
				p.oldBak, p.oldBakSeen = old, true
			}
			if err := checkOldBackup(p); err != nil {
				cleanup()
				return err
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

	// Phase 2: last check, then each file put in place; rolled back on the
	// first failure.
	for _, p := range todo {
		if err := checkUnchanged(p); err != nil {
			cleanup()
			return err
		}
	}
	for _, p := range todo {
		if err := replace(p, j); err != nil {
			rollback(todo)
			cleanup()
			return err
		}
	}
	syncDirs(todo)
	// An editor that had the file open may have written into the old file
	// after it left its place: it is the backup now. Say so, and keep its
	// step noted, so the next run does not replace that backup before the
	// engineer has copied the edit (recoverInterrupted).
	var errs []error
	for _, p := range todo {
		if err := checkBackup(p); err != nil {
			errs = append(errs, err)
			continue
		}
		p.step = ""
	}
	return errors.Join(errs...)
}

// writeTemps writes every new content of todo to its temporary file
// concurrently; on error the first failure is returned and the temporary
// files made so far stay recorded in todo for cleanup.
func writeTemps(todo []*pending) error {
	var wg sync.WaitGroup
	errs := make([]error, len(todo))
	for i, p := range todo {
		wg.Go(func() {
			tmp, err := model.CreateTemp(p.real, p.fc.New, p.fc.Perm)
			p.tmp = tmp
			if err != nil {
				errs[i] = writeError(p.fc, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func writeError(fc *FileChange, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("cannot write %s: permission denied on %s; nothing was written. Fix the folder's permissions or choose another build_dir", fc.Rel, pe.Path)
	}
	return fmt.Errorf("cannot write %s: %w; nothing was written", fc.Rel, err)
}

// checkUnchanged re-reads the file and compares it with what Plan read.
func checkUnchanged(p *pending) error {
	_, now, _, err := readStamped(p.real)
	if err != nil {
		return fmt.Errorf("cannot read %s again before writing it: %w; nothing was written", p.fc.Rel, err)
	}
	if !now.same(p.fc.read) {
		return &model.ChangedOnDiskError{Name: p.fc.Rel, Retry: retryGenerate}
	}
	return nil
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

// syncDirs makes the renames durable.
func syncDirs(todo []*pending) {
	seen := map[string]bool{}
	for _, p := range todo {
		dir := filepath.Dir(p.real)
		if !seen[dir] {
			seen[dir] = true
			model.SyncDir(dir)
		}
	}
}
