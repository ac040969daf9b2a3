package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The discovery cache: the result of a walk, kept in the user's cache
// folder (os.UserCacheDir()/fleetbake: $XDG_CACHE_HOME or ~/.cache on
// Linux), one file per set of walked roots, with the stamp of every folder
// the walk listed and every file it read. A later discovery of the same
// roots stats those paths and, when every stamp is unchanged, takes the
// result without listing a folder or reading a file: adding or removing a
// layer, machine or image recipe changes the mtime and ctime of the folder
// that holds it; an edit changes the file's ctime, even one that restores
// size and mtime. Any doubt (another fleetbake binary, another format, a
// damaged file, a folder that cannot be written) means walking as without
// a cache; a cache problem is never reported: it only costs the walk.

// cacheFormat is the first line of a cache file; change it when the
// layout or what discovery computes changes.
const cacheFormat = "fleetbake discovery cache 1"

// racyWindow: a result is not cached while anything it read changed less
// than this before the walk began. File times come from the kernel's coarse
// clock (one tick, 1-10 ms), so a change in the same tick as the walk's
// stat could leave every stamp equal; such a result is walked again next
// time, and cached once its files are older (git's "racy clean" problem,
// Documentation/technical/racy-git.adoc in git's repository).
var racyWindow = 100 * time.Millisecond

// coarseRacyWindow is racyWindow for a path whose times are whole seconds
// (stampSet.add).
const coarseRacyWindow = 2 * time.Second

// maxCacheFiles bounds the cache folder: one file per set of roots, and a
// test suite or a bench makes many; past this the oldest are removed.
const maxCacheFiles = 32

// cacheEnabled: FLEETBAKE_NO_CACHE=1 (any value but empty or 0) turns the
// discovery cache off, to rule it out when a discovery looks wrong.
func cacheEnabled() bool {
	v := os.Getenv("FLEETBAKE_NO_CACHE")
	return stampsSupported && (v == "" || v == "0")
}

type discoveryCache struct {
	path string // the cache file
	key  string // what the file must have been written for
}

// cachedWorkspace is the part of a Workspace the cache holds: Roots and
// the bitbake-setup fallback for Release are recomputed by Discover.
type cachedWorkspace struct {
	Layers     []*Layer
	Release    string
	CoreNames  []string
	Generation Generation
	Problems   []string
}

// openDiscoveryCache names the cache file of these roots (reals[i] is
// walkRoots[i] without symlinks). The key holds the roots and the stamp of
// the running fleetbake binary, so a rebuilt or upgraded fleetbake, whose
// discovery may differ, never takes an older binary's result. nil: no
// cache (no cache folder, no executable path).
func openDiscoveryCache(walkRoots, reals []string) *discoveryCache {
	base, err := os.UserCacheDir()
	if err != nil {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	es := statStamp(exe)
	if es.Errno != 0 {
		return nil
	}
	var k strings.Builder
	fmt.Fprintf(&k, "exe %d %d %d %d %d %q", es.Dev, es.Ino, es.Size, es.Mtime, es.Ctime, exe)
	for i, r := range walkRoots {
		fmt.Fprintf(&k, " root %q %q", r, reals[i])
	}
	key := k.String()
	sum := sha256.Sum256([]byte(key))
	name := "discovery-" + hex.EncodeToString(sum[:8])
	return &discoveryCache{path: filepath.Join(base, "fleetbake", name), key: key}
}

// load returns the cached result if the file is whole, was written for
// this key, and every stamp in it is what stat says now; else nil.
func (c *discoveryCache) load() *Workspace {
	if c == nil {
		return nil
	}
	data, fi, err := readRegular(c.path, 64<<20)
	if err != nil || !privateFile(fi) {
		// Another user's file (a shared HOME or XDG_CACHE_HOME, a
		// `sudo fleetbake` that kept HOME) holds what that user could
		// see, or anything: its stamps prove nothing.
		return nil
	}
	// The lines are sub-slices of data, not copies: the result's line is
	// most of the file on a large tree.
	line := func() []byte {
		l, rest, ok := bytes.Cut(data, []byte("\n"))
		if !ok {
			data = nil
			return []byte("\x00") // no newline: truncated
		}
		data = rest
		return l
	}
	if string(line()) != cacheFormat || string(line()) != strconv.Quote(c.key) {
		return nil
	}
	wsJSON := line()
	n, err := strconv.Atoi(strings.TrimPrefix(string(line()), "stamps "))
	if err != nil || n < 0 || n > len(data) {
		return nil
	}
	stamps := make([]stamp, n)
	for i := range stamps {
		st, ok := parseStamp(string(line()))
		if !ok {
			return nil
		}
		stamps[i] = st
	}
	if string(line()) != "end" || len(data) != 0 {
		return nil
	}
	// The stats and the decoding overlap: both are most of what a cached
	// discovery costs (a few hundred stats of paths six folders deep).
	unchanged := make(chan bool, 1)
	go func() { unchanged <- stampsUnchanged(stamps) }()
	var cw cachedWorkspace
	err = json.Unmarshal(wsJSON, &cw)
	if !<-unchanged || err != nil {
		return nil
	}
	return cw.workspace()
}

// stampsUnchanged stats every path, split between a few goroutines, and
// reports whether each stamp is what stat says now. It stops at the first
// difference.
func stampsUnchanged(stamps []stamp) bool {
	workers := min(runtime.GOMAXPROCS(0), 4, (len(stamps)+63)/64)
	if workers <= 1 {
		for _, st := range stamps {
			if statStamp(st.Path) != st {
				return false
			}
		}
		return true
	}
	var changed atomic.Bool
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(stamps) && !changed.Load(); i += workers {
				if statStamp(stamps[i].Path) != stamps[i] {
					changed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return !changed.Load()
}

func (cw *cachedWorkspace) workspace() *Workspace {
	w := &Workspace{Layers: cw.Layers, Release: cw.Release, CoreNames: cw.CoreNames, Generation: cw.Generation}
	if cw.Problems != nil {
		w.Problems = make([]error, len(cw.Problems))
		for i, p := range cw.Problems {
			w.Problems[i] = errors.New(p)
		}
	}
	return w
}

func toCached(w *Workspace) *cachedWorkspace {
	cw := &cachedWorkspace{Layers: w.Layers, Release: w.Release, CoreNames: w.CoreNames, Generation: w.Generation}
	if w.Problems != nil {
		cw.Problems = make([]string, len(w.Problems))
		for i, p := range w.Problems {
			cw.Problems[i] = p.Error()
		}
	}
	return cw
}

// save writes the result of a walk, unless something it read changed too
// close to the walk's start (racyWindow, stampSet.add), lies on a network
// file system (stampSet.onNetworkFS) or the result does not
// survive the file (JSON replaces bytes that are not UTF-8). It writes a
// temporary file and renames it, so a reader sees the old file or the new
// one; no fsync: a file lost in a crash only costs one walk.
func (c *discoveryCache) save(w *Workspace, s *stampSet) {
	if c == nil || s == nil || s.racy || s.onNetworkFS() {
		return
	}
	cw := toCached(w)
	wsJSON, err := json.Marshal(cw)
	if err != nil {
		return
	}
	var back cachedWorkspace
	if json.Unmarshal(wsJSON, &back) != nil || !reflect.DeepEqual(&back, cw) {
		return
	}
	var b bytes.Buffer
	b.WriteString(cacheFormat + "\n" + strconv.Quote(c.key) + "\n")
	b.Write(wsJSON)
	fmt.Fprintf(&b, "\nstamps %d\n", len(s.list))
	for _, st := range s.list {
		b.WriteString(formatStamp(st))
	}
	b.WriteString("end\n")
	dir := filepath.Dir(c.path)
	if os.MkdirAll(dir, 0o700) != nil {
		return
	}
	f, err := os.CreateTemp(dir, ".discovery-*.tmp") // mode 0600
	if err != nil {
		return
	}
	_, werr := f.Write(b.Bytes())
	cerr := f.Close()
	if werr != nil || cerr != nil || os.Rename(f.Name(), c.path) != nil {
		os.Remove(f.Name())
		return
	}
	pruneCache(dir)
}

// onNetworkFS reports whether a path read is on a network file system
// (onNetworkFS): the stats of the cache's check could miss a change there.
// One statfs per device.
func (s *stampSet) onNetworkFS() bool {
	seen := map[uint64]bool{}
	for _, st := range s.list {
		if st.Errno == 0 && !seen[st.Dev] {
			seen[st.Dev] = true
			if onNetworkFS(st.Path) {
				return true
			}
		}
	}
	return false
}

// formatStamp is one stamp as a line of the cache file: the numbers, then
// the path quoted (a file name may hold spaces or newlines).
func formatStamp(st stamp) string {
	return fmt.Sprintf("%d %d %d %d %d %d %d %s\n", st.Dev, st.Ino, st.Size, st.Mtime, st.Ctime, st.Mode, st.Errno, strconv.Quote(st.Path))
}

// parseStamp reads one line written by formatStamp, without its newline.
func parseStamp(l string) (stamp, bool) {
	var st stamp
	var nums [7]int64
	for i := range nums {
		field, rest, ok := strings.Cut(l, " ")
		if !ok {
			return st, false
		}
		v, err := strconv.ParseInt(field, 10, 64)
		if err != nil {
			// Dev and Ino are unsigned and may not fit an int64.
			u, uerr := strconv.ParseUint(field, 10, 64)
			if uerr != nil {
				return st, false
			}
			v = int64(u)
		}
		nums[i], l = v, rest
	}
	p, err := strconv.Unquote(l)
	if err != nil {
		return st, false
	}
	st = stamp{Path: p, Dev: uint64(nums[0]), Ino: uint64(nums[1]), Size: nums[2], Mtime: nums[3], Ctime: nums[4], Mode: uint32(nums[5]), Errno: uint32(nums[6])}
	return st, true
}

// pruneCache removes the oldest discovery cache files past maxCacheFiles,
// and temporary files a killed fleetbake left more than an hour ago.
func pruneCache(dir string) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type file struct {
		name string
		mod  time.Time
	}
	var files []file
	for _, e := range es {
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		switch {
		case strings.HasPrefix(e.Name(), ".discovery-") && time.Since(fi.ModTime()) > time.Hour:
			os.Remove(filepath.Join(dir, e.Name()))
		case strings.HasPrefix(e.Name(), "discovery-"):
			files = append(files, file{e.Name(), fi.ModTime()})
		}
	}
	if len(files) <= maxCacheFiles {
		return
	}
	sort.Slice(files, func(i, j int) bool { return files[i].mod.After(files[j].mod) })
	for _, f := range files[maxCacheFiles:] {
		os.Remove(filepath.Join(dir, f.name))
	}
}
