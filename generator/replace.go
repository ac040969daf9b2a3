package generator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"fleetbake/model"
)

// A check of the file followed by a rename over it leaves a window: an
// editor that saves in between has its edit replaced, and the backup (made
// from what Plan read) does not have it either. So the file is put in place
// with an exchange (model.ExchangeFiles): the file that was there comes out
// under the temporary name, and is compared with what Plan read. The same
// content: it becomes the backup (the very file, so an editor still writing
// into it writes into the backup, which checkBackup reports). Another
// content: someone saved in the window; it is exchanged back, and Apply
// stops as for any file changed on disk.

// testHook, when set by a test, runs at each named point of replace
// ("before": after the last check, before the file is replaced; "after":
// just after the exchange; "placed": the old file is the backup) with the
// path being replaced.
var testHook func(point, path string)

func hook(point, path string) {
	if testHook != nil {
		testHook(point, path)
	}
}

// ChangedWhileWritingError is a file someone saved while fleetbake was
// putting its new version in place. Their version is what is in the file,
// or, when it was saved a second time in that instant, Kept names where
// the other version is.
type ChangedWhileWritingError struct {
	Rel  string
	Kept string
}

func (e *ChangedWhileWritingError) Error() string {
	msg := fmt.Sprintf("%s was saved by someone else while fleetbake wrote it; their version is kept in %s and nothing was written. Run `fleetbake generate` again", e.Rel, e.Rel)
	if e.Kept != "" {
		msg += fmt.Sprintf(" (it was saved twice in that instant; the other version is in %s)", e.Kept)
	}
	return msg
}

// EditInBackupError is an edit written into a file while it was being
// replaced: the new file is in place, the edit is in the backup.
type EditInBackupError struct{ Rel, Backup string }

func (e *EditInBackupError) Error() string {
	return fmt.Sprintf("%s was being edited while fleetbake replaced it: fleetbake's new version is in place, and the edit went into the old file, now %s. Copy your change from there into %s, then remove %s (fleetbake does not replace it until then)", e.Rel, e.Backup, e.Rel, e.Backup)
}

// replace puts p's temporary file in place of p.real and its old content
// in the backup.
func replace(p *pending, j *journal) error {
	hook("before", p.real)
	if !p.fc.Exists {
		err := model.RenameNoReplace(p.tmp, p.real)
		if errors.Is(err, errors.ErrUnsupported) {
			err = os.Rename(p.tmp, p.real)
		}
		if errors.Is(err, fs.ErrExist) {
			return &ChangedOnDiskError{Rel: p.fc.Rel} // created by someone else meanwhile
		}
		if err != nil {
			return writeError(p.fc, err)
		}
		model.ForgetTemp(p.tmp)
		p.tmp, p.renamed = "", true
		return nil
	}
	// Noted first: from the exchange until the old file is the backup, a
	// kill leaves it at the temporary name (interrupted.go).
	p.step = stepExchange
	j.save()
	err := model.ExchangeTemp(p.tmp, p.real)
	if errors.Is(err, errors.ErrUnsupported) {
		p.step = ""
		return replaceByRename(p)
	}
	if err != nil {
		return writeError(p.fc, err)
	}
	p.renamed = true
	hook("after", p.real)
	// p.tmp now holds the file that was in place.
	_, was, _, err := readStamped(p.tmp)
	if err != nil || !was.same(p.fc.read) {
		return putBack(p)
	}
	if err := os.Rename(p.tmp, p.bakPath); err != nil {
		if model.ExchangeFiles(p.tmp, p.real) == nil {
			p.renamed = false // the old file is back; p.tmp is ours again
		}
		return writeError(p.fc, err)
	}
	p.tmp, p.bakDone, p.exchanged = "", true, true
	// Until checkBackup has looked, an edit written into the old file is
	// in the backup and nobody has said so.
	p.step = stepBackup
	j.save()
	hook("placed", p.real)
	return nil
}

// putBack exchanges the file someone saved in the window back into place.
func putBack(p *pending) error {
	if err := model.ExchangeFiles(p.tmp, p.real); err != nil {
		// Their version stays out of place: keep it under a name no
		// cleanup removes, and say where.
		kept, kerr := model.KeepAside(p.tmp, p.real+".fleetbake-conflict")
		if kerr != nil {
			kept = p.tmp
		}
		p.tmp, p.renamed = "", false
		return fmt.Errorf("%s was saved by someone else while fleetbake wrote it, and could not be put back (%v): their version is in %s; move it over %s", p.fc.Rel, err, kept, p.fc.Rel)
	}
	p.renamed = false
	back, rerr := os.ReadFile(p.tmp)
	if rerr == nil && bytes.Equal(back, p.fc.New) {
		return &ChangedWhileWritingError{Rel: p.fc.Rel} // cleanup removes p.tmp
	}
	// Saved again in that instant: keep that version too, under a name
	// that is not a temporary one (no cleanup removes it).
	kept, err := model.KeepAside(p.tmp, p.real+".fleetbake-conflict")
	if err != nil {
		kept = p.tmp
	}
	p.tmp = ""
	return &ChangedWhileWritingError{Rel: p.fc.Rel, Kept: kept}
}

// replaceByRename is replace where the file system cannot exchange: the
// backup is written from what Plan read, then the file renamed over.
func replaceByRename(p *pending) error {
	tmp, err := model.CreateTemp(p.bakPath, p.fc.Old, p.fc.Perm)
	if err != nil {
		return writeError(p.fc, err)
	}
	p.bakTmp = tmp
	if err := checkUnchanged(p); err != nil {
		return err
	}
	if err := os.Rename(p.bakTmp, p.bakPath); err != nil {
		return writeError(p.fc, err)
	}
	model.ForgetTemp(p.bakTmp)
	p.bakTmp, p.bakDone = "", true
	if err := os.Rename(p.tmp, p.real); err != nil {
		return writeError(p.fc, err)
	}
	model.ForgetTemp(p.tmp)
	p.tmp, p.renamed = "", true
	return nil
}

// checkBackup reports an edit written into the old file after it left its
// place (an editor writing into the file it has open). Otherwise it records
// the backup's sum, so a write into it later still is reported by the next
// run (checkOldBackup).
func checkBackup(p *pending) error {
	if !p.bakDone {
		return nil
	}
	_, st, _, err := readStamped(p.bakPath)
	if err == nil && st.same(p.fc.read) {
		model.SetSum(p.bakPath, hex.EncodeToString(st.sum[:]))
		return nil
	}
	return &EditInBackupError{Rel: p.fc.Rel, Backup: p.fc.Rel + BackupSuffix}
}

// LateEditInBackupError is a backup written after the run that made it
// ended: an editor that still had the old file open saved into it. The
// next run stops before replacing that backup.
type LateEditInBackupError struct{ Rel, Backup string }

func (e *LateEditInBackupError) Error() string {
	return fmt.Sprintf("%s was written after fleetbake made it (an editor still had the old %s open and saved into it); nothing was written. Copy your change from %s into %s, remove %s, and run `fleetbake generate` again", e.Backup, e.Rel, e.Backup, e.Rel, e.Backup)
}

// checkOldBackup refuses to replace a backup that changed since the run
// that made it recorded its sum.
func checkOldBackup(p *pending) error {
	if !p.oldBakSeen {
		return nil
	}
	want := model.Sum(p.bakPath)
	if want == "" {
		return nil
	}
	sum := sha256.Sum256(p.oldBak)
	if hex.EncodeToString(sum[:]) == want {
		return nil
	}
	return &LateEditInBackupError{Rel: p.fc.Rel, Backup: p.fc.Rel + BackupSuffix}
}

// rollback puts back every file and backup already put in place.
func rollback(todo []*pending) {
	for _, p := range todo {
		p.step = "" // settled here (the note is written when Apply returns)
		switch {
		case p.renamed && !p.fc.Exists:
			os.Remove(p.real)
		case p.exchanged:
			// Exchanged: the old file is the backup; exchange it back.
			if model.ExchangeFiles(p.bakPath, p.real) != nil {
				restoreFile(p.real, p.fc.Old, p.fc.Perm)
			}
		case p.renamed:
			restoreFile(p.real, p.fc.Old, p.fc.Perm)
		}
		if p.bakDone {
			if p.oldBakSeen {
				restoreFile(p.bakPath, p.oldBak, p.fc.Perm)
			} else {
				os.Remove(p.bakPath)
			}
		}
	}
}

func restoreFile(path string, data []byte, perm os.FileMode) {
	if tmp, err := model.CreateTemp(path, data, perm); err == nil {
		if os.Rename(tmp, path) != nil {
			os.Remove(tmp)
		}
		model.ForgetTemp(tmp)
	}
}
