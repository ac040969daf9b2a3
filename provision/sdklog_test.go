package provision

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

// Without credentials, the SDK's credential chain asks the instance
// metadata service; one that refuses the IMDSv2 token (403) made the SDK
// log "WARN falling back to IMDSv1" on stderr, in the middle of the wizard
// and of the plain prompts (issue 10, item 10). The error says what is
// wrong; nothing reaches stderr.
func TestNoSDKWarningOnStderr(t *testing.T) {
	var tokenAsked atomic.Bool
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" {
			tokenAsked.Store(true)
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		http.NotFound(w, r)
	}))
	defer imds.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "false")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.URL)

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	orig := os.Stderr
	os.Stderr = w
	held := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		held <- string(b)
	}()
	pv, err := New(context.Background(), newProject(t), Options{})
	if err == nil {
		_, err = pv.Identity(context.Background())
	}
	os.Stderr = orig
	w.Close()
	out := <-held
	if err == nil || !strings.Contains(err.Error(), "no AWS credentials") {
		t.Errorf("err %v, want no AWS credentials", err)
	}
	if !tokenAsked.Load() {
		t.Error("the metadata service was never asked: the test does not reach the SDK's fallback")
	}
	if out != "" {
		t.Errorf("the SDK wrote to stderr:\n%s", out)
	}
}
