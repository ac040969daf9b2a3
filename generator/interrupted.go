package generator

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"fleetbake/model"
)

// A run killed while it puts a file in place (SIGKILL, a lost SSH session,
// the machine stopping) can leave the engineer's file under a name nobody
// reads: after the exchange the file that was in place is at the temporary
// name until it is checked and becomes the backup, and an edit saved just
// before the exchange is in it. The next run would remove it as a stale
// temporary file. So Apply notes each step in the build folder's lock file
// (model.DirLock.Note) before taking it, and the next run, holding the same
// lock, looks at what a killed run noted before it removes anything
// (recoverInterrupted): a file that holds neither what the killed run read
// nor what it wrote is kept and reported, never removed.

// The steps noted, one line a file: step, the real file, the file of the
// step, the SHA-256 of what Plan read and of the new content, the name to
// show.
const (
	stepExchange = "exchange" // the file of the step is the temporary file
	stepBackup   = "backup"   // the file of the step is the backup
)

// journal writes the steps of the files being put in place into the lock.
type journal struct {
	lock *model.DirLock
	todo []*pending
}

func (j *journal) save() {
	var b strings.Builder
	for _, p := range j.todo {
		if p.step == "" {
			continue
		}
		file := p.tmp
		if p.step == stepBackup {
			file = p.bakPath
		}
		newSum := sha256.Sum256(p.fc.New)
		fmt.Fprintf(&b, "%s %q %q %x %x %q\n", p.step, p.real, file, p.fc.read.sum, newSum, p.fc.Rel)
	}
	j.lock.Note(b.String())
}

// InterruptedEditError is an edit saved while a run that was then killed
// put its file in place: fleetbake's version is in the file, the one with
// the edit is kept in Kept.
type InterruptedEditError struct{ Rel, Kept string }

func (e *InterruptedEditError) Error() string {
	return fmt.Sprintf("%s was saved while a fleetbake run that was then interrupted replaced it: that run's version is in %s, and the version with your change is kept in %s. Copy your change from there into %s, remove %s, and run `fleetbake generate` again; nothing was written", e.Rel, e.Rel, e.Kept, e.Rel, e.Kept)
}

// recoverInterrupted settles what a killed run noted in lock: its
// temporary files that hold only its own content or what it read are
// removed, one that holds anything else (an edit) is kept aside and
// reported; a backup that no longer holds what it read is reported as a
// late edit (and stays noted until it is removed, as checkOldBackup does
// for a finished run). The note left is rewritten with what still stands.
func recoverInterrupted(lock *model.DirLock) error {
	left := lock.Left()
	if left == "" {
		return nil
	}
	var errs []error
	var keep strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(left), "\n") {
		var step, real, file, readHex, newHex, rel string
		if _, err := fmt.Sscanf(line, "%s %q %q %s %s %q", &step, &real, &file, &readHex, &newHex, &rel); err != nil {
			continue // not a line this version writes
		}
		data, err := model.ReadRegularFile(file, model.MaxEditedConfSize)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		sum := sha256.Sum256(data)
		ours := err == nil && (hex.EncodeToString(sum[:]) == readHex || hex.EncodeToString(sum[:]) == newHex)
		switch step {
		case stepExchange:
			if ours {
				os.Remove(file)
				continue
			}
			kept, err := model.KeepAside(file, real+".fleetbake-conflict")
			if err != nil {
				kept = file
				keep.WriteString(line + "\n") // could not move it: keep it noted
			}
			errs = append(errs, &InterruptedEditError{Rel: rel, Kept: kept})
		case stepBackup:
			if err == nil && hex.EncodeToString(sum[:]) == readHex {
				model.SetSum(file, readHex) // as checkBackup would have
				continue
			}
			keep.WriteString(line + "\n")
			errs = append(errs, &LateEditInBackupError{Rel: rel, Backup: rel + BackupSuffix})
		}
	}
	lock.Note(keep.String())
	return errors.Join(errs...)
}
