//go:build !linux

package engine

import (
	"context"
	"time"
)

// logWaiter: inotify(7) is Linux's (logwait_linux.go); elsewhere there is
// no waiter and the follower polls the log on its timer.
type logWaiter struct {
	event bool
}

func newLogWaiter(context.Context, string) *logWaiter { return nil }

func (w *logWaiter) wait(context.Context, time.Duration) {}

func (w *logWaiter) close() {}
