package model

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// stampsSupported: the discovery cache needs ctime and inode numbers,
// which Linux's stat(2) gives (syscall.Stat_t.Ctim).
const stampsSupported = true

// statStamp stats path, following symlinks, without the allocations of
// os.Stat (the cache check stats every path discovery read).
func statStamp(path string) stamp {
	var st syscall.Stat_t
	for {
		err := syscall.Stat(path, &st)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			var errno syscall.Errno
			if !errors.As(err, &errno) {
				errno = syscall.EIO
			}
			return stamp{Path: path, Errno: uint32(errno)}
		}
		return fromStatT(path, &st)
	}
}

// infoStamp is the stamp of an os.FileInfo from stat or fstat.
func infoStamp(path string, fi fs.FileInfo) (stamp, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return stamp{}, false
	}
	return fromStatT(path, st), true
}

func fromStatT(path string, st *syscall.Stat_t) stamp {
	return stamp{
		Path:  path,
		Dev:   uint64(st.Dev), // uint32 on some architectures
		Ino:   uint64(st.Ino),
		Size:  st.Size,
		Mtime: st.Mtim.Nano(),
		Ctime: st.Ctim.Nano(),
		Mode:  st.Mode,
	}
}

// privateFile reports whether fi (a cache file) belongs to this process's
// user and no one else can write it: only then is its content ours.
func privateFile(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Uid == uint32(os.Geteuid()) && fi.Mode().Perm()&0o022 == 0
}
