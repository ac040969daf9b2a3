package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The waiter sleeps until the log grows, not until its deadline; a still
// log lets it sleep to the deadline; cancelling ends the wait at once.
func TestLogWaiterWakesOnWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := newLogWaiter(ctx, path)
	if w == nil {
		t.Fatal("no inotify instance")
	}
	defer w.close()

	start := time.Now()
	w.wait(ctx, 100*time.Millisecond)
	if w.event || time.Since(start) < 90*time.Millisecond {
		t.Fatalf("still log: event %v after %v, want none after 100ms", w.event, time.Since(start))
	}

	go func() {
		time.Sleep(50 * time.Millisecond)
		f.WriteString("NOTE: Running task 1 of 2 (/a/b.bb:do_x)\n")
	}()
	start = time.Now()
	w.wait(ctx, 20*time.Second)
	if !w.event || time.Since(start) > 10*time.Second {
		t.Fatalf("write: event %v after %v, want one well before the 20s deadline", w.event, time.Since(start))
	}

	go func() {
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	start = time.Now()
	w.wait(ctx, 20*time.Second)
	if time.Since(start) > 10*time.Second {
		t.Fatalf("cancelled wait took %v", time.Since(start))
	}
}

// followIdleWrites follows a live build whose log is still between writes
// (the follower waits for an event each time) and reports whether each
// write was seen, and whether the follower fell back to polling.
func followIdleWrites(t *testing.T, writes int) (fellBack bool) {
	t.Helper()
	dir := t.TempDir()
	st, logf := liveLog(t, dir)
	logf.WriteString("NOTE: Executing Tasks\n")
	fell := make(chan struct{}, 1)
	defer func(f func()) { pollingFallback = f }(pollingFallback)
	pollingFallback = func() { fell <- struct{}{} }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := Follow(ctx, st)
	for i := 1; i <= writes; i++ {
		time.Sleep(300 * time.Millisecond) // the follower is waiting again
		fmt.Fprintf(logf, "NOTE: Running task %d of %d (/a/r_1.0.bb:do_x)\n", i, writes)
		deadline := time.After(10 * time.Second)
		for seen := false; !seen; {
			select {
			case p := <-ch:
				seen = p.Done+len(p.Running) == i
			case <-deadline:
				t.Fatalf("write %d not seen in 10 s", i)
			}
		}
	}
	select {
	case <-fell:
		return true
	default:
		return false
	}
}

// A file system that does not report writes (the waiter watches another
// file here): the follower finds the log grew without an event and polls.
func TestFollowPollsWhenWritesAreNotReported(t *testing.T) {
	defer func(f func(context.Context, string) *logWaiter) { watchLog = f }(watchLog)
	other := filepath.Join(t.TempDir(), "other")
	os.WriteFile(other, nil, 0o644)
	watchLog = func(ctx context.Context, _ string) *logWaiter { return newLogWaiter(ctx, other) }
	if !followIdleWrites(t, 3) {
		t.Error("the log grew without events and the follower did not fall back to polling")
	}
}

// With events, the follower sees every write and keeps waiting for them.
func TestFollowWaitsForWrites(t *testing.T) {
	if followIdleWrites(t, 5) {
		t.Error("the follower fell back to polling on a file system that reports writes")
	}
}
