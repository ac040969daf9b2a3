//go:build !linux

package model

import "errors"

// ExchangeFiles needs renameat2, which only Linux has: callers fall back to
// a check and a rename.
func ExchangeFiles(a, b string) error { return errors.ErrUnsupported }

// RenameNoReplace needs renameat2, which only Linux has.
func RenameNoReplace(a, b string) error { return errors.ErrUnsupported }

// SetSum needs Linux extended attributes: without them nothing is recorded.
func SetSum(path, sum string) bool { return false }

// Sum returns "" without Linux extended attributes.
func Sum(path string) string { return "" }
