package main

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

// tasksFile is the captured poky run whose task names are used.
const tasksFile = "engine/testdata/poky-scarthgap-dryrun.log.gz"

// source is what a generated log is made of: the captured run's header (up
// to "NOTE: Executing Tasks") and its tasks as recipe file and task name.
type source struct {
	header []string
	tasks  []task
}

type task struct{ file, name, pf string }

func readSource() (*source, error) {
	f, err := os.Open(tasksFile)
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
	s := &source{}
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
		return nil, fmt.Errorf("%s: no task lines", tasksFile)
	}
	return s, nil
}

// Every failEvery-th task fails with a task log of failLogLines lines; every
// warnEvery-th has a QA warning.
const (
	failEvery    = 5000
	failLogLines = 30000
	warnEvery    = 100
)

// writer writes a build's log lines, counting what it wrote.
type writer struct {
	src                      *source
	w                        *bufio.Writer
	n, total                 int // tasks written; the "of M" total
	failed, warnings, errors int
	failedSpecs              []string
	bytes                    int64
	lineFlush                bool // one write(2) per line, as BitBake writes
}

func (w *writer) line(format string, args ...any) {
	n, _ := fmt.Fprintf(w.w, format, args...)
	w.bytes += int64(n)
	if w.lineFlush {
		w.w.Flush()
	}
}

func (w *writer) header() {
	for _, l := range w.src.header {
		w.line("%s", l)
	}
}

// task writes the next task: its lines, a QA warning or a failure with its
// whole log now and then.
func (w *writer) task() {
	t := w.src.tasks[w.n%len(w.src.tasks)]
	w.n++
	spec := t.file + ":" + t.name
	w.line("NOTE: Running task %d of %d (%s)\n", w.n, w.total, spec)
	w.line("NOTE: recipe %s: task %s: Started\n", t.pf, t.name)
	if w.n%warnEvery == 0 {
		w.warnings++
		w.line("WARNING: %s do_package_qa: QA Issue: File /usr/bin/%s in package %s doesn't have GNU_HASH (didn't pass LDFLAGS?) [ldflags]\n", t.pf, t.pf, t.pf)
	}
	if w.n%failEvery != 0 {
		w.line("NOTE: recipe %s: task %s: Succeeded\n", t.pf, t.name)
		return
	}
	w.failed++
	w.errors += 2
	w.failedSpecs = append(w.failedSpecs, spec)
	logf := fmt.Sprintf("/work/build/tmp/work/core2-64-poky-linux/%s/temp/log.%s.%d", t.pf, t.name, 10000+w.n%50000)
	w.line("ERROR: %s %s: ExecutionError('/work/build/tmp/work/core2-64-poky-linux/%s/temp/run.%s.%d', 1, None, None)\n", t.pf, t.name, t.pf, t.name, 10000+w.n%50000)
	w.line("ERROR: Logfile of failure stored in: %s\n", logf)
	w.line("Log data follows:\n")
	w.line("| DEBUG: Executing shell function %s\n", t.name)
	for i := 0; i < failLogLines; i++ {
		w.line("| x86_64-poky-linux-gcc  -m64 -march=core2 -mtune=core2 -O2 -pipe -g -c -o src/obj%05d.o ../src/file%05d.c\n", i, i)
	}
	w.line("| make: *** [Makefile:1234: all] Error 1\n")
	w.line("| ERROR: oe_runmake failed\n")
	w.line("| WARNING: exit code 1 from a shell command.\n")
	w.line("NOTE: recipe %s: task %s: Failed\n", t.pf, t.name)
	w.line("ERROR: Task (%s) failed with exit code '1'\n", spec)
}

// summary writes BitBake's closing lines for what was written, and the
// supervisor's exit line.
func (w *writer) summary() int {
	if w.failed == 0 {
		w.line("NOTE: Tasks Summary: Attempted %d tasks of which 0 didn't need to be rerun and all succeeded.\n", w.n)
	} else {
		w.line("NOTE: Tasks Summary: Attempted %d tasks of which 0 didn't need to be rerun and %d failed.\n", w.n, w.failed)
	}
	w.line("\n")
	code := 0
	if w.failed > 0 {
		code = 1
		w.line("Summary: %d tasks failed:\n", w.failed)
		for _, s := range w.failedSpecs {
			w.line("  %s\n", s)
		}
	}
	if w.warnings > 0 {
		w.line("Summary: There were %d WARNING messages.\n", w.warnings)
	}
	if w.errors > 0 {
		w.line("Summary: There were %d ERROR messages, returning a non-zero exit code.\n", w.errors)
	}
	w.line("fleetbake: bitbake exited with code %d\n", code)
	w.w.Flush()
	return code
}
