package ui

// RealOptions configure the services wired to fleetbake's packages.
type RealOptions struct {
	// EndpointURL sends every AWS call to this endpoint (tests: internal/awsfake).
	EndpointURL string
	// Profile is the AWS shared-config profile; empty means the default chain.
	Profile string
	// BuildCommand, when set, stands in for bitbake (tests): see
	// engine.StartOptions.Command.
	BuildCommand []string
}

// Real returns Services wired to the model, generator, provision and engine
// packages.
func Real(o RealOptions) *Services {
	s := &Services{}
	modelServices(s)
	fileServices(s)
	awsServices(s, o)
	buildServices(s, o)
	return s
}
