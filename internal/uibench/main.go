// Command uibench measures the terminal UI of the real fleetbake binary in
// a pseudo-terminal (bench/ui.sh runs it):
//
//   - the time from starting the process to its first complete frame (the
//     header on the first line and the help on the last), median of -runs;
//   - the bytes written to the terminal for one arrow key in the machine
//     list, against one full repaint of the same screen (the redraw after a
//     SIGWINCH), medians of several presses and repaints;
//   - the peak memory (max RSS) of a run through the whole wizard, typed key
//     by key, on the fixture layer tree against the local AWS fake (and on
//     real checkouts with -tree).
//
// It reads the screen with a small terminal emulator (vt.go) to know when to
// type. It prints one line per figure with its goal and "ok" or "MISSED",
// and exits 1 when something could not be measured (not when a goal is
// missed: bench/run carries on).
//
//	uibench -bin path/to/fleetbake [-runs 9] [-tree DIR]
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"

	"fleetbake/internal/awsfake"
	"fleetbake/internal/layertree"
)

const (
	width, height = 80, 24
	waitLimit     = 30 * time.Second
)

func main() {
	bin := flag.String("bin", "", "the fleetbake binary to measure")
	runs := flag.Int("runs", 9, "starts measured for the first frame; presses and repaints for the ratio")
	verbose := flag.Bool("v", false, "print the screen when something goes wrong, and details")
	tree := flag.String("tree", "", "a folder with real checkouts (poky, meta-openembedded, meta-aws): the wizard's memory is measured on it too")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "usage: uibench -bin FLEETBAKE [-runs N] [-tree DIR] [-v]")
		os.Exit(2)
	}
	b := &bench{bin: *bin, runs: max(1, *runs), verbose: *verbose, tree: *tree}
	if err := b.run(); err != nil {
		fmt.Fprintln(os.Stderr, "uibench:", err)
		os.Exit(1)
	}
}

type bench struct {
	bin     string
	runs    int
	verbose bool
	tree    string // real checkouts, or ""
	dir     string
	env     []string
}

func (b *bench) run() error {
	tmp, err := os.MkdirTemp("", "fleetbake-uibench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	fake := awsfake.New(awsfake.Options{})
	defer fake.Close()
	home := filepath.Join(tmp, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return err
	}
	b.dir = tmp
	b.env = append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color", "LANG=C.UTF-8"}, fake.Env()...)

	first, err := b.firstFrame()
	if err != nil {
		return fmt.Errorf("first frame: %w", err)
	}
	arrow, full, err := b.arrowBytes()
	if err != nil {
		return fmt.Errorf("arrow key: %w", err)
	}
	rssKB, err := b.wizardRSS(b.writeTree, true)
	if err != nil {
		return fmt.Errorf("whole wizard: %w", err)
	}
	var realKB int64
	if b.tree != "" {
		link := func(dir string) error { return os.Symlink(b.tree, filepath.Join(dir, "sources")) }
		if realKB, err = b.wizardRSS(link, false); err != nil {
			return fmt.Errorf("whole wizard on %s: %w", b.tree, err)
		}
	}

	ms := float64(first.Microseconds()) / 1000
	fmt.Printf("%-28s %.2f ms (median of %d starts), goal < 50 ms %s\n", "ui-first-frame", ms, b.runs, verdict(ms < 50))
	ratio := float64(arrow) / float64(full)
	fmt.Printf("%-28s %d B for one arrow key, %d B for a full repaint, ratio %.3f, goal <= 0.1 %s\n",
		"ui-arrow-key-bytes", arrow, full, ratio, verdict(ratio <= 0.1))
	mb := float64(rssKB) / 1024
	fmt.Printf("%-28s %.1f MB max RSS through the whole wizard, goal < 40 MB %s\n", "ui-peak-memory", mb, verdict(mb < 40))
	if b.tree != "" {
		mb := float64(realKB) / 1024
		fmt.Printf("%-28s %.1f MB max RSS through the wizard up to the build on %s, goal < 40 MB %s\n", "ui-peak-memory-real", mb, b.tree, verdict(mb < 40))
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}

// writeTree writes the fixture layer tree under dir/sources, where a
// project in dir finds it.
func (b *bench) writeTree(dir string) error {
	return layertree.Build(filepath.Join(dir, "sources"), layertree.Standard("scarthgap", true))
}

// session is one fleetbake process in a pseudo-terminal.
type session struct {
	b       *bench
	cmd     *exec.Cmd
	pty     *os.File
	started time.Time

	mu       sync.Mutex
	scr      *screen
	total    int       // bytes read from the terminal so far
	lastRead time.Time // when output last arrived
	complete time.Time // when the first complete frame was on screen
	done     chan struct{}
}

// start runs fleetbake in dir with a fresh terminal of width x height.
func (b *bench) start(dir string, args ...string) (*session, error) {
	cmd := exec.Command(b.bin, args...)
	cmd.Dir = dir
	cmd.Env = b.env
	s := &session{b: b, cmd: cmd, scr: newScreen(width, height), done: make(chan struct{})}
	s.started = time.Now()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: width, Rows: height})
	if err != nil {
		return nil, err
	}
	s.pty = f
	go s.read()
	return s, nil
}

// read feeds the terminal output to the emulator until the process ends.
func (s *session) read() {
	defer close(s.done)
	buf := make([]byte, 64<<10)
	for {
		n, err := s.pty.Read(buf)
		if n > 0 {
			now := time.Now()
			s.mu.Lock()
			s.scr.Write(buf[:n])
			s.total += n
			s.lastRead = now
			if s.complete.IsZero() && frameComplete(s.scr.Lines()) {
				s.complete = now
			}
			s.mu.Unlock()
		}
		if err != nil {
			return // EIO once the process has exited
		}
	}
}

// frameComplete: the header is on the first line and the help on the last.
func frameComplete(lines []string) bool {
	return strings.Contains(lines[0], "fleetbake") && strings.Contains(lines[len(lines)-1], "•")
}

func (s *session) send(keys string) error {
	_, err := s.pty.Write([]byte(keys))
	return err
}

func (s *session) screenText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scr.String()
}

// waitFor polls the screen until it shows every text.
func (s *session) waitFor(texts ...string) error {
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		scr := s.screenText()
		ok := true
		for _, t := range texts {
			ok = ok && strings.Contains(scr, t)
		}
		if ok {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("timed out waiting for %q; the screen:\n%s", texts, s.screenText())
}

// quiet waits until nothing has been written for d, and returns the byte
// count then.
func (s *session) quiet(d time.Duration) (int, error) {
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		last, total := s.lastRead, s.total
		s.mu.Unlock()
		if time.Since(last) >= d {
			return total, nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0, errors.New("the terminal never went quiet")
}

// exchange does fn and returns the bytes written to the terminal in answer,
// counted until it has been quiet for a while.
func (s *session) exchange(fn func() error) (int, error) {
	before, err := s.quiet(300 * time.Millisecond)
	if err != nil {
		return 0, err
	}
	if err := fn(); err != nil {
		return 0, err
	}
	// Wait for the answer to start, then for it to end.
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		total := s.total
		s.mu.Unlock()
		if total > before {
			break
		}
		if time.Now().After(deadline) {
			return 0, errors.New("nothing was redrawn")
		}
		time.Sleep(time.Millisecond)
	}
	after, err := s.quiet(150 * time.Millisecond)
	return after - before, err
}

// stop ends the process (ctrl+c, then a kill) and returns its max RSS in KB.
func (s *session) stop() (int64, error) {
	_ = s.send("\x03")
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-exited
	}
	s.pty.Close()
	<-s.done
	if s.cmd.ProcessState == nil {
		return 0, errors.New("no process state")
	}
	ru, ok := s.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, errors.New("no resource usage on this system")
	}
	return ru.Maxrss, nil
}

// firstFrame starts fleetbake runs times on a new project and returns the
// median time to its first complete frame.
func (b *bench) firstFrame() (time.Duration, error) {
	var times []time.Duration
	for i := 0; i < b.runs+1; i++ {
		dir, err := os.MkdirTemp(b.dir, "first-")
		if err != nil {
			return 0, err
		}
		if err := b.writeTree(dir); err != nil {
			return 0, err
		}
		s, err := b.start(dir)
		if err != nil {
			return 0, err
		}
		werr := s.waitFor("Workspace  1/9", "•")
		s.mu.Lock()
		t := s.complete.Sub(s.started)
		s.mu.Unlock()
		if _, err := s.stop(); err != nil {
			return 0, err
		}
		if werr != nil {
			return 0, werr
		}
		if i > 0 { // the first start warms the page cache
			times = append(times, t)
		}
		if b.verbose {
			fmt.Fprintf(os.Stderr, "first frame %d: %v\n", i, t)
		}
	}
	slices.Sort(times)
	return times[len(times)/2], nil
}

// arrowBytes opens the machine list and compares the bytes one arrow key
// makes the UI write with those of a full repaint of the same screen.
func (b *bench) arrowBytes() (arrow, full int, err error) {
	dir, err := os.MkdirTemp(b.dir, "arrow-")
	if err != nil {
		return 0, 0, err
	}
	if err := b.writeTree(dir); err != nil {
		return 0, 0, err
	}
	s, err := b.start(dir)
	if err != nil {
		return 0, 0, err
	}
	defer s.stop()
	if err := s.waitFor("release scarthgap", "AWS 1"); err != nil {
		return 0, 0, err
	}
	if err := s.send("\r\r"); err != nil {
		return 0, 0, err
	}
	if err := s.waitFor("Machine  2/9", " machines"); err != nil {
		return 0, 0, err
	}
	// Up then down, so the cursor stays on the rows on screen and the list
	// never scrolls: the common case of moving through a page.
	var arrows, repaints []int
	for i := 0; i < b.runs; i++ {
		for _, k := range []string{"\x1b[A", "\x1b[B"} {
			n, err := s.exchange(func() error { return s.send(k) })
			if err != nil {
				return 0, 0, fmt.Errorf("%w; the screen:\n%s", err, s.screenText())
			}
			arrows = append(arrows, n)
		}
	}
	for i := 0; i < max(3, b.runs/2); i++ {
		// Same size: Bubble Tea erases and redraws every cell.
		n, err := s.exchange(func() error { return s.cmd.Process.Signal(syscall.SIGWINCH) })
		if err != nil {
			return 0, 0, fmt.Errorf("repaint: %w", err)
		}
		repaints = append(repaints, n)
	}
	if b.verbose {
		fmt.Fprintf(os.Stderr, "arrow bytes %v, repaint bytes %v\nscreen:\n%s\n", arrows, repaints, s.screenText())
	}
	slices.Sort(arrows)
	slices.Sort(repaints)
	return arrows[len(arrows)/2], repaints[len(repaints)/2], nil
}

// wizardRSS types through the whole wizard on a new project whose layers
// sources puts in place, as in test/e2e-tmux.sh, and returns the process's
// max RSS in KB. With build, it goes on to the build step, which says there
// is no BitBake (the fixture tree has none).
func (b *bench) wizardRSS(sources func(dir string) error, build bool) (int64, error) {
	dir, err := os.MkdirTemp(b.dir, "wizard-")
	if err != nil {
		return 0, err
	}
	if err := sources(dir); err != nil {
		return 0, err
	}
	s, err := b.start(dir)
	if err != nil {
		return 0, err
	}
	steps := []struct {
		wait []string
		keys string
	}{
		{[]string{"Workspace  1/9", "release scarthgap"}, "\r\r"},
		{[]string{"Machine  2/9", " machines"}, "/qemuarm64"},
		{[]string{"1/1 machines"}, "\r"},
		{[]string{"Layers  3/9", "added: needed by meta-aws"}, "\x1b[B\x1b[B\x1b[A\x1b[A\r"},
		{[]string{"Image and distro  4/9", "core-image-minimal"}, "\r\r"},
		{[]string{"Build settings  5/9"}, "8\r\r\r\r\r\r\r\r"},
		{[]string{"Greengrass  6/9", "AWS account"}, "\r\r\r\x15bench\r\r\r\r\r\r\r"},
		{[]string{"Review  7/9", "+++"}, "\r"},
		{[]string{"Apply  8/9", "All done"}, "\r"},
		{[]string{"Build  9/9", "could not start the build"}, "q"},
	}
	if !build {
		// Real checkouts would start a real build: leave at the apply step.
		steps[len(steps)-2].keys = "q"
		steps = steps[:len(steps)-1]
	}
	for _, st := range steps {
		if err := s.waitFor(st.wait...); err != nil {
			s.stop()
			return 0, err
		}
		if err := s.send(st.keys); err != nil {
			s.stop()
			return 0, err
		}
	}
	select {
	case <-s.done:
	case <-time.After(waitLimit):
		s.stop()
		return 0, errors.New("fleetbake did not exit after q")
	}
	rss, err := s.stop()
	if err != nil {
		return 0, err
	}
	data, _ := os.ReadFile(filepath.Join(dir, "build", "conf", "local.conf"))
	if !bytes.Contains(data, []byte("IOT_DATA_ENDPOINT")) {
		return 0, fmt.Errorf("the wizard ended without local.conf and its endpoints:\n%s", data)
	}
	return rss, nil
}
