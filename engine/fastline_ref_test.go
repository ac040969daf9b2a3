package engine

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// lineReader is the reader as it was before the fast path (fastline.go):
// every line through Parser.Feed and every event through Tracker.Apply,
// reads of up to a whole buffer. The fast path must give what it gives.
type lineReader struct {
	f     *os.File
	buf   []byte
	n     int
	p     *Parser
	t     *Tracker
	total int64
}

func newLineReader(f *os.File) *lineReader {
	return &lineReader{f: f, buf: make([]byte, maxLine), p: NewParser(), t: NewTracker()}
}

func (r *lineReader) readMore() (int, error) {
	if r.n == len(r.buf) {
		r.t.Line(r.buf[:r.n])
		r.p.Feed(r.buf[:r.n], r.t.Apply)
		r.n = 0
	}
	m, err := r.f.Read(r.buf[r.n:])
	if m > 0 {
		r.total += int64(m)
		data := r.buf[:r.n+m]
		start := 0
		for {
			i := bytes.IndexByte(data[start:], '\n')
			if i < 0 {
				break
			}
			r.t.Line(data[start : start+i])
			r.p.Feed(data[start:start+i], r.t.Apply)
			start += i + 1
		}
		r.n = copy(r.buf, data[start:])
	}
	if err == io.EOF {
		err = nil
	}
	return m, err
}

func (r *lineReader) drain() error {
	for {
		m, err := r.readMore()
		if err != nil {
			return err
		}
		if m == 0 {
			if r.n > 0 {
				r.p.FeedPartial(r.buf[:r.n], r.t.Apply)
			}
			return nil
		}
	}
}

// sameAsLineByLine writes data to a log in pieces (cut at cuts), reads it
// after each piece with the reader and with lineReader, and reports the
// first difference in what either knows (all a checkpoint holds, the
// snapshot, where it stopped), or "".
func sameAsLineByLine(tb testing.TB, data []byte, cuts []int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "log")
	w, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer w.Close()
	open := func() *os.File {
		f, err := os.Open(path)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { f.Close() })
		return f
	}
	fast, slow := newLogReader(open()), newLineReader(open())
	prev := 0
	for _, c := range append(cuts, len(data)) {
		c = min(max(c, prev), len(data))
		if _, err := w.Write(data[prev:c]); err != nil {
			tb.Fatal(err)
		}
		prev = c
		if err := fast.drain(); err != nil {
			tb.Fatal(err)
		}
		if err := slow.drain(); err != nil {
			tb.Fatal(err)
		}
		a, b := stateOf(fast.p, fast.t), stateOf(slow.p, slow.t)
		// The tail ring is filled with the last lines of each read only
		// (the snapshot's LastLines compares what it shows).
		a.Tail, a.TailN, b.Tail, b.TailN = nil, min(a.TailN, tailLines), nil, min(b.TailN, tailLines)
		if !reflect.DeepEqual(a, b) {
			return fmt.Sprintf("after %d bytes: state\n%+v\nline by line\n%+v", c, a, b)
		}
		sa, sb := fast.t.Snapshot(timeZero, timeZero), slow.t.Snapshot(timeZero, timeZero)
		if !reflect.DeepEqual(sa, sb) {
			return fmt.Sprintf("after %d bytes: snapshot\n%+v\nline by line\n%+v", c, sa, sb)
		}
		if fast.total-int64(fast.n) != slow.total-int64(slow.n) {
			return fmt.Sprintf("after %d bytes: read to %d, line by line to %d", c, fast.total-int64(fast.n), slow.total-int64(slow.n))
		}
	}
	return ""
}
