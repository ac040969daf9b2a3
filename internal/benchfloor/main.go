// Command benchfloor is the floor `fleetbake generate` is measured against
// (bench/generate.sh): the least a program must do to put two conf files in
// place durably. For each file it writes a temporary file in the target
// folder, fsyncs and closes it and renames it over the target; then it
// fsyncs the folder, so the renames survive a crash. Nothing else: no
// project to read, no layers to find, no comparison with what is there.
//
//	benchfloor DIR NAME=CONTENT_FILE...
//
// The content is read from CONTENT_FILE (small files, read in one call each)
// and written to DIR/NAME.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: benchfloor DIR NAME=CONTENT_FILE...")
		os.Exit(2)
	}
	dir := os.Args[1]
	for _, arg := range os.Args[2:] {
		name, src, ok := strings.Cut(arg, "=")
		if !ok {
			fail(fmt.Errorf("%q: want NAME=CONTENT_FILE", arg))
		}
		data, err := os.ReadFile(src)
		if err != nil {
			fail(err)
		}
		if err := put(filepath.Join(dir, name), data); err != nil {
			fail(err)
		}
	}
	d, err := os.Open(dir)
	if err != nil {
		fail(err)
	}
	if err := d.Sync(); err != nil {
		fail(err)
	}
	d.Close()
}

// put writes data to a temporary file beside path, syncs it and renames it
// over path.
func put(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchfloor:", err)
	os.Exit(1)
}
