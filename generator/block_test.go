package generator

import (
	"errors"
	"strings"
	"testing"
)

const testBlock = BeginMarker + "\nMACHINE = \"new\"\n" + EndMarker + "\n"

func TestSpliceBlockKeepsOutsideBytes(t *testing.T) {
	tests := []struct {
		name, old, want string
	}{
		{
			name: "replace in the middle",
			old:  "A = \"1\"\n" + BeginMarker + "\nMACHINE = \"old\"\n" + EndMarker + "\nB = \"2\"\n",
			want: "A = \"1\"\n" + testBlock + "B = \"2\"\n",
		},
		{
			name: "missing final newline after the block stays missing",
			old:  BeginMarker + "\nold\n" + EndMarker + "\nB = \"2\"",
			want: testBlock + "B = \"2\"",
		},
		{
			name: "block is the last line without newline",
			old:  "A = \"1\"\n" + BeginMarker + "\nold\n" + EndMarker,
			want: "A = \"1\"\n" + strings.TrimSuffix(testBlock, "\n"),
		},
		{
			name: "append after lines without final newline",
			old:  "A = \"1\"",
			want: "A = \"1\"\n\n" + testBlock,
		},
		{
			name: "append after lines",
			old:  "A = \"1\"\n  odd   spacing \t\n",
			want: "A = \"1\"\n  odd   spacing \t\n\n" + testBlock,
		},
		{
			name: "empty existing file",
			old:  "",
			want: testBlock,
		},
		{
			name: "CRLF lines outside are kept as they are",
			old:  "A = \"1\"\r\n" + BeginMarker + "\r\nold\r\n" + EndMarker + "\r\nB = \"2\"\r\n",
			want: "A = \"1\"\r\n" + testBlock + "B = \"2\"\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := findBlock("f", []byte(tt.old))
			if err != nil {
				t.Fatal(err)
			}
			got := string(spliceBlock([]byte(tt.old), true, r, "HEADER", testBlock))
			if got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestSpliceBlockNewFile(t *testing.T) {
	got := string(spliceBlock(nil, false, region{}, "HEAD = \"1\"\n", testBlock))
	if got != "HEAD = \"1\"\n\n"+testBlock {
		t.Errorf("got %q", got)
	}
}

func TestFindBlockMarkerErrors(t *testing.T) {
	tests := []struct {
		name, text string
		line       int
		problem    string
	}{
		{"unterminated", "A = \"1\"\n" + BeginMarker + "\nX = \"2\"\n", 2, "not terminated"},
		{"end without begin", "A = \"1\"\n" + EndMarker + "\n", 2, "without"},
		{"two blocks", testBlock + "B = \"1\"\n" + testBlock, 5, "second fleetbake block"},
		{"nested begin", BeginMarker + "\n" + BeginMarker + "\n" + EndMarker + "\n", 2, "second"},
		{"edited begin marker is still a marker", testBlock + "# >>> fleetbake (copied)\n", 4, "second fleetbake block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := findBlock("build/conf/local.conf", []byte(tt.text))
			var me *MarkerError
			if !errors.As(err, &me) {
				t.Fatalf("err = %v, want *MarkerError", err)
			}
			if me.Line != tt.line || !strings.Contains(me.Problem, tt.problem) {
				t.Errorf("got line %d %q, want line %d containing %q", me.Line, me.Problem, tt.line, tt.problem)
			}
			if !strings.HasPrefix(err.Error(), "build/conf/local.conf:") {
				t.Errorf("error does not name the file: %v", err)
			}
		})
	}
}
