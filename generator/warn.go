package generator

import (
	"fmt"
	"slices"
	"strings"
)

// additive overrides change a value rather than replace it.
func isAdditive(o string) bool { return o == "append" || o == "prepend" || o == "remove" }

// outsideWarnings finds the engineer's own assignments, outside fleetbake's
// block, that override or change a value the block sets. fleetbake never
// edits those lines; it says which line does what so the engineer can decide.
//
// BitBake's rules decide what counts: a plain or += assignment after the
// block replaces or extends the block's; one before it is replaced by the
// block (harmless); :append/:prepend/:remove apply at the end wherever they
// are; a conditional override (MACHINE:foo) wins whenever it is active.
func outsideWarnings(rel string, content []byte, r region, block string) []string {
	ours, err := ReadConf([]byte(block))
	if err != nil {
		return nil // cannot happen for a block we rendered; no warnings rather than wrong ones
	}
	ourKeys := map[string]string{}  // full key -> value
	ourPlain := map[string]string{} // base name set without overrides -> value
	ourAppends := map[string]bool{} // base names we :append to
	for _, a := range ours.Assignments {
		ourKeys[a.Var] = a.Value
		ov := a.Overrides()
		if len(ov) == 0 {
			ourPlain[a.Name()] = a.Value
		}
		if slices.Contains(ov, "append") {
			ourAppends[a.Name()] = true
		}
	}
	before, after, afterLine := outside(content, r)
	var warns []string
	check := func(a Assignment, isAfter bool) {
		if a.Flag != "" {
			return
		}
		ov := a.Overrides()
		line := fmt.Sprintf("%s:%d: %s %s \"%s\"", rel, a.Line, a.Var, a.Op, a.Value)
		switch {
		case isAfter && hasKey(ourKeys, a.Var) && a.Op != "?=" && a.Op != "??=" && !slices.ContainsFunc(ov, isAdditive):
			verb := "overrides"
			if a.Op != "=" && a.Op != ":=" {
				verb = "changes"
			}
			warns = append(warns, fmt.Sprintf("%s after fleetbake's block %s its %s = \"%s\"; remove the line, move it above the block, or set the value in fleetbake.toml", line, verb, a.Var, ourKeys[a.Var]))
		case len(ov) > 0 && hasKey(ourPlain, a.Name()) && slices.ContainsFunc(ov, isAdditive):
			warns = append(warns, fmt.Sprintf("%s changes fleetbake's %s = \"%s\" (:%s applies wherever the line is); remove it or set the value in fleetbake.toml", line, a.Name(), ourPlain[a.Name()], strings.Join(ov, ":")))
		case len(ov) > 0 && hasKey(ourPlain, a.Name()) && !hasKey(ourKeys, a.Var):
			warns = append(warns, fmt.Sprintf("%s overrides fleetbake's %s = \"%s\" whenever the override %q is active; remove it if that is not meant", line, a.Name(), ourPlain[a.Name()], strings.Join(ov, ":")))
		case slices.Contains(ov, "remove") && ourAppends[a.Name()]:
			warns = append(warns, fmt.Sprintf("%s may remove what fleetbake appends to %s; check it", line, a.Name()))
		}
	}
	for _, a := range readConfLenient(before, 0).Assignments {
		check(a, false)
	}
	if after != "" {
		for _, a := range readConfLenient(after, afterLine-1).Assignments {
			check(a, true)
		}
	}
	return warns
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}
