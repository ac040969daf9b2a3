package engine

import (
	"context"
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
