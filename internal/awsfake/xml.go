package awsfake

import (
	"encoding/xml"
	"strconv"
	"strings"
	"time"
)

// xb builds the small XML documents of the query protocol.
type xb struct{ strings.Builder }

func (b *xb) raw(s string)   { b.WriteString(s) }
func (b *xb) open(n string)  { b.WriteString("<" + n + ">") }
func (b *xb) close(n string) { b.WriteString("</" + n + ">") }
func (b *xb) leaf(n, v string) {
	b.open(n)
	_ = xml.EscapeText(&b.Builder, []byte(v))
	b.close(n)
}
func (b *xb) leafOpt(n, v string) {
	if v != "" {
		b.leaf(n, v)
	}
}
func (b *xb) time(n string, t time.Time) { b.leaf(n, t.UTC().Format("2006-01-02T15:04:05Z")) }
func (b *xb) bool(n string, v bool)      { b.leaf(n, strconv.FormatBool(v)) }
func (b *xb) int(n string, v int)        { b.leaf(n, strconv.Itoa(v)) }

// tags writes a Tags list of Key/Value members, or nothing when there are
// none (a Role or Policy element leaves it out).
func (b *xb) tags(ts []tag) {
	if len(ts) > 0 {
		b.tagList(ts)
	}
}

// tagList writes a Tags list of Key/Value members, empty or not (the
// answer of ListRoleTags and ListPolicyTags always has one).
func (b *xb) tagList(ts []tag) {
	b.open("Tags")
	for _, t := range ts {
		b.open("member")
		b.leaf("Key", t.Key)
		b.leaf("Value", t.Value)
		b.close("member")
	}
	b.close("Tags")
}

// awsURLEncode percent-encodes a policy document the way IAM returns it: RFC 3986, everything but
// unreserved characters escaped (a space becomes %20, never '+').
func awsURLEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' || ch == '.' || ch == '~' {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}
