package cli

import (
	"strings"
	"testing"

	"fleetbake/internal/layertree"
)

// A MACHINE that only a catalog layer not on disk provides: generate still
// writes the files but says so, and what to run, where before it said
// nothing about MACHINE (walk-through of issue 10).
func TestGenerateSaysMachineLayerIsNotFetched(t *testing.T) {
	for _, tc := range []struct {
		machine, layers string
		want            []string
	}{
		// In the catalog's list of meta-raspberrypi's machines.
		{"raspberrypi5", "meta-aws", []string{"warning: MACHINE raspberrypi5 comes from meta-raspberrypi, which is not on disk yet", "`fleetbake layers fetch`"}},
		// Not in the catalog's list, but meta-raspberrypi is not fetched.
		{"raspberrypi3-46", "meta-aws,meta-raspberrypi", []string{"MACHINE raspberrypi3-46 is not found on disk or in the catalog", "`fleetbake layers fetch`"}},
	} {
		t.Run(tc.machine, func(t *testing.T) {
			dir := t.TempDir()
			layertree.Write(t, dir, layertree.Standard("scarthgap", true))
			cfg := initProject(t, dir, "--layers", tc.layers, "--machine", tc.machine)
			code, out, errs := runCLI(t, "--config", cfg, "generate")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			all := strings.Join(strings.Fields(out+"\n"+errs), " ")
			for _, want := range tc.want {
				if !strings.Contains(all, want) {
					t.Errorf("generate does not say %q:\n%s\n%s", want, out, errs)
				}
			}
		})
	}
}
