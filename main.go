// Command fleetbake walks an embedded-Linux engineer through one Yocto build
// for an AWS IoT Greengrass fleet: layers, BitBake configuration, the AWS side
// of fleet provisioning, and the build itself.
//
// `fleetbake` with no arguments opens the terminal UI; each subcommand does
// one step without it. Subcommands live in cmd_*.go, one file per area, and
// register themselves with register so this file stays the dispatcher only.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"fleetbake/model"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand: its name (possibly two words, "layers fetch"),
// a one-line summary for help, and the function that runs it.
type command struct {
	name    string
	summary string
	run     func(env *cliEnv, args []string) error
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

// cliEnv carries what every subcommand shares: where output goes and which
// project file to use.
type cliEnv struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	configPath     string // from --config or FLEETBAKE_CONFIG; default fleetbake.toml
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

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run parses the global flags, finds the subcommand and runs it, returning
// the process exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &cliEnv{stdout: stdout, stderr: stderr, stdin: stdin}
	env.configPath = os.Getenv("FLEETBAKE_CONFIG")

	// Global flags may come before the subcommand: fleetbake --config x.toml generate
	rest, err := parseGlobal(env, args)
	if err != nil {
		fmt.Fprintln(stderr, "fleetbake:", err)
		return 2
	}
	if env.configPath == "" {
		env.configPath = model.DefaultFile
	}
	if len(rest) == 0 {
		if c, ok := commands["ui"]; ok {
			return finish(env, c.run(env, nil))
		}
		usage(stdout)
		return 0
	}
	switch rest[0] {
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	// Two-word commands first: "layers fetch" before "layers".
	if len(rest) >= 2 {
		if c, ok := commands[rest[0]+" "+rest[1]]; ok {
			return finish(env, c.run(env, rest[2:]))
		}
	}
	c, ok := commands[rest[0]]
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
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(env.stderr, "fleetbake:", ee.err)
		}
		return ee.code
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(env.stderr, "fleetbake:", err)
	return 1
}

// newFlags makes a flag set for a subcommand whose errors go to stderr and
// which accepts --config after the subcommand too.
func newFlags(env *cliEnv, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("fleetbake "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.StringVar(&env.configPath, "config", env.configPath, "project file (default fleetbake.toml, or $FLEETBAKE_CONFIG)")
	return fs
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "fleetbake: one guided, repeatable Yocto build for an AWS IoT Greengrass fleet.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: fleetbake [--config FILE] [command] [flags]")
	fmt.Fprintln(w, "With no command, fleetbake opens the terminal UI.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		if n != "ui" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-26s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "The project file is fleetbake.toml in the current folder unless --config or FLEETBAKE_CONFIG names another.")
}

func init() {
	register(command{name: "version", summary: "print the fleetbake version", run: func(env *cliEnv, args []string) error {
		fmt.Fprintln(env.stdout, "fleetbake", version)
		return nil
	}})
}
