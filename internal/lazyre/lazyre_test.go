package lazyre

import (
	"regexp"
	"sync"
	"testing"
)

// The first use of a pattern may be concurrent (the UI's commands, the
// jobs of an apply): every goroutine gets the one compiled regexp. Run
// with -race.
func TestConcurrentFirstUse(t *testing.T) {
	re := MustCompile(`^[a-z]+-[0-9]$`)
	var wg sync.WaitGroup
	got := make([]*regexp.Regexp, 16)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = re()
			if !got[i].MatchString("eu-1") || got[i].MatchString("EU-1") {
				t.Errorf("goroutine %d: wrong matches", i)
			}
		}()
	}
	wg.Wait()
	for i := range got {
		if got[i] != got[0] {
			t.Fatalf("goroutine %d got another *Regexp: compiled more than once", i)
		}
	}
}

func TestInvalidPatternPanicsOnFirstUseOnly(t *testing.T) {
	re := MustCompile(`(`) // no panic here
	defer func() {
		if recover() == nil {
			t.Fatal("an invalid pattern did not panic on first use")
		}
	}()
	re()
}
