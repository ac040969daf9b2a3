package engine

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fleetbake/model"
	"io"
	"os"
	"syscall"
	"time"
)

// A checkpoint lets `fleetbake build status` read only what the log gained
// since the last status instead of the whole log (a big build's log is
// gigabytes): the parser's and the tracker's state after the last complete
// line read, saved beside the log. It is a cache: when it is missing, does
// not match the log (another build, a rotated or truncated log) or cannot be
// read, the log is read from the start as before.

// CheckpointSuffix names the checkpoint of a log: LogPath + CheckpointSuffix.
const CheckpointSuffix = ".status"

// checkpointVersion changes whenever the saved state changes shape.
const checkpointVersion = 2

// checkpoint is what is saved: where the log was read to, how to know it is
// the same log, and the state the next read continues from.
type checkpoint struct {
	Version   int
	StartTime time.Time // the build's (State.StartTime)
	Dev, Ino  uint64    // the log file's identity
	Offset    int64     // bytes of complete lines parsed

	// Parser state.
	OpenProgress           string
	InFailSummary, InError bool

	// Tracker state. gob sends no zero value, not even behind a pointer,
	// so an exit code of 0 travels as HasExit.
	P                 Progress
	HasExit           bool
	Exit              int
	Running           []checkpointTask
	Pending           map[string]string
	Tail              [][]byte
	TailN             int
	LastN, LastSceneN int
	NScene            int
	Errs              []checkpointError
	ErrsOpen          int
}

type checkpointTask struct {
	PN, Task, Label string
	Setscene        bool
}

type checkpointError struct {
	Text                   string
	Head, Tail             []string
	Omitted, TrailingBlank int
}

func fileID(f *os.File) (dev, ino uint64, ok bool) {
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, false
	}
	sys, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return uint64(sys.Dev), sys.Ino, true
}

// save writes the reader's state atomically (temp file and rename), so a
// status running at the same time reads the old one or the new one.
func (r *logReader) save(path string, st *State) error {
	dev, ino, ok := fileID(r.f)
	if !ok {
		return errors.New("no file identity")
	}
	c := stateOf(r.p, r.t)
	c.StartTime, c.Dev, c.Ino, c.Offset = st.StartTime, dev, ino, r.total-int64(r.n)
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&c); err != nil {
		return err
	}
	// model.WriteFileAtomic: the temp file of a killed `build status` is of
	// the name later writes sweep, not a stray.
	return model.WriteFileAtomic(path, buf.Bytes(), 0o644)
}

// stateOf is the parser's and the tracker's state, as a checkpoint holds it.
func stateOf(p *Parser, t *Tracker) checkpoint {
	c := checkpoint{Version: checkpointVersion,
		OpenProgress: p.openProgress, InFailSummary: p.inFailSummary, InError: p.inError,
		P: t.p, Pending: t.pending, TailN: t.tailN, LastN: t.lastN, LastSceneN: t.lastSceneN, NScene: t.nScene,
		ErrsOpen: t.errs.open}
	if t.p.ExitCode != nil {
		c.HasExit, c.Exit = true, *t.p.ExitCode
	}
	for _, rt := range t.running {
		c.Running = append(c.Running, checkpointTask{rt.pn, rt.task, rt.label(), rt.setscene})
	}
	for i := range t.tail {
		c.Tail = append(c.Tail, t.tail[i])
	}
	for _, e := range t.errs.msgs {
		c.Errs = append(c.Errs, checkpointError{e.text, e.head, e.tailStrings(), e.omitted, e.trailingBlank})
	}
	return c
}

// restore loads the checkpoint at path into the reader and seeks the log to
// where it stopped. It reports false, with the reader untouched, when there
// is no usable checkpoint for this log.
func (r *logReader) restore(path string, st *State) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var c checkpoint
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&c); err != nil || c.Version != checkpointVersion {
		return false
	}
	dev, ino, ok := fileID(r.f)
	if !ok || dev != c.Dev || ino != c.Ino || !c.StartTime.Equal(st.StartTime) {
		return false
	}
	fi, err := r.f.Stat()
	if err != nil || fi.Size() < c.Offset || len(c.Tail) != tailLines {
		return false
	}
	if _, err := r.f.Seek(c.Offset, io.SeekStart); err != nil {
		return false
	}
	r.total, r.n = c.Offset, 0
	r.p.openProgress, r.p.inFailSummary, r.p.inError = c.OpenProgress, c.InFailSummary, c.InError
	t := r.t
	t.p = c.P
	t.p.ExitCode = nil
	if c.HasExit {
		code := c.Exit
		t.p.ExitCode = &code
	}
	if c.Pending != nil {
		t.pending = c.Pending
	}
	t.running = t.running[:0]
	for _, rt := range c.Running {
		t.running = append(t.running, runningTask{rt.PN, rt.Task, rt.Setscene})
	}
	for i := range t.tail {
		t.tail[i] = c.Tail[i]
	}
	t.tailN, t.lastN, t.lastSceneN, t.nScene = c.TailN, c.LastN, c.LastSceneN, c.NScene
	t.errs = errorLog{open: c.ErrsOpen}
	for _, e := range c.Errs {
		ee := errorEntry{text: e.Text, head: e.Head, omitted: e.Omitted, trailingBlank: e.TrailingBlank}
		for _, l := range e.Tail {
			ee.tail = append(ee.tail, []byte(l))
		}
		t.errs.msgs = append(t.errs.msgs, ee)
	}
	return true
}
