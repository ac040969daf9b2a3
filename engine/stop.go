package engine

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"
)

// Stop levels, in the order repeated stops climb them.
const (
	// StopGentle: SIGINT to bitbake. BitBake starts no new task and lets the
	// running ones finish (its own first Ctrl-C).
	StopGentle = 1
	// StopForce: a second SIGINT. BitBake sends SIGTERM to the running tasks
	// and exits (its own second Ctrl-C); the exit code is still recorded.
	StopForce = 2
	// StopTerminate: SIGTERM to bitbake's process group and to the bitbake
	// server, for a BitBake that no longer reacts to SIGINT.
	StopTerminate = 3
)

// StopResult says what Stop did.
type StopResult struct {
	// Level is StopGentle, StopForce or StopTerminate.
	Level int
	// Requests counts stops of this build so far, this one included.
	Requests int
}

// Escalated reports whether running tasks are being killed.
func (r StopResult) Escalated() bool { return r.Level >= StopForce }

// ErrNotRunning is returned (wrapped) by Stop when no build is running.
var ErrNotRunning = errors.New("no build is running")

// Stop stops the build running in buildDir, one level further each call:
// first SIGINT to bitbake (running tasks finish), then a second SIGINT
// (BitBake kills its running tasks), then SIGTERM to bitbake's process group
// and the bitbake server. escalate goes straight to at least StopForce.
func Stop(buildDir string, escalate bool) (StopResult, error) {
	var res StopResult
	_, err := updateState(buildDir, func(s *State) error {
		if !s.Running() {
			return fmt.Errorf("%w: %s", ErrNotRunning, s.Describe())
		}
		if s.PID == 0 {
			return fmt.Errorf("the build is still starting; try again in a moment")
		}
		prior := s.StopRequests
		level := min(prior+1, StopTerminate)
		if escalate && level < StopForce {
			level = StopForce
		}
		s.StopRequests = max(prior+1, level)
		now := time.Now().UTC().Truncate(time.Millisecond)
		s.LastStop = &now
		res.Level, res.Requests = level, s.StopRequests
		switch level {
		case StopGentle:
			return signalProcess(s.PID, syscall.SIGINT)
		case StopForce:
			if prior == 0 {
				// Straight to force: BitBake needs the first SIGINT to have
				// been handled before the second one means "kill tasks".
				if err := signalProcess(s.PID, syscall.SIGINT); err != nil {
					return err
				}
				time.Sleep(time.Second)
			}
			return signalProcess(s.PID, syscall.SIGINT)
		}
		// The supervisor shares the group and ignores SIGTERM; bitbake's UI
		// and anything else in the session get it.
		if s.PGID > 1 {
			if err := signalProcess(-s.PGID, syscall.SIGTERM); err != nil {
				return err
			}
		} else if err := signalProcess(s.PID, syscall.SIGTERM); err != nil {
			return err
		}
		// The bitbake server daemonizes into a session of its own.
		if pid := bitbakeServerPID(s.BuildDir); pid > 1 {
			signalProcess(-pid, syscall.SIGTERM)
			signalProcess(pid, syscall.SIGTERM)
		}
		return nil
	})
	return res, err
}

// Wait polls the state file until the build in buildDir has ended (exit code
// recorded, or stale) or ctx is done.
func Wait(ctx context.Context, buildDir string) (*State, error) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		s, err := FindBuild(buildDir)
		if err != nil {
			return nil, err
		}
		if s.Ended() {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return s, ctx.Err()
		case <-t.C:
		}
	}
}
