package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
)

// session is one program (fleetbake or an anchor) in a pseudo-terminal of
// width x height, its output fed to a terminal emulator.
type session struct {
	name    string
	cmd     *exec.Cmd
	pty     *os.File
	started time.Time

	mu       sync.Mutex
	scr      *screen
	total    int       // bytes read from the terminal so far
	lastRead time.Time // when output last arrived
	// frames records, while recording, the screen after each read: when
	// it reached the state it settled in is when the user saw the result.
	recording bool
	frames    []frame
	done      chan struct{}
	cpu       time.Duration // user and system CPU of the whole run, once stopped
}

type frame struct {
	t   time.Time
	sig string // text only, or text and pens (see screen.LineSigs)
}

// startSession runs argv in dir with env in a fresh terminal, recording its
// screens from the start.
func startSession(name, dir string, env []string, argv ...string) (*session, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	s := &session{name: name, cmd: cmd, scr: newScreen(width, height), done: make(chan struct{}), recording: true}
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
			if s.recording {
				s.frames = append(s.frames, frame{t: now, sig: strings.Join(s.scr.LineSigs(), "\n")})
			}
			s.mu.Unlock()
		}
		if err != nil {
			return // EIO once the process has exited
		}
	}
}

// noRecord stops recording frames (sessions measured otherwise).
func (s *session) noRecord() *session {
	s.mu.Lock()
	s.recording, s.frames = false, nil
	s.mu.Unlock()
	return s
}

func (s *session) pid() int { return s.cmd.Process.Pid }

// Arrow keys, as the terminal sends them in its current mode.
const (
	up   = "\x00A"
	down = "\x00B"
)

// arrow is the sequence the terminal sends for the arrow key k (up, down).
func (s *session) arrow(k string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.scr.appCursor {
		return "\x1bO" + k[1:]
	}
	return "\x1b[" + k[1:]
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

func (s *session) lineSigs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scr.LineSigs()
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
		time.Sleep(2 * time.Millisecond)
	}
	return fmt.Errorf("%s: timed out waiting for %q; the screen:\n%s", s.name, texts, s.screenText())
}

// quiet waits until nothing has been written for d.
func (s *session) quiet(d time.Duration) error {
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		last := s.lastRead
		s.mu.Unlock()
		if time.Since(last) >= d {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return fmt.Errorf("%s: the terminal never went quiet", s.name)
}

// settledAt stops recording and returns when the screen last became what it
// is now: the first frame from which on it no longer changed.
func (s *session) settledAt() (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recording = false
	if len(s.frames) == 0 {
		return time.Time{}, fmt.Errorf("%s: nothing was drawn", s.name)
	}
	final := s.frames[len(s.frames)-1].sig
	i := len(s.frames) - 1
	for i > 0 && s.frames[i-1].sig == final {
		i--
	}
	if os.Getenv("UIBENCH_TRACE") != "" {
		prev := ""
		for _, f := range s.frames {
			if f.sig != prev {
				fmt.Fprintf(os.Stderr, "%s +%v\n", s.name, f.t.Sub(s.started))
				a, b := strings.Split(prev, "\n"), strings.Split(f.sig, "\n")
				for j := range b {
					if j >= len(a) || a[j] != b[j] {
						fmt.Fprintf(os.Stderr, "   %2d %q\n", j, strings.ReplaceAll(b[j], "\x00", "|"))
					}
				}
				prev = f.sig
			}
		}
	}
	return s.frames[i].t, nil
}

// keyResult is what one key cost and how fast it was painted.
type keyResult struct {
	bytes    int
	latency  time.Duration // from writing the key to the screen as it settled
	cpu      time.Duration // the process's CPU from the key until quiet
	changed  int           // lines of the screen that changed
	noChange bool          // the key changed nothing on screen
}

// key writes k and waits for the answer to be drawn and for quiet after it
// (settle): the whole answer is counted, however many writes it took.
func (s *session) key(k string, settle time.Duration) (keyResult, error) {
	if err := s.quiet(settle); err != nil {
		return keyResult{}, err
	}
	before := s.lineSigs()
	s.mu.Lock()
	s.frames, s.recording = s.frames[:0], true
	bytes0 := s.total
	s.mu.Unlock()
	cpu0, err := cpuTime(s.pid())
	if err != nil {
		return keyResult{}, err
	}
	if k == up || k == down {
		k = s.arrow(k)
	}
	t0 := time.Now()
	if err := s.send(k); err != nil {
		return keyResult{}, err
	}
	deadline := t0.Add(time.Second)
	for {
		s.mu.Lock()
		n := s.total
		s.mu.Unlock()
		if n > bytes0 {
			break
		}
		if time.Now().After(deadline) {
			s.mu.Lock()
			s.recording = false
			s.mu.Unlock()
			return keyResult{noChange: true}, nil
		}
		time.Sleep(100 * time.Microsecond)
	}
	if err := s.quiet(settle); err != nil {
		return keyResult{}, err
	}
	cpu1, err := cpuTime(s.pid())
	if err != nil {
		return keyResult{}, err
	}
	at, err := s.settledAt()
	if err != nil {
		return keyResult{}, err
	}
	after := s.lineSigs()
	r := keyResult{latency: at.Sub(t0), cpu: cpu1 - cpu0}
	s.mu.Lock()
	r.bytes = s.total - bytes0
	s.mu.Unlock()
	for i := range before {
		if before[i] != after[i] {
			r.changed++
		}
	}
	r.noChange = r.changed == 0
	return r, nil
}

// peakKB is the process's peak resident memory so far (VmHWM).
func (s *session) peakKB() (int64, error) { return vmHWM(s.pid()) }

// stop ends the process (the keys given, then a kill) and returns its peak
// resident memory in KB, from wait4 (which also gives s.cpu).
func (s *session) stop(keys string) (int64, error) {
	if keys != "" {
		_ = s.send(keys)
	}
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(3 * time.Second):
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
	s.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return ru.Maxrss, nil
}

// kill ends the process at once.
func (s *session) kill() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.pty.Close()
	<-s.done
}
