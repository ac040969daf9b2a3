package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fleetbake/model"
	"fleetbake/provision/iotpolicy"
)

// selfSigned writes an EC key and a certificate for it valid until notAfter.
func selfSigned(t *testing.T, dir string, notAfter time.Time) *claimOnDisk {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "claim"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(k)
	if err := os.Chmod(dir, 0o700); err != nil { // a claim folder is trusted only when it is private
		t.Fatal(err)
	}
	c := &claimOnDisk{certPath: filepath.Join(dir, "claim.cert.pem"), keyPath: filepath.Join(dir, "claim.pkey.pem")}
	c.certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	c.cert, _ = x509.ParseCertificate(der)
	if err := os.WriteFile(c.keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVerifyClaimKeyExpiry(t *testing.T) {
	dir := t.TempDir()
	soon := time.Now().Add(10 * 24 * time.Hour)
	c := selfSigned(t, dir, soon)
	v := &Verifier{claim: func() (*claimOnDisk, error) { return c, nil }}
	got := checkClaimKey(context.Background(), v)
	if got.Status != Fail || !strings.Contains(got.Detail, soon.UTC().Format("2006-01-02")) || !strings.Contains(got.Fix, "rotate-claim") {
		t.Errorf("near expiry: %+v", got)
	}
	later := selfSigned(t, t.TempDir(), time.Now().Add(400*24*time.Hour))
	v = &Verifier{claim: func() (*claimOnDisk, error) { return later, nil }}
	if got := checkClaimKey(context.Background(), v); got.Status != Pass {
		t.Errorf("valid a year: %+v", got)
	}
	// The first key with the second certificate: the public keys differ.
	mixed := *later
	mixed.keyPath = c.keyPath
	v = &Verifier{claim: func() (*claimOnDisk, error) { return &mixed, nil }}
	if got := checkClaimKey(context.Background(), v); got.Status != Fail || !strings.Contains(got.Detail, "does not belong") {
		t.Errorf("mismatched key: %+v", got)
	}
}

func confVerifier(t *testing.T, conf string) *Verifier {
	t.Helper()
	path := filepath.Join(t.TempDir(), "local.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return &Verifier{conf: func() (*confView, error) { return readConfView(path) }, device: model.DeviceProfile{Nucleus: model.NucleusBin}, gen: model.GenerationNew}
}

func TestVerifyTimeSync(t *testing.T) {
	for _, tc := range []struct {
		conf string
		want CheckStatus
	}{
		{"INIT_MANAGER = \"systemd\"\n", Pass},
		// [local_conf] comes after fleetbake's line: the last one wins.
		{"INIT_MANAGER = \"systemd\"\nINIT_MANAGER = \"sysvinit\"\n", Fail},
		{"INIT_MANAGER = \"sysvinit\"\nIMAGE_INSTALL:append = \" chrony\"\n", Pass},
		{"DISTRO_FEATURES:append = \" systemd\"\n", Pass},
		{"MACHINE = \"qemux86-64\"\n", Fail},
	} {
		got := checkTimeSync(context.Background(), confVerifier(t, tc.conf))
		if got.Status != tc.want || got.Status == Fail && !strings.Contains(got.Fix, "[local_conf]") {
			t.Errorf("%q: %+v, want %s", tc.conf, got, tc.want)
		}
	}
}

func TestVerifyExplainNamesTheStatement(t *testing.T) {
	doc, err := iotpolicy.Parse("P", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iot:Connect","Resource":"*"},
		{"Effect":"Allow","Action":["iot:Subscribe"],"Resource":"arn:aws:iot:us-east-1:1:topicfilter/a"},
		{"Effect":"Deny","Action":"iot:Publish","Resource":"arn:aws:iot:us-east-1:1:topic/x"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ action, res, want string }{
		{"iot:Subscribe", "arn:aws:iot:us-east-1:1:topicfilter/b", `no statement of policy "P" allows iot:Subscribe on arn:aws:iot:us-east-1:1:topicfilter/b; add them to the Resource of statement 2`},
		{"iot:Publish", "arn:aws:iot:us-east-1:1:topic/x", `statement 3 of policy "P" denies iot:Publish`},
		{"iot:Receive", "arn:aws:iot:us-east-1:1:topic/y", `add a statement {"Effect": "Allow", "Action": "iot:Receive", "Resource": "arn:aws:iot:us-east-1:1:topic/y"}`},
	} {
		if got := explain(doc, tc.action, []string{tc.res}, nil); !strings.Contains(got, tc.want) {
			t.Errorf("%s %s:\n got %s\nwant %s", tc.action, tc.res, got, tc.want)
		}
	}
}

func TestVerifyTrustsIoT(t *testing.T) {
	for doc, want := range map[string]bool{
		`{"Statement":[{"Effect":"Allow","Principal":{"Service":"iot.amazonaws.com"},"Action":"sts:AssumeRole"}]}`:         true,
		`{"Statement":{"Effect":"Allow","Principal":{"Service":["iot.amazonaws.com"]},"Action":["sts:*"]}}`:                true,
		`{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`:      false,
		`{"Statement":[{"Effect":"Deny","Principal":{"Service":"iot.amazonaws.com"},"Action":"sts:AssumeRole"}]}`:          false,
		`{"Statement":[{"Effect":"Allow","Principal":{"Service":"iot.amazonaws.com"},"Action":"sts:AssumeRoleWithSAML"}]}`: false,
	} {
		if got := trustsIoT(doc); got != want {
			t.Errorf("%s: %v, want %v", doc, got, want)
		}
	}
}

func TestVerifyConfVarsFollowTheGenerator(t *testing.T) {
	for _, tc := range []struct {
		nucleus string
		gen     model.Generation
		want    string
	}{
		{model.NucleusBin, model.GenerationNew, "IOT_ROLE_ALIAS:pn-greengrass-plugin-fleetprovisioning"},
		{model.NucleusBin, model.GenerationOld, "GGV2_TES_RALIAS"},
		{model.NucleusLite, model.GenerationOld, "IOT_ROLE_ALIAS:pn-greengrass-lite"},
	} {
		v := &Verifier{device: model.DeviceProfile{Nucleus: tc.nucleus}, gen: tc.gen}
		if got := v.confVar("alias"); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.nucleus, tc.gen, got, tc.want)
		}
	}
}
