package model

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Size limits for files fleetbake reads but did not write. Real ones are a
// few KB; the limit only stops /dev/zero, a log renamed by mistake, or a
// huge file from growing memory without end.
const (
	MaxProjectFileSize = 1 << 20 // fleetbake.toml
	MaxConfFileSize    = 1 << 20 // layer.conf, machine and distro conf, recipes read for discovery
	// MaxEditedConfSize: conf/local.conf and bblayers.conf, which fleetbake
	// edits and whose content the engineer owns; generous, still bounded.
	MaxEditedConfSize = 16 << 20
)

// FileReadError is a file fleetbake will not read: not a regular file, or
// larger than the limit for its kind.
type FileReadError struct {
	Path    string
	Problem string
}

func (e *FileReadError) Error() string { return e.Path + ": " + e.Problem }

// ReadRegularFile reads path if it is a regular file of at most limit bytes
// (a symlink to one is fine). It opens with O_NONBLOCK, so a FIFO without a
// writer does not block the open (open(2): O_NONBLOCK on a FIFO opened for
// reading returns at once), then refuses anything that is not a regular
// file (FIFO, device such as /dev/zero, socket, folder) before reading, and
// reads at most limit+1 bytes. A missing file returns an error satisfying
// errors.Is(err, fs.ErrNotExist), as os.ReadFile does.
func ReadRegularFile(path string, limit int64) ([]byte, error) {
	data, _, err := readRegular(path, limit)
	return data, err
}

// readRegular is ReadRegularFile that also returns what fstat said of the
// file before it was read (nil when it could not be opened), for the
// discovery cache: a change after that stat shows in the next one.
func readRegular(path string, limit int64) ([]byte, fs.FileInfo, error) {
	f, fi, err := openRegular(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if fi.Size() > limit {
		return nil, fi, &FileReadError{Path: path, Problem: fmt.Sprintf("is %d bytes, more than the %d fleetbake reads for this kind of file; check that the path names the right file", fi.Size(), limit)}
	}
	// The size can change after Stat (a file still being written): read
	// one byte more than the limit to notice. The buffer is sized from
	// Stat, with room for bytes.Buffer's last read to see the end, so a
	// file is read into one allocation (discovery reads hundreds).
	buf := bytes.NewBuffer(make([]byte, 0, fi.Size()+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, fi, err
	}
	data := buf.Bytes()
	if int64(len(data)) > limit {
		return nil, fi, &FileReadError{Path: path, Problem: fmt.Sprintf("grew past the %d bytes fleetbake reads for this kind of file while it was read; check that the path names the right file", limit)}
	}
	return data, fi, nil
}

// OpenRegularFile opens path for reading as ReadRegularFile does (no
// blocking open, regular files only), for a caller that streams it.
func OpenRegularFile(path string) (*os.File, error) {
	f, _, err := openRegular(path)
	return f, err
}

func openRegular(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, &FileReadError{Path: path, Problem: fmt.Sprintf("is %s, not a regular file; fleetbake reads only regular files here (check the path)", fileKind(fi.Mode()))}
	}
	return f, fi, nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a folder"
	default:
		return "not a regular file (" + m.Type().String() + ")"
	}
}
