package engine

import "encoding/binary"

// nameCache gives recipe and task names as strings without making one per
// line: a PN or a task name ("do_compile") comes back on thousands of
// lines. A direct-mapped table, not a map: a lookup is one hash of at most
// 16 bytes and one compare (a map lookup cost 3x as much on the 1 GB bench
// log); a collision only costs a string.
type nameCache [1024]string

// name returns b as a string, the same string for the same bytes while it
// stays in the table.
func (p *Parser) name(b []byte) string {
	slot := &p.names[nameHash(b)%uint64(len(p.names))]
	if *slot == string(b) { // no allocation for the compare
		return *slot
	}
	*slot = string(b)
	return *slot
}

// nameHash mixes the length and the first and last 8 bytes (names differ
// at their start, "busybox", or their end, "-native", "do_compile").
func nameHash(b []byte) uint64 {
	x := uint64(len(b)) * 0x9E3779B97F4A7C15
	if len(b) >= 8 {
		x ^= binary.LittleEndian.Uint64(b) * 0xC2B2AE3D27D4EB4F
		x ^= binary.LittleEndian.Uint64(b[len(b)-8:]) * 0x165667B19E3779F9
	} else {
		for _, c := range b {
			x = (x ^ uint64(c)) * 0x100000001B3
		}
	}
	return x ^ x>>31
}
