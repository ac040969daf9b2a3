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

// networkFSTypes are the file systems (statfs(2) f_type, from Linux's
// include/uapi/linux/magic.h) whose stat(2) may answer from a cache of
// attributes (NFS's acregmax/acdirmax, up to 60 s; FUSE's attr_timeout;
// CIFS's actimeo; 9p's cache modes), while the open(2) of a walk
// revalidates (NFS's close-to-open consistency): a change made on another
// machine would show to a walk and not to the cache's stats.
var networkFSTypes = map[int64]string{
	0x6969:     "nfs",
	0x517B:     "smb",
	0xFF534D42: "cifs",
	0xFE534D42: "smb2",
	0x01021997: "9p",
	0x65735546: "fuse",
	0x00C36400: "ceph",
	0x6B414653: "afs",
	0x73757245: "coda",
}

// onNetworkFS reports whether path is on one of networkFSTypes, or its
// file system cannot be told.
func onNetworkFS(path string) bool {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(path, &fs); err != nil {
		return true
	}
	_, ok := networkFSTypes[int64(fs.Type)]
	return ok
}
