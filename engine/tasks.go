package engine

// The tracker's list of running tasks: what "Running task" adds and a
// task's "Succeeded" or "Failed" note removes, and the counts derived from it.

import (
	"path/filepath"
	"strings"
)

// countRunning counts running setscene or real tasks; kept as counters
// because a dry run (bitbake -n) announces thousands of tasks that never
// report back.
func (t *Tracker) countRunning(setscene bool) int {
	if setscene {
		return t.nScene
	}
	return len(t.running) - t.nScene
}

// taskRunning records "Running [setscene |noexec ]task n of m" of the
// task of recipe pn (from the task string's file name).
func (t *Tracker) taskRunning(n, m int, setscene, noexec bool, pn, task string) {
	if setscene {
		t.phase(PhaseSetscene)
		t.p.SetsceneTotal = m
		t.lastSceneN = n
	} else {
		t.phase(PhaseRunning)
		t.p.Total = m
		t.lastN = n
	}
	if !noexec {
		t.running = append(t.running, runningTask{pn: pn, task: task, setscene: setscene})
		if setscene {
			t.nScene++
		}
	}
	t.recount()
}

// finishTask removes the task of recipe PF from the running list. PF starts
// with the PN that the task string's file name gives ("quilt-native-0.67-r0"
// for quilt_0.67.bb built native), so the longest matching PN wins. It takes
// the names as strings (an Event) or as the log's bytes (fastline.go).
func finishTask[S string | []byte](t *Tracker, pf, task S) {
	best := -1
	for i, r := range t.running {
		if string(task) == r.task && len(pf) >= len(r.pn) && string(pf[:len(r.pn)]) == r.pn &&
			(best < 0 || len(r.pn) > len(t.running[best].pn)) {
			best = i
		}
	}
	if best < 0 {
		return
	}
	if t.running[best].setscene {
		t.nScene--
	}
	t.running = append(t.running[:best], t.running[best+1:]...)
	t.recount()
}

// recount derives the finished counts: knotty numbers a task
// completed+active+failed+1, so N minus what still runs has finished (noexec
// tasks and tasks skipped by their stamps included).
func (t *Tracker) recount() {
	t.p.Done = max(t.p.Done, t.lastN-t.countRunning(false))
	t.p.SetsceneDone = max(t.p.SetsceneDone, t.lastSceneN-t.countRunning(true))
}

// splitTaskString turns "/path/busybox_1.36.1.bb:do_compile" (maybe with a
// "virtual:native:" or "mc:x:" prefix) into ("busybox", "do_compile").
func splitTaskString(s string) (pn, task string) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, ""
	}
	file, task := s[:i], s[i+1:]
	base := filepath.Base(file)
	base = strings.TrimSuffix(base, ".bb")
	if j := strings.IndexByte(base, '_'); j > 0 {
		base = base[:j]
	}
	return base, task
}

// logTaskName gives "do_compile" for ".../temp/log.do_compile.12345".
func logTaskName(path string) string {
	b := filepath.Base(path)
	b = strings.TrimPrefix(b, "log.")
	if i := strings.LastIndexByte(b, '.'); i > 0 {
		b = b[:i]
	}
	return b
}
