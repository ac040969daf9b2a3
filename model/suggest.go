package model

import (
	"sort"
	"strings"
)

// Closest returns up to n of candidates nearest to name by edit distance
// (case-insensitive), nearest first, leaving out those too far to be a typo
// of it: at most a third of the longer name's length, and at least 2 edits
// allowed for short names. Used for "did you mean" in every refusal of a
// name (settings, MACHINE, release).
func Closest(name string, candidates []string, n int) []string {
	type scored struct {
		s string
		d int
	}
	var out []scored
	seen := map[string]bool{}
	lname := strings.ToLower(name)
	for _, c := range candidates {
		if seen[c] || c == name {
			continue
		}
		seen[c] = true
		lc := strings.ToLower(c)
		d := editDistance(lname, lc)
		limit := max(2, max(len(lname), len(lc))/3)
		// A name that is a prefix of the other (imx8 for imx8mp-evk) is a
		// likely meaning even when far in edits.
		if d <= limit || (len(lname) >= 3 && strings.HasPrefix(lc, lname)) {
			out = append(out, scored{c, d})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].d != out[j].d {
			return out[i].d < out[j].d
		}
		return out[i].s < out[j].s
	})
	var names []string
	for i := 0; i < len(out) && i < n; i++ {
		names = append(names, out[i].s)
	}
	return names
}

// didYouMean is "; did you mean a or b?" for the closest candidates, or "".
func didYouMean(name string, candidates []string) string {
	return meanList(Closest(name, candidates, 3))
}

// meanList is "; did you mean a, b or c?" for the names given, or "".
func meanList(c []string) string {
	switch len(c) {
	case 0:
		return ""
	case 1:
		return "; did you mean " + c[0] + "?"
	}
	return "; did you mean " + strings.Join(c[:len(c)-1], ", ") + " or " + c[len(c)-1] + "?"
}

// editDistance is the Levenshtein distance between a and b, in bytes (the
// names compared are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
