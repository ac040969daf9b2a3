package cli

import (
	"encoding/json"
	"errors"
	"fmt"

	"fleetbake/app"
	"fleetbake/model"
)

// runVerify is `fleetbake verify`: read-only checks of the generated conf,
// the claim files and the AWS account. Exit 0 when every check passed, 1
// when one failed, 2 when verify could not run.
func runVerify(env *cliEnv, args []string) error {
	var profile, region, endpoint, generation string
	var asJSON, register bool
	fs := newFlags(env, "verify")
	fs.StringVar(&profile, "profile", "", "AWS shared config profile (default: $AWS_PROFILE or default)")
	fs.StringVar(&region, "region", "", "AWS region (default: greengrass.region in the project, else $AWS_REGION)")
	fs.StringVar(&endpoint, "endpoint-url", "", "send IoT, IAM and STS calls to this endpoint (LocalStack: http://localhost:4566)")
	fs.StringVar(&generation, "generation", "", "meta-aws generation: new or old; default: detected as generate does")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fs.BoolVar(&register, "register", false, "also run the live MQTT provisioning handshake with the claim (not available yet)")
	if err := fs.Parse(args); err != nil {
		return &exitError{code: 2, err: err}
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, err: fmt.Errorf("fleetbake verify takes no arguments, got %q", fs.Args())}
	}
	switch generation {
	case "", string(model.GenerationNew), string(model.GenerationOld):
	default:
		return &exitError{code: 2, err: fmt.Errorf("--generation %q: use new or old", generation)}
	}
	if register {
		return &exitError{code: 2, err: errors.New("verify --register (the live MQTT provisioning handshake) is not available yet; run verify without it for the read-only checks")}
	}
	p, err := app.Open(env.configPath)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	ctx, cancel := signalContext()
	defer cancel()
	rep, err := app.Verify(ctx, p, app.AWSOptions{Profile: profile, Region: region, EndpointURL: endpoint, Generation: model.Generation(generation)})
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("verify could not run: %w", err)}
	}
	if asJSON {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		fmt.Fprintln(env.stdout, string(b))
	} else {
		fmt.Fprintf(env.stdout, "AWS account %s, region %s; devices %s, meta-aws %s generation; %s\n", rep.Account, rep.Region, rep.Nucleus, rep.Generation, rep.LocalConf)
		failed := 0
		for _, c := range rep.Checks {
			fmt.Fprintf(env.stdout, "%-4s  %s: %s\n", c.Status, c.Name, c.Detail)
			fmt.Fprintf(env.stdout, "  proves: %s\n", c.Proves)
			if c.Fix != "" {
				fmt.Fprintf(env.stdout, "  fix: %s\n", c.Fix)
			}
			if c.Status == app.Fail {
				failed++
			}
		}
		if failed == 0 {
			fmt.Fprintf(env.stdout, "All %d checks passed.\n", len(rep.Checks))
		} else {
			fmt.Fprintf(env.stdout, "%d of %d checks failed.\n", failed, len(rep.Checks))
		}
	}
	if !rep.Passed {
		return &exitError{code: 1}
	}
	return nil
}
