package generator

import (
	"testing"

	"fleetbake/model"
)

// A hash equivalence server does nothing unless the signature handler is
// OEEquivHash: fleetbake sets it with the server unless told otherwise.
func TestHashServeBringsItsSignatureHandler(t *testing.T) {
	f := newFixture(t, model.GenerationNew)
	f.writeClaimFiles(t)
	f.p.Shared.HashServe = "hashserv.example.com:8686"
	f.generate(t)
	lc := f.read(t, "build/conf/local.conf")
	if v, _ := valueOf(t, lc, "BB_HASHSERVE"); v != "hashserv.example.com:8686" {
		t.Errorf("BB_HASHSERVE = %q", v)
	}
	if v, _ := valueOf(t, lc, "BB_SIGNATURE_HANDLER"); v != "OEEquivHash" {
		t.Errorf("BB_SIGNATURE_HANDLER = %q, want OEEquivHash with a hash server", v)
	}

	f.p.Shared.SignatureHandler = "OEBasicHash" // the engineer's choice wins
	f.generate(t)
	if v, _ := valueOf(t, f.read(t, "build/conf/local.conf"), "BB_SIGNATURE_HANDLER"); v != "OEBasicHash" {
		t.Errorf("BB_SIGNATURE_HANDLER = %q, want the project's OEBasicHash", v)
	}

	f.p.Shared = model.Shared{}
	f.generate(t)
	if _, ok := valueOf(t, f.read(t, "build/conf/local.conf"), "BB_SIGNATURE_HANDLER"); ok {
		t.Error("BB_SIGNATURE_HANDLER set without a hash server or a choice of the project")
	}
}
