package cli

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"fleetbake/app"
	"fleetbake/model"
)

// runVerify is `fleetbake verify`: read-only checks of the generated conf,
// the claim files and the AWS account; with --register, also a live device
// provisioned over MQTT and deleted. Exit 0 when every check passed, 1
// when one failed, 2 when verify could not run.
func runVerify(env *cliEnv, args []string) error {
	var profile, region, endpoint, generation, mqttAddr, mqttCA string
	var asJSON, register, bitbake, noAWS bool
	fs := newFlags(env, "verify")
	fs.StringVar(&profile, "profile", "", "AWS shared config profile (default: $AWS_PROFILE or default)")
	fs.StringVar(&region, "region", "", "AWS region (default: greengrass.region in the project, else $AWS_REGION)")
	fs.StringVar(&endpoint, "endpoint-url", "", "send IoT, IAM and STS calls to this endpoint (LocalStack: http://localhost:4566)")
	fs.StringVar(&generation, "generation", "", "meta-aws generation: new or old; default: detected as generate does")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fs.BoolVar(&register, "register", false, "also provision a test device with the claim over MQTT, then delete its thing and certificate")
	fs.BoolVar(&bitbake, "bitbake", false, "check the first boot with the values real BitBake resolves (parses the build folder's conf: minutes when its cache is cold; not as root)")
	fs.BoolVar(&noAWS, "no-aws", false, "run only the checks that need no AWS account (the conf files, the claim files, the first boot)")
	fs.StringVar(&mqttAddr, "mqtt-endpoint", "", "testing only: with --register, connect to this host:port instead of the account's data endpoint (a local stand-in)")
	fs.StringVar(&mqttCA, "mqtt-ca", "", "testing only: with --mqtt-endpoint, trust the CA in this PEM file instead of the image's root CA")
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
	if noAWS && register {
		return &exitError{code: 2, err: errors.New("--register provisions a test device in the AWS account: it cannot run with --no-aws")}
	}
	live := app.LiveOptions{Addr: mqttAddr}
	if (mqttAddr != "" || mqttCA != "") && !register {
		return &exitError{code: 2, err: errors.New("--mqtt-endpoint and --mqtt-ca are for the live check: add --register")}
	}
	if mqttCA != "" {
		b, err := os.ReadFile(mqttCA)
		if err != nil {
			return &exitError{code: 2, err: fmt.Errorf("--mqtt-ca: %w", err)}
		}
		live.RootCAs = x509.NewCertPool()
		if !live.RootCAs.AppendCertsFromPEM(b) {
			return &exitError{code: 2, err: fmt.Errorf("--mqtt-ca %s holds no PEM certificate", mqttCA)}
		}
	}
	p, err := app.Open(env.configPath)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	ctx, cancel := signalContext()
	defer cancel()
	vo := app.VerifyOptions{Register: register, Live: live, BitBake: bitbake, NoAWS: noAWS,
		AWSOptions: app.AWSOptions{Profile: profile, Region: region, EndpointURL: endpoint, Generation: model.Generation(generation)}}
	if bitbake && !asJSON {
		// Said when the query starts, not before verify refuses it (root,
		// no build environment, no BitBake in the sources).
		vo.OnBitBakeStart = func() {
			fmt.Fprintln(env.stderr, "Reading the image's first-boot facts from BitBake (a cold parse takes minutes)...")
		}
	}
	rep, err := app.VerifyWith(ctx, p, vo)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("verify could not run: %w", err)}
	}
	if asJSON {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		// Details carry values from AWS and from files fleetbake did not
		// write; encoding/json leaves DEL and C1 controls (CSI U+009B) raw,
		// and a terminal acts on them: escape them as layers --json does.
		fmt.Fprintln(env.stdout, string(model.PrintableJSON(b)))
	} else {
		account := "AWS account " + rep.Account
		if noAWS {
			account = "no AWS account (--no-aws)"
		}
		fmt.Fprintf(env.stdout, "%s, region %s; devices %s, meta-aws %s generation; %s\n", account, rep.Region, rep.Nucleus, rep.Generation, rep.LocalConf)
		for _, c := range rep.Checks {
			// Escaped as in --json: details carry values from AWS and files.
			fmt.Fprintf(env.stdout, "%-4s  %s: %s\n", c.Status, c.Name, model.Printable(c.Detail))
			for _, st := range c.Steps {
				mark := "ok  "
				if !st.OK {
					mark = "FAIL"
				}
				fmt.Fprintf(env.stdout, "  %s %s: %s\n", mark, st.Name, model.Printable(st.Detail))
			}
			fmt.Fprintf(env.stdout, "  proves: %s\n", c.Proves)
			if c.Fix != "" {
				fmt.Fprintf(env.stdout, "  fix: %s\n", model.Printable(c.Fix))
			}
		}
		fmt.Fprintln(env.stdout, rep.Summary())
	}
	if !rep.Passed {
		return &exitError{code: 1}
	}
	return nil
}
