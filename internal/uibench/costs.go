package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// idleCost: CPU and wake-ups of fleetbake on its first screen and of the
// anchors on their menus, all three idle in the same windows of time.
func (b *bench) idleCost() error {
	_, n, err := b.machineCountOf(layout{"fixture", b.writeTree})
	if err != nil {
		return err
	}
	dir, err := b.project(layout{"fixture", b.writeTree}, "idle")
	if err != nil {
		return err
	}
	fb, err := startSession("fleetbake", dir, b.env, b.bin)
	if err != nil {
		return err
	}
	defer fb.kill()
	if _, err := settle(fb, "release ", "AWS 1"); err != nil {
		return err
	}
	sessions := []*session{fb}
	for _, tool := range anchors {
		s, err := b.startAnchor(tool, n)
		if err != nil {
			return err
		}
		defer s.kill()
		sessions = append(sessions, s)
	}
	time.Sleep(time.Second) // the start's own after-effects (a first GC)
	cpu := make([][]float64, len(sessions))
	wake := make([][]float64, len(sessions))
	for range 3 {
		c0, w0 := make([]time.Duration, len(sessions)), make([]int64, len(sessions))
		for i, s := range sessions {
			if c0[i], err = cpuTime(s.pid()); err != nil {
				return err
			}
			if w0[i], err = wakeups(s.pid()); err != nil {
				return err
			}
		}
		start := time.Now()
		time.Sleep(b.idle)
		secs := time.Since(start).Seconds()
		for i, s := range sessions {
			c1, err := cpuTime(s.pid())
			if err != nil {
				return err
			}
			w1, err := wakeups(s.pid())
			if err != nil {
				return err
			}
			cpu[i] = append(cpu[i], 100*(c1-c0[i]).Seconds()/secs)
			wake[i] = append(wake[i], float64(w1-w0[i])/secs)
		}
	}
	b.logf("idle: cpu %% %v, wake-ups/s %v", cpu, wake)
	for i, tool := range anchors {
		g := below(1, "< 1/s")
		if i > 0 {
			g = noGoal
		}
		printLine("idle wake-ups, first screen", "/s", tool, g, wake[0], wake[i+1])
		printLine("idle CPU, first screen", "%", tool, noGoal, cpu[0], cpu[i+1])
	}
	return nil
}

func (b *bench) machineCountOf(l layout) (*session, int, error) {
	s, n, err := b.openMachineList(l)
	if err == nil {
		s.kill()
	}
	return nil, n, err
}

// memory: peak memory of fleetbake through the whole wizard, typed key by
// key (on real checkouts up to the apply: a build would start), against
// dialog's menu of the same length, one run of each in turn.
func (b *bench) memory(l layout) error {
	_, n, err := b.machineCountOf(l)
	if err != nil {
		return err
	}
	var fb, dl, base, fbCPU, baseCPU []float64
	for range 3 {
		kb, cpu, err := b.wizardRSS(b.bin, l.sources, l.name == "fixture")
		if err != nil {
			return err
		}
		fb, fbCPU = append(fb, float64(kb)/1024), append(fbCPU, ms(float64(cpu)))
		if b.base != "" {
			if kb, cpu, err = b.wizardRSS(b.base, l.sources, l.name == "fixture"); err != nil {
				return fmt.Errorf("%s: %w", b.base, err)
			}
			base, baseCPU = append(base, float64(kb)/1024), append(baseCPU, ms(float64(cpu)))
		}
		s, err := b.startAnchor("dialog", n)
		if err != nil {
			return err
		}
		for range 20 {
			if _, err := s.key(down, 20*time.Millisecond); err != nil {
				s.kill()
				return err
			}
		}
		kb, err = s.peakKB()
		s.kill()
		if err != nil {
			return err
		}
		dl = append(dl, float64(kb)/1024)
	}
	printLine("peak memory, wizard, "+l.name, "MB", "dialog", atMost(20, "<= 20MB"), fb, dl)
	if b.base != "" {
		printLine("peak memory, wizard, "+l.name, "MB", "before", noGoal, fb, base)
		printLine("CPU, whole wizard, "+l.name, "ms", "before", noGoal, fbCPU, baseCPU)
	}
	return nil
}

// readLogLines reads a real BitBake log: its header up to "Executing
// Tasks", then the task lines, each "Running task" followed by the Started
// and Succeeded notes knotty prints, as engine/bench_test.go replays them.
func readLogLines(path string) (header, tasks [][]byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, nil, err
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, nil, err
	}
	inTasks := false
	for _, l := range bytes.SplitAfter(data, []byte("\n")) {
		s := string(l)
		if !inTasks {
			header = append(header, l)
			inTasks = strings.HasPrefix(s, "NOTE: Executing Tasks")
			continue
		}
		if !strings.HasPrefix(s, "NOTE: Running task ") {
			continue
		}
		task := strings.TrimSuffix(strings.TrimSpace(s[strings.IndexByte(s, '(')+1:]), ")")
		file, name, _ := strings.Cut(task, ":")
		if i := strings.LastIndexByte(task, ':'); i >= 0 {
			file, name = task[:i], task[i+1:]
		}
		pn := strings.TrimSuffix(filepath.Base(file), ".bb")
		if j := strings.IndexByte(pn, '_'); j > 0 {
			pn = pn[:j]
		}
		pf := pn + "-1.0-r0"
		tasks = append(tasks, l,
			[]byte("NOTE: recipe "+pf+": task "+name+": Started\n"),
			[]byte("NOTE: recipe "+pf+": task "+name+": Succeeded\n"))
	}
	if len(tasks) == 0 {
		return nil, nil, fmt.Errorf("%s: no task lines", path)
	}
	return header, tasks, nil
}
