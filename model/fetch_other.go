//go:build !linux

package model

import "syscall"

// gitProcAttr: only Linux has a parent-death signal; elsewhere an orphan
// git of a killed run fails once the next run removes its folder.
func gitProcAttr() *syscall.SysProcAttr { return nil }
