package engine

import (
	"bytes"
	"io"
	"os"
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

// maxLine is the longest line fed whole: a longer one is fed in pieces of
// this size (the buffer holds one line at least).
const maxLine = 1 << 20

// readChunk bounds one read(2): the lines are scanned while what was read
// is still in the CPU's cache (a 1 MiB read scanned afterwards costs ~15%
// more, measured on the 1 GB bench log).
const readChunk = 256 << 10

// tailRing is how many line starts readMore keeps: more than tailLines
// (the last line's end is one more start), a power of two so that the ring
// index is a mask, not a division, on every line.
const tailRing = 32

func newLogReader(f *os.File) *logReader {
	r := &logReader{f: f, buf: make([]byte, maxLine), p: NewParser(), t: NewTracker()}
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
	m, err := r.f.Read(r.buf[r.n:min(len(r.buf), r.n+readChunk)])
	if m > 0 {
		r.total += int64(m)
		data := r.buf[:r.n+m]
		// Only the last tailLines lines of what was read can be in the
		// tail view afterwards: note where lines start and copy just
		// those into the tail, not every line of a big backlog.
		var starts [tailRing]int
		lines, start := 0, 0
		// cr is where the next '\r' is (len(data) when there is none):
		// one vectorised search for a whole read tells the lines without
		// one, which the fast path may take (fastline.go).
		cr := -1
		for {
			i := bytes.IndexByte(data[start:], '\n')
			if i < 0 {
				break
			}
			starts[lines&(tailRing-1)] = start
			lines++
			end := start + i
			if cr < start {
				if cr = bytes.IndexByte(data[start:], '\r'); cr < 0 {
					cr = len(data)
				} else {
					cr += start
				}
			}
			if cr < end || !r.fast(data[start:end]) {
				r.p.Feed(data[start:end], r.emit)
			}
			start = end + 1
			// The lines of a failed task's log ("| ..."), most of a
			// big failed build's log, change nothing when no ERROR
			// message takes them as context (fastline.go): just find
			// their ends.
			if start < cr && data[start] == '|' && r.pipesChangeNothing() {
				for start < cr && data[start] == '|' {
					i := bytes.IndexByte(data[start:], '\n')
					if i < 0 || start+i > cr {
						break
					}
					starts[lines&(tailRing-1)] = start
					lines++
					start += i + 1
				}
			}
		}
		starts[lines&(tailRing-1)] = start // one past the last line
		for k := max(0, lines-tailLines); k < lines; k++ {
			from, to := starts[k&(tailRing-1)], starts[(k+1)&(tailRing-1)]
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
