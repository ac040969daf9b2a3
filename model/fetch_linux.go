//go:build linux

package model

import "syscall"

// gitProcAttr makes the kernel kill a git child when fleetbake dies
// (prctl PR_SET_PDEATHSIG, see prctl(2)): after a kill -9 of fleetbake no
// orphan git keeps writing into a temporary clone that the next run removes.
func gitProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
