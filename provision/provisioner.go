// Package provision creates, checks and removes the AWS side of Greengrass v2
// fleet provisioning with aws-sdk-go-v2: endpoints, the token exchange role
// and its role alias, the core device policy, the thing group, the
// provisioning role and template, the claim policy and the claim
// certificate. Plan is read-only; Apply runs independent calls concurrently
// and records what it created in a state file next to the project, so that
// Destroy removes exactly that and a killed Apply converges when run again.
package provision

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"

	"fleetbake/model"
)

// Options choose the AWS account, region and endpoint, and how the claim
// key is made.
type Options struct {
	// Profile is a shared config profile (--profile); empty: AWS_PROFILE or default.
	Profile string
	// Region overrides the project's greengrass.region (--region).
	Region string
	// EndpointURL sends IoT, IAM and STS calls to one base endpoint
	// (--endpoint-url; LocalStack, tests). AWS_ENDPOINT_URL works too.
	EndpointURL string
	// AWSGeneratedKey makes AWS create the claim key (CreateKeysAndCertificate)
	// instead of a key made here and a CSR. The project setting also turns it on.
	AWSGeneratedKey bool
	// Generation is the meta-aws generation of the tree. Empty means
	// model.GenerationNew.
	Generation model.Generation
	// DestroyTagged lets Destroy delete resources that carry fleetbake's
	// tags for this project's prefix although this folder has no state file
	// (it lost it, or never applied). Off by default: another project
	// folder with the same greengrass.prefix uses the same names and tags.
	DestroyTagged bool
	// Release is the meta-aws branch of the tree (empty: the project's
	// release). With the nucleus and the generation it picks the device
	// profile (model.Device) that the claim policy and the template's
	// parameters are made for.
	Release string
	// HTTPClient replaces the SDK's HTTP client (tests).
	HTTPClient aws.HTTPClient
	// StatePath overrides where the state file is (default: next to the project file).
	StatePath string
	// Sequential makes one AWS call at a time (benchmark comparison).
	Sequential bool
	// ReadOnly is for callers that only read (verify): no claim key is
	// made ahead of time.
	ReadOnly bool
}

// Provisioner does plan, apply, status, destroy and rotate-claim for one project.
type Provisioner struct {
	project *model.Project
	opts    Options
	device  model.DeviceProfile
	region  string
	names   Names
	files   claimFiles
	state   *state

	iam   *iam.Client
	iot   *iot.Client
	sts   *sts.Client
	creds aws.CredentialsProvider

	calls, mutations atomic.Int64

	idMu     sync.Mutex
	identity *Identity

	// pregen holds a claim key generated in memory while the plan's reads
	// run (RSA 2048 takes a few hundred ms); nothing is written until apply.
	pregenMu sync.Mutex
	pregen   chan keyResult

	warnMu   sync.Mutex
	warnings []string

	// rotating is set by RotateClaim: its own rotation under way is not
	// an interrupted one to settle (leftovers.go).
	rotating bool
}

// warn keeps a message for Result.Warnings.
func (pv *Provisioner) warn(msg string) {
	pv.warnMu.Lock()
	defer pv.warnMu.Unlock()
	pv.warnings = append(pv.warnings, msg)
}

// takeWarnings returns the kept messages and forgets them.
func (pv *Provisioner) takeWarnings() []string {
	pv.warnMu.Lock()
	defer pv.warnMu.Unlock()
	w := pv.warnings
	pv.warnings = nil
	return w
}

// Tunables; tests shorten them.
var (
	maxSDKBackoff       = 20 * time.Second // SDK retryer's longest wait (throttling, 5xx)
	sdkMaxAttempts      = 12
	consistencyWait     = 2 * time.Second // first wait when IoT does not yet see a new IAM role
	consistencyDeadline = 2 * time.Minute // give up waiting for IAM after this
)

// DeviceError is a refusal that comes from the devices the project
// describes (nucleus, release, meta-aws generation), not from AWS: no
// account or credentials would change it.
type DeviceError struct {
	Err error
	// Nucleus and Release are the devices refused; Refused is the device
	// table's reason (model.DeviceProfile.Refused), "" when the table has
	// no row for them at all.
	Nucleus, Release, Refused string
}

func (e *DeviceError) Error() string { return e.Err.Error() }
func (e *DeviceError) Unwrap() error { return e.Err }

// New loads the AWS configuration the standard way (environment, shared
// config and profiles, SSO) and checks every resource name before any call.
func New(ctx context.Context, p *model.Project, opts Options) (*Provisioner, error) {
	if p == nil {
		return nil, errors.New("no project")
	}
	if opts.Generation == model.GenerationUnknown {
		opts.Generation = model.GenerationNew
	}
	if opts.Release == "" {
		opts.Release = p.Release
	}
	device, err := model.Device(p.Greengrass.Nucleus, opts.Release, opts.Generation)
	if err != nil {
		return nil, &DeviceError{Err: err, Nucleus: p.Greengrass.Nucleus, Release: opts.Release}
	}
	if device.Refused != "" {
		return nil, &DeviceError{Err: fmt.Errorf("devices of this project cannot provision by claim: %s", device.Refused),
			Nucleus: device.Nucleus, Release: opts.Release, Refused: device.Refused}
	}
	if p.Greengrass.AWSGeneratedKey {
		opts.AWSGeneratedKey = true
	}
	names := ResolveNames(p.Greengrass)
	if err := names.check(); err != nil {
		return nil, err
	}
	var loadOpts []func(*config.LoadOptions) error
	if opts.Profile != "" {
		loadOpts = append(loadOpts, config.WithSharedConfigProfile(opts.Profile))
	}
	region := opts.Region
	if region == "" {
		region = p.Greengrass.Region
	}
	if region != "" {
		loadOpts = append(loadOpts, config.WithRegion(region))
	}
	if opts.HTTPClient != nil {
		loadOpts = append(loadOpts, config.WithHTTPClient(opts.HTTPClient))
	}
	// The SDK's default logger writes to os.Stderr (config resolve.go,
	// resolveDefaultAWSConfig: logging.NewStandardLogger(os.Stderr)). The one
	// message it logs on fleetbake's calls is the credential chain's "WARN
	// falling back to IMDSv1" (feature/ec2/imds token_provider.go) when no
	// credentials are set and something answers at the metadata address:
	// it landed in the middle of the wizard (held, then printed after every
	// exit) and of the plain prompts. Its outcome is what matters and is
	// reported already, as "no AWS credentials" with the fix (Identity), so
	// the SDK's own log is discarded; ClientLogMode stays 0 (no wire log).
	loadOpts = append(loadOpts, config.WithLogger(logging.Nop{}))
	loadOpts = append(loadOpts, config.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = sdkMaxAttempts
			o.MaxBackoff = maxSDKBackoff
			// The default retry quota gives up after a burst of throttling;
			// provisioning is a handful of calls, so keep retrying instead.
			o.RateLimiter = ratelimit.None
		})
	}))
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		msg := err.Error()
		hint := "check ~/.aws/config and ~/.aws/credentials"
		if strings.Contains(msg, "profile") {
			hint = fmt.Sprintf("profile %q is not in ~/.aws/config: run `aws configure --profile %s` or `aws configure sso`, or pick another with --profile", opts.Profile, opts.Profile)
		}
		return nil, &Error{Op: "load AWS configuration", Hint: hint, Err: err}
	}
	if err := checkRegion(cfg.Region); err != nil {
		return nil, err
	}
	if opts.EndpointURL != "" {
		cfg.BaseEndpoint = aws.String(opts.EndpointURL)
	}
	statePath := opts.StatePath
	if statePath == "" {
		dir := "."
		if p.Path() != "" {
			dir = p.Dir()
		}
		statePath = filepath.Join(dir, StateFile)
	}
	st, err := loadState(statePath)
	if err != nil {
		return nil, err
	}
	pv := &Provisioner{project: p, opts: opts, device: device, region: cfg.Region, names: names, files: claimPaths(p), state: st}
	count := func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("fleetbakeCallCounter",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				op := middleware.GetOperationName(ctx)
				pv.calls.Add(1)
				mut := isMutating(op)
				if mut {
					pv.mutations.Add(1)
				}
				if c, ok := ctx.Value(counterKey{}).(*callCounter); ok {
					c.calls.Add(1)
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	}
	cfg.APIOptions = append(cfg.APIOptions, count)
	if !opts.AWSGeneratedKey && !opts.ReadOnly && !fileExists(pv.files.key) {
		// RSA key generation takes a noticeable moment: start it now so the
		// key is ready when the claim certificate step runs. The goroutine
		// sends on its own copy of the channel, since takeKey clears the field.
		ch := make(chan keyResult, 1)
		pv.pregen = ch
		go func() {
			_, pemKey, err := newClaimKey()
			ch <- keyResult{pemKey, err}
		}()
	}
	pv.creds = cfg.Credentials
	pv.iam = iam.NewFromConfig(cfg)
	pv.iot = iot.NewFromConfig(cfg)
	pv.sts = sts.NewFromConfig(cfg)
	return pv, nil
}

// Region is the region fleetbake works in.
func (pv *Provisioner) Region() string { return pv.region }

// Names are the resolved resource names.
func (pv *Provisioner) Names() Names { return pv.names }

// StatePath is where the state file is.
func (pv *Provisioner) StatePath() string { return pv.state.path }

// Calls returns how many AWS operations this provisioner made so far and
// how many of them were mutating (create, update, attach, delete).
func (pv *Provisioner) Calls() (calls, mutations int) {
	return int(pv.calls.Load()), int(pv.mutations.Load())
}

func isMutating(op string) bool {
	for _, p := range []string{"Create", "Update", "Delete", "Attach", "Detach", "Put", "Tag", "Untag", "Set", "Register", "Add", "Remove"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

type counterKey struct{}

// callCounter counts the AWS calls one step makes (for the critical path).
type callCounter struct{ calls atomic.Int64 }

// Identity returns the account and principal of the credentials.
func (pv *Provisioner) Identity(ctx context.Context) (Identity, error) {
	pv.idMu.Lock()
	defer pv.idMu.Unlock()
	if pv.identity != nil {
		return *pv.identity, nil
	}
	// Resolve the credentials first (the SDK caches them), so that a missing
	// or expired login is one clear error before any AWS call.
	if pv.creds == nil {
		return Identity{}, &Error{Op: "get AWS credentials", Hint: pv.profileHint(hintFor(errNoCredentials)), Err: errNoCredentials, HintFirst: true}
	}
	if _, err := pv.creds.Retrieve(ctx); err != nil {
		if ctx.Err() != nil {
			return Identity{}, ctx.Err()
		}
		op := "get AWS credentials"
		if p := pv.profileName(); p != "" {
			op += " (profile " + p + ")"
		}
		return Identity{}, &Error{Op: op, Hint: pv.profileHint(hintFor(err)), Err: err, HintFirst: true}
	}
	out, err := pv.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, wrapErr("sts:GetCallerIdentity", "", err)
	}
	id := Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}
	pv.identity = &id
	return id, nil
}

// profileName is the shared config profile in use ("" for the default).
func (pv *Provisioner) profileName() string {
	if pv.opts.Profile != "" {
		return pv.opts.Profile
	}
	return os.Getenv("AWS_PROFILE")
}

// profileHint names the profile in a login hint: `aws sso login --profile dev`.
func (pv *Provisioner) profileHint(hint string) string {
	if p := pv.profileName(); p != "" {
		hint = strings.ReplaceAll(hint, "`aws sso login` (with --profile if you use one)", "`aws sso login --profile "+p+"`")
		hint = strings.ReplaceAll(hint, "`aws sso login`,", "`aws sso login --profile "+p+"`,")
	}
	return hint
}

// partition is the ARN partition of the caller (aws, aws-cn, aws-us-gov).
func (id Identity) partition() string {
	parts := strings.SplitN(id.ARN, ":", 3)
	if len(parts) >= 2 && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}

// takeKey returns the key made ahead of time, or makes one now.
func (pv *Provisioner) takeKey() ([]byte, error) {
	pv.pregenMu.Lock()
	ch := pv.pregen
	pv.pregen = nil
	pv.pregenMu.Unlock()
	if ch != nil {
		r := <-ch
		return r.pem, r.err
	}
	_, pemKey, err := newClaimKey()
	return pemKey, err
}
