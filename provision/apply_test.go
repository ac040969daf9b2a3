package provision

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"fleetbake/model"
)

func TestApplyEmptyAccountThenNoChangesThenDestroy(t *testing.T) {
	s := newFake(t)
	p := newProject(t)
	pv := newPV(t, s, p, Options{})

	plan, err := pv.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.MutatingCalls() != 0 {
		t.Fatalf("plan made %d mutating calls", s.MutatingCalls())
	}
	if plan.Identity.Account != s.Account() {
		t.Errorf("identity account %q, want %q", plan.Identity.Account, s.Account())
	}
	for _, it := range plan.Items[2:] {
		if it.Action != ActionCreate {
			t.Errorf("empty account: %s %s is %s, want create", it.Kind, it.Name, it.Action)
		}
	}

	events := make(chan Event, 100)
	res, err := pv.Apply(context.Background(), plan, events)
	if err != nil {
		t.Fatal(err)
	}
	close(events)
	done := map[Kind]bool{}
	for ev := range events {
		if ev.Status == StatusDone {
			done[ev.Item.Kind] = true
		}
		if ev.Status == StatusFailed {
			t.Errorf("event failed: %+v", ev)
		}
	}
	for _, k := range Kinds[2:] {
		if !done[k] {
			t.Errorf("no done event for %s", k)
		}
	}
	wantFullSet(t, s)
	if res.Endpoints.Data == "" || !strings.Contains(res.Endpoints.Credential, "credentials.iot") {
		t.Errorf("endpoints %+v", res.Endpoints)
	}
	if res.ClaimCertID == "" || res.Created != 9 {
		t.Errorf("result: cert %q created %d, want a cert and 9 created", res.ClaimCertID, res.Created)
	}

	// Files: key 0600 in a 0700 folder, certificate and root CA written.
	files := claimPaths(p)
	if fi, err := os.Stat(files.key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v mode %v", err, fi.Mode())
	}
	if fi, err := os.Stat(files.dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("claim dir: %v mode %v", err, fi.Mode())
	}
	certPEM, err := os.ReadFile(files.cert)
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := keyFileID(files.key)
	if cid, err := certPublicKeyID(string(certPEM)); err != nil || cid != kid {
		t.Errorf("certificate on disk does not match the key on disk: %v", err)
	}
	if b, _ := os.ReadFile(files.root); string(b) != string(AmazonRootCA1()) {
		t.Errorf("root CA file differs from Amazon Root CA 1")
	}

	// The template the fake accepted declares SerialNumber (new generation).
	// State file: no secrets, lists what was created.
	st, err := os.ReadFile(pv.StatePath())
	if err != nil {
		t.Fatal(err)
	}
	var sf stateFile
	if err := json.Unmarshal(st, &sf); err != nil {
		t.Fatal(err)
	}
	tgt := sf.Targets[s.Account()+"/us-east-1"]
	if tgt == nil || len(tgt.Resources) != 8 || len(tgt.Certs) != 1 || tgt.Pending != nil {
		t.Fatalf("state: %s", st)
	}
	key, _ := os.ReadFile(files.key)
	if strings.Contains(string(st), keyBody(key)) {
		t.Error("state file holds key material")
	}

	// Write back into the project.
	res.UpdateProject(p)
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	p2, err := model.Load(p.Path())
	if err != nil {
		t.Fatal(err)
	}
	if p2.Greengrass.DataEndpoint != res.Endpoints.Data || p2.Greengrass.ProvisioningTemplate != "fb-Template" {
		t.Errorf("project after apply: %+v", p2.Greengrass)
	}

	// Second apply, fresh provisioner from the saved project: zero mutating calls.
	s.ResetCalls()
	pv2 := newPV(t, s, p2, Options{})
	plan2, err := pv2.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := plan2.Changes(); n != 0 {
		t.Errorf("second plan has %d changes: %+v", n, plan2.Items)
	}
	res2, err := pv2.Apply(context.Background(), plan2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m := s.MutatingCalls(); m != 0 {
		t.Errorf("second apply made %d mutating calls: %v", m, s.Calls())
	}
	if res2.ClaimCertID != res.ClaimCertID {
		t.Errorf("second apply changed the claim certificate")
	}

	// Destroy: nothing left, state empty.
	if err := pv2.Destroy(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if r := s.Resources(); r.Total() != 0 {
		t.Errorf("after destroy: %v", r)
	}
	st, _ = os.ReadFile(pv.StatePath())
	if strings.Contains(string(st), "arn:") {
		t.Errorf("state after destroy still lists resources: %s", st)
	}
}

// keyBody is a line from the middle of a PEM key: what a leak would contain.
func keyBody(pemKey []byte) string {
	lines := strings.Split(string(pemKey), "\n")
	if len(lines) < 4 {
		return string(pemKey)
	}
	return lines[len(lines)/2]
}
