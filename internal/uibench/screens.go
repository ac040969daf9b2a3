package main

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// anchors are the programs fleetbake's screens are compared with: Debian's
// dialog and whiptail, each showing a --menu as long as fleetbake's machine
// list (bench/ui.sh installs them).
var anchors = []string{"dialog", "whiptail"}

// menuArgv is a --menu of n entries in the whole 80x24 terminal: 14 rows,
// entries shaped like fleetbake's (a machine name and a description).
func menuArgv(tool string, n int) []string {
	argv := []string{tool, "--title", "Machine", "--menu", "MACHINE for this build", "22", "76", "14"}
	for i := range n {
		argv = append(argv, fmt.Sprintf("machine-%04d", i), "A board of the BSP layer, with its description")
	}
	return argv
}

// startAnchor runs tool's menu of n entries and waits until it is drawn.
func (b *bench) startAnchor(tool string, n int) (*session, error) {
	s, err := startSession(tool, b.dir, b.env, menuArgv(tool, n)...)
	if err != nil {
		return nil, fmt.Errorf("%s (bench/ui.sh installs it with apt-get): %w", tool, err)
	}
	if err := s.waitFor("Cancel"); err != nil {
		s.kill()
		return nil, err
	}
	return s, s.quiet(300 * time.Millisecond)
}

var machineCount = regexp.MustCompile(`(\d+)/(\d+) machines`)

// openMachineList starts fleetbake on a new project of layout l and goes
// to its machine list (step 2); n is the length of the list.
func (b *bench) openMachineList(l layout) (s *session, n int, err error) {
	dir, err := b.project(l, "keys")
	if err != nil {
		return nil, 0, err
	}
	if s, err = startSession("fleetbake", dir, b.env, b.bin); err != nil {
		return nil, 0, err
	}
	if err = s.waitFor("release ", "AWS 1"); err == nil {
		if err = s.send("\r\r"); err == nil {
			err = s.waitFor("Machine  2/", " machines")
		}
	}
	if err != nil {
		s.kill()
		return nil, 0, err
	}
	m := machineCount.FindStringSubmatch(s.screenText())
	if m == nil {
		s.kill()
		return nil, 0, fmt.Errorf("no machine count on the screen:\n%s", s.screenText())
	}
	n, _ = strconv.Atoi(m[2])
	return s, n, nil
}

// firstScreen: from start to the settled first screen, fleetbake's
// (discovery done, the account looked up) against the anchors' menus, one
// start of each in turn.
func (b *bench) firstScreen(l layout) error {
	s, n, err := b.openMachineList(l) // also warms the page cache
	if err != nil {
		return err
	}
	s.kill()
	// One project folder for every round, as an engineer starts fleetbake
	// in the same folder again: the first round (not counted) fills the
	// caches, fleetbake's discovery cache among them, which takes a
	// result only when the folders are older than its racy window (100
	// ms). FLEETBAKE_NO_CACHE=1 in the environment measures every start
	// as the first one in a folder.
	dir, err := b.project(l, "first")
	if err != nil {
		return err
	}
	time.Sleep(200 * time.Millisecond)
	times := map[string][]float64{}
	for i := 0; i < b.runs+1; i++ {
		s, err := startSession("fleetbake", dir, b.env, b.bin)
		if err != nil {
			return err
		}
		t, err := settle(s, "release ", "AWS 1")
		if cpu, cerr := cpuTime(s.pid()); cerr == nil {
			b.logf("fleetbake first screen %.1f ms, CPU %.1f ms", t, ms(float64(cpu)))
		}
		s.kill()
		if err != nil {
			return err
		}
		if i > 0 { // the first round warms caches
			times["fleetbake"] = append(times["fleetbake"], t)
		}
		for _, tool := range anchors {
			s, err := startSession(tool, b.dir, b.env, menuArgv(tool, n)...)
			if err != nil {
				return fmt.Errorf("%s (bench/ui.sh installs it with apt-get): %w", tool, err)
			}
			t, err := settle(s, "Cancel")
			if cpu, cerr := cpuTime(s.pid()); cerr == nil {
				b.logf("%s first screen %.1f ms, CPU %.1f ms", tool, t, ms(float64(cpu)))
			}
			s.kill()
			if err != nil {
				return err
			}
			if i > 0 {
				times[tool] = append(times[tool], t)
			}
		}
	}
	b.logf("first screen %s (%d machines): %v", l.name, n, times)
	for i, tool := range anchors {
		g := ratioGoal(2)
		if i > 0 {
			g = noGoal // the goal is set against dialog
		}
		printLine(fmt.Sprintf("first screen, %s tree", l.name), "ms", tool, g, times["fleetbake"], times[tool])
	}
	return nil
}

// settle waits for the texts, then for the screen to stop changing, and
// returns in milliseconds how long after the start the screen became what
// it settled in.
func settle(s *session, texts ...string) (float64, error) {
	if err := s.waitFor(texts...); err != nil {
		return 0, err
	}
	if err := s.quiet(300 * time.Millisecond); err != nil {
		return 0, err
	}
	at, err := s.settledAt()
	if err != nil {
		return 0, err
	}
	return ms(float64(at.Sub(s.started))), nil
}

// keySamples are the costs of the keys of one side.
type keySamples struct {
	scrollBytes, stillBytes []float64
	latency, cpu            []float64 // ms
}

func (k *keySamples) add(r keyResult) {
	if r.noChange {
		return
	}
	// A move on the page redraws two rows (and a position count); a
	// scroll moves every row of the list.
	if r.changed > 5 {
		k.scrollBytes = append(k.scrollBytes, float64(r.bytes))
	} else {
		k.stillBytes = append(k.stillBytes, float64(r.bytes))
	}
	k.latency = append(k.latency, ms(float64(r.latency)))
	k.cpu = append(k.cpu, ms(float64(r.cpu)))
}

// keys: Down across two pages and more, then Up back through a page, in
// fleetbake's machine list and the anchors' menus, all open at once and
// one key to each in turn.
func (b *bench) keys(l layout) error {
	fb, n, err := b.openMachineList(l)
	if err != nil {
		return err
	}
	defer fb.kill()
	sessions := []*session{fb}
	for _, tool := range anchors {
		s, err := b.startAnchor(tool, n)
		if err != nil {
			return err
		}
		defer s.kill()
		sessions = append(sessions, s)
	}
	// To the top of the list, as the anchors start.
	if _, err := fb.key("g", 50*time.Millisecond); err != nil {
		return err
	}
	downs := max(36, 4*b.runs)
	seq := make([]string, 0, downs+downs/2)
	for range downs {
		seq = append(seq, down)
	}
	for range downs / 2 {
		seq = append(seq, up)
	}
	samples := make([]keySamples, len(sessions))
	for _, k := range seq {
		for i, s := range sessions {
			// 50 ms of quiet ends an answer: every program here writes
			// one in far less.
			r, err := s.key(k, 50*time.Millisecond)
			if err != nil {
				return err
			}
			samples[i].add(r)
		}
	}
	fs := samples[0]
	b.logf("keys %s (%d machines): fleetbake %+v", l.name, n, fs)
	for i, tool := range anchors {
		as := samples[i+1]
		g := func(gl goal) goal {
			if i > 0 {
				return noGoal
			}
			return gl
		}
		t := l.name
		printLine("bytes/key on the page, "+t, "B", tool, noGoal, fs.stillBytes, as.stillBytes)
		printLine("bytes/key scrolling, "+t, "B", tool, noGoal, fs.scrollBytes, as.scrollBytes)
		printLine("key-to-paint, "+t, "ms", tool, atMost(3, "<= 3ms"), fs.latency, as.latency)
		printLine("CPU/key, "+t, "ms", tool, g(ratioGoal(3)), fs.cpu, as.cpu)
	}
	return nil
}
