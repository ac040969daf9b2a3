package model

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fleetbake/internal/asuser"
	"fleetbake/internal/layertree"
)

// cacheTree writes the standard tree plus what the cache must see through
// (a symlinked layer, a malformed layer.conf, a recipes-* folder without
// images/), points the user cache folder at a fresh temp dir, and waits
// past racyWindow so that the first discovery is cached.
func cacheTree(t *testing.T) (root, cacheDir string) {
	t.Helper()
	root = t.TempDir()
	spec := layertree.Standard("scarthgap", true)
	spec.Layers = append(spec.Layers, layertree.Layer{Dir: "meta-broken", Conf: "BBFILE_COLLECTIONS += \"broken\nLAYERSERIES_COMPAT_broken = \"scarthgap\"\n"})
	spec.Files = map[string]string{"poky/meta/recipes-kernel/linux/linux-yocto.bb": "SUMMARY = \"kernel\"\n"}
	layertree.Write(t, root, spec)
	shared := t.TempDir()
	layertree.Write(t, shared, layertree.Spec{Layers: []layertree.Layer{{Dir: "meta-vendor", Collection: "vendor", Compat: []string{"scarthgap"},
		Machines: map[string]string{"vendor-board": "Vendor board"}}}})
	if err := os.Symlink(filepath.Join(shared, "meta-vendor"), filepath.Join(root, "meta-vendor")); err != nil {
		t.Fatal(err)
	}
	cacheDir = t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cacheDir)
	t.Setenv("FLEETBAKE_NO_CACHE", "")
	time.Sleep(racyWindow + 50*time.Millisecond)
	return root, cacheDir
}

// discoverCounting runs Discover and reports whether it walked the tree
// (false: the result came from the cache).
func discoverCounting(t *testing.T, roots ...string) (*Workspace, bool) {
	t.Helper()
	before := discoverWalks.Load()
	w, err := Discover(roots...)
	if err != nil {
		t.Fatal(err)
	}
	return w, discoverWalks.Load() != before
}

// sameAsUncached fails unless w equals a discovery without the cache,
// field by field (problems compared by their text, all a caller uses).
func sameAsUncached(t *testing.T, w *Workspace, roots ...string) {
	t.Helper()
	want, err := discover(roots, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, exp := asJSON(t, w), asJSON(t, want); got != exp {
		t.Fatalf("cached result differs from an uncached discovery:\n got %s\nwant %s", got, exp)
	}
}

func asJSON(t *testing.T, w *Workspace) string {
	t.Helper()
	b, err := json.Marshal(struct {
		Roots []string
		*cachedWorkspace
	}{w.Roots, toCached(w)})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func cacheFiles(t *testing.T, cacheDir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(cacheDir, "fleetbake", "discovery-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// walksEveryTime: two discoveries of root both walk it, give what an
// uncached discovery gives, and leave no cache file in cacheDir; why says
// what keeps the cache out.
func walksEveryTime(t *testing.T, root, cacheDir, why string) {
	t.Helper()
	for range 2 {
		w, walked := discoverCounting(t, root)
		if !walked {
			t.Fatalf("%s, yet no walk", why)
		}
		sameAsUncached(t, w, root)
	}
	if f := cacheFiles(t, cacheDir); len(f) != 0 {
		t.Fatalf("%s, yet cached: %v", why, f)
	}
}

// theCacheFile returns the one cache file in cacheDir and its bytes.
func theCacheFile(t *testing.T, cacheDir string) (string, []byte) {
	t.Helper()
	files := cacheFiles(t, cacheDir)
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return files[0], data
}

func TestDiscoveryCacheSecondRunReadsNothing(t *testing.T) {
	root, cacheDir := cacheTree(t)
	w1, walked := discoverCounting(t, root)
	if !walked {
		t.Fatal("first discovery did not walk")
	}
	if w1.Layer("vendor") == nil || w1.Layer("meta") == nil || len(w1.Problems) == 0 {
		t.Fatalf("the tree is not what the test needs: %v, problems %v", layerNames(w1), w1.Problems)
	}
	files := cacheFiles(t, cacheDir)
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	for path, want := range map[string]os.FileMode{filepath.Dir(files[0]): 0o700 | os.ModeDir, files[0]: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v (%v), want %v", path, fi.Mode(), err, want)
		}
	}
	w2, walked := discoverCounting(t, root)
	if walked {
		t.Fatal("second discovery of an unchanged tree walked it again")
	}
	sameAsUncached(t, w2, root)
	if asJSON(t, w1) != asJSON(t, w2) {
		t.Fatal("cached result differs from the first")
	}
	// Callers may change what they get: each call has its own layers.
	w2.Layers[0].Name = "changed"
	if w3, _ := discoverCounting(t, root); w3.Layers[0].Name == "changed" {
		t.Fatal("a cached result shares its layers with an earlier caller")
	}
}

// Each change must make the next discovery walk again and give what an
// uncached discovery gives.
func TestDiscoveryCacheSeesEveryChange(t *testing.T) {
	write := func(t *testing.T, path, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// sameSizeEdit rewrites path with old replaced by new (same length),
	// then puts the old mtime back, as `touch -d` would.
	sameSizeEdit := func(t *testing.T, path, old, new string) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(path)
		if len(old) != len(new) || !strings.Contains(string(data), old) {
			t.Fatalf("%s: cannot replace %q by %q", path, old, new)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
			t.Fatal(err)
		}
		if now, _ := os.Stat(path); now.Size() != fi.Size() || !now.ModTime().Equal(fi.ModTime()) {
			t.Fatalf("%s: size or mtime not restored", path)
		}
	}
	cases := []struct {
		name   string
		change func(t *testing.T, root string)
		check  func(w *Workspace) bool // true when the change shows
	}{
		{"add a layer", func(t *testing.T, root string) {
			write(t, filepath.Join(root, "meta-new", "conf", "layer.conf"), "BBFILE_COLLECTIONS += \"new\"\nLAYERSERIES_COMPAT_new = \"scarthgap\"\n")
		}, func(w *Workspace) bool { return w.Layer("new") != nil }},
		{"remove a layer", func(t *testing.T, root string) {
			if err := os.RemoveAll(filepath.Join(root, "meta-openembedded", "meta-python")); err != nil {
				t.Fatal(err)
			}
		}, func(w *Workspace) bool { return w.Layer("meta-python") == nil }},
		{"add a machine", func(t *testing.T, root string) {
			write(t, filepath.Join(root, "poky", "meta", "conf", "machine", "qemuriscv64.conf"), "#@DESCRIPTION: RISC-V\n")
		}, func(w *Workspace) bool { return hasMachine(w, "qemuriscv64") }},
		{"remove a machine", func(t *testing.T, root string) {
			if err := os.Remove(filepath.Join(root, "poky", "meta", "conf", "machine", "qemuarm64.conf")); err != nil {
				t.Fatal(err)
			}
		}, func(w *Workspace) bool { return !hasMachine(w, "qemuarm64") }},
		{"add an image recipe", func(t *testing.T, root string) {
			write(t, filepath.Join(root, "poky", "meta", "recipes-core", "images", "core-image-full-cmdline.bb"), "inherit core-image\n")
		}, func(w *Workspace) bool { return contains(w.Layer("core").Images, "core-image-full-cmdline") }},
		{"add an images folder where there was none", func(t *testing.T, root string) {
			write(t, filepath.Join(root, "poky", "meta", "recipes-kernel", "images", "kernel-image.bb"), "inherit image\n")
		}, func(w *Workspace) bool { return contains(w.Layer("core").Images, "kernel-image") }},
		{"remove an image recipe", func(t *testing.T, root string) {
			if err := os.Remove(filepath.Join(root, "poky", "meta", "recipes-core", "images", "core-image-base.bb")); err != nil {
				t.Fatal(err)
			}
		}, func(w *Workspace) bool { return !contains(w.Layer("core").Images, "core-image-base") }},
		{"edit a layer.conf, same size and mtime", func(t *testing.T, root string) {
			sameSizeEdit(t, filepath.Join(root, "meta-openembedded", "meta-python", "conf", "layer.conf"), `BBFILE_PRIORITY_meta-python = "5"`, `BBFILE_PRIORITY_meta-python = "7"`)
		}, func(w *Workspace) bool { return w.Layer("meta-python").Priority == 7 }},
		{"edit a machine header, same size and mtime", func(t *testing.T, root string) {
			sameSizeEdit(t, filepath.Join(root, "poky", "meta", "conf", "machine", "qemuarm64.conf"), "ARMv8", "ARMv9")
		}, func(w *Workspace) bool {
			return machineDesc(w, "qemuarm64") == "Machine configuration for running an ARMv9 system on QEMU"
		}},
		{"edit a layer.conf through a symlinked layer", func(t *testing.T, root string) {
			real, err := filepath.EvalSymlinks(filepath.Join(root, "meta-vendor"))
			if err != nil {
				t.Fatal(err)
			}
			sameSizeEdit(t, filepath.Join(real, "conf", "layer.conf"), `BBFILE_PRIORITY_vendor = "5"`, `BBFILE_PRIORITY_vendor = "8"`)
		}, func(w *Workspace) bool { return w.Layer("vendor").Priority == 8 }},
		{"point a symlinked layer elsewhere", func(t *testing.T, root string) {
			other := t.TempDir()
			layertree.Write(t, other, layertree.Spec{Layers: []layertree.Layer{{Dir: "meta-other", Collection: "other", Compat: []string{"scarthgap"}}}})
			link := filepath.Join(root, "meta-vendor")
			if err := os.Remove(link); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(other, "meta-other"), link); err != nil {
				t.Fatal(err)
			}
		}, func(w *Workspace) bool { return w.Layer("other") != nil && w.Layer("vendor") == nil }},
		{"meta-aws loses its fleet provisioning plugin", func(t *testing.T, root string) {
			if err := os.Remove(filepath.Join(root, "meta-aws", "recipes-iot", "aws-iot-greengrass", "greengrass-plugin-fleetprovisioning_1.2.2.bb")); err != nil {
				t.Fatal(err)
			}
		}, func(w *Workspace) bool { return w.Generation == GenerationOld }},
		{"a build folder appears", func(t *testing.T, root string) {
			write(t, filepath.Join(root, "meta-aws", "conf", "local.conf"), "MACHINE = \"qemux86-64\"\n")
		}, func(w *Workspace) bool { return w.Layer("meta-aws") == nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root, _ := cacheTree(t)
			w, _ := discoverCounting(t, root)
			if tc.check(w) {
				t.Fatal("the change shows before it is made: the case tests nothing")
			}
			if _, walked := discoverCounting(t, root); walked {
				t.Fatal("not cached before the change")
			}
			tc.change(t, root)
			w, walked := discoverCounting(t, root)
			if !walked {
				t.Fatal("discovery after the change took the cache")
			}
			if !tc.check(w) {
				t.Fatalf("the change does not show: %s", asJSON(t, w))
			}
			sameAsUncached(t, w, root)
		})
	}
}

func hasMachine(w *Workspace, name string) bool { return machineDesc(w, name) != "" }

func machineDesc(w *Workspace, name string) string {
	for _, l := range w.Layers {
		for _, m := range l.Machines {
			if m.Name == name {
				return m.Description
			}
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// A damaged, cut or older cache file is ignored and rewritten.
func TestDiscoveryCacheBadFileIsRewritten(t *testing.T) {
	for _, tc := range []struct {
		name    string
		corrupt func(data []byte) []byte
	}{
		{"garbage", func([]byte) []byte { return []byte("\x00\x01not a cache\n") }},
		{"empty", func([]byte) []byte { return nil }},
		{"truncated in the stamps", func(d []byte) []byte { return d[:len(d)-len(d)/4] }},
		{"truncated in the result", func(d []byte) []byte { return d[:strings.Index(string(d), `"Layers"`)+20] }},
		{"without its end line", func(d []byte) []byte { return d[:len(d)-len("end\n")] }},
		{"older format", func(d []byte) []byte {
			return []byte(strings.Replace(string(d), cacheFormat, "fleetbake discovery cache 0", 1))
		}},
		{"a stamp changed", func(d []byte) []byte {
			lines := strings.Split(string(d), "\n")
			f := strings.Fields(lines[5])
			f[2] = "1" + f[2] // the size of the first path read
			lines[5] = strings.Join(f, " ")
			return []byte(strings.Join(lines, "\n"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, cacheDir := cacheTree(t)
			discoverCounting(t, root)
			file, data := theCacheFile(t, cacheDir)
			if err := os.WriteFile(file, tc.corrupt(data), 0o600); err != nil {
				t.Fatal(err)
			}
			w, walked := discoverCounting(t, root)
			if !walked {
				t.Fatal("a bad cache file was taken")
			}
			sameAsUncached(t, w, root)
			if _, walked := discoverCounting(t, root); walked {
				t.Fatal("the bad cache file was not rewritten")
			}
		})
	}
}

// A cache file written for other roots is never taken, even under this
// root's file name.
func TestDiscoveryCacheOfAnotherRootIsIgnored(t *testing.T) {
	rootA, cacheDir := cacheTree(t)
	rootB := t.TempDir()
	layertree.Write(t, rootB, layertree.Spec{Layers: layertree.Poky("kirkstone")})
	time.Sleep(racyWindow + 50*time.Millisecond)
	discoverCounting(t, rootA)
	a := cacheFiles(t, cacheDir)
	discoverCounting(t, rootB)
	both := cacheFiles(t, cacheDir)
	if len(a) != 1 || len(both) != 2 {
		t.Fatalf("cache files %v then %v", a, both)
	}
	bFile := both[0]
	if bFile == a[0] {
		bFile = both[1]
	}
	data, err := os.ReadFile(a[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	w, walked := discoverCounting(t, rootB)
	if !walked || w.Release != "kirkstone" || w.Layer("meta-aws") != nil {
		t.Fatalf("walked %v, release %q, layers %v: took root A's cache for root B", walked, w.Release, layerNames(w))
	}
	sameAsUncached(t, w, rootB)
}

// Without a writable cache folder discovery works as without a cache.
func TestDiscoveryCacheUnwritableFolder(t *testing.T) {
	root, cacheDir := cacheTree(t)
	// A file where the cache folder would go: no MkdirAll, even for root.
	blocker := filepath.Join(cacheDir, "blocked")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CACHE_HOME", blocker)
	walksEveryTime(t, root, cacheDir, "no cache folder")
}

// A read-only cache folder (an ordinary user's: root writes anywhere):
// discovery works as without a cache, every time, and writes nothing.
func TestDiscoveryCacheReadOnlyFolder(t *testing.T) {
	if asuser.Run(t) {
		return
	}
	root, cacheDir := cacheTree(t)
	ro := filepath.Join(cacheDir, "fleetbake")
	if err := os.Mkdir(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(ro, 0o700) })
	walksEveryTime(t, root, cacheDir, "read-only cache folder")
}

func TestDiscoveryCacheOff(t *testing.T) {
	root, cacheDir := cacheTree(t)
	t.Setenv("FLEETBAKE_NO_CACHE", "1")
	walksEveryTime(t, root, cacheDir, "FLEETBAKE_NO_CACHE=1")
}

// A tree changed just before the walk is not cached: a change in the same
// clock tick as the walk's stat could leave every stamp equal.
func TestDiscoveryCacheSkipsFreshChanges(t *testing.T) {
	root, cacheDir := cacheTree(t)
	if err := os.WriteFile(filepath.Join(root, "poky", "meta", "conf", "machine", "fresh.conf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	discoverCounting(t, root)
	if f := cacheFiles(t, cacheDir); len(f) != 0 {
		t.Fatalf("a result read within racyWindow of a change was cached: %v", f)
	}
	if _, walked := discoverCounting(t, root); !walked {
		t.Fatal("no walk, yet nothing was cached")
	}
}

// JSON would turn bytes that are not UTF-8 into U+FFFD: such a result is
// not cached, so what Discover returns stays what is on disk.
func TestDiscoveryCacheKeepsNonUTF8Exact(t *testing.T) {
	root, cacheDir := cacheTree(t)
	if err := os.WriteFile(filepath.Join(root, "poky", "meta", "conf", "machine", "latin1.conf"), []byte("#@DESCRIPTION: Carte \xe9lectronique\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(racyWindow + 50*time.Millisecond)
	for range 2 {
		w, walked := discoverCounting(t, root)
		if !walked || machineDesc(w, "latin1") != "Carte \xe9lectronique" {
			t.Fatalf("walked %v, description %q", walked, machineDesc(w, "latin1"))
		}
	}
	if f := cacheFiles(t, cacheDir); len(f) != 0 {
		t.Fatalf("cached a result JSON cannot keep: %v", f)
	}
}

func TestParseStampRoundTrip(t *testing.T) {
	st := stamp{Path: "/a b/\"q\"\n", Dev: 1<<64 - 1, Ino: 1 << 63, Size: 12, Mtime: -5, Ctime: 1796171426551400643, Mode: 0o40755, Errno: 2}
	got, ok := parseStamp(strings.TrimSuffix(formatStamp(st), "\n"))
	if !ok || !reflect.DeepEqual(got, st) {
		t.Fatalf("got %+v %v, want %+v", got, ok, st)
	}
	for _, bad := range []string{"", "1 2 3", "1 2 3 4 5 6 7 notquoted", "x 2 3 4 5 6 7 \"p\""} {
		if _, ok := parseStamp(bad); ok {
			t.Errorf("parseStamp(%q) accepted", bad)
		}
	}
}

// The check is split between goroutines past 64 stamps: a change in any
// one of them, the last included, must show.
func TestStampsUnchangedSeesAnyPath(t *testing.T) {
	dir := t.TempDir()
	var stamps []stamp
	for i := range 300 {
		p := filepath.Join(dir, strconv.Itoa(i))
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		stamps = append(stamps, statStamp(p))
	}
	stamps = append(stamps, statStamp(filepath.Join(dir, "absent")))
	if !stampsUnchanged(stamps) {
		t.Fatal("unchanged files reported changed")
	}
	for _, i := range []int{0, 150, 299} {
		changed := slices.Clone(stamps)
		changed[i].Size++
		if stampsUnchanged(changed) {
			t.Errorf("a change of stamp %d of %d not seen", i, len(stamps))
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "absent"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if stampsUnchanged(stamps) {
		t.Error("a file that appeared where none was not seen")
	}
}

// A stamp within racyWindow of the walk's start keeps the result out of
// the cache; one of whole seconds (a file system without nanoseconds)
// within coarseRacyWindow too.
func TestStampSetRacy(t *testing.T) {
	start := time.Unix(1_800_000_000, 500_000_000)
	at := func(d time.Duration) int64 { return start.Add(d).UnixNano() }
	for _, tc := range []struct {
		name string
		st   stamp
		racy bool
	}{
		{"fine, old", stamp{Mtime: at(-time.Second) + 7, Ctime: at(-time.Second) + 7}, false},
		{"fine, within racyWindow", stamp{Mtime: at(-time.Hour), Ctime: at(-racyWindow / 2)}, true},
		{"fine, after start", stamp{Mtime: at(time.Millisecond), Ctime: at(time.Millisecond)}, true},
		{"whole seconds, 1 s old", stamp{Mtime: 1_799_999_999 * 1e9, Ctime: 1_799_999_999 * 1e9}, true},
		{"whole seconds, 3 s old", stamp{Mtime: 1_799_999_997 * 1e9, Ctime: 1_799_999_997 * 1e9}, false},
		// vfat: a 2-second mtime, the ctime (its creation time) finer
		// and old: an edit in the same 2 s may leave both as they were.
		{"whole-second mtime, finer old ctime", stamp{Mtime: 1_799_999_999 * 1e9, Ctime: at(-time.Hour) + 7}, true},
		{"whole-second ctime, finer old mtime", stamp{Mtime: at(-time.Hour) + 7, Ctime: 1_799_999_999 * 1e9}, true},
		{"absent", stamp{Errno: 2}, false},
	} {
		s := newStampSet(start)
		s.add(tc.st)
		if s.racy != tc.racy {
			t.Errorf("%s: racy %v, want %v", tc.name, s.racy, tc.racy)
		}
	}
}

// A cache file another user could have written (theirs, in a shared HOME or
// XDG_CACHE_HOME, or one writable by others) is never taken: its result
// may be what that user's permissions let them see, or made up, and its
// stamps prove nothing (a file with no stamps passes every check).
func TestDiscoveryCacheOfAnotherUserIsIgnored(t *testing.T) {
	for _, tc := range []struct {
		name  string
		alter func(t *testing.T, path string)
	}{
		{"owned by another user", func(t *testing.T, path string) {
			if os.Geteuid() != 0 {
				t.Skip("giving a file to another user needs root")
			}
			if err := os.Chown(path, asuser.Nobody, asuser.Nobody); err != nil {
				t.Fatal(err)
			}
		}},
		{"writable by others", func(t *testing.T, path string) {
			if err := os.Chmod(path, 0o666); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, cacheDir := cacheTree(t)
			discoverCounting(t, root)
			file, data := theCacheFile(t, cacheDir)
			// Another result under the same key and stamps, and no
			// stamps at all.
			lines := strings.Split(string(data), "\n")
			lines[2] = strings.Replace(lines[2], `"Release":"scarthgap"`, `"Release":"kirkstone"`, 1)
			forged := strings.Join(lines[:3], "\n") + "\nstamps 0\nend\n"
			if err := os.WriteFile(file, []byte(forged), 0o600); err != nil {
				t.Fatal(err)
			}
			tc.alter(t, file)
			w, walked := discoverCounting(t, root)
			if !walked || w.Release != "scarthgap" {
				t.Fatalf("walked %v, release %q: took a cache file others could write", walked, w.Release)
			}
			sameAsUncached(t, w, root)
		})
	}
}
