package awsfake

import (
	"maps"
	"strings"
	"time"
)

// denyRule refuses calls whose action and resource match two globs.
type denyRule struct{ action, resource string }

// Deny makes every later call whose IAM action matches action (e.g. "iam:CreateRole", "iot:*") on a
// resource whose ARN matches resourceGlob (e.g. "arn:aws:iam::*:role/fb-*", "*") fail the way AWS refuses
// an explicit deny: AccessDeniedException (403) from IoT, AccessDenied (403) from IAM and STS, with the
// message "User: <caller> is not authorized to perform: <action> on resource: <arn> ...".
// In globs '*' matches any run of characters, '/' included.
func (s *Server) Deny(action, resourceGlob string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctl.denies = append(s.ctl.denies, denyRule{action, resourceGlob})
}

// ClearDenies removes every Deny rule.
func (s *Server) ClearDenies() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctl.denies = nil
}

// SetFaults makes each later call fail before it touches any state: with probability throttleRate as
// throttled (IoT ThrottlingException 429, IAM/STS Throttling 400), else with probability serverErrorRate
// as a server error (alternately 500 InternalFailure and 503 ServiceUnavailable). The draw uses the
// server's seeded RNG. The SDK's standard retryer retries all of these. SetFaults(0, 0) turns them off.
func (s *Server) SetFaults(throttleRate, serverErrorRate float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctl.throttleRate, s.ctl.serverErrorRate = throttleRate, serverErrorRate
}

// SetLostResponses makes each later call that succeeds answer, with probability rate, a 500 server error
// after the operation took effect, as when AWS loses the answer of a request it carried out (or the
// connection drops on the way back). The SDK retries it: a create then finds its name taken, and a call
// that is not idempotent (CreateCertificateFromCsr, CreateKeysAndCertificate, CreatePolicyVersion) runs
// twice. The draw uses the server's seeded RNG and counts in Faults. SetLostResponses(0) turns it off.
func (s *Server) SetLostResponses(rate float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctl.lostRate = rate
}

// LoseAnswer makes the next n calls of op ("iot:CreateCertificateFromCsr") that succeed answer a 500 server
// error after they took effect, like SetLostResponses but for one operation and without chance.
func (s *Server) LoseAnswer(op string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctl.lose == nil {
		s.ctl.lose = map[string]int{}
	}
	s.ctl.lose[op] = n
}

// takeLose reports whether this successful call of op loses its answer (LoseAnswer); caller holds s.mu.
func (s *Server) takeLose(op string) bool {
	if s.ctl.lose[op] <= 0 {
		return false
	}
	s.ctl.lose[op]--
	s.ctl.faults++
	return true
}

// rollLost draws whether a successful call loses its answer; caller holds s.mu.
func (s *Server) rollLost() bool {
	if s.ctl.lostRate <= 0 || s.rng.Float64() >= s.ctl.lostRate {
		return false
	}
	s.ctl.faults++
	return true
}

func internalFailure(c *call) *apiError {
	if c.service == "iot" {
		return errf(500, "InternalFailureException", "An internal error occurred")
	}
	return errf(500, "InternalFailure", "An internal error occurred")
}

// Faults returns how many calls failed from SetFaults and SetLostResponses so far.
func (s *Server) Faults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctl.faults
}

// SetLatency delays every later call by d before it is answered (0 turns it off). A waiting call ends
// early when its client gives up or the server closes.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctl.latency = d
}

// SetRoleAssumeDelay plays IAM's eventual consistency: for d after an IAM role is created (or its trust
// policy updated), IoT calls that pass the role's ARN (CreateRoleAlias, UpdateRoleAlias,
// CreateProvisioningTemplate, UpdateProvisioningTemplate) fail with InvalidRequestException "AWS IoT
// (iot.amazonaws.com) is unable to assume role ... please try again in a few seconds.". 0 turns it off.
func (s *Server) SetRoleAssumeDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctl.roleDelay = d
}

// ExpireCredentials makes every later call fail as with an expired session token (ExpiredTokenException
// from IoT, ExpiredToken from IAM and STS, 403) until called with false.
func (s *Server) ExpireCredentials(expired bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctl.expired = expired
}

// OnCall registers fn to be called with "service:Operation" as each request arrives, after it is counted
// and before it is answered; tests use it to cancel a run part way. fn runs without the server lock and
// may call the Server's methods. nil removes it.
func (s *Server) OnCall(fn func(op string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctl.onCall = fn
}

// Calls returns how many requests arrived per "service:Operation" (e.g. "iam:CreateRole") since the
// start or the last ResetCalls, counting every attempt, including refused and fault-injected ones.
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.calls)
}

// MutatingCalls counts the calls in Calls whose operation is not a read (Get*, Describe*, List*).
func (s *Server) MutatingCalls() int {
	n := 0
	for op, c := range s.Calls() {
		if IsMutating(op) {
			n += c
		}
	}
	return n
}

// IsMutating reports whether an operation ("iot:CreatePolicy" or "CreatePolicy") changes state: every
// operation but Get*, Describe*, List* and TestAuthorization (which evaluates policies and changes nothing).
func IsMutating(op string) bool {
	if i := strings.IndexByte(op, ':'); i >= 0 {
		op = op[i+1:]
	}
	if op == "TestAuthorization" {
		return false
	}
	for _, p := range []string{"Get", "Describe", "List"} {
		if strings.HasPrefix(op, p) {
			return false
		}
	}
	return true
}

// ResetCalls zeroes the call and fault counters.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
	s.ctl.faults = 0
}

// rollFault draws whether this call fails; caller holds s.mu.
func (s *Server) rollFault(c *call) *apiError {
	if s.ctl.throttleRate <= 0 && s.ctl.serverErrorRate <= 0 {
		return nil
	}
	r := s.rng.Float64()
	switch {
	case r < s.ctl.throttleRate:
		s.ctl.faults++
		if c.service == "iot" {
			return errf(429, "ThrottlingException", "Rate exceeded")
		}
		return errf(400, "Throttling", "Rate exceeded")
	case r < s.ctl.throttleRate+s.ctl.serverErrorRate:
		s.ctl.faults++
		if s.ctl.faults%2 == 0 {
			if c.service == "iot" {
				return errf(503, "ServiceUnavailableException", "Service is unavailable, please try again")
			}
			return errf(503, "ServiceUnavailable", "Service is unavailable, please try again")
		}
		if c.service == "iot" {
			return errf(500, "InternalFailureException", "An internal error occurred")
		}
		return errf(500, "InternalFailure", "An internal error occurred")
	}
	return nil
}

// checkDeny applies the Deny rules; caller holds s.mu.
func (s *Server) checkDeny(c *call, resource func(*call) string) *apiError {
	if len(s.ctl.denies) == 0 {
		return nil
	}
	action := c.service + ":" + c.op
	arn := "*"
	if resource != nil {
		arn = resource(c)
	}
	for _, d := range s.ctl.denies {
		if globMatch(d.action, action) && globMatch(d.resource, arn) {
			msg := "User: " + s.callerARN + " is not authorized to perform: " + action + " on resource: " + arn +
				" with an explicit deny in an identity-based policy"
			if c.service == "iot" {
				return errf(403, "AccessDeniedException", "%s", msg)
			}
			return errf(403, "AccessDenied", "%s", msg)
		}
	}
	return nil
}

// globMatch matches s against a pattern where '*' is any run of characters and '?' any one character.
func globMatch(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if globMatch(pattern[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		}
	}
	return s == ""
}

// busy counts requests being handled and remembers when one last began or
// ended, for WaitIdle.
func (s *Server) busy(delta int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight += delta
	s.lastActivity = time.Now()
}

// WaitIdle returns once no request has been handled for quiet (and none is
// being handled), or after timeout. A client that gives up on a call (a
// cancelled context, a killed process) leaves the server finishing it, as
// AWS does: a test that plays a killed run waits here before the next run
// looks at the account, so a late create is not taken for a race.
func (s *Server) WaitIdle(quiet, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		idle := s.inflight == 0 && time.Since(s.lastActivity) >= quiet
		s.mu.Unlock()
		if idle {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(quiet / 4)
	}
}
