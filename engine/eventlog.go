package engine

import (
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
)

// Why an event log: knotty shows "Parsing recipes: 45% |####  | ETA" only on
// a terminal. With output to a file (fleetbake's case) it prints
// "Parsing recipes..." and, minutes later, "done." (NonInteractiveProgress in
// lib/bb/ui/knotty.py: update() does nothing). BitBake also writes every UI
// event to the event log given with `bitbake -w FILE` (EventWriter in
// lib/bb/cooker.py): one JSON object a line, {"class": "bb.event.X",
// "vars": "<base64 of the pickled event>"}. The pickle of a progress event
// holds its msg as plain UTF-8, "Recipe parsing: N/M" (ParseProgress) or
// "Loading cache: N/M" (CacheLoadProgress), set by OperationProgress in
// lib/bb/event.py; BitBake fires about a hundred of them per parse
// (progress_chunk in CookerParser). Reading that text needs no unpickler.

// EventLogFile is the event log fleetbake asks BitBake for, in the build
// folder beside LogFile; the previous build's is kept as EventLogFile+".1".
const EventLogFile = "fleetbake-build.events.json"

// EventLogPath is the event log of the build in buildDir.
func EventLogPath(buildDir string) string { return filepath.Join(buildDir, EventLogFile) }

var (
	evClassParse = []byte(`{"class": "bb.event.ParseProgress"`)
	evClassCache = []byte(`{"class": "bb.event.CacheLoadProgress"`)
	evVars       = []byte(`"vars": "`)
	msgParse     = []byte("Recipe parsing: ")
	msgCache     = []byte("Loading cache: ")
	jsonNewline  = []byte(`\n`)
)

// eventLogReader follows an event log from where it stopped: it reads only
// what was added since, and keeps an unfinished last line for the next read.
type eventLogReader struct {
	path    string
	off     int64
	partial []byte
	// Loading the cache and parsing recipes, done and total; 0/0 unknown.
	cacheN, cacheM, parseN, parseM int
}

func newEventLogReader(path string) *eventLogReader { return &eventLogReader{path: path} }

// read takes in what the log gained; it reports whether a count changed. A
// missing log (a BitBake started without -w, a test's stand-in) is no error.
func (r *eventLogReader) read() bool {
	f, err := os.Open(r.path)
	if err != nil {
		return false
	}
	defer f.Close()
	if _, err := f.Seek(r.off, io.SeekStart); err != nil {
		return false
	}
	changed := false
	buf := make([]byte, 256<<10)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			r.off += int64(n)
			data := buf[:n]
			for {
				i := bytes.IndexByte(data, '\n')
				if i < 0 {
					r.partial = append(r.partial, data...)
					break
				}
				line := data[:i]
				if len(r.partial) > 0 {
					line = append(r.partial, line...)
					r.partial = r.partial[:0]
				}
				if r.line(line) {
					changed = true
				}
				data = data[i+1:]
			}
			// An event is a few hundred bytes; a longer line is something else.
			if len(r.partial) > 1<<20 {
				r.partial = r.partial[:0]
			}
		}
		if err != nil {
			return changed
		}
	}
}

// line reads one event; only the two progress classes are decoded.
func (r *eventLogReader) line(l []byte) bool {
	var msg []byte
	var n, m *int
	switch {
	case bytes.HasPrefix(l, evClassParse):
		msg, n, m = msgParse, &r.parseN, &r.parseM
	case bytes.HasPrefix(l, evClassCache):
		msg, n, m = msgCache, &r.cacheN, &r.cacheM
	default:
		return false
	}
	i := bytes.Index(l, evVars)
	if i < 0 {
		return false
	}
	v := l[i+len(evVars):]
	j := bytes.IndexByte(v, '"')
	if j < 0 {
		return false
	}
	// Python's base64 codec breaks its output every 76 characters; JSON
	// writes those newlines as \n.
	b64 := bytes.ReplaceAll(v[:j], jsonNewline, nil)
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(b64)))
	k, err := base64.StdEncoding.Decode(raw, b64)
	if err != nil {
		return false
	}
	raw = raw[:k]
	p := bytes.Index(raw, msg)
	if p < 0 {
		return false
	}
	rest := raw[p+len(msg):]
	done, k := atoi(rest)
	if k == 0 || k >= len(rest) || rest[k] != '/' {
		return false
	}
	total, k2 := atoi(rest[k+1:])
	if k2 == 0 || total <= 0 || done > total {
		return false
	}
	if *n == done && *m == total {
		return false
	}
	*n, *m = done, total
	return true
}

// apply copies the counts into a progress.
func (r *eventLogReader) apply(p *Progress) {
	p.CacheLoaded, p.CacheTotal = r.cacheN, r.cacheM
	p.Parsed, p.ParseTotal = r.parseN, r.parseM
}

// wantsEventLog reports whether the event log can tell more: only while the
// cache loads or recipes parse (after that the log is only read on).
func wantsEventLog(p *Progress) bool {
	return !p.Ended() && p.Phase <= PhaseParsing
}
