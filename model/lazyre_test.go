package model

import (
	"regexp"
	"sync"
	"testing"
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
// an apply), so a pattern's first use may be concurrent: internal/lazyre
// tests the helper itself; this runs model's validators that way. Run with
// -race.
func TestValidationConcurrentFirstUse(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ValidAWSName("thing-group", "fleet:group_1"); err != nil {
				t.Errorf("goroutine %d: %v", i, err)
			}
			if err := ValidRegion("eu-central-1"); err != nil {
				t.Errorf("goroutine %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
}
