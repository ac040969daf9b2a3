package model

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// This file holds the one way fleetbake replaces a file only if nobody
// changed it since it was read: the project file (Save) and the conf files
// (generator.Apply) alike. A check of the file followed by a rename over it
// leaves a window: an editor that saves in between has its edit replaced.
// So the new file is put in place with an exchange (ExchangeTemp): the file
// that was there comes out under the temporary name and is compared with
// what was read (CheckExchanged). The same: the caller keeps it (a backup)
// or removes it. Another content: someone saved in the window; it is
// exchanged back, and the result is a *ChangedOnDiskError.

// ChangedOnDiskError is a file that changed between fleetbake reading it
// and putting its new version in place (an editor saved it, another run
// wrote it). Their version is in the file and nothing was written; Kept,
// when set, names where a second version saved in that same instant is.
type ChangedOnDiskError struct {
	Name  string // the file as the engineer knows it
	Kept  string
	Retry string // what to run again ("" for the command)
}

func (e *ChangedOnDiskError) Error() string {
	retry := e.Retry
	if retry == "" {
		retry = "the command"
	}
	msg := fmt.Sprintf("%s changed on disk after fleetbake read it (saved by someone else); their version is kept in %s and nothing was written. Run %s again", e.Name, e.Name, retry)
	if e.Kept != "" {
		msg += fmt.Sprintf(" (it was saved twice in that instant; the other version is in %s)", e.Kept)
	}
	return msg
}

// conflictSuffix names a version kept aside: local.conf.fleetbake-conflict.
const conflictSuffix = ".fleetbake-conflict"

// PlaceNew renames tmp (CreateTemp) to real, which did not exist when it
// was read: one created meanwhile is not replaced (a *ChangedOnDiskError
// naming name).
func PlaceNew(tmp, real, name string) error {
	err := RenameNoReplace(tmp, real)
	if errors.Is(err, errors.ErrUnsupported) {
		err = os.Rename(tmp, real)
	}
	if errors.Is(err, fs.ErrExist) {
		return &ChangedOnDiskError{Name: name}
	}
	if err == nil {
		ForgetTemp(tmp)
	}
	return err
}

// CheckExchanged is the check after ExchangeTemp(tmp, real): tmp now holds
// the file that was in place, and unchanged says whether that is what the
// caller read. If so, nil: the caller keeps tmp (a backup) or removes it.
// If not, it is exchanged back, ours (the new content) is removed, and the
// result is a *ChangedOnDiskError naming name; a version saved a second
// time in that instant is kept aside, never removed.
func CheckExchanged(tmp, real, name string, unchanged func([]byte) bool, ours []byte) error {
	was, err := ReadRegularFile(tmp, MaxEditedConfSize)
	if err == nil && unchanged(was) {
		return nil
	}
	if err := ExchangeFiles(tmp, real); err != nil {
		// Their version stays out of place: keep it under a name no
		// cleanup removes, and say where.
		kept, kerr := KeepAside(tmp, real+conflictSuffix)
		if kerr != nil {
			kept = tmp
		}
		return fmt.Errorf("%s was saved by someone else while fleetbake wrote it, and could not be put back (%v): their version is in %s; move it over %s", name, err, kept, name)
	}
	back, err := os.ReadFile(tmp)
	if err == nil && bytes.Equal(back, ours) {
		RemoveTemp(tmp)
		return &ChangedOnDiskError{Name: name}
	}
	kept, err := KeepAside(tmp, real+conflictSuffix)
	if err != nil {
		kept = tmp
	}
	return &ChangedOnDiskError{Name: name, Kept: kept}
}

// replaceHook, set by tests, runs in ReplaceIfUnchanged after the caller's
// last read and before the file is replaced: the window an edit can land in.
var replaceHook func(path string)

// ReplaceIfUnchanged puts data in place of the real file path names, but
// only if that file still holds expect (nil: does not exist). The check
// and the replace are one step where the file system allows it (an
// exchange): an edit saved at any moment before is kept, and the result is
// a *ChangedOnDiskError.
func ReplaceIfUnchanged(path string, data []byte, perm os.FileMode, expect []byte) error {
	real, err := RealPath(path)
	if err != nil {
		return err
	}
	RemoveStaleTemps(real, staleBefore())
	tmp, err := CreateTemp(real, data, perm)
	if err != nil {
		return err
	}
	if replaceHook != nil {
		replaceHook(real)
	}
	if expect == nil {
		if err := PlaceNew(tmp, real, path); err != nil {
			RemoveTemp(tmp)
			return err
		}
		SyncDir(filepath.Dir(real))
		return nil
	}
	err = ExchangeTemp(tmp, real)
	if errors.Is(err, errors.ErrUnsupported) {
		// No exchange here: check, then rename (a window remains).
		defer RemoveTemp(tmp)
		if cur, err := os.ReadFile(real); err != nil || !bytes.Equal(cur, expect) {
			return &ChangedOnDiskError{Name: path}
		}
		if err := os.Rename(tmp, real); err != nil {
			return err
		}
		SyncDir(filepath.Dir(real))
		return nil
	}
	if err != nil {
		RemoveTemp(tmp)
		return err
	}
	same := func(was []byte) bool { return bytes.Equal(was, expect) }
	if err := CheckExchanged(tmp, real, path, same, data); err != nil {
		return err
	}
	RemoveTemp(tmp) // the old content
	SyncDir(filepath.Dir(real))
	return nil
}
