package engine

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The fixtures are real BitBake 2.8 output (see testdata/README.md): what a
// parse error, an expansion error, OE's sanity checker and a failing task
// with BBINCLUDELOGS print, and the lines that explain each.
func TestParseErrorMessages(t *testing.T) {
	cases := []struct {
		log  string
		want []ErrorMessage
	}{
		{"hello-parse-error.log", []ErrorMessage{
			{Text: "ParseError at /tmp/bbe/parse/meta-hello/recipes/libgreet_2.1.bb:5: unparsed line: 'this is not bitbake syntax'", Context: []string{}},
			{Text: "Parsing halted due to errors, see error messages above", Context: []string{}},
		}},
		{"hello-expansion-error.log", []ErrorMessage{
			{Text: "ExpansionError during parsing /tmp/bbe/expand/meta-hello/recipes/libgreet_2.1.bb", Context: []string{
				"bb.data_smart.ExpansionError: Failure expanding variable BROKEN, expression was ${@1/0} which triggered exception ZeroDivisionError: division by zero",
				"The variable dependency chain for the failure is: BROKEN",
			}},
			{Text: "Parsing halted due to errors, see error messages above", Context: []string{}},
		}},
		{"hello-sanity-error.log", []ErrorMessage{
			{Text: " OE-core's config sanity checker detected a potential misconfiguration.", Context: []string{
				"    Either fix the cause of this error or at your own risk disable the checker (see sanity.conf).",
				"    Following is the list of potential problems / advisories:",
				"",
				"    Do not use Bitbake as root.",
			}},
		}},
		{"hello-fail-includelogs.log", []ErrorMessage{
			{Text: "hello-fail-1.0-r0 do_compile: ExecutionError('/tmp/bbe/taskfail/tmp/work/hello-fail-1.0-r0/temp/run.do_compile.12642', 1, None, None)", Context: []string{}},
			{Text: "Logfile of failure stored in: /tmp/bbe/taskfail/tmp/work/hello-fail-1.0-r0/temp/log.do_compile.12642", Context: []string{
				"Log data follows:",
				"| DEBUG: Executing shell function do_compile",
				"| WARNING: exit code 1 from a shell command.",
				"| compiling, about to fail",
			}},
			{Text: "Task (/tmp/bbe/taskfail/meta-hello/recipes/hello-fail_1.0.bb:do_compile) failed with exit code '1'", Context: []string{}},
		}},
	}
	for _, c := range cases {
		t.Run(c.log, func(t *testing.T) {
			p, _ := replay(t, c.log)
			if got, want := fmt.Sprintf("%q", p.ErrorMessages), fmt.Sprintf("%q", c.want); got != want {
				t.Errorf("error messages\n got %s\nwant %s", got, want)
			}
			// The warnings of the layer and the Summary lines never join a message.
			for _, m := range p.ErrorMessages {
				for _, l := range m.Context {
					if strings.HasPrefix(l, "Summary:") || strings.HasPrefix(l, "WARNING:") {
						t.Errorf("%q taken as context of %q", l, m.Text)
					}
				}
			}
		})
	}
	// The failing task's log path is kept whole with the failure.
	p, _ := replay(t, "hello-fail-includelogs.log")
	if len(p.Failures) != 1 || p.Failures[0].LogFile != "/tmp/bbe/taskfail/tmp/work/hello-fail-1.0-r0/temp/log.do_compile.12642" {
		t.Errorf("failures %+v", p.Failures)
	}
}

// A task log included whole keeps its first and last lines, never all.
func TestErrorContextLongLog(t *testing.T) {
	tr := NewTracker()
	p := NewParser()
	p.Feed([]byte("ERROR: Logfile of failure stored in: /b/tmp/work/x/temp/log.do_compile.1"), tr.Apply)
	p.Feed([]byte("Log data follows:"), tr.Apply)
	for i := 1; i <= 1000; i++ {
		p.Feed([]byte(fmt.Sprintf("| line %d", i)), tr.Apply)
	}
	p.Feed([]byte("NOTE: recipe x-1.0-r0: task do_compile: Failed"), tr.Apply)
	p.Feed([]byte("| not part of it"), tr.Apply)
	got := tr.Snapshot(timeZero, timeZero).ErrorMessages
	if len(got) != 1 {
		t.Fatalf("messages %q", got)
	}
	ctx := got[0].Context
	if len(ctx) != contextHead+1+contextTail || ctx[0] != "Log data follows:" || ctx[contextHead] != "… 985 lines left out …" || ctx[len(ctx)-1] != "| line 1000" {
		t.Errorf("context %q", ctx)
	}
}

// A status reads the same long task log through the log reader, which hands
// context lines to the tracker as bytes kept in reused buffers: it keeps the
// same lines as the event path above, none overwritten by a later one. The
// log goes on for more than the reader's 1 MiB buffer after the message.
func TestErrorContextLongLogFromFile(t *testing.T) {
	var log bytes.Buffer
	log.WriteString("ERROR: Logfile of failure stored in: /b/tmp/work/x/temp/log.do_compile.1\nLog data follows:\n")
	const n = 100000
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&log, "| line %d of a long task log%s\n", i, strings.Repeat(" x", i%7))
		if i%100 == 0 {
			log.WriteString("\n") // blank lines inside the log are kept
		}
	}
	log.WriteString("NOTE: recipe x-1.0-r0: task do_compile: Failed\n| not part of it\n")
	// More than a buffer of other lines after it.
	for i := 0; i < 40000; i++ {
		log.WriteString("NOTE: recipe y-1.0-r0: task do_fetch: Started\n")
	}

	tr, p := NewTracker(), NewParser()
	for _, l := range strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n") {
		p.Feed([]byte(l), tr.Apply)
	}
	want := tr.Snapshot(timeZero, timeZero).ErrorMessages

	dir := t.TempDir()
	st := &State{StartTime: time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC), BuildDir: dir, LogPath: LogPath(dir)}
	if err := os.WriteFile(st.LogPath, log.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got := snapshotT(t, st).ErrorMessages
	if !reflect.DeepEqual(got, want) {
		t.Errorf("from the file:\n%q\nwant\n%q", got, want)
	}
	last := fmt.Sprintf("| line %d of a long task log%s", n, strings.Repeat(" x", n%7))
	if k := len(want[0].Context); k != contextHead+1+contextTail || want[0].Context[k-1] != last {
		t.Errorf("context %q", want[0].Context)
	}
}
