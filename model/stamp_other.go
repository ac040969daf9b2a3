//go:build !linux

package model

import "io/fs"

// stampsSupported: outside Linux the discovery cache is off (its check
// relies on stat(2)'s ctime and inode, read through syscall.Stat_t, whose
// fields differ between systems); discovery walks every time.
const stampsSupported = false

func statStamp(path string) stamp { return stamp{Path: path} }

func infoStamp(path string, fi fs.FileInfo) (stamp, bool) { return stamp{}, false }

func privateFile(fi fs.FileInfo) bool { return false }

func onNetworkFS(path string) bool { return true }
