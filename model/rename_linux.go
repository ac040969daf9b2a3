//go:build linux

package model

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// ExchangeFiles swaps the files at a and b in one step (renameat2 with
// RENAME_EXCHANGE, Linux 3.15; see rename(2)). Unlike a rename over b, the
// file that was at b is not gone: it is now at a, so the caller can check
// whether someone replaced b since it last looked and put it back.
// errors.ErrUnsupported when the file system cannot (some network ones).
func ExchangeFiles(a, b string) error {
	if noRenameat2() {
		return errors.ErrUnsupported
	}
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if unsupported(err) {
		return errors.ErrUnsupported
	}
	return err
}

// RenameNoReplace renames a to b unless b exists (RENAME_NOREPLACE): a file
// someone created at b in the meantime is not overwritten (fs.ErrExist).
func RenameNoReplace(a, b string) error {
	if noRenameat2() {
		return errors.ErrUnsupported
	}
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_NOREPLACE)
	if unsupported(err) {
		return errors.ErrUnsupported
	}
	return err
}

// unsupported: the kernel or file system has no renameat2 flags (EINVAL,
// ENOSYS, EOPNOTSUPP; some overlayfs setups answer EXDEV for a rename in
// one folder): callers fall back to a plain rename.
func unsupported(err error) bool {
	return errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EXDEV)
}

// noRenameat2: FLEETBAKE_NO_RENAMEAT2=1 forces the plain-rename fallback
// (a file system that misbehaves; the tests of the fallback).
func noRenameat2() bool { return os.Getenv("FLEETBAKE_NO_RENAMEAT2") != "" }

// sumAttr is the extended attribute holding the SHA-256 a file fleetbake
// made should have (the conf backups), so a later write into it is seen.
const sumAttr = "user.fleetbake.sha256"

// SetSum records sum on path; false when the file system has no user
// extended attributes (the check is then skipped).
func SetSum(path, sum string) bool {
	return unix.Setxattr(path, sumAttr, []byte(sum), 0) == nil
}

// Sum returns the sum SetSum recorded on path, "" when there is none.
func Sum(path string) string {
	buf := make([]byte, 128)
	n, err := unix.Getxattr(path, sumAttr, buf)
	if err != nil || n <= 0 {
		return ""
	}
	return string(buf[:n])
}
