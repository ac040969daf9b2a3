package model

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// BurntSushi/toml decodes and encodes but cannot edit a file: a save through
// Encode drops the engineer's comments, order and blank lines. The other
// TOML library listed in /work/.library/env/packages/go-partial.tsv,
// pelletier/go-toml/v2, keeps comments only in its unstable parser, which
// has no writer to put an edited document back. So this is a small
// line-level editor for what
// fleetbake.toml holds: top-level keys and the [shared], [greengrass] and
// [local_conf] tables, with scalar and array values. Only the value of a
// key that changed is replaced (its trailing comment kept), a key that
// became empty is removed, and a new key goes after the last key of its
// table. The result is parsed again and must decode to the project being
// saved; anything this editor does not understand is an error, and Save
// falls back to writing the whole file.

// setting names one key: its table ("" for the top level) and its name.
type setting struct{ table, key string }

// flatten lists the settings of p as the TOML encoder writes them, in order.
func flatten(p *Project) (map[setting]any, []setting, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(p); err != nil {
		return nil, nil, err
	}
	var raw map[string]any
	md, err := toml.Decode(buf.String(), &raw)
	if err != nil {
		return nil, nil, err
	}
	vals := map[setting]any{}
	var order []setting
	for _, k := range md.Keys() {
		switch len(k) {
		case 1:
			if _, isTable := raw[k[0]].(map[string]any); isTable {
				continue
			}
			s := setting{"", k[0]}
			vals[s], order = raw[k[0]], append(order, s)
		case 2:
			s := setting{k[0], k[1]}
			vals[s], order = raw[k[0]].(map[string]any)[k[1]], append(order, s)
		default:
			return nil, nil, fmt.Errorf("setting %s is nested deeper than the editor handles", k)
		}
	}
	return vals, order, nil
}

// entry is one key = value in the text: where its line starts, where its
// value is, and where its line (with its comment and newline) ends.
type entry struct {
	setting
	line, valStart, valEnd, lineEnd int
	dotted                          bool // a.b = v: not a place to add keys after
}

// header is one [table] line.
type header struct {
	table         string
	line, lineEnd int
}

// EditTOML returns text, a fleetbake.toml that decodes to old, changed so it
// decodes to updated, touching only the lines of the settings that differ.
func EditTOML(text []byte, old, updated *Project) ([]byte, error) {
	before, _, err := flatten(old)
	if err != nil {
		return nil, err
	}
	after, order, err := flatten(updated)
	if err != nil {
		return nil, err
	}
	entries, headers, err := scanTOML(text)
	if err != nil {
		return nil, err
	}
	nl := "\n"
	if bytes.Contains(text, []byte("\r\n")) {
		nl = "\r\n"
	}
	type splice struct {
		start, end int
		with       string
		seq        int // insertion order at the same offset
	}
	var edits []splice
	found := map[setting]bool{}
	for _, e := range entries {
		found[e.setting] = true
		nv, keep := after[e.setting]
		ov, had := before[e.setting]
		switch {
		case had && keep && reflect.DeepEqual(ov, nv):
		case keep:
			v, err := encodeValue(nv)
			if err != nil {
				return nil, err
			}
			edits = append(edits, splice{start: e.valStart, end: e.valEnd, with: v})
		case had:
			edits = append(edits, splice{start: e.line, end: e.lineEnd})
		}
	}
	// New settings, in the order the encoder writes them.
	var newTables []string
	added := map[string][]string{}
	for _, s := range order {
		if found[s] {
			continue
		}
		if ov, had := before[s]; had && reflect.DeepEqual(ov, after[s]) {
			continue // a default the file leaves out (format)
		}
		v, err := encodeValue(after[s])
		if err != nil {
			return nil, err
		}
		if _, ok := added[s.table]; !ok {
			newTables = append(newTables, s.table)
		}
		added[s.table] = append(added[s.table], encodeKey(s.key)+" = "+v)
	}
	for i, table := range newTables {
		lines := strings.Join(added[table], nl) + nl
		at, ok := insertPoint(text, entries, headers, table)
		switch {
		case ok && at == len(text) && len(text) > 0 && text[len(text)-1] != '\n':
			lines = nl + lines
		case !ok:
			at = len(text)
			lines = nl + "[" + encodeKey(table) + "]" + nl + lines
			if len(text) > 0 && text[len(text)-1] != '\n' {
				lines = nl + lines
			}
		}
		edits = append(edits, splice{start: at, end: at, with: lines, seq: i})
	}
	slices.SortStableFunc(edits, func(a, b splice) int {
		if a.start != b.start {
			return b.start - a.start
		}
		return b.seq - a.seq
	})
	out := slices.Clone(text)
	for _, e := range edits {
		out = slices.Concat(out[:e.start], []byte(e.with), out[e.end:])
	}
	check, err := Parse(out)
	if err != nil {
		return nil, fmt.Errorf("the edited file does not parse: %w", err)
	}
	got, _, err := flatten(check)
	if err != nil || !reflect.DeepEqual(got, after) {
		return nil, fmt.Errorf("the edited file does not decode to the project being saved")
	}
	return out, nil
}

// insertPoint is where a new key of table goes: after the table's last
// plain key, or after its header; for the top level, before the first
// table. ok is false when the table has no header.
func insertPoint(text []byte, entries []entry, headers []header, table string) (int, bool) {
	at := -1
	for _, e := range entries {
		if e.table == table && !e.dotted {
			at = e.lineEnd
		}
	}
	if at >= 0 {
		return at, true
	}
	if table == "" {
		if len(headers) > 0 {
			return headers[0].line, true
		}
		return len(text), true
	}
	for _, h := range headers {
		if h.table == table {
			return h.lineEnd, true
		}
	}
	return 0, false
}

// encodeValue writes v as the TOML encoder does.
func encodeValue(v any) (string, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(map[string]any{"k": v}); err != nil {
		return "", err
	}
	s, ok := strings.CutPrefix(strings.TrimRight(buf.String(), "\n"), "k = ")
	if !ok || strings.Contains(s, "\n") {
		return "", fmt.Errorf("cannot write %v on one line", v)
	}
	return s, nil
}

// encodeKey writes a key bare when it can be, quoted otherwise.
func encodeKey(k string) string {
	if k != "" && strings.Trim(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == "" {
		return k
	}
	v, _ := encodeValue(k)
	return v
}
