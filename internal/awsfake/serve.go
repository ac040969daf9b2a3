package awsfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// call is one decoded request on its way through the server.
type call struct {
	s       *Server
	service string // "iot", "iam" or "sts"
	op      string // operation name, e.g. "CreateRole"
	region  string
	labels  map[string]string // IoT URI labels, unescaped
	query   url.Values
	header  http.Header
	body    []byte
	form    url.Values // IAM and STS parameters
	reqID   string
	now     time.Time
}

// handler runs an operation with the server lock held. IoT handlers return a value to encode as JSON;
// query handlers return the inner XML of the <OpResult> element ("" for operations without a result).
type handler func(c *call) (any, *apiError)

// credentialScope matches the SigV4 credential scope in an Authorization header.
var credentialScope = regexp.MustCompile(`Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request`)

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.busy(1)
	defer s.busy(-1) // also when a handler aborts with panic(http.ErrAbortHandler)
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	c := &call{s: s, query: r.URL.Query(), header: r.Header, body: body, region: s.region, now: time.Now().UTC()}
	c.reqID = s.requestID()

	// Which service: the SigV4 credential scope; a request without one is guessed from its shape so that
	// its error still comes back in a form the SDK understands.
	auth := r.Header.Get("Authorization")
	m := credentialScope.FindStringSubmatch(auth)
	if m != nil {
		c.region, c.service = m[3], m[4]
	} else {
		c.service = guessService(r, body)
	}
	var h handler
	var resource func(*call) string
	switch c.service {
	case "iot":
		h, resource = s.routeIoT(c, r)
	case "iam", "sts":
		form, perr := url.ParseQuery(string(body))
		if perr != nil {
			s.writeError(w, c, errf(400, "MalformedQueryString", "%v", perr))
			return
		}
		c.form = form
		c.op = form.Get("Action")
		h, resource = s.routeQuery(c)
	default:
		s.writeError(w, c, errf(400, "UnrecognizedClientException", "unknown service %q in credential scope", c.service))
		return
	}
	if h == nil {
		if c.service == "iot" {
			s.writeError(w, c, errf(404, "UnknownOperationException", "no IoT operation for %s %s", r.Method, r.URL.Path))
		} else {
			s.writeError(w, c, errf(400, "InvalidAction", "Could not find operation %s for version %s", c.op, c.form.Get("Version")))
		}
		return
	}
	if m == nil {
		s.writeError(w, c, missingAuth(c))
		return
	}

	name := c.service + ":" + c.op
	s.mu.Lock()
	s.calls[name]++
	ctl := s.ctl
	s.mu.Unlock()
	if ctl.onCall != nil {
		ctl.onCall(name)
	}
	if ctl.latency > 0 {
		t := time.NewTimer(ctl.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			panic(http.ErrAbortHandler) // drop the connection: an empty 200 would read as success
		case <-s.closing:
			t.Stop()
			panic(http.ErrAbortHandler)
		}
	}

	s.mu.Lock()
	if fault := s.rollFault(c); fault != nil {
		s.mu.Unlock()
		s.writeError(w, c, fault)
		return
	}
	if s.ctl.expired {
		s.mu.Unlock()
		s.writeError(w, c, expiredToken(c))
		return
	}
	if denied := s.checkDeny(c, resource); denied != nil {
		s.mu.Unlock()
		s.writeError(w, c, denied)
		return
	}
	out, aerr := h(c)
	lost := aerr == nil && (s.takeLose(name) || s.rollLost())
	s.mu.Unlock()
	if aerr != nil {
		s.writeError(w, c, aerr)
		return
	}
	if lost {
		// The operation took effect but its answer is lost: the client sees a server error and retries.
		s.writeError(w, c, internalFailure(c))
		return
	}
	s.writeResult(w, c, out)
}

// guessService picks a protocol for a request that carries no SigV4 scope.
func guessService(r *http.Request, body []byte) string {
	if r.Method == http.MethodPost && r.URL.Path == "/" && strings.Contains(string(body), "Action=") {
		if strings.Contains(string(body), "Version=2011-06-15") {
			return "sts"
		}
		return "iam"
	}
	return "iot"
}

func missingAuth(c *call) *apiError {
	if c.service == "iot" {
		return errf(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
	}
	return errf(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
}

func expiredToken(c *call) *apiError {
	if c.service == "iot" {
		return errf(403, "ExpiredTokenException", "The security token included in the request is expired")
	}
	return errf(403, "ExpiredToken", "The security token included in the request is expired")
}

func (s *Server) requestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.seq++
	n := s.st.seq
	return fmt.Sprintf("%08x-f1ee-4bac-8e00-%012x", n, n*7919)
}

func (s *Server) writeError(w http.ResponseWriter, c *call, e *apiError) {
	w.Header().Set("X-Amzn-Requestid", c.reqID)
	if c.service == "iot" {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Errortype", e.code+":")
		w.WriteHeader(e.status)
		body := map[string]any{"message": e.message}
		for k, v := range e.extra {
			body[k] = v
		}
		_ = json.NewEncoder(w).Encode(body)
		return
	}
	kind := "Sender"
	if !e.sender {
		kind = "Receiver"
	}
	var b xb
	b.raw(`<ErrorResponse xmlns="` + xmlns(c.service) + `">`)
	b.open("Error")
	b.leaf("Type", kind)
	b.leaf("Code", e.code)
	b.leaf("Message", e.message)
	b.close("Error")
	b.leaf("RequestId", c.reqID)
	b.close("ErrorResponse")
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.status)
	_, _ = io.WriteString(w, b.String())
}

func (s *Server) writeResult(w http.ResponseWriter, c *call, out any) {
	w.Header().Set("X-Amzn-Requestid", c.reqID)
	if c.service == "iot" {
		w.Header().Set("Content-Type", "application/json")
		if out == nil {
			out = struct{}{}
		}
		_ = json.NewEncoder(w).Encode(out)
		return
	}
	var b xb
	b.raw(`<` + c.op + `Response xmlns="` + xmlns(c.service) + `">`)
	// Always an <OpResult>, empty for operations without output: the SDK expects it for some (UpdateRole)
	// and skips it for the others.
	inner, _ := out.(string)
	b.raw("<" + c.op + "Result>" + inner + "</" + c.op + "Result>")
	b.open("ResponseMetadata")
	b.leaf("RequestId", c.reqID)
	b.close("ResponseMetadata")
	b.close(c.op + "Response")
	w.Header().Set("Content-Type", "text/xml")
	_, _ = io.WriteString(w, b.String())
}

func xmlns(service string) string {
	if service == "sts" {
		return "https://sts.amazonaws.com/doc/2011-06-15/"
	}
	return "https://iam.amazonaws.com/doc/2010-05-08/"
}
