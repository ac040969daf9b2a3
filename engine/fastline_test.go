package engine

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"fleetbake/internal/benchlog/loggen"
)

// benchLogs returns logs made as bench/engine.sh makes its 1 GB log
// (internal/benchlog/loggen), small, in a few shapes: the bench's own
// proportions, failures often (more than the ERROR messages kept, some with
// long task logs), and a build cut off before its summary.
func benchLogs(tb testing.TB) map[string][]byte {
	tb.Helper()
	src, err := loggen.ReadSource(filepath.Join("testdata", filepath.Base(loggen.TasksFile)))
	if err != nil {
		tb.Fatal(err)
	}
	shapes := []struct {
		name                string
		size                int64
		fail, failLog, warn int
		summary             bool
	}{
		{"bench-shape", 3 << 20, 0, 0, 0, true},
		{"fail-often", 2 << 20, 40, 3000, 7, true},
		{"fail-always", 1 << 20, 2, 3, 2, true},
		{"cut-off", 1 << 20, 50, 100, 3, false},
	}
	logs := map[string][]byte{}
	for _, s := range shapes {
		var buf bytes.Buffer
		w := &loggen.Writer{Src: src, W: bufio.NewWriter(&buf), Total: 5000,
			FailEvery: s.fail, FailLogLines: s.failLog, WarnEvery: s.warn}
		w.Header()
		for w.Bytes < s.size {
			w.Task()
		}
		if s.summary {
			w.Summary()
		}
		w.W.Flush()
		logs[s.name] = buf.Bytes()
	}
	return logs
}

// testLogs: the bench-shaped logs, every captured BitBake log, and what a
// log can also hold: CRLF line ends, progress bars redrawn with '\r', lines
// longer than a read and than the buffer, binary junk.
func testLogs(tb testing.TB) map[string][]byte {
	logs := benchLogs(tb)
	names, _ := filepath.Glob("testdata/*.log*")
	for _, n := range names {
		logs[filepath.Base(n)] = fixture(tb, filepath.Base(n))
	}
	for _, n := range []string{"hello-fail-includelogs.log", "fail-always", "hello-interrupted.log"} {
		logs[n+"-crlf"] = bytes.ReplaceAll(logs[n], []byte("\n"), []byte("\r\n"))
		logs[n+"-redraw"] = bytes.ReplaceAll(logs[n], []byte("\nNOTE: "), []byte("\n| 50%\rNOTE: "))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	long := func(prefix string, n int) []byte {
		return append([]byte(prefix), bytes.Repeat([]byte("x"), n)...)
	}
	inc := logs["hello-fail-includelogs.log"]
	at := bytes.Index(inc, []byte("\n| ")) + 1
	for _, l := range [][]byte{long("| ", readChunk+100), long("| ", maxLine+5000), long("NOTE: Running task 1 of 2 (/a/", maxLine-10),
		long("NOTE: recipe x: task do_y: ", 3*readChunk)} {
		logs["long-"+string(l[:8])] = append(append(append([]byte(nil), inc[:at]...), append(l, '\n')...), inc[at:]...)
	}
	junk := make([]byte, 300<<10)
	for i := range junk {
		junk[i] = byte(rng.IntN(256))
		if rng.IntN(40) == 0 {
			junk[i] = '\n'
		}
	}
	logs["junk"] = junk
	var mixed bytes.Buffer
	prefixes := []string{"NOTE: Running task ", "NOTE: recipe ", "ERROR: ", "| ", " ", "", "Summary: 2 tasks failed:",
		"NOTE: Running setscene task 3 of 9 (", "NOTE: Running noexec task ", ": Succeeded", ": Started", "\r", "Parsing recipes...", "done."}
	for range 20000 {
		mixed.WriteString(prefixes[rng.IntN(len(prefixes))])
		for range rng.IntN(4) {
			mixed.WriteString([]string{"a_1.0.bb:do_x", " of ", "7", ")", "(", "busybox-1.0-r0: task do_x", ": ", "/"}[rng.IntN(8)])
		}
		if rng.IntN(3) > 0 {
			mixed.WriteByte('\n')
		}
	}
	logs["mixed"] = mixed.Bytes()
	return logs
}

// The fast path gives what feeding every line to Parser.Feed gives, read
// whole, read in pieces cut inside lines (a growing log), on every log.
func TestFastPathSameAsFeed(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for name, data := range testLogs(t) {
		cutsList := [][]int{nil, {len(data) / 2}}
		var random []int
		for c := 0; c < len(data); c += 1 + rng.IntN(max(1, len(data)/7)) {
			random = append(random, c)
		}
		cutsList = append(cutsList, random)
		for _, cuts := range cutsList {
			if diff := sameAsLineByLine(t, data, cuts); diff != "" {
				t.Errorf("%s cut at %v: %s", name, cuts, truncate(diff, 3000))
			}
		}
	}
}

// FuzzFastPathSameAsFeed: the same for any bytes, cut anywhere.
func FuzzFastPathSameAsFeed(f *testing.F) {
	// Small seeds, so the fuzzer mutates log lines, not megabytes: the
	// captured logs, and the start and end of each other log.
	for name, data := range testLogs(f) {
		switch {
		case strings.HasPrefix(name, "long"):
		case len(data) <= 8<<10:
			f.Add(data, uint16(len(data)/2))
		default:
			f.Add(data[:4<<10], uint16(2<<10))
			f.Add(data[len(data)-4<<10:], uint16(1<<10))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		if diff := sameAsLineByLine(t, data, []int{int(cut)}); diff != "" {
			t.Error(truncate(diff, 3000))
		}
	})
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// FuzzSplitTaskBytes: the byte split is splitTaskString's.
func FuzzSplitTaskBytes(f *testing.F) {
	for _, s := range []string{"", ":", "/:", "a:", ":do_x", "//:x", "/a/b_1.0.bb:do_compile", "virtual:native:/p/q_git.bb:do_fetch",
		"x.bb:y", ".bb:", "_a.bb:z", "a/:b", "a//b//:c", "mc:x:/a/b.bb:do_y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pn, task := splitTaskBytes([]byte(s))
		wpn, wtask := splitTaskString(s)
		if string(pn) != wpn || string(task) != wtask {
			t.Errorf("%q: %q %q, splitTaskString %q %q", s, pn, task, wpn, wtask)
		}
	})
}
