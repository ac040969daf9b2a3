package engine

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if filepath.Ext(name) == ".gz" {
		if r, err = gzip.NewReader(f); err != nil {
			t.Fatal(err)
		}
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func snapshotT(t *testing.T, st *State) Progress {
	t.Helper()
	p, err := Snapshot(st)
	if err != nil {
		t.Fatal(err)
	}
	p.Elapsed = 0
	return p
}

// Status read in steps from its checkpoint, the log cut anywhere (inside a
// line, inside an ERROR message, inside "Parsing recipes..."), gives what
// one read of the whole log gives, for every captured log.
func TestCheckpointSameAsWholeRead(t *testing.T) {
	logs := []string{"hello-success.log", "hello-fail.log", "hello-fail-keepgoing.log", "hello-interrupted.log",
		"hello-parse-error.log", "hello-expansion-error.log", "hello-sanity-error.log", "hello-fail-includelogs.log",
		"launched-fail.log", "launched-stop.log", "launched-success.log", "launched-force-stop.log", "poky-scarthgap-dryrun.log.gz"}
	for _, name := range logs {
		data := fixture(t, name)
		for _, cuts := range [][]int{{len(data) / 3, len(data) * 2 / 3}, {7, len(data) / 2, len(data) - 5}, {len(data) - 1}} {
			dir := t.TempDir()
			st := &State{StartTime: time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC), BuildDir: dir, LogPath: LogPath(dir)}
			f, err := os.Create(st.LogPath)
			if err != nil {
				t.Fatal(err)
			}
			prev := 0
			for _, c := range append(cuts, len(data)) {
				f.Write(data[prev:c])
				prev = c
				snapshotT(t, st)
			}
			f.Close()
			stepped := snapshotT(t, st)
			os.Remove(st.LogPath + CheckpointSuffix)
			whole := snapshotT(t, st)
			if !reflect.DeepEqual(stepped, whole) {
				t.Errorf("%s cut at %v: read in steps\n%+v\nwhole\n%+v", name, cuts, stepped, whole)
			}
		}
	}
}

// Status does not read again what it has read: with the start of the log
// blanked in place after a status, the next status still counts the tasks
// there; the checkpoint of another build (a new start time) is not used.
func TestCheckpointSkipsWhatWasRead(t *testing.T) {
	dir := t.TempDir()
	st := &State{StartTime: time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC), BuildDir: dir, LogPath: LogPath(dir)}
	data := fixture(t, "hello-success.log")
	half := bytes.Index(data, []byte("NOTE: Running task 10 of 18"))
	if err := os.WriteFile(st.LogPath, data[:half], 0o644); err != nil {
		t.Fatal(err)
	}
	if p := snapshotT(t, st); p.Done == 0 || p.Done >= 18 {
		t.Fatalf("first status: %d tasks done, want some of 18", p.Done)
	}
	f, err := os.OpenFile(st.LogPath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(bytes.Repeat([]byte(" "), half-1), 0) // blanked, same file, same size
	f.Seek(0, io.SeekEnd)
	f.Write(data[half:])
	f.Close()
	if p := snapshotT(t, st); p.Done != 18 || p.Recipes != 5 || p.Warnings != 1 {
		t.Errorf("status from the checkpoint: %d done, %d recipes, %d warnings; want 18, 5, 1", p.Done, p.Recipes, p.Warnings)
	}
	other := *st
	other.StartTime = st.StartTime.Add(time.Hour)
	if p := snapshotT(t, &other); p.Recipes != 0 || p.Done == 18 && p.Recipes == 5 {
		t.Errorf("another build's status used the checkpoint: %+v", p)
	}
}

// A follower (build attach) starts from the checkpoint too.
func TestCheckpointFollow(t *testing.T) {
	dir := t.TempDir()
	st := &State{StartTime: time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC), BuildDir: dir, LogPath: LogPath(dir)}
	data := fixture(t, "launched-success.log")
	half := bytes.Index(data, []byte("NOTE: Running task 10 of 24"))
	if err := os.WriteFile(st.LogPath, data[:half], 0o644); err != nil {
		t.Fatal(err)
	}
	snapshotT(t, st)
	f, err := os.OpenFile(st.LogPath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(bytes.Repeat([]byte(" "), half-1), 0)
	f.Seek(0, io.SeekEnd)
	f.Write(data[half:])
	f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var last Progress
	for p := range Follow(ctx, st) {
		last = p
	}
	if last.ExitCode == nil || last.Done != 24 || last.Recipes != 5 {
		t.Errorf("follower from the checkpoint: exit %v, %d done, %d recipes; want 0, 24, 5", last.ExitCode, last.Done, last.Recipes)
	}
}

// A follower (build attach) of a finished build leaves a checkpoint too: a
// second attach, and a status after it, read nothing again. With the log
// blanked in place after the first attach, both still see every task.
func TestCheckpointFollowLeavesOne(t *testing.T) {
	dir := t.TempDir()
	code := 0
	end := time.Date(2026, 12, 1, 21, 0, 0, 0, time.UTC)
	st := &State{StartTime: time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC), EndTime: &end, ExitCode: &code,
		BuildDir: dir, LogPath: LogPath(dir)}
	data := fixture(t, "launched-success.log")
	if err := os.WriteFile(st.LogPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	follow := func() Progress {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var last Progress
		for p := range Follow(ctx, st) {
			last = p
		}
		return last
	}
	if p := follow(); p.Done != 24 || p.Recipes != 5 {
		t.Fatalf("first attach: %d done, %d recipes; want 24, 5", p.Done, p.Recipes)
	}
	if _, err := os.Stat(st.LogPath + CheckpointSuffix); err != nil {
		t.Fatalf("no checkpoint after attach: %v", err)
	}
	f, err := os.OpenFile(st.LogPath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(bytes.Repeat([]byte(" "), len(data)-1), 0) // same file, same size
	f.Close()
	if p := follow(); p.Done != 24 || p.Recipes != 5 || p.ExitCode == nil {
		t.Errorf("second attach, from the checkpoint: %d done, %d recipes, exit %v; want 24, 5, 0", p.Done, p.Recipes, p.ExitCode)
	}
	if p := snapshotT(t, st); p.Done != 24 || p.Recipes != 5 {
		t.Errorf("status after attach, from the checkpoint: %d done, %d recipes; want 24, 5", p.Done, p.Recipes)
	}
}
