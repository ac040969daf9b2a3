package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"time"
)

// Rates of the follower. A poll at EOF costs one read(2); 20 a second is
// nothing for the CPU and keeps the UI within a frame or two of the log.
const (
	pollInterval  = 50 * time.Millisecond
	stateInterval = time.Second
	// MinUpdateInterval is the least time between two Progress values Follow
	// sends: at most ~30 a second, however fast the log grows.
	MinUpdateInterval = time.Second / 30
	// backlogQuiet: how long an attaching follower may read the backlog
	// before its first update.
	backlogQuiet = 250 * time.Millisecond
)

// logReader reads a growing log from the start, line by line, into a tracker.
type logReader struct {
	f     *os.File
	buf   []byte
	n     int // bytes in buf not yet consumed (a partial line)
	p     *Parser
	t     *Tracker
	emit  func(*Event)
	total int64
}

func newLogReader(f *os.File) *logReader {
	r := &logReader{f: f, buf: make([]byte, 1<<20), p: NewParser(), t: NewTracker()}
	r.emit = r.t.Apply
	r.p.contextLine = r.t.errs.context // what Apply does with an EvErrorContext
	return r
}

// readMore reads what the file has now and feeds every complete line. It
// returns how many bytes it read (0 at EOF).
func (r *logReader) readMore() (int, error) {
	if r.n == len(r.buf) {
		// A line longer than the buffer: feed what we have and move on.
		r.line(r.buf[:r.n])
		r.n = 0
	}
	m, err := r.f.Read(r.buf[r.n:])
	if m > 0 {
		r.total += int64(m)
		data := r.buf[:r.n+m]
		// Only the last tailLines lines of what was read can be in the
		// tail view afterwards: note where lines start and copy just
		// those into the tail, not every line of a big backlog.
		var starts [tailLines + 1]int
		lines, start := 0, 0
		for {
			i := bytes.IndexByte(data[start:], '\n')
			if i < 0 {
				break
			}
			starts[lines%len(starts)] = start
			lines++
			r.p.Feed(data[start:start+i], r.emit)
			start += i + 1
		}
		starts[lines%len(starts)] = start // one past the last line
		for k := max(0, lines-tailLines); k < lines; k++ {
			from, to := starts[k%len(starts)], starts[(k+1)%len(starts)]
			r.t.Line(data[from : to-1])
		}
		r.n = copy(r.buf, data[start:])
	}
	if err == io.EOF {
		err = nil
	}
	return m, err
}

func (r *logReader) line(l []byte) {
	r.t.Line(l)
	r.p.Feed(l, r.emit)
}

// partial looks at the unfinished last line ("Parsing recipes...").
func (r *logReader) partial() {
	if r.n > 0 {
		r.p.FeedPartial(r.buf[:r.n], r.emit)
	}
}

// drain reads until EOF.
func (r *logReader) drain() error {
	for {
		m, err := r.readMore()
		if err != nil {
			return err
		}
		if m == 0 {
			r.partial()
			return nil
		}
	}
}

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
// rather than 20 for a screen that redraws 4 times (each wake-up costs a
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
	f, err := openWhenThere(ctx, st.LogPath)
	if err != nil {
		p := Progress{LogPath: st.LogPath, Target: st.Target}
		p.LastLines = []string{"fleetbake: cannot read the build log: " + err.Error()}
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
			p.LastLines = append(p.LastLines, "fleetbake: reading the build log failed: "+err.Error())
			finishProgress(&p, st)
			send(p)
			return
		}
		if m > 0 {
			dirty = true
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
		select {
		case <-ctx.Done():
			return
		case <-time.After(poll):
		}
		// Elapsed time changes even when the log does not.
		if time.Since(lastSend) >= time.Second {
			dirty = true
		}
	}
}

func endTime(st *State) time.Time {
	if st.EndTime != nil {
		return *st.EndTime
	}
	return time.Now()
}

// openWhenThere opens path, waiting a little for a build that is just
// starting to create it.
func openWhenThere(ctx context.Context, path string) (*os.File, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, err := os.Open(path)
		if err == nil || !errors.Is(err, os.ErrNotExist) || time.Now().After(deadline) {
			return f, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}
