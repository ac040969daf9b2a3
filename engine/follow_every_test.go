package engine

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestFollowEveryReadsAtItsPace: a follower for a screen that redraws 4
// times a second (FollowEvery, 250 ms) reads the log and sends an update no
// more than about 4 times a second while a writer appends task lines at
// 2,000 lines a second (Follow would send ~20), and still ends with every
// task counted. (With FollowEvery reading at Follow's pace it fails: ~20
// updates a second.)
func TestFollowEveryReadsAtItsPace(t *testing.T) {
	dir := t.TempDir()
	st := liveState(t, dir)
	logf, err := os.OpenFile(st.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	const tasks = 1000 // 3,000 lines: 1.5 s at 2,000 lines a second
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ch := FollowEvery(ctx, st, 250*time.Millisecond)
	werr := make(chan error, 1)
	go func() {
		var err error
		w := func(format string, a ...any) {
			if err == nil {
				_, err = fmt.Fprintf(logf, format, a...)
			}
		}
		w("NOTE: Executing Tasks\n")
		for i := 1; i <= tasks; i++ {
			w("NOTE: Running task %d of %d (/src/poky/meta/recipes-x/r%d/r%d_1.0.bb:do_compile)\n", i, tasks, i%50, i%50)
			w("NOTE: recipe r%d-1.0-r0: task do_compile: Started\n", i%50)
			w("NOTE: recipe r%d-1.0-r0: task do_compile: Succeeded\n", i%50)
			time.Sleep(1500 * time.Microsecond)
		}
		w("NOTE: Tasks Summary: Attempted %d tasks of which 0 didn't need to be rerun and all succeeded.\n", tasks)
		if err == nil {
			code := 0
			now := time.Now().UTC()
			_, err = updateState(dir, func(s *State) error { s.ExitCode, s.EndTime = &code, &now; return nil })
		}
		w("fleetbake: bitbake exited with code 0\n")
		werr <- err
	}()
	var times []time.Time
	var last Progress
	for p := range ch {
		times = append(times, time.Now())
		last = p
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatalf("follower did not finish: %+v", last)
	}
	if last.ExitCode == nil || *last.ExitCode != 0 || last.Done != tasks || last.Total != tasks {
		t.Fatalf("last progress: exit %v, %d/%d", last.ExitCode, last.Done, last.Total)
	}
	// 4 reads a second, plus the build's end (sent at once), one value that
	// waited in the channel, and one for a late timer: 8 within a second is
	// reading at Follow's pace.
	for i := 0; i+7 < len(times); i++ {
		if d := times[i+7].Sub(times[i]); d < time.Second {
			t.Errorf("8 updates within %v (updates %d to %d): not read at FollowEvery's pace", d, i, i+7)
			break
		}
	}
	if len(times) < 3 {
		t.Errorf("%d updates over a 1.5 s build: the follower stopped following", len(times))
	}
	t.Logf("%d updates over %v", len(times), times[len(times)-1].Sub(times[0]))
}
