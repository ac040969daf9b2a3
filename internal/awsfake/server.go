// Package awsfake is a stateful stand-in for the parts of AWS IoT, IAM and STS that fleetbake calls. It
// speaks the real wire protocols (IoT REST-JSON, IAM and STS query with XML answers), so tests drive it with
// the real aws-sdk-go-v2 clients pointed at its URL through BaseEndpoint or --endpoint-url.
//
// Requests are told apart by the service in the SigV4 credential scope of their Authorization header. Every
// call is counted, can be refused by Deny rules, slowed by SetLatency and failed at random by SetFaults.
package awsfake

import (
	"math/rand"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Defaults used when Options leaves a field empty.
const (
	DefaultAccount   = "123456789012"
	DefaultRegion    = "us-east-1"
	DefaultCallerARN = "arn:aws:iam::123456789012:user/fleetbake-test"
	DefaultUserID    = "AIDAFLEETBAKETESTUSER"
	// AccessKeyID and SecretAccessKey are the static credentials AWSConfig and Env hand out. The server
	// does not check signatures, only that a request is signed.
	AccessKeyID     = "AKIAFLEETBAKEFAKE000"
	SecretAccessKey = "fleetbake-fake-secret-access-key"
)

// Options configures a Server. The zero value is usable.
type Options struct {
	Account   string // account ID; default DefaultAccount
	CallerARN string // ARN GetCallerIdentity returns; default DefaultCallerARN (with Account)
	UserID    string // UserId GetCallerIdentity returns; default DefaultUserID
	Region    string // region used when a request carries none; default DefaultRegion
	Seed      int64  // seed of the fault-injection RNG; 0 means 1
}

// Server is the fake endpoint. All methods are safe for concurrent use.
type Server struct {
	// URL is the base endpoint, e.g. http://127.0.0.1:34567.
	URL string

	account, callerARN, userID, region string

	http    *httptest.Server
	closing chan struct{}
	closeMu sync.Once

	mu    sync.Mutex // guards everything below
	st    *state
	ctl   control
	calls map[string]int
	rng   *rand.Rand

	inflight     int       // requests being handled
	lastActivity time.Time // when one last began or ended

	mqttMu sync.Mutex    // guards mqtt (not the endpoint's own state)
	mqtt   *mqttEndpoint // the MQTT endpoint, once StartMQTT ran
}

// control holds the behaviour knobs set by tests.
type control struct {
	throttleRate, serverErrorRate float64
	lostRate                      float64        // answer 500 after the operation took effect
	lose                          map[string]int // "service:Op" -> answers still to lose
	latency                       time.Duration
	roleDelay                     time.Duration
	denies                        []denyRule
	expired                       bool
	onCall                        func(op string)
	faults                        int
}

// New starts a Server on 127.0.0.1. Call Close when done.
func New(opts Options) *Server {
	s := &Server{
		account:   opts.Account,
		callerARN: opts.CallerARN,
		userID:    opts.UserID,
		region:    opts.Region,
		closing:   make(chan struct{}),
		calls:     map[string]int{},
	}
	if s.account == "" {
		s.account = DefaultAccount
	}
	if s.callerARN == "" {
		s.callerARN = "arn:aws:iam::" + s.account + ":user/fleetbake-test"
	}
	if s.userID == "" {
		s.userID = DefaultUserID
	}
	if s.region == "" {
		s.region = DefaultRegion
	}
	seed := opts.Seed
	if seed == 0 {
		seed = 1
	}
	s.rng = rand.New(rand.NewSource(seed))
	s.st = newState()
	s.http = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.http.URL
	return s
}

// Close stops the server, ending any call still waiting on injected latency.
func (s *Server) Close() {
	s.closeMu.Do(func() {
		close(s.closing)
		s.stopMQTT()
		s.http.CloseClientConnections()
		s.http.Close()
	})
}

// Account returns the account ID the server plays.
func (s *Server) Account() string { return s.account }

// Region returns the default region.
func (s *Server) Region() string { return s.region }
