package model

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLockDirIsHeldByOneAtATime: a second lock waits, then gives up with a
// message naming the holder's process; after Unlock it is free again.
func TestLockDirIsHeldByOneAtATime(t *testing.T) {
	dir := t.TempDir()
	l, err := LockDir(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = LockDir(dir, 200*time.Millisecond)
	var be *BusyError
	if !errors.As(err, &be) || be.PID != strconv.Itoa(os.Getpid()) || !strings.Contains(err.Error(), "Wait for it to finish") {
		t.Fatalf("second lock: %v, want a BusyError naming process %d", err, os.Getpid())
	}
	if time.Since(start) < 200*time.Millisecond {
		t.Error("the second lock did not wait")
	}
	l.Unlock()
	l2, err := LockDir(dir, 0)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	l2.Unlock()
}
