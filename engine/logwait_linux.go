package engine

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// logWaiter lets a follower sleep until the build log changes instead of
// waking on a timer: inotify(7) IN_MODIFY on the log, read through Go's
// poller with a deadline. Every wake-up of an idle follower cost ~0.4 ms of
// CPU on the bench VM (the runtime's sysmon starts polling again after each
// timer), so 20 polls a second cost 0.76% of a core with the log still;
// waiting for the kernel's event costs nothing until the log grows.
type logWaiter struct {
	f    *os.File // the inotify instance
	rc   syscall.RawConn
	stop func() bool // unregisters the cancellation
	buf  [4096]byte
	// event: the last wait ended on an event (not on its deadline).
	event bool
}

// newLogWaiter watches path; nil when inotify is not there (no instance
// left, a file system without it), and the follower polls as before.
func newLogWaiter(ctx context.Context, path string) *logWaiter {
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		return nil
	}
	if _, err := syscall.InotifyAddWatch(fd, path, syscall.IN_MODIFY|syscall.IN_ATTRIB|syscall.IN_DELETE_SELF|syscall.IN_MOVE_SELF); err != nil {
		syscall.Close(fd)
		return nil
	}
	// A non-blocking descriptor: os.NewFile registers it with the poller,
	// so a read waits without a thread and stops at a deadline.
	f := os.NewFile(uintptr(fd), "inotify")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil
	}
	w := &logWaiter{f: f, rc: rc}
	// Cancelling ctx ends a wait at once.
	w.stop = context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Unix(1, 0)) })
	return w
}

// wait returns when the log has changed (events queued now or arriving
// within d) or d has passed or ctx is done.
func (w *logWaiter) wait(ctx context.Context, d time.Duration) {
	w.event = false
	w.f.SetReadDeadline(time.Now().Add(d))
	if ctx.Err() != nil { // cancelled before the deadline was set
		return
	}
	err := w.rc.Read(func(fd uintptr) bool {
		n, err := syscall.Read(int(fd), w.buf[:])
		if n > 0 {
			w.event = true
			return true
		}
		return !errors.Is(err, syscall.EAGAIN) // wait for readable
	})
	_ = err // a deadline or cancellation: the caller looks at the log and ctx
}

func (w *logWaiter) close() {
	w.stop()
	w.f.Close()
}
