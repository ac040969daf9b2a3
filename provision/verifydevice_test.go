package provision

import "testing"

// Only this project's prefix followed by the marker is a verify thing: a
// device of the fleet, another project's check, or a name that merely
// contains the marker is never deleted.
func TestIsVerifyThing(t *testing.T) {
	n := Names{ThingNamePrefix: "fb-core"}
	for name, want := range map[string]bool{
		"fb-core-fleetbake-verify-1a2b3c4d":    true,
		"fb-core_fleetbake-verify-1a2b3c4d":    true, // old generation: GGV2_THING_NAME + "_"
		"fb-core-0a_1b_2c_3d_4e_5f":            false,
		"other-core-fleetbake-verify-1a2b3c4d": false,
		"fb-core-x-fleetbake-verify-1a2b3c4d":  false,
		"fb-corefleetbake-verify-1a2b3c4d":     false,
		"fb-core-":                             false,
	} {
		if got := n.IsVerifyThing(name); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}
