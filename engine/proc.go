package engine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// procStartTime reads field 22 (starttime, clock ticks since boot) of
// /proc/<pid>/stat. Together with the pid it names one process for good: a
// pid reused by another process has another start time.
func procStartTime(pid int) (uint64, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	fields := bytes.Fields(data[i+1:])
	// fields[0] is field 3 (state); starttime is field 22.
	if len(fields) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	if fields[0][0] == 'Z' {
		return 0, errZombie
	}
	return strconv.ParseUint(string(fields[19]), 10, 64)
}

var errZombie = errors.New("zombie")

// sameProcess reports whether pid is alive and is the process that had
// start time start when it was recorded.
func sameProcess(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	st, err := procStartTime(pid)
	if err != nil {
		return false
	}
	return start == 0 || st == start
}

// signalProcess sends sig to pid, treating "already gone" as success.
func signalProcess(pid int, sig syscall.Signal) error {
	err := syscall.Kill(pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
