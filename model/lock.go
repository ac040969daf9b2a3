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
type DirLock struct{ f *os.File }

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

// LockDir takes the lock of dir, waiting up to wait for another run to
// finish (it writes for milliseconds); after that it returns a *BusyError.
func LockDir(dir string, wait time.Duration) (*DirLock, error) {
	f, err := os.OpenFile(filepath.Join(dir, LockName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot open the lock file in %s: %w", dir, err)
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if errors.Is(err, syscall.ENOLCK) || errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EINVAL) {
			// A file system without locks (some NFS setups, flock(2)):
			// go on without; the writes still check what they replace.
			f.Close()
			return &DirLock{}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("cannot lock %s: %w", dir, err)
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 32)
			n, _ := f.ReadAt(buf, 0)
			f.Close()
			return nil, &BusyError{Dir: dir, PID: strings.TrimSpace(string(buf[:n]))}
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Say who holds it, for the message another run shows.
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &DirLock{f: f}, nil
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
