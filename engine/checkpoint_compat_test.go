package engine

import (
	"bytes"
	"encoding/gob"
	"os"
	"reflect"
	"testing"
)

// Checkpoints written before the fast path (fastline.go) are read as they
// are: the files in testdata were written by `build status` at commit
// 72c21d3 for the start of a captured log (inside a failed task's "Log data
// follows:" lines, and in the middle of a build that is then stopped). The
// status from each, the rest of the log appended, is the status of one read
// of the whole log; the start of the log is blanked, so the checkpoint must
// have been used.
func TestCheckpointFromBeforeFastPath(t *testing.T) {
	for _, c := range []struct{ checkpoint, log string }{
		{"checkpoint-v2-includelogs.status", "hello-fail-includelogs.log"},
		{"checkpoint-v2-stop.status", "launched-stop.log"},
	} {
		old := fixture(t, c.checkpoint)
		var cp checkpoint
		if err := gob.NewDecoder(bytes.NewReader(old)).Decode(&cp); err != nil || cp.Version != checkpointVersion {
			t.Fatalf("%s: %v, version %d", c.checkpoint, err, cp.Version)
		}
		data := fixture(t, c.log)
		cut := int(cp.Offset)
		dir := t.TempDir()
		st := &State{StartTime: cp.StartTime, BuildDir: dir, LogPath: LogPath(dir)}
		if err := os.WriteFile(st.LogPath, append(bytes.Repeat([]byte(" "), cut), data[cut:]...), 0o644); err != nil {
			t.Fatal(err)
		}
		// The checkpoint names the file it was written for: make it name
		// this one (a test's log is a new file), the rest as written.
		f, err := os.Open(st.LogPath)
		if err != nil {
			t.Fatal(err)
		}
		cp.Dev, cp.Ino, _ = fileID(f)
		f.Close()
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(&cp); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(st.LogPath+CheckpointSuffix, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		fromOld := snapshotT(t, st)

		whole := &State{StartTime: cp.StartTime, BuildDir: t.TempDir()}
		whole.LogPath = LogPath(whole.BuildDir)
		if err := os.WriteFile(whole.LogPath, data, 0o644); err != nil {
			t.Fatal(err)
		}
		want := snapshotT(t, whole)
		fromOld.LogPath, want.LogPath = "", ""
		if !reflect.DeepEqual(fromOld, want) {
			t.Errorf("%s: from the old checkpoint\n%+v\nwhole log\n%+v", c.checkpoint, fromOld, want)
		}
		if want.Done == 0 && want.Errors == 0 {
			t.Errorf("%s: nothing to compare: %+v", c.log, want)
		}
	}
}
