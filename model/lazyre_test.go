package model

import (
	"regexp"
	"sync"
	"testing"

	"fleetbake/internal/lazyre"
)

// The patterns are compiled on first use, so a bad one would panic in the
// middle of a command instead of at start-up: compile every one here.
func TestLazyPatternsCompile(t *testing.T) {
	res := []func() *regexp.Regexp{reMachineName, reLayerName, reVarName, reHostPort, reWebSocket,
		reUnixSocket, reHostname, reSigHandler, reURLScheme, rePrefix, reRegion, reAssign, oeFragmentsRE}
	for _, r := range awsNameRules {
		res = append(res, r.re)
	}
	for i, re := range res {
		if re() == nil || re() != re() {
			t.Errorf("pattern %d: want one compiled regexp on every call", i)
		}
	}
}

// Validation runs from several goroutines (the UI's commands, the jobs of
// an apply); the first use of a pattern may be concurrent. Run with -race.
func TestLazyRegexpConcurrentFirstUse(t *testing.T) {
	re := lazyre.MustCompile(`^[a-z]+-[0-9]$`)
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
			if err := ValidAWSName("thing-group", "fleet:group_1"); err != nil {
				t.Errorf("goroutine %d: %v", i, err)
			}
			if err := ValidRegion("eu-central-1"); err != nil {
				t.Errorf("goroutine %d: %v", i, err)
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
