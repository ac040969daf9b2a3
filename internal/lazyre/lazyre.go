// Package lazyre compiles a regular expression on first use instead of at
// start-up: every fleetbake command pays for the package initialisers of
// every package linked in, and a pattern compiled in a package variable is
// paid for by commands that never use it (issue 12; GODEBUG=inittrace=1
// shows what each package's initialisers cost).
package lazyre

import (
	"regexp"
	"sync"
)

// MustCompile returns a function that compiles expr on its first call (and
// panics there if expr is invalid, as regexp.MustCompile does: each
// package tests that its patterns compile) and hands back the same
// *regexp.Regexp after that. Safe for concurrent use (sync.OnceValue).
func MustCompile(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
