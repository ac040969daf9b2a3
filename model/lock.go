package model

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LockName is the lock file fleetbake keeps in a folder it writes (conf/).
const LockName = ".fleetbake.lock"

// DirLock is an advisory lock (flock(2)) on a folder's lock file, held by
// one fleetbake process at a time; the kernel drops it when the process
// dies, so a killed run never leaves a folder locked.
//
// The lock file also holds what its holder is doing (Note): a step that a
// killed holder leaves half done is found by the next holder (Left), the
// only process that may finish or report it.
type DirLock struct {
	f    *os.File
	pid  string
	left string
}

// BusyError is a folder another fleetbake run is writing.
type BusyError struct {
	Dir string
	PID string // the holder's process id as it wrote it, "" when unknown
}

func (e *BusyError) Error() string {
	who := "another fleetbake run"
	if e.PID != "" {
		who += " (process " + e.PID + ")"
	}
	return fmt.Sprintf("%s is writing files in %s; nothing was written. Wait for it to finish, then run the command again", who, e.Dir)
}

// Forever is the wait of a lock that waits as long as another holds it
// (the build engine's state updates, each a few milliseconds long).
const Forever time.Duration = -1

// LockDir takes the lock of dir, waiting up to wait for another run to
// finish (it writes for milliseconds); after that it returns a *BusyError.
// A wait of Forever blocks until the lock is free.
func LockDir(dir string, wait time.Duration) (*DirLock, error) {
	f, err := os.OpenFile(filepath.Join(dir, LockName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot open the lock file in %s: %w", dir, err)
	}
	how := syscall.LOCK_EX | syscall.LOCK_NB
	if wait == Forever {
		how = syscall.LOCK_EX
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err == nil {
			break
		}
		if errors.Is(err, syscall.ENOLCK) || errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EINVAL) {
			// A file system without locks (some NFS setups, flock(2)):
			// go on without; the writes still check what they replace.
			f.Close()
			return &DirLock{}, nil
		}
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("cannot lock %s: %w", dir, err)
		}
		if time.Now().After(deadline) {
			pid, _ := readLockFile(f)
			f.Close()
			return nil, &BusyError{Dir: dir, PID: pid}
		}
		time.Sleep(20 * time.Millisecond)
	}
	l := &DirLock{f: f, pid: strconv.Itoa(os.Getpid())}
	_, l.left = readLockFile(f)
	// Say who holds it, for the message another run shows.
	l.write("")
	return l, nil
}

// maxNote bounds what is read back from a lock file.
const maxNote = 64 << 10

// readLockFile returns the holder's process id (the first line) and its
// note (the rest).
func readLockFile(f *os.File) (pid, note string) {
	buf := make([]byte, maxNote)
	n, _ := f.ReadAt(buf, 0)
	pid, note, _ = strings.Cut(string(buf[:n]), "\n")
	return strings.TrimSpace(pid), note
}

func (l *DirLock) write(note string) error {
	data := l.pid + "\n" + note
	if _, err := l.f.WriteAt([]byte(data), 0); err != nil {
		return err
	}
	return l.f.Truncate(int64(len(data)))
}

// Left returns what the previous holder noted and did not clear: it died
// in the middle of that step. "" when it finished (or never noted).
func (l *DirLock) Left() string { return l.left }

// Note records, in the lock file, what this holder is doing now (replacing
// what it noted before; "" when nothing is half done), for the next holder
// should this process die. Without a lock file (a file system without
// locks) it records nothing.
func (l *DirLock) Note(note string) error {
	if l == nil || l.f == nil {
		return nil
	}
	return l.write(note)
}

// Unlock releases the lock.
func (l *DirLock) Unlock() {
	if l == nil || l.f == nil {
		return
	}
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
	l.f = nil
}
