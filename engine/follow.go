package engine

import (
	"context"
	"errors"
	"os"
	"time"
)

// Rates of the follower. While the log grows, it is read every
// pollInterval: what came in meanwhile makes one update, ten a second. A
// still log is not polled: the follower waits for the kernel to say it grew
// (logwait.go), for the next state check, or for the next second of elapsed
// time. Each wake-up costs ~0.4 ms of CPU on the bench VM (the runtime's
// scheduler and sysmon), more than reading a 100 lines: at 20 polls a second
// following 2,000 lines a second cost ~0.9% of a core and a still log 0.76%.
const (
	pollInterval  = 100 * time.Millisecond
	stateInterval = time.Second
	// MinUpdateInterval is the least time between two Progress values Follow
	// sends: at most ~30 a second, however fast the log grows.
	MinUpdateInterval = time.Second / 30
	// backlogQuiet: how long an attaching follower may read the backlog
	// before its first update.
	backlogQuiet = 250 * time.Millisecond
)

// finish applies what the state file knows and the log may not say.
func finishProgress(p *Progress, st *State) { finishProgressStale(p, st, st.Stale) }

// finishProgressStale is finishProgress with the liveness check given:
// a follower checks it once a state interval, not on every update (it
// reads /proc twice, the most a follower otherwise spends per update).
func finishProgressStale(p *Progress, st *State, stale func() bool) {
	p.LogPath, p.Target = st.LogPath, st.Target
	if p.ExitCode == nil && st.ExitCode != nil {
		code := *st.ExitCode
		p.ExitCode = &code
	}
	if p.ExitCode != nil {
		p.Phase = PhaseDone
		p.ETA = 0
		p.Running = nil
		p.Step = ""
	} else if stale() {
		p.Stale = true
		p.ETA = 0
	}
}

// Snapshot returns the build's progress (for `fleetbake build status`). It
// reads the log from where the last Snapshot stopped (checkpoint.go), the
// whole log the first time.
func Snapshot(st *State) (Progress, error) {
	f, err := os.Open(st.LogPath)
	if err != nil {
		return Progress{}, err
	}
	defer f.Close()
	r := newLogReader(f)
	cp := st.LogPath + CheckpointSuffix
	from, ok := int64(0), r.restore(cp, st)
	if ok {
		from = r.total
	}
	if err := r.drain(); err != nil {
		return Progress{}, err
	}
	if !ok || r.total != from {
		// A cache: when it cannot be written (a build folder this user
		// cannot write), the next status reads the whole log again.
		_ = r.save(cp, st)
	}
	now := time.Now()
	if st.EndTime != nil {
		now = *st.EndTime
	}
	p := r.t.Snapshot(st.StartTime, now)
	finishProgress(&p, st)
	if wantsEventLog(&p) {
		ev := newEventLogReader(EventLogPath(st.BuildDir))
		ev.read()
		ev.apply(&p)
	}
	return p, nil
}

// Follow reads the build's log from the start (so an attached follower
// rebuilds everything that happened), then follows it as it grows. It sends
// a Progress at most every MinUpdateInterval; a slow reader only ever gets
// the latest. The last value has ExitCode set (or Stale) and then the channel
// closes; cancelling ctx closes it too, without touching the build.
func Follow(ctx context.Context, st *State) <-chan Progress {
	return followAt(ctx, st, pollInterval, MinUpdateInterval)
}

// FollowEvery is Follow for a reader that takes news no more often than
// every (a screen redrawing a few times a second): the log is read every
// `every`, not every pollInterval, so a follower wakes 4 times a second
// rather than 10 for a screen that redraws 4 times (each wake-up costs a
// timer, the scheduler and a read(2): most of an idle follower's CPU).
func FollowEvery(ctx context.Context, st *State, every time.Duration) <-chan Progress {
	// Half of every between updates: a read every `every` sends at most
	// one, and timer jitter never makes it skip one.
	return followAt(ctx, st, max(every, pollInterval), max(every/2, MinUpdateInterval))
}

func followAt(ctx context.Context, st *State, poll, minUpdate time.Duration) <-chan Progress {
	out := make(chan Progress, 1)
	go func() {
		defer close(out)
		follow(ctx, st, out, poll, minUpdate)
	}()
	return out
}

func follow(ctx context.Context, st *State, out chan Progress, poll, minUpdate time.Duration) {
	send := func(p Progress) {
		select {
		case <-out: // drop the value nobody took yet: latest wins
		default:
		}
		out <- p
	}
	// Only a build that has not ended may be about to create its log.
	f, err := openWhenThere(ctx, st.LogPath, st.ExitCode == nil)
	if err != nil {
		p := Progress{LogPath: st.LogPath, Target: st.Target}
		p.LogError = "cannot read the build log: " + err.Error()
		p.LastLines = []string{"fleetbake: " + p.LogError}
		finishProgress(&p, st)
		if !p.Ended() {
			p.Stale = true
		}
		send(p)
		return
	}
	defer f.Close()
	r := newLogReader(f)
	// Start from where the last status or follower stopped, and leave a
	// checkpoint for the next one (checkpoint.go).
	cp := st.LogPath + CheckpointSuffix
	from := int64(0)
	if r.restore(cp, st) {
		from = r.total
	}
	defer func() {
		// Only once the build is over: a cancelled follower's caller has
		// gone and may be removing the folder.
		if ctx.Err() == nil && r.total-int64(r.n) > from {
			_ = r.save(cp, st)
		}
	}()
	ev := newEventLogReader(EventLogPath(st.BuildDir))
	// Whether the build went stale, as of the last state read (every
	// stateInterval below).
	stale := st.Stale()
	snapshot := func(now time.Time) Progress {
		p := r.t.Snapshot(st.StartTime, now)
		ev.apply(&p)
		finishProgressStale(&p, st, func() bool { return stale })
		return p
	}
	w := watchLog(ctx, st.LogPath)
	defer func() {
		if w != nil {
			w.close()
		}
	}()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	// grew: the log grew since the last wait; quiet: that wait waited for
	// an event and none came.
	grew, quiet := false, false
	var lastSend time.Time
	begin := time.Now()
	lastState := begin
	dirty := true
	// Until the backlog of an attached build has been read, updates would
	// show a past state (parsing, when the build is at task 3000): hold them
	// back, unless reading it takes long enough to want a sign of life.
	caughtUp := false
	for {
		m, err := r.readMore()
		if err != nil {
			p := r.t.Snapshot(st.StartTime, time.Now())
			p.LogError = "reading the build log failed: " + err.Error()
			p.LastLines = append(p.LastLines, "fleetbake: "+p.LogError)
			finishProgress(&p, st)
			send(p)
			return
		}
		if m > 0 {
			dirty, grew = true, true
			if (caughtUp || time.Since(begin) >= backlogQuiet) && time.Since(lastSend) >= minUpdate {
				send(snapshot(time.Now()))
				lastSend, dirty = time.Now(), false
			}
			if ctx.Err() != nil {
				return
			}
			continue
		}
		// At the end of what has been written.
		if w != nil && quiet && grew {
			// It grew and the kernel did not say so: unless the event
			// comes right behind (the write landed as the wait ended),
			// the file system does not tell (a network file system):
			// poll.
			if w.wait(ctx, 20*time.Millisecond); !w.event {
				w.close()
				w = nil
				pollingFallback()
			}
		}
		caughtUp = true
		r.partial()
		r.t.MarkLive(time.Now())
		if wantsEventLog(&r.t.p) && ev.read() {
			dirty = true
		}
		if r.t.p.ExitCode != nil {
			// The supervisor's last line is in: the build is over.
			if s, err := FindBuild(st.BuildDir); err == nil && s.StartTime.Equal(st.StartTime) {
				st = s
			}
			p := r.t.Snapshot(st.StartTime, endTime(st))
			finishProgress(&p, st)
			send(p)
			return
		}
		if time.Since(lastState) >= stateInterval {
			lastState = time.Now()
			if s, err := FindBuild(st.BuildDir); err == nil && s.StartTime.Equal(st.StartTime) {
				st = s
				stale = s.ExitCode == nil && s.Stale()
				if s.ExitCode != nil || stale { // s.Ended()
					// One more read for lines written just before the exit.
					if err := r.drain(); err == nil && r.t.p.ExitCode == nil {
						p := r.t.Snapshot(st.StartTime, endTime(st))
						finishProgress(&p, st)
						send(p)
						return
					}
					continue
				}
			}
		}
		if dirty && time.Since(lastSend) >= minUpdate {
			send(snapshot(time.Now()))
			lastSend, dirty = time.Now(), false
		}
		if w == nil || grew || wantsEventLog(&r.t.p) {
			// Growing: take what comes in the next interval at once. The
			// event log (parsing) is read on a timer too.
			sleep(ctx, timer, poll)
			quiet = false
		} else {
			next := min(time.Second-time.Since(lastSend), stateInterval-time.Since(lastState))
			w.wait(ctx, max(next, time.Millisecond))
			quiet = !w.event
		}
		grew = false
		if ctx.Err() != nil {
			return
		}
		// Elapsed time changes even when the log does not.
		if time.Since(lastSend) >= time.Second {
			dirty = true
		}
	}
}

// Test hooks: how the follower watches the log, and what it does when it
// finds the log grew without an event.
var (
	watchLog        = newLogWaiter
	pollingFallback = func() {}
)

func endTime(st *State) time.Time {
	if st.EndTime != nil {
		return *st.EndTime
	}
	return time.Now()
}

// openWhenThere opens path, waiting a little, when wait is set, for a
// build that is just starting to create it.
func openWhenThere(ctx context.Context, path string, wait bool) (*os.File, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, err := os.Open(path)
		if err == nil || !errors.Is(err, os.ErrNotExist) || !wait || time.Now().After(deadline) {
			return f, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, t *time.Timer, d time.Duration) {
	t.Reset(d)
	select {
	case <-ctx.Done():
		t.Stop()
	case <-t.C:
	}
}
