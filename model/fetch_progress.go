package model

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// FetchStage is what a FetchEvent reports.
type FetchStage int

const (
	// FetchStarted: the repository's fetch began; Text says from where and at what.
	FetchStarted FetchStage = iota
	// FetchProgress: git reported progress (Phase, Percent, Objects, Bytes).
	FetchProgress
	// FetchNote: something the user should know on the way (a fallback, a restore).
	FetchNote
	// FetchDone: the checkout is in place; Text says at which commit.
	FetchDone
	// FetchSkipped: the checkout was left as it is; Text says why.
	FetchSkipped
	// FetchFailed: Err says what went wrong and what to do.
	FetchFailed
)

// FetchEvent is one step of one repository's fetch, for a printer or a
// screen. Events of one repository arrive in order; those of different
// repositories interleave. The callback receives them one at a time.
type FetchEvent struct {
	Repo  string // catalog name, or the [pins] key of a checkout outside it
	Stage FetchStage
	// Progress, from git's --progress lines: the phase ("Receiving objects",
	// "Resolving deltas", "Counting objects" from the server), its percent
	// and object count, and the bytes received so far in this fetch.
	Phase          string
	Percent        int
	Objects, Total int
	Bytes          int64
	Text           string
	Err            error
}

// String is the event as one plain line (logs, a pipe, the UI's last line).
func (e FetchEvent) String() string {
	switch e.Stage {
	case FetchProgress:
		s := fmt.Sprintf("%s: %s %d%% (%d/%d)", e.Repo, strings.ToLower(e.Phase), e.Percent, e.Objects, e.Total)
		if e.Bytes > 0 {
			s += ", " + FormatBytes(e.Bytes)
		}
		return s
	case FetchFailed:
		return fmt.Sprintf("%s: failed: %v", e.Repo, e.Err)
	}
	return e.Repo + ": " + e.Text
}

// FormatBytes writes n as git does (1.20 MiB).
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// gitProgress is one parsed --progress line.
type gitProgress struct {
	phase          string
	percent        int
	objects, total int
	bytes          int64 // -1 when the line has no size
}

// parseGitProgress reads a progress line of git clone/fetch --progress, as
// git's progress.c writes it: "Receiving objects:  45% (450/1000), 1.20 MiB
// | 2.40 MiB/s", with "remote: " before the server's phases and ", done."
// after the last (git/git progress.c display() and throughput_string()).
func parseGitProgress(line string) (gitProgress, bool) {
	line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "remote:"))
	colon := strings.Index(line, ": ")
	if colon <= 0 {
		return gitProgress{}, false
	}
	g := gitProgress{phase: line[:colon], bytes: -1}
	rest := strings.TrimSpace(line[colon+2:])
	pct := strings.IndexByte(rest, '%')
	if pct <= 0 {
		return gitProgress{}, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(rest[:pct]))
	if err != nil {
		return gitProgress{}, false
	}
	g.percent = n
	rest = rest[pct+1:]
	if o, c := strings.IndexByte(rest, '('), strings.IndexByte(rest, ')'); o >= 0 && c > o {
		if a, b, ok := strings.Cut(rest[o+1:c], "/"); ok {
			g.objects, _ = strconv.Atoi(a)
			g.total, _ = strconv.Atoi(b)
		}
		rest = rest[c+1:]
	}
	// ", 1.20 MiB | 2.40 MiB/s, done."
	rest = strings.TrimPrefix(strings.TrimSpace(rest), ",")
	if size, _, ok := strings.Cut(rest, "|"); ok {
		g.bytes = parseSize(strings.TrimSpace(size))
	} else if f := strings.Fields(rest); len(f) >= 2 && !strings.HasPrefix(f[0], "done") {
		g.bytes = parseSize(f[0] + " " + strings.TrimSuffix(f[1], ","))
	}
	return g, true
}

// parseSize reads "1.20 MiB", "512.00 KiB", "980 bytes"; -1 when it is not a size.
func parseSize(s string) int64 {
	num, unit, ok := strings.Cut(s, " ")
	if !ok {
		return -1
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return -1
	}
	mult := map[string]float64{"bytes": 1, "byte": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[strings.TrimSuffix(unit, ",")]
	if mult == 0 {
		return -1
	}
	return int64(v * mult)
}

// progressWriter splits git's stderr on \r and \n, turns progress lines
// into events, and keeps the last other lines for an error message.
type progressWriter struct {
	emit  func(gitProgress)
	buf   []byte
	last  gitProgress
	tail  []string // the last lines that were not progress
	fatal string   // the first fatal: or error: line
	bytes int64
}

func (w *progressWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexAny(w.buf, "\r\n")
		if i < 0 {
			break
		}
		w.line(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

func (w *progressWriter) line(s string) {
	if strings.TrimSpace(s) == "" {
		return
	}
	g, ok := parseGitProgress(s)
	if !ok {
		l := strings.TrimSpace(s)
		// git's first fatal line is its reason; later ones are consequences
		// ("Could not read from remote repository").
		if w.fatal == "" && (strings.HasPrefix(l, "fatal:") || strings.HasPrefix(l, "error:")) {
			w.fatal = l
		}
		w.tail = append(w.tail, l)
		if len(w.tail) > 5 {
			w.tail = w.tail[1:]
		}
		return
	}
	if g.bytes >= 0 {
		w.bytes = g.bytes
	}
	g.bytes = w.bytes
	if g == w.last {
		return // git repeats a line to add ", done."
	}
	w.last = g
	if w.emit != nil {
		w.emit(g)
	}
}

// message is git's reason for failing, from what it wrote that was not progress.
func (w *progressWriter) message() string {
	if len(w.buf) > 0 {
		w.line(string(w.buf))
		w.buf = nil
	}
	if w.fatal != "" {
		return w.fatal
	}
	if len(w.tail) == 0 {
		return ""
	}
	return w.tail[len(w.tail)-1]
}
