package app

import (
	"regexp"
	"sync"
)

// lazyRegexp returns a function that compiles expr on its first call and
// hands back the same *regexp.Regexp after that, so a command that never
// uses a pattern does not compile it at start-up (issue 12: package
// initialisers were ~47% of the CPU of `fleetbake version`). Safe for
// concurrent use (sync.OnceValue).
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
