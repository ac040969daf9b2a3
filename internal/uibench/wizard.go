package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// wizardRSS types through the whole wizard on a new project whose layers
// sources puts in place, as in test/e2e-tmux.sh, and returns the process's
// max RSS in KB and the CPU time of the whole run (bin: the fleetbake
// binary). With build, it goes on to the build step, which says there
// is no BitBake (the fixture tree has none).
func (b *bench) wizardRSS(bin string, sources func(dir string) error, build bool) (int64, time.Duration, error) {
	dir, err := os.MkdirTemp(b.dir, "wizard-")
	if err != nil {
		return 0, 0, err
	}
	if err := sources(dir); err != nil {
		return 0, 0, err
	}
	s, err := startSession("fleetbake", dir, b.env, bin)
	if err != nil {
		return 0, 0, err
	}
	s.noRecord()
	steps := []struct {
		wait []string
		keys string
	}{
		{[]string{"Workspace  1/10", "release scarthgap"}, "\r\r"},
		{[]string{"Machine  2/10", " machines"}, "/qemuarm64"},
		{[]string{"1/1 machines"}, "\r"},
		{[]string{"Layers  3/10", "added: needed by meta-aws"}, "\x1b[B\x1b[B\x1b[A\x1b[A\r"},
		{[]string{"Image and distro  4/10", "core-image-minimal"}, "\r\r"},
		{[]string{"Build settings  5/10"}, "8\r\r\r\r\r\r\r\r"},
		{[]string{"Greengrass  6/10", "AWS account"}, "\r\r\r\x15bench\r\r\r\r\r\r\r\r\r"},
		{[]string{"Review  7/10", "+++"}, "\r\r\r"},
		{[]string{"y/N"}, "y"},
		{[]string{"Apply  8/10", "All done"}, "\r"},
		{[]string{"Verify  9/10", "enter to build"}, "\r"},
		{[]string{"Build  10/10", "could not start the build"}, "q"},
	}
	if !build {
		// Real checkouts would start a real build: leave at the apply step.
		steps[len(steps)-3].keys = "q"
		steps = steps[:len(steps)-2]
	}
	for _, st := range steps {
		if err := s.waitFor(st.wait...); err != nil {
			s.kill()
			return 0, 0, err
		}
		if b.verbose {
			data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid()))
			var mem []string
			for _, l := range strings.Split(string(data), "\n") {
				if strings.HasPrefix(l, "VmHWM") || strings.HasPrefix(l, "RssAnon") || strings.HasPrefix(l, "RssFile") {
					mem = append(mem, strings.Join(strings.Fields(l), " "))
				}
			}
			b.logf("wizard at %q: %s", st.wait[0], strings.Join(mem, ", "))
		}
		if err := s.send(st.keys); err != nil {
			s.kill()
			return 0, 0, err
		}
	}
	select {
	case <-s.done:
	case <-time.After(waitLimit):
		s.kill()
		return 0, 0, errors.New("fleetbake did not exit after q")
	}
	rss, err := s.stop("")
	if err != nil {
		return 0, 0, err
	}
	data, _ := os.ReadFile(filepath.Join(dir, "build", "conf", "local.conf"))
	if !bytes.Contains(data, []byte("IOT_DATA_ENDPOINT")) {
		return 0, 0, fmt.Errorf("the wizard ended without local.conf and its endpoints:\n%s", data)
	}
	return rss, s.cpu, nil
}
