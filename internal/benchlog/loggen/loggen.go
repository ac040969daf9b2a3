// Package loggen writes build logs in BitBake's formats for the engine
// benchmarks (internal/benchlog) and for the engine's tests that compare
// its fast path with the line-by-line parser on logs of that shape.
package loggen

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"
)

// The lines are those knotty (BitBake's text UI) prints, in the formats of
// the captured logs in engine/testdata: "Running task" with its "recipe PF:
// task do_x: Started/Succeeded" notes (poky-scarthgap-dryrun.log.gz), QA
// warnings, and failed tasks of a --continue build whose whole task log
// follows "Log data follows:" as "| " lines (hello-fail-includelogs.log;
// poky sets BBINCLUDELOGS = "yes").

// TasksFile is the captured poky run whose task names are used, from the
// repository root.
const TasksFile = "engine/testdata/poky-scarthgap-dryrun.log.gz"

// Source is what a generated log is made of: the captured run's header (up
// to "NOTE: Executing Tasks") and its tasks as recipe file and task name.
type Source struct {
	header []string
	tasks  []task
}

type task struct{ file, name, pf string }

// ReadSource reads the captured poky run at path (TasksFile).
func ReadSource(path string) (*Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w (run from the repository root)", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	s := &Source{}
	inTasks := false
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if !inTasks {
			s.header = append(s.header, l)
			inTasks = strings.HasPrefix(l, "NOTE: Executing Tasks")
			continue
		}
		// NOTE: Running task 3 of 4077 (/…/quilt-native_0.67.bb:do_fetch)
		if !strings.HasPrefix(l, "NOTE: Running task ") {
			continue
		}
		open := strings.IndexByte(l, '(')
		spec := strings.TrimSuffix(strings.TrimSpace(l[open+1:]), ")")
		i := strings.LastIndex(spec, ":do_")
		if i < 0 {
			continue
		}
		file, name := spec[:i], spec[i+1:]
		base := file[strings.LastIndexByte(file, '/')+1:]
		pn, ver, _ := strings.Cut(strings.TrimSuffix(base, ".bb"), "_")
		if ver == "" || ver == "git" {
			ver = "1.0"
		}
		s.tasks = append(s.tasks, task{file: spec[:i], name: name, pf: pn + "-" + ver + "-r0"})
	}
	if len(s.tasks) == 0 {
		return nil, fmt.Errorf("%s: no task lines", path)
	}
	return s, nil
}

// The shape of the bench log: every FailEvery-th task fails with a task log
// of FailLogLines lines; every WarnEvery-th has a QA warning.
const (
	FailEvery    = 5000
	FailLogLines = 30000
	WarnEvery    = 100
)

// Writer writes a build's log lines, counting what it wrote. FailEvery,
// FailLogLines and WarnEvery, when 0, are the bench log's.
type Writer struct {
	Src                                *Source
	W                                  *bufio.Writer
	N, Total                           int // tasks written; the "of M" total
	Failed, Warnings, Errors           int
	FailEvery, FailLogLines, WarnEvery int
	failedSpecs                        []string
	Bytes                              int64
	LineFlush                          bool // one write(2) per line, as BitBake writes
}

func or(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

func (w *Writer) line(format string, args ...any) {
	n, _ := fmt.Fprintf(w.W, format, args...)
	w.Bytes += int64(n)
	if w.LineFlush {
		w.W.Flush()
	}
}

// Header writes the captured run's lines up to "NOTE: Executing Tasks".
func (w *Writer) Header() {
	for _, l := range w.Src.header {
		w.line("%s", l)
	}
}

// Task writes the next task: its lines, a QA warning or a failure with its
// whole log now and then.
func (w *Writer) Task() {
	t := w.Src.tasks[w.N%len(w.Src.tasks)]
	w.N++
	spec := t.file + ":" + t.name
	w.line("NOTE: Running task %d of %d (%s)\n", w.N, w.Total, spec)
	w.line("NOTE: recipe %s: task %s: Started\n", t.pf, t.name)
	if w.N%or(w.WarnEvery, WarnEvery) == 0 {
		w.Warnings++
		w.line("WARNING: %s do_package_qa: QA Issue: File /usr/bin/%s in package %s doesn't have GNU_HASH (didn't pass LDFLAGS?) [ldflags]\n", t.pf, t.pf, t.pf)
	}
	if w.N%or(w.FailEvery, FailEvery) != 0 {
		w.line("NOTE: recipe %s: task %s: Succeeded\n", t.pf, t.name)
		return
	}
	w.Failed++
	w.Errors += 2
	w.failedSpecs = append(w.failedSpecs, spec)
	logf := fmt.Sprintf("/work/build/tmp/work/core2-64-poky-linux/%s/temp/log.%s.%d", t.pf, t.name, 10000+w.N%50000)
	w.line("ERROR: %s %s: ExecutionError('/work/build/tmp/work/core2-64-poky-linux/%s/temp/run.%s.%d', 1, None, None)\n", t.pf, t.name, t.pf, t.name, 10000+w.N%50000)
	w.line("ERROR: Logfile of failure stored in: %s\n", logf)
	w.line("Log data follows:\n")
	w.line("| DEBUG: Executing shell function %s\n", t.name)
	for i := 0; i < or(w.FailLogLines, FailLogLines); i++ {
		w.line("| x86_64-poky-linux-gcc  -m64 -march=core2 -mtune=core2 -O2 -pipe -g -c -o src/obj%05d.o ../src/file%05d.c\n", i, i)
	}
	w.line("| make: *** [Makefile:1234: all] Error 1\n")
	w.line("| ERROR: oe_runmake failed\n")
	w.line("| WARNING: exit code 1 from a shell command.\n")
	w.line("NOTE: recipe %s: task %s: Failed\n", t.pf, t.name)
	w.line("ERROR: Task (%s) failed with exit code '1'\n", spec)
}

// Summary writes BitBake's closing lines for what was written, and the
// supervisor's exit line.
func (w *Writer) Summary() int {
	if w.Failed == 0 {
		w.line("NOTE: Tasks Summary: Attempted %d tasks of which 0 didn't need to be rerun and all succeeded.\n", w.N)
	} else {
		w.line("NOTE: Tasks Summary: Attempted %d tasks of which 0 didn't need to be rerun and %d failed.\n", w.N, w.Failed)
	}
	w.line("\n")
	code := 0
	if w.Failed > 0 {
		code = 1
		w.line("Summary: %d tasks failed:\n", w.Failed)
		for _, s := range w.failedSpecs {
			w.line("  %s\n", s)
		}
	}
	if w.Warnings > 0 {
		w.line("Summary: There were %d WARNING messages.\n", w.Warnings)
	}
	if w.Errors > 0 {
		w.line("Summary: There were %d ERROR messages, returning a non-zero exit code.\n", w.Errors)
	}
	w.line("fleetbake: bitbake exited with code %d\n", code)
	w.W.Flush()
	return code
}
