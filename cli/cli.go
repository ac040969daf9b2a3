// Package cli is fleetbake's command line: the table of commands below, one
// file per area with its flags and output. Each command calls package app for
// the work and only parses flags and prints; with no command it opens the UI.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"fleetbake/model"
)

// Version is set at build time with -ldflags "-X fleetbake/cli.Version=...".
var Version = "dev"

// command is one subcommand: its name (possibly two words, "layers fetch"),
// a one-line summary for help, and the function that runs it.
type command struct {
	name    string
	summary string
	// details: more of what `<command> --help` says, after the summary.
	details string
	run     func(env *cliEnv, args []string) error
}

// commands is the whole command line, in the order help lists it.
var commandTable = []command{
	{name: "ui", summary: "open the guided terminal UI (the default with no command)", run: runUI},
	{name: "init", summary: "write a new fleetbake.toml (--machine, --distro, --image, --layers, --release, ...)", run: runInit},
	{name: "layers", summary: "list the layers on disk, the release and what the project needs (--json)", run: runLayers,
		details: "What the walk found is kept in $XDG_CACHE_HOME/fleetbake (default ~/.cache/fleetbake) and used while\nnothing it read changed; FLEETBAKE_NO_CACHE=1 walks the folders again, when the list looks wrong."},
	{name: "layers fetch", summary: "clone the layers the project needs, shallow at their pins or branch, 4 at a time (--history, --jobs)", run: runLayersFetch},
	{name: "layers lock", summary: "record the commit of every layer repository in fleetbake.toml [pins]", run: runLayersLock},
	{name: "generate", summary: "write conf/local.conf and conf/bblayers.conf (fleetbake's block only; --diff, --dry-run)", run: runGenerate},
	{name: "export kas", summary: "print the equivalent kas project file (kas 3.0+), or -o write it with its lock file (--check for CI)", run: runExportKas},
	{name: "export ci", summary: "print (or -o write) a CI pipeline that builds the image with kas (--github --runner-label L, or --gitlab)", run: runExportCI},
	{name: "export bitbake-setup", summary: "write a bitbake-setup configuration (pinned sources, MACHINE/DISTRO, a fragment) into -o DIR", run: runExportBBSetup},
	{name: "doctor", summary: "check the host for a build: BitBake, en_US.UTF-8 locale, host tools, disk space, not root", run: runDoctor},
	{name: "provision plan", summary: "show what `provision apply` would create or change in AWS (read-only)", run: runProvisionPlan},
	{name: "provision apply", summary: "create the AWS side of fleet provisioning and write endpoints into the project", run: runProvisionApply},
	{name: "provision status", summary: "show which fleet provisioning resources exist in AWS now", run: runProvisionStatus},
	{name: "provision destroy", summary: "delete exactly the AWS resources fleetbake created (needs --yes)", run: runProvisionDestroy},
	{name: "provision rotate-claim", summary: "replace the claim key and certificate; the old one is deactivated", run: runProvisionRotate},
	{name: "verify", summary: "check conf, claim files and AWS agree and the policies allow the devices (read-only; --json)", run: runVerify},
	{name: "build", summary: "check the host, start bitbake for the image in the background and follow it", run: runBuild},
	{name: "build attach", summary: "follow the running (or last) build from the start of its log", run: runBuildAttach},
	{name: "build stop", summary: "stop the build: running tasks finish (--force or a second stop kills them)", run: runBuildStop},
	{name: "build status", summary: "print phase, tasks N of M, elapsed, ETA, failures and the log path", run: runBuildStatus},
	{name: "version", summary: "print the fleetbake version", run: runVersion},
}

// lookup finds a command by name. The table reaches commands through env
// (a package-level initializer cannot: the table refers to runUI, which
// lists the commands).
func (env *cliEnv) lookup(name string) (command, bool) {
	for _, c := range env.commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// cliEnv carries what every subcommand shares: where output goes and which
// project file to use.
type cliEnv struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	configPath     string    // from --config or FLEETBAKE_CONFIG; default fleetbake.toml
	commands       []command // the command table
}

// exitError lets a command choose its exit code (BitBake's, 130 after Ctrl-C).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// Run parses the global flags, finds the subcommand and runs it, returning
// the process exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &cliEnv{stdout: stdout, stderr: stderr, stdin: stdin, commands: commandTable}
	env.configPath = os.Getenv("FLEETBAKE_CONFIG")

	// Global flags may come before the subcommand: fleetbake --config x.toml generate
	rest, err := parseGlobal(env, args)
	if err != nil {
		fmt.Fprintln(stderr, "fleetbake:", model.PrintableLines(err.Error()))
		return 2
	}
	if env.configPath == "" {
		env.configPath = model.DefaultFile
	}
	if len(rest) == 0 {
		return finish(env, runUI(env, nil))
	}
	switch rest[0] {
	case "help", "-h", "--help":
		return runHelp(env, rest[1:])
	}
	// Two-word commands first: "layers fetch" before "layers".
	if len(rest) >= 2 {
		if c, ok := env.lookup(rest[0] + " " + rest[1]); ok {
			return finish(env, c.run(env, rest[2:]))
		}
	}
	c, ok := env.lookup(rest[0])
	if !ok {
		fmt.Fprintf(stderr, "fleetbake: unknown command %q; run `fleetbake help` for the list\n", rest[0])
		return 2
	}
	return finish(env, c.run(env, rest[1:]))
}

func parseGlobal(env *cliEnv, args []string) ([]string, error) {
	for len(args) > 0 {
		a := args[0]
		switch {
		case a == "--config" || a == "-config":
			if len(args) < 2 {
				return nil, errors.New("--config needs a path to a fleetbake.toml")
			}
			env.configPath = args[1]
			args = args[2:]
		case strings.HasPrefix(a, "--config="):
			env.configPath = strings.TrimPrefix(a, "--config=")
			args = args[1:]
		default:
			return args, nil
		}
	}
	return args, nil
}

func finish(env *cliEnv, err error) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0 // --help printed the flags, whoever wrapped it (verify's exit 2)
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(env.stderr, "fleetbake:", model.PrintableLines(ee.err.Error()))
		}
		return ee.code
	}
	fmt.Fprintln(env.stderr, "fleetbake:", model.PrintableLines(err.Error()))
	return 1
}

// newFlags makes a flag set for a subcommand whose errors go to stderr and
// which accepts --config after the subcommand too.
func newFlags(env *cliEnv, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("fleetbake "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	// The flag package prints the default itself; the usage says only where
	// else the path can come from.
	fs.StringVar(&env.configPath, "config", env.configPath, "project file (also $FLEETBAKE_CONFIG)")
	fs.Usage = func() { commandUsage(env, fs, name) }
	return fs
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "fleetbake: one guided, repeatable Yocto build for an AWS IoT Greengrass fleet.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: fleetbake [--config FILE] [command] [flags]")
	fmt.Fprintln(w, "With no command, fleetbake opens the terminal UI.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commandTable[1:] { // all but the UI, which is the default
		fmt.Fprintf(w, "  %-26s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "The project file is fleetbake.toml in the current folder unless --config or FLEETBAKE_CONFIG names another;")
	fmt.Fprintln(w, "`fleetbake help settings` lists every setting it holds.")
}

func runVersion(env *cliEnv, args []string) error {
	fs := newFlags(env, "version")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, "fleetbake", Version)
	return nil
}
