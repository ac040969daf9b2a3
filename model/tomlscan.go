package model

import (
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// scanTOML finds every key = value and [table] line of text, as EditTOML
// needs them (see tomledit.go). It follows the TOML 1.0 grammar
// (https://toml.io/en/v1.0.0) for keys, strings, arrays and inline tables
// far enough to know where each value ends; the values themselves are
// checked when the edited text is parsed again. An array of tables
// ([[x]]) is refused: fleetbake.toml has none.
func scanTOML(text []byte) ([]entry, []header, error) {
	s := string(text)
	var entries []entry
	var headers []header
	table := ""
	for pos := 0; pos < len(s); {
		line := pos
		pos = skipSpace(s, pos)
		if pos >= len(s) {
			break
		}
		switch c := s[pos]; {
		case c == '\n' || c == '\r' || c == '#':
			pos = lineEnd(s, pos)
			continue
		case c == '[':
			if strings.HasPrefix(s[pos:], "[[") {
				return nil, nil, fmt.Errorf("line %d: arrays of tables are not something fleetbake.toml holds", lineNo(s, pos))
			}
			keys, end, err := scanKey(s, skipSpace(s, pos+1))
			if err != nil {
				return nil, nil, err
			}
			end = skipSpace(s, end)
			if end >= len(s) || s[end] != ']' {
				return nil, nil, fmt.Errorf("line %d: table header without ]", lineNo(s, pos))
			}
			table = strings.Join(keys, ".")
			pos = lineEnd(s, end+1)
			headers = append(headers, header{table: table, line: line, lineEnd: pos})
			continue
		}
		keys, end, err := scanKey(s, pos)
		if err != nil {
			return nil, nil, err
		}
		end = skipSpace(s, end)
		if end >= len(s) || s[end] != '=' {
			return nil, nil, fmt.Errorf("line %d: expected = after the key", lineNo(s, pos))
		}
		vs := skipSpace(s, end+1)
		ve, err := scanValue(s, vs)
		if err != nil {
			return nil, nil, err
		}
		pos = lineEnd(s, ve)
		full := keys
		if table != "" {
			full = append(strings.Split(table, "."), keys...)
		}
		e := entry{line: line, valStart: vs, valEnd: ve, lineEnd: pos, dotted: len(keys) > 1}
		e.key = full[len(full)-1]
		e.table = strings.Join(full[:len(full)-1], ".")
		entries = append(entries, e)
	}
	return entries, headers, nil
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// lineEnd is the start of the next line after i (past a comment).
func lineEnd(s string, i int) int {
	if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(s)
}

func lineNo(s string, i int) int { return strings.Count(s[:i], "\n") + 1 }

// scanKey reads a key (bare, "basic", 'literal', dotted) at i.
func scanKey(s string, i int) ([]string, int, error) {
	var parts []string
	for {
		i = skipSpace(s, i)
		if i >= len(s) {
			return nil, i, fmt.Errorf("line %d: key expected", lineNo(s, i))
		}
		var part string
		switch s[i] {
		case '"', '\'':
			end, err := scanValue(s, i)
			if err != nil {
				return nil, i, err
			}
			var v map[string]string
			if _, err := toml.Decode("k = "+s[i:end], &v); err != nil {
				return nil, i, fmt.Errorf("line %d: bad quoted key: %w", lineNo(s, i), err)
			}
			part, i = v["k"], end
		default:
			j := i
			for j < len(s) && isBareKeyChar(s[j]) {
				j++
			}
			if j == i {
				return nil, i, fmt.Errorf("line %d: key expected", lineNo(s, i))
			}
			part, i = s[i:j], j
		}
		parts = append(parts, part)
		j := skipSpace(s, i)
		if j < len(s) && s[j] == '.' {
			i = j + 1
			continue
		}
		return parts, i, nil
	}
}

func isBareKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// scanValue returns the end of the value that starts at i.
func scanValue(s string, i int) (int, error) {
	if i >= len(s) {
		return i, fmt.Errorf("line %d: value expected", lineNo(s, i))
	}
	switch {
	case strings.HasPrefix(s[i:], `"""`):
		return scanString(s, i, `"""`, true)
	case strings.HasPrefix(s[i:], `'''`):
		return scanString(s, i, `'''`, false)
	case s[i] == '"':
		return scanString(s, i, `"`, true)
	case s[i] == '\'':
		return scanString(s, i, `'`, false)
	case s[i] == '[' || s[i] == '{':
		return scanNested(s, i)
	}
	j := i
	for j < len(s) && !strings.ContainsRune(" \t\r\n#,]}", rune(s[j])) {
		j++
	}
	if j == i {
		return i, fmt.Errorf("line %d: value expected", lineNo(s, i))
	}
	return j, nil
}

// scanString returns the end of the string at i delimited by q.
func scanString(s string, i int, q string, escapes bool) (int, error) {
	j := i + len(q)
	for j < len(s) {
		if escapes && s[j] == '\\' {
			j += 2
			continue
		}
		if len(q) == 1 && s[j] == '\n' {
			break
		}
		if strings.HasPrefix(s[j:], q) {
			j += len(q)
			// """a"""" ends with the last three quotes (up to two more).
			for k := 0; len(q) == 3 && k < 2 && j < len(s) && s[j] == q[0]; k++ {
				j++
			}
			return j, nil
		}
		j++
	}
	return i, fmt.Errorf("line %d: string not closed", lineNo(s, i))
}

// scanNested returns the end of the array or inline table at i, skipping
// strings and comments inside it.
func scanNested(s string, i int) (int, error) {
	depth := 0
	for j := i; j < len(s); {
		switch c := s[j]; c {
		case '[', '{':
			depth++
			j++
		case ']', '}':
			depth--
			j++
			if depth == 0 {
				return j, nil
			}
		case '#':
			j = lineEnd(s, j)
		case '"', '\'':
			end, err := scanValue(s, j)
			if err != nil {
				return i, err
			}
			j = end
		default:
			j++
		}
	}
	return i, fmt.Errorf("line %d: array or table not closed", lineNo(s, i))
}
