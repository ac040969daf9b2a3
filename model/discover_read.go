package model

import (
	"io/fs"
	"os"
	"sync"
	"time"
)

// This file holds the walk's reads: every folder listed and every file read
// goes through readDir and readFile, which, when the discovery cache is on,
// first note what stat says of it (a stamp), so that a later discovery can
// tell whether anything it would read has changed without reading it.

// stamp is what stat(2) said of one path: the fields that change when the
// path's content does (size, mtime and ctime to the nanosecond; a folder's
// mtime and ctime change when an entry is added, removed or renamed in it)
// or when it is replaced (device, inode, type). ctime cannot be set by hand,
// so an edit that restores size and mtime (touch -d) still shows. Errno is
// the stat error (ENOENT for a path that is not there), 0 on success.
type stamp struct {
	Path         string
	Dev, Ino     uint64
	Size         int64
	Mtime, Ctime int64 // Unix nanoseconds
	Mode         uint32
	Errno        uint32
}

// stampSet collects the stamps of one discovery (the walk is concurrent)
// and whether one of them is too recent for the result to be cached
// (racyWindow).
type stampSet struct {
	mu    sync.Mutex
	list  []stamp
	start int64 // when the walk began, Unix ns
	racy  bool
}

func newStampSet(start time.Time) *stampSet { return &stampSet{start: start.UnixNano()} }

func (s *stampSet) add(st stamp) {
	// A file system that keeps whole seconds (ext3 with small inodes,
	// FAT's 2-second mtime, some network file systems) can give a change
	// the same time as the walk's stat up to 2 s later: a time of whole
	// seconds gets that window. Each time on its own: vfat keeps a
	// 2-second mtime beside a finer ctime (the file's creation time, which
	// an edit does not change on disk). That a finer time falls on a whole
	// second is a chance of one in 10^9: the file is cached 2 s later.
	racy := func(t int64) bool {
		window := racyWindow.Nanoseconds()
		if t%1e9 == 0 {
			window = coarseRacyWindow.Nanoseconds()
		}
		return t > s.start-window
	}
	r := racy(st.Mtime) || racy(st.Ctime)
	s.mu.Lock()
	s.list = append(s.list, st)
	s.racy = s.racy || r
	s.mu.Unlock()
}

// stampPath stats path (following symlinks: discovery reads what a
// symlink leads to) and notes the result, an error included: a folder that
// is not there yet (recipes-core/images) is part of what was seen.
func (d *discoverer) stampPath(path string) {
	if d.stamps != nil {
		d.stamps.add(statStamp(path))
	}
}

// stampInfo notes what fstat said of an open path.
func (d *discoverer) stampInfo(path string, fi fs.FileInfo) {
	if d.stamps == nil {
		return
	}
	if st, ok := infoStamp(path, fi); ok {
		d.stamps.add(st)
	} else {
		d.stamps.add(statStamp(path))
	}
}

// readDir lists dir unsorted: os.ReadDir without the sort by name (the
// walk's order does not matter, Discover sorts what it found, and the sort
// is most of the CPU a large folder costs beyond the getdents calls). The
// folder is stamped through its open descriptor before it is listed, so a
// change during the listing shows as a change next time.
func (d *discoverer) readDir(dir string) ([]os.DirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		d.stampPath(dir)
		return nil, err
	}
	defer f.Close()
	if d.stamps != nil {
		if fi, err := f.Stat(); err == nil {
			d.stampInfo(dir, fi)
		} else {
			d.stampPath(dir)
		}
	}
	return f.ReadDir(-1)
}

// readFile reads a file discovery looks into (layer.conf, a machine's
// conf, an image recipe) as ReadRegularFile does, stamped before it is read.
func (d *discoverer) readFile(path string) ([]byte, error) {
	data, fi, err := readRegular(path, MaxConfFileSize)
	if fi != nil {
		d.stampInfo(path, fi)
	} else {
		d.stampPath(path)
	}
	return data, err
}
