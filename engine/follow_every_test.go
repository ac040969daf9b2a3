package engine

import (
	"context"
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
	st, logf := liveLog(t, dir)
	const tasks = 1000 // 3,000 lines: 1.5 s at 2,000 lines a second
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ch := FollowEvery(ctx, st, 250*time.Millisecond)
	// One task every 1.5 ms: 2,000 lines a second.
	werr := writeBuild(dir, logf, tasks, 50, 0, 1500*time.Microsecond)
	times := followToTheEnd(t, ctx, ch, werr, tasks)
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
