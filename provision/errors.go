package provision

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/smithy-go"

	"fleetbake/internal/lazyre"
)

// errNoCredentials stands for a configuration without any credentials provider.
var errNoCredentials = errors.New("failed to retrieve credentials: no credentials provider")

// ErrConflict is wrapped by errors about a name that exists in the account
// but that fleetbake did not create (not in the state file, not tagged).
var ErrConflict = errors.New("name taken by a resource fleetbake did not create")

// ErrUntracked: destroy in a folder with no state file, without --tagged.
var ErrUntracked = errors.New("destroy refused")

// Error is an AWS call that failed, with what the engineer should do next.
type Error struct {
	Op       string // AWS operation, e.g. iam:CreateRole
	Resource string // name or ARN it was about
	Hint     string // what to do
	Err      error
	// HintFirst puts what to do before the SDK's text: for missing
	// credentials that text is the SDK's whole provider chain (the EC2
	// metadata service and all), which told an engineer at a desk nothing.
	HintFirst bool
}

func (e *Error) Error() string {
	msg := e.Detail()
	switch {
	case e.Hint != "" && e.HintFirst:
		msg = e.Hint + "\n  detail: " + msg
	case e.Hint != "":
		msg += "\n  what to do: " + e.Hint
	}
	return msg
}

// Detail is the failed operation and the SDK's error, without the hint.
func (e *Error) Detail() string {
	if e.Resource == "" {
		return fmt.Sprintf("%s: %v", e.Op, e.Err)
	}
	return fmt.Sprintf("%s %s: %v", e.Op, e.Resource, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

var notAuthorizedRe = lazyre.MustCompile(`(?:User|Principal): (\S+) is not authorized to perform: (\S+)(?: on resource: (\S+))?`)

// wrapErr turns an SDK error into an *Error whose Hint says what to do.
func wrapErr(op, resource string, err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &Error{Op: op, Resource: resource, Hint: hintFor(err), Err: err}
}

func hintFor(err error) string {
	msg := err.Error()
	var tokenErr *ssocreds.InvalidTokenError
	if errors.As(err, &tokenErr) || strings.Contains(msg, "SSO session has expired") ||
		strings.Contains(msg, "refresh cached SSO token failed") || strings.Contains(msg, "failed to read cached SSO token") {
		return "your AWS SSO session has expired: run `aws sso login` (with --profile if you use one) and try again"
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code := apiErr.ErrorCode()
		switch {
		case code == "ExpiredToken" || code == "ExpiredTokenException" || code == "RequestExpired":
			return "your AWS session credentials have expired: refresh them (`aws sso login`, or new temporary keys) and try again"
		case code == "InvalidClientTokenId" || code == "UnrecognizedClientException" || code == "SignatureDoesNotMatch" || code == "InvalidSignatureException":
			return "AWS does not accept these credentials: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile's keys (`aws sts get-caller-identity`)"
		case strings.Contains(code, "AccessDenied") || code == "UnauthorizedException" || code == "UnauthorizedOperation":
			if m := notAuthorizedRe().FindStringSubmatch(apiErr.ErrorMessage()); m != nil {
				res := m[3]
				if res == "" {
					res = "*"
				}
				return fmt.Sprintf("AWS refused %s on %s for %s: grant that action on that resource in an IAM policy of this principal, or use a profile that has it", m[2], res, m[1])
			}
			return "AWS refused the call (" + apiErr.ErrorMessage() + "): grant the IAM action named above to this principal, or use a profile that has it"
		case code == "Throttling" || code == "ThrottlingException" || code == "TooManyRequestsException":
			return "AWS kept throttling after many retries: wait a minute and run again (apply resumes where it stopped)"
		case code == "LimitExceeded" || code == "LimitExceededException":
			return "an AWS quota was reached: delete unused resources of this kind or ask AWS for a higher quota"
		case code == "DeleteConflict" || code == "DeleteConflictException":
			return "still in use by something fleetbake did not create (devices' certificates or other roles): detach it there, then run destroy again"
		}
	}
	if isNoCredentials(msg) {
		return "no AWS credentials found: run `aws configure` or `aws sso login`, pass --profile, or set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Sprintf("cannot resolve %s: check the region (is it a real region where AWS IoT is offered?), --endpoint-url, and this machine's network/proxy", dnsErr.Name)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return "cannot reach the AWS endpoint: check network, proxy (HTTPS_PROXY) and --endpoint-url"
	}
	return ""
}

func isNoCredentials(msg string) bool {
	for _, s := range []string{"failed to retrieve credentials", "no EC2 IMDS role found", "failed to refresh cached credentials",
		"static credentials are empty", "get identity: get credentials", "AnonymousCredentials"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// apiCode returns the AWS error code of err, or "".
func apiCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// isNotFound reports whether err says the resource does not exist.
func isNotFound(err error) bool {
	switch apiCode(err) {
	case "NoSuchEntity", "ResourceNotFoundException", "NotFoundException":
		return true
	}
	return false
}

// isAlreadyExists reports whether a create call found the name taken.
func isAlreadyExists(err error) bool {
	switch apiCode(err) {
	case "EntityAlreadyExists", "ResourceAlreadyExistsException":
		return true
	}
	return false
}
