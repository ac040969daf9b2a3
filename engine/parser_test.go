package engine

import (
	"compress/gzip"
	"os"
	"strings"
	"testing"
)

// replay parses a captured log and returns the tracker's progress and the events.
func replay(t *testing.T, name string) (Progress, []Event) {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := NewTracker()
	var evs []Event
	p := NewParser()
	if err := p.ParseReader(f, func(e *Event) {
		evs = append(evs, *e)
		tr.Apply(e)
	}); err != nil {
		t.Fatal(err)
	}
	return tr.Snapshot(timeZero, timeZero), evs
}

func count(evs []Event, k EventKind) int {
	n := 0
	for _, e := range evs {
		if e.Kind == k {
			n++
		}
	}
	return n
}

func TestParseHelloSuccess(t *testing.T) {
	p, evs := replay(t, "hello-success.log")
	if p.Phase != PhaseDone || p.Done != 18 || p.Total != 18 {
		t.Fatalf("phase %v %d/%d, want done 18/18", p.Phase, p.Done, p.Total)
	}
	if p.Recipes != 5 {
		t.Errorf("recipes %d, want 5", p.Recipes)
	}
	if len(p.Failures) != 0 || p.Errors != 0 || p.Warnings != 1 {
		t.Errorf("failures %v errors %d warnings %d", p.Failures, p.Errors, p.Warnings)
	}
	if got := count(evs, EvTaskRunning); got != 18 {
		t.Errorf("%d running-task events, want 18", got)
	}
	if got := count(evs, EvTaskSucceeded); got != 15 {
		t.Errorf("%d succeeded events, want 15 (3 noexec tasks print none)", got)
	}
	if !strings.Contains(p.Summary, "Attempted 18 tasks") {
		t.Errorf("summary %q", p.Summary)
	}
	// The three progress steps open and close.
	if got := count(evs, EvProgressStart); got != 3 {
		t.Errorf("%d progress starts, want 3 (cache, parsing, initialising)", got)
	}
	if got := count(evs, EvProgressDone); got != 3 {
		t.Errorf("%d progress done, want 3", got)
	}
	if len(p.Running) != 0 {
		t.Errorf("still running: %v", p.Running)
	}
}

func TestParseHelloFail(t *testing.T) {
	for _, name := range []string{"hello-fail.log", "hello-fail-keepgoing.log"} {
		t.Run(name, func(t *testing.T) {
			p, evs := replay(t, name)
			if len(p.Failures) != 1 {
				t.Fatalf("failures %+v, want 1", p.Failures)
			}
			f := p.Failures[0]
			if !strings.HasSuffix(f.Task, "/meta-hello/recipes/hello-fail_1.0.bb:do_compile") || f.Recipe != "hello-fail" {
				t.Errorf("failure task %q recipe %q", f.Task, f.Recipe)
			}
			if f.ExitCode != 1 || !strings.Contains(f.LogFile, "/tmp/work/hello-fail-1.0-r0/temp/log.do_compile.") {
				t.Errorf("failure exit %d log %q", f.ExitCode, f.LogFile)
			}
			if p.Errors != 1 || p.Warnings != 1 {
				t.Errorf("errors %d warnings %d, want BitBake's own 1 and 1", p.Errors, p.Warnings)
			}
			if !strings.HasSuffix(p.Summary, "and 1 failed.") {
				t.Errorf("summary %q", p.Summary)
			}
			for _, e := range evs {
				if e.Kind == EvTasksSummary && e.Failed != 1 {
					t.Errorf("tasks summary failed=%d, want 1", e.Failed)
				}
			}
		})
	}
}

func TestParseHelloInterrupted(t *testing.T) {
	p, _ := replay(t, "hello-interrupted.log")
	if p.Interrupted != 1 {
		t.Errorf("interrupted %d, want 1", p.Interrupted)
	}
	if p.Phase != PhaseDone || p.Total != 24 || p.Done != 18 {
		t.Errorf("phase %v %d/%d", p.Phase, p.Done, p.Total)
	}
	if p.Errors != 1 {
		t.Errorf("errors %d, want 1 (Stopped build)", p.Errors)
	}
}

func TestParseLineForms(t *testing.T) {
	cases := []struct {
		line string
		want Event
	}{
		{"NOTE: Running task 123 of 4567 (/src/poky/meta/recipes-core/busybox/busybox_1.36.1.bb:do_compile)",
			Event{Kind: EvTaskRunning, N: 123, M: 4567, Task: "/src/poky/meta/recipes-core/busybox/busybox_1.36.1.bb:do_compile"}},
		{"NOTE: Running setscene task 7 of 900 (virtual:native:/src/poky/meta/recipes-devtools/quilt/quilt_0.67.bb:do_populate_sysroot_setscene)",
			Event{Kind: EvTaskRunning, N: 7, M: 900, Setscene: true, Task: "virtual:native:/src/poky/meta/recipes-devtools/quilt/quilt_0.67.bb:do_populate_sysroot_setscene"}},
		{"NOTE: Running noexec task 15 of 18 (/x/a_1.0.bb:do_build)", Event{Kind: EvTaskRunning, N: 15, M: 18, NoExec: true, Task: "/x/a_1.0.bb:do_build"}},
		{"NOTE: recipe busybox-1.36.1-r0: task do_compile: Started", Event{Kind: EvTaskStarted, Recipe: "busybox-1.36.1-r0", Task: "do_compile"}},
		{"NOTE: recipe busybox-1.36.1-r0: task do_compile: Failed", Event{Kind: EvTaskFailed, Recipe: "busybox-1.36.1-r0", Task: "do_compile"}},
		{"ERROR: Logfile of failure stored in: /b/tmp/work/core2-64-poky-linux/busybox/1.36.1/temp/log.do_compile.4242",
			Event{Kind: EvLogFile, LogFile: "/b/tmp/work/core2-64-poky-linux/busybox/1.36.1/temp/log.do_compile.4242"}},
		{"Sstate summary: Wanted 2024 Local 0 Mirrors 0 Missed 2024 Current 0 (0% match, 0% complete)",
			Event{Kind: EvSstate, Text: "Sstate summary: Wanted 2024 Local 0 Mirrors 0 Missed 2024 Current 0 (0% match, 0% complete)"}},
		{"NOTE: Executing SetScene Tasks", Event{Kind: EvExecuting, Setscene: true}},
		{"NOTE: Executing Tasks", Event{Kind: EvExecuting}},
		{"WARNING: something odd", Event{Kind: EvWarning, Text: "something odd"}},
		{"Summary: There were 12 WARNING messages.", Event{Kind: EvMessageCount, N: 12, Text: "WARNING"}},
		{"Summary: There was 1 ERROR message, returning a non-zero exit code.", Event{Kind: EvMessageCount, N: 1, Text: "ERROR"}},
		{"Second Keyboard Interrupt, stopping...", Event{Kind: EvInterrupted, N: 2}},
		{"fleetbake: bitbake exited with code 130", Event{Kind: EvExit, ExitCode: 130}},
		{"Parsing of 912 .bb files complete (0 cached, 912 parsed). 1841 targets, 71 skipped, 0 masked, 0 errors.", Event{Kind: EvParseComplete, N: 912}},
		{"NOTE: Tasks Summary: Attempted 4021 tasks of which 3100 didn't need to be rerun and 2 failed.",
			Event{Kind: EvTasksSummary, N: 4021, M: 3100, Failed: 2, Text: "Tasks Summary: Attempted 4021 tasks of which 3100 didn't need to be rerun and 2 failed."}},
	}
	for _, c := range cases {
		var got []Event
		NewParser().Feed([]byte(c.line), func(e *Event) { got = append(got, *e) })
		if len(got) == 0 || got[0] != c.want {
			t.Errorf("%q:\n got %+v\nwant %+v", c.line, got, c.want)
		}
	}
	// Lines that are not events.
	for _, line := range []string{"", "   | compiling foo.c", "Loaded 0 entries from dependency cache.", "NOTE: Resolving any missing task queue dependencies", "Something: ..."} {
		NewParser().Feed([]byte(line), func(e *Event) { t.Errorf("%q gave %+v", line, *e) })
	}
}

func TestParseProgressAcrossLines(t *testing.T) {
	// A warning printed while parsing lands after "Parsing recipes..." on the
	// same line, and "done." then comes on a line of its own.
	p := NewParser()
	var got []EventKind
	emit := func(e *Event) { got = append(got, e.Kind) }
	p.FeedPartial([]byte("Parsing recipes..."), emit)
	p.FeedPartial([]byte("Parsing recipes..."), emit) // same partial seen twice: one event
	p.Feed([]byte("Parsing recipes...WARNING: /x/y.bb: odd"), emit)
	p.Feed([]byte("done."), emit)
	want := []EventKind{EvProgressStart, EvWarning, EvProgressDone}
	if len(got) != len(want) {
		t.Fatalf("got %v want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v want %v", got, want)
		}
	}
}

func TestParsePokyDryRun(t *testing.T) {
	f, err := os.Open("testdata/poky-scarthgap-dryrun.log.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := NewTracker()
	var starts []string
	if err := NewParser().ParseReader(zr, func(e *Event) {
		if e.Kind == EvProgressStart {
			starts = append(starts, e.Text)
		}
		tr.Apply(e)
	}); err != nil {
		t.Fatal(err)
	}
	p := tr.Snapshot(timeZero, timeZero)
	if p.Recipes != 920 || p.Total != 4077 || p.Done != 4077 || p.Phase != PhaseDone || p.Warnings != 2 {
		t.Errorf("progress: recipes %d, %d/%d, phase %v, warnings %d", p.Recipes, p.Done, p.Total, p.Phase, p.Warnings)
	}
	if p.Sstate != "Sstate summary: Wanted 1858 Local 0 Mirrors 0 Missed 1858 Current 0 (0% match, 0% complete)" {
		t.Errorf("sstate %q", p.Sstate)
	}
	if strings.Join(starts, ",") != "Loading cache,Parsing recipes,Initialising tasks" {
		t.Errorf("progress steps %v", starts)
	}
	if len(p.Running) != 0 {
		t.Errorf("%d tasks left running after the summary", len(p.Running))
	}
}

func TestParseLaunchedLogs(t *testing.T) {
	cases := []struct {
		name                string
		exit, done, total   int
		interrupted, failed int
	}{
		{"launched-success.log", 0, 24, 24, 0, 0},
		{"launched-fail.log", 1, 4, 6, 0, 1},
		{"launched-stop.log", 1, 17, 24, 1, 0},
		{"launched-force-stop.log", 1, 3, 6, 2, 0},
	}
	for _, c := range cases {
		p, _ := replay(t, c.name)
		if p.ExitCode == nil || *p.ExitCode != c.exit || p.Done != c.done || p.Total != c.total ||
			p.Interrupted != c.interrupted || len(p.Failures) != c.failed || p.Phase != PhaseDone || len(p.Running) != 0 {
			t.Errorf("%s: exit %v, %d/%d, interrupted %d, failures %v, phase %v, running %v", c.name,
				p.ExitCode, p.Done, p.Total, p.Interrupted, p.Failures, p.Phase, p.Running)
		}
	}
}
