package generator

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"fleetbake/model"
)

// Apply puts each file in place with model's replace-if-unchanged steps
// (model/replace.go): an exchange, then a check of the file that came out.
// The same content as Plan read: it becomes the backup (the very file, so
// an editor still writing into it writes into the backup, which
// checkBackup reports). Another content: someone saved in the window; it
// is exchanged back, and Apply stops as for any file changed on disk.

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
		if err := model.PlaceNew(p.tmp, p.real, p.fc.Rel); err != nil {
			if ce, ok := changedOnDisk(err); ok {
				return ce // created by someone else meanwhile
			}
			return writeError(p.fc, err)
		}
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
	unchanged := func(was []byte) bool { return stampOf(was).same(p.fc.read) }
	if err := model.CheckExchanged(p.tmp, p.real, p.fc.Rel, unchanged, p.fc.New); err != nil {
		// Their version is back in place (or kept aside, as the error says).
		p.tmp, p.renamed = "", false
		if ce, ok := changedOnDisk(err); ok {
			return ce
		}
		return err
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
