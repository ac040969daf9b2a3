package provision

import (
	"context"
	"errors"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// clockSlack is how far AWS's clock, which stamps a certificate's creation
// date, may be from this machine's when there is no answer to compare with.
const clockSlack = 2 * time.Minute

// attempts watches every attempt the SDK's retryer sends of one
// certificate request: how many may have made a certificate (all but those
// AWS refused), and where AWS's clock was when the last answer came.
type attempts struct {
	mu       sync.Mutex
	acted    int           // attempts that may have made a certificate (success included)
	skew     time.Duration // AWS's clock minus ours, from a Date header
	haveSkew bool
}

// option adds the watcher to one call, inside the retry loop.
func (at *attempts) option(o *iot.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Finalize.Insert(middleware.FinalizeMiddlewareFunc("fleetbakeAttempts",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleFinalize(ctx, in)
				at.mu.Lock()
				if err == nil || !isRefusal(err) {
					at.acted++
				}
				if srv, ok := awsmiddleware.GetServerTime(md); ok {
					if got, ok := awsmiddleware.GetResponseAt(md); ok {
						at.skew, at.haveSkew = srv.Sub(got), true
					}
				}
				at.mu.Unlock()
				return out, md, err
			}), "Retry", middleware.After)
	})
}

// end is the latest time, on AWS's clock, at which one of the request's
// attempts can have made a certificate: now (the call just returned) moved
// by the measured skew, plus a second for the Date header's whole seconds.
// Without a Date header to measure by, clockSlack stands for the skew.
func (at *attempts) end() time.Time {
	at.mu.Lock()
	defer at.mu.Unlock()
	now := time.Now().UTC()
	if at.haveSkew {
		return now.Add(at.skew + time.Second)
	}
	return now.Add(clockSlack)
}

func (at *attempts) actedCount() int {
	at.mu.Lock()
	defer at.mu.Unlock()
	return at.acted
}

// isRefusal reports whether err is AWS refusing a request, so that the
// request did nothing: an API error with a 4xx status (but 408) or a known
// client error code. A 5xx, a lost connection, a timeout or a cancelled
// context are not: the request may have been carried out.
func isRefusal(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) {
		code := respErr.HTTPStatusCode()
		return code >= 400 && code < 500 && code != 408
	}
	switch apiErr.ErrorCode() {
	case "AccessDeniedException", "AccessDenied", "InvalidRequestException", "UnauthorizedException",
		"ValidationException", "ThrottlingException", "Throttling", "TooManyRequestsException",
		"LimitExceededException", "ExpiredTokenException", "UnrecognizedClientException", "InvalidSignatureException":
		return true
	}
	return false
}
