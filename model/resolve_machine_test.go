package model

import (
	"errors"
	"strings"
	"testing"

	"fleetbake/internal/layertree"
)

// A MACHINE that no layer on disk has, with every layer of the set on disk,
// is refused with the closest names, instead of being written into
// local.conf without any BSP layer.
func TestResolveRefusesAMachineThatExistsNowhere(t *testing.T) {
	root := t.TempDir()
	layertree.Write(t, root, layertree.Standard("scarthgap", true))
	w, err := Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	p := projectIn(t, root)
	p.Machine = "qemux86-46"
	res, err := Resolve(p, w)
	var re *ResolveError
	if !errors.As(err, &re) {
		t.Fatalf("Resolve accepted MACHINE %s: %v (layers %v)", p.Machine, err, resolvedNames(res))
	}
	if len(re.Missing) != 1 || re.Missing[0].Machine != "qemux86-46" {
		t.Fatalf("missing = %+v", re.Missing)
	}
	msg := err.Error()
	for _, want := range []string{"unknown machine: MACHINE qemux86-46 is in no layer", "conf/machine/qemux86-46.conf", "did you mean qemux86-64", "fleetbake layers"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if len(res.Notes) != 0 {
		t.Errorf("notes: %v", res.Notes)
	}

	p.Machine = "qemux86-64"
	if _, err := Resolve(p, w); err != nil {
		t.Fatalf("a machine on disk: %v", err)
	}
}

// Without a checkout nothing proves a MACHINE absent (the catalog lists only
// some machines of each BSP layer): it is taken, with a note that says
// where it may be and that it is checked again once fetched.
func TestResolveNotesAMachineWithoutACheckout(t *testing.T) {
	p := projectIn(t, t.TempDir())
	p.Release = "scarthgap"
	p.Machine = "raspberrypi3-46"
	p.Layers = []string{"meta-aws", "meta-raspberrypi"}
	res, err := Resolve(p, &Workspace{})
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if len(res.Notes) != 1 {
		t.Fatalf("notes = %v", res.Notes)
	}
	for _, want := range []string{"MACHINE raspberrypi3-46 is not found on disk or in the catalog", "meta-raspberrypi", "fleetbake layers fetch", "did you mean"} {
		if !strings.Contains(res.Notes[0], want) {
			t.Errorf("note lacks %q: %s", want, res.Notes[0])
		}
	}
	p.Machine = "raspberrypi4-64" // in the catalog
	if res, err := Resolve(p, &Workspace{}); err != nil || len(res.Notes) != 0 {
		t.Fatalf("a catalog machine: %v %v", err, res.Notes)
	}
}
