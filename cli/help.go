package cli

import (
	"flag"
	"fmt"
	"strings"

	"fleetbake/model"
)

// runHelp answers `fleetbake help [settings | command...]`: the command list,
// the settings table, or one command's summary and flags (the same text as
// `fleetbake <command> --help`, on stdout). An unknown command is a usage
// error (exit 2), as it is without `help`.
func runHelp(env *cliEnv, args []string) int {
	if len(args) == 0 {
		usage(env.stdout)
		return 0
	}
	if len(args) == 1 && args[0] == "settings" {
		model.WriteSettings(env.stdout)
		return 0
	}
	name := strings.Join(args, " ")
	c, ok := env.lookup(name)
	if !ok && listGroup(env, name) {
		return 0
	}
	if !ok {
		fmt.Fprintf(env.stderr, "fleetbake: help: no command %q; the commands are:\n\n", model.PrintableLines(name))
		usage(env.stderr)
		return 2
	}
	// The command prints its usage where its flag errors go; here that is
	// stdout, as asked for.
	helpEnv := *env
	helpEnv.stderr = env.stdout
	return finish(&helpEnv, c.run(&helpEnv, []string{"--help"}))
}

// listGroup prints the commands under a first word that is no command by
// itself (`help provision`, `help export`); false when there are none.
func listGroup(env *cliEnv, word string) bool {
	found := false
	for _, c := range env.commands {
		if strings.HasPrefix(c.name, word+" ") {
			if !found {
				fmt.Fprintf(env.stdout, "%s commands (`fleetbake help %s <command>` for one):\n", word, word)
			}
			fmt.Fprintf(env.stdout, "  %-26s %s\n", c.name, c.summary)
			found = true
		}
	}
	return found
}

// commandUsage is a subcommand's --help: what it does, then its flags.
func commandUsage(env *cliEnv, fs *flag.FlagSet, name string) {
	w := fs.Output()
	fmt.Fprintf(w, "Usage: fleetbake %s [flags]\n", name)
	if c, ok := env.lookup(name); ok {
		fmt.Fprintf(w, "\n%s.\n", upperFirst(c.summary))
		if c.details != "" {
			fmt.Fprintf(w, "\n%s\n", c.details)
		}
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.PrintDefaults()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
