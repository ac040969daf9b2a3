package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The real event logs of a cold parse (5 recipes: ParseProgress 1/5 .. 5/5)
// and of a cached run (CacheLoadProgress up to 4417/4417 bytes of cache).
func TestEventLogCounts(t *testing.T) {
	cases := []struct {
		file                   string
		parseN, parseM, cacheN int
	}{
		{"hello-events.json", 5, 5, 0},
		{"hello-events-cached.json", 0, 0, 4417},
	}
	for _, c := range cases {
		r := newEventLogReader(filepath.Join("testdata", c.file))
		if !r.read() {
			t.Errorf("%s: no progress read", c.file)
		}
		if r.parseN != c.parseN || r.parseM != c.parseM || r.cacheN != c.cacheN {
			t.Errorf("%s: parse %d/%d cache %d/%d, want parse %d/%d cache %d", c.file, r.parseN, r.parseM, r.cacheN, r.cacheM, c.parseN, c.parseM, c.cacheN)
		}
	}
}

// Fed line by line as BitBake writes it, the reader gives each step of the
// parse once, and a read with nothing new changes nothing.
func TestEventLogIncremental(t *testing.T) {
	data, err := os.ReadFile("testdata/hello-events.json")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), EventLogFile)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := newEventLogReader(path)
	var seen []int
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		// Each line in two writes, as a reader racing the writer sees it.
		h := len(line) / 2
		f.Write(line[:h])
		if r.read() {
			t.Fatalf("a half line changed the counts: %q", line[:h])
		}
		f.Write(line[h:])
		if r.read() {
			p := Progress{Step: "Parsing recipes"}
			r.apply(&p)
			seen = append(seen, p.StepPercent())
		}
	}
	if r.read() {
		t.Error("a read with nothing new reported a change")
	}
	want := []int{20, 40, 60, 80, 100}
	if len(seen) != len(want) {
		t.Fatalf("percentages %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("percentages %v, want %v", seen, want)
		}
	}
}

// A follower shows the parse percentage while the console log says only
// "Parsing recipes...", and status (Snapshot) does too.
func TestFollowParsePercent(t *testing.T) {
	dir := t.TempDir()
	st := liveState(t, dir)
	if err := os.WriteFile(st.LogPath, []byte("Loading cache...done.\nLoaded 0 entries from dependency cache.\nParsing recipes..."), 0o644); err != nil {
		t.Fatal(err)
	}
	events, err := os.ReadFile("testdata/hello-events.json")
	if err != nil {
		t.Fatal(err)
	}
	// Up to the third ParseProgress event: 3 of 5 recipes.
	i := 0
	for n := 0; n < 3; n++ {
		k := bytes.Index(events[i:], evClassParse)
		i += k + 1
	}
	i += bytes.IndexByte(events[i:], '\n') + 1
	if err := os.WriteFile(EventLogPath(dir), events[:i], 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got int
	for p := range Follow(ctx, st) {
		if got = p.StepPercent(); got == 60 {
			cancel()
		}
	}
	if got != 60 {
		t.Errorf("follower: parse %d%%, want 60%%", got)
	}
	p, err := Snapshot(st)
	if err != nil {
		t.Fatal(err)
	}
	if p.Step != "Parsing recipes" || p.StepPercent() != 60 || p.Parsed != 3 || p.ParseTotal != 5 {
		t.Errorf("snapshot: step %q %d%% (%d of %d), want Parsing recipes 60%% (3 of 5)", p.Step, p.StepPercent(), p.Parsed, p.ParseTotal)
	}
}
