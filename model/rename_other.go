//go:build !linux

package model

import "errors"

// ExchangeFiles needs renameat2, which only Linux has: callers fall back to
// a check and a rename.
func ExchangeFiles(a, b string) error { return errors.ErrUnsupported }

// RenameNoReplace needs renameat2, which only Linux has.
func RenameNoReplace(a, b string) error { return errors.ErrUnsupported }
