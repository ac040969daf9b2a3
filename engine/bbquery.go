package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// This file asks BitBake for the values it resolves, as `bitbake-getvar`
// does, but for many variables in one server session: each bitbake-getvar
// call starts a server and loads the parse cache again, and a cold parse
// takes minutes.

// bbQueryScript reads the configuration's variables, recipes' variables
// (after BitBake's own parse: overrides, appends, bbappends, inline Python)
// and the file a recipe's file:// URL resolves to (the FILESPATH search).
// It is what bitbake-getvar does (bitbake/bin/bitbake-getvar: tinfoil,
// parse_recipe, getVar) for many variables. A recipe that cannot be parsed
// or provided is reported in "errors" and the others still answer. A query
// of no recipe parses the configuration only (tinfoil's config_only, as
// bitbake-getvar does without -r): no recipe is read, which takes seconds
// rather than a parse of every layer.
const bbQueryScript = `
import json, os, shutil, sys
bindir = os.path.dirname(os.path.realpath(shutil.which("bitbake")))
sys.path.insert(0, os.path.join(os.path.dirname(bindir), "lib"))
import bb.tinfoil
import bb.fetch2

out_path, query_path = sys.argv[1], sys.argv[2]
with open(query_path) as f:
    q = json.load(f)
res = {"config": {}, "recipes": {}, "files": {}, "localpaths": {}, "errors": {}}
recipes = q.get("recipes") or {}
with bb.tinfoil.Tinfoil() as tinfoil:
    tinfoil.prepare(config_only=not recipes, quiet=2)
    for name in q.get("config") or []:
        res["config"][name] = tinfoil.config_data.getVar(name)
    for recipe, names in recipes.items():
        try:
            d = tinfoil.parse_recipe(recipe)
        except Exception as e:
            res["errors"][recipe] = str(e) or type(e).__name__
            continue
        res["files"][recipe] = d.getVar("FILE")
        res["recipes"][recipe] = {n: d.getVar(n) for n in names}
        urls = (q.get("localpaths") or {}).get(recipe) or []
        if urls:
            fetcher = bb.fetch2.Fetch(urls, d, cache=False, localonly=True)
            res["localpaths"][recipe] = {u: fetcher.localpath(u) for u in urls}
with open(out_path, "w") as f:
    json.dump(res, f)
`

// BBQuery is what to ask BitBake in one session.
type BBQuery struct {
	Config     []string            `json:"config"`     // variables of the configuration
	Recipes    map[string][]string `json:"recipes"`    // recipe -> variables, read in the recipe
	LocalPaths map[string][]string `json:"localpaths"` // recipe -> file:// URLs to resolve
}

// BBAnswer is what BitBake resolved. A nil value is a variable that is not
// set at all.
type BBAnswer struct {
	Config     map[string]*string            `json:"config"`
	Recipes    map[string]map[string]*string `json:"recipes"`
	Files      map[string]string             `json:"files"`      // recipe -> its .bb file
	LocalPaths map[string]map[string]string  `json:"localpaths"` // recipe -> URL -> file on disk
	Errors     map[string]string             `json:"errors"`     // recipe -> why it could not be read
}

// ConfigVar is the configuration's value of name, "" when unset.
func (a *BBAnswer) ConfigVar(name string) string {
	if v := a.Config[name]; v != nil {
		return *v
	}
	return ""
}

// Var is recipe's value of name and whether it is set.
func (a *BBAnswer) Var(recipe, name string) (string, bool) {
	if v := a.Recipes[recipe][name]; v != nil {
		return *v, true
	}
	return "", false
}

// ErrRoot is returned when BitBake would be run as root.
var ErrRoot = errors.New("OE's sanity check refuses to run BitBake as root (meta/classes-global/sanity.bbclass): run this as the user that builds the image")

// BBQueryOptions say which BitBake, in which build folder.
type BBQueryOptions struct {
	// OEInit is the folder holding oe-init-build-env (FindBitBake).
	OEInit string
	// BuildDir holds conf/local.conf and conf/bblayers.conf.
	BuildDir string
	// InitScript, when set, is sourced instead of OEInit's
	// oe-init-build-env: the build/init-build-env that bitbake-setup writes
	// for its build (bitbake bin/bitbake-setup, setup_bitbake_build), which
	// enters BuildDir and passes on what the setup's fragments need.
	InitScript string
}

// QueryBitBake parses the configuration of o.BuildDir with real BitBake and
// answers q. It refuses when BitBake could not run there (root, no
// oe-init-build-env, no conf, a build running in the folder) with what to
// do; a parse that fails returns BitBake's last lines of error output.
func QueryBitBake(ctx context.Context, o BBQueryOptions, q BBQuery) (*BBAnswer, error) {
	if err := CanQueryBitBake(o); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "fleetbake-bbquery-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	qf, af, sf := filepath.Join(tmp, "query.json"), filepath.Join(tmp, "answer.json"), filepath.Join(tmp, "query.py")
	data, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(qf, data, 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(sf, []byte(bbQueryScript), 0o600); err != nil {
		return nil, err
	}
	cmd := BuildEnvCommand(ctx, o, "python3", sf, af, qf)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	runErr := cmd.Run()
	if ctx.Err() != nil {
		// Interrupted: say so at once; the server ends when it finds its
		// client gone.
		return nil, fmt.Errorf("BitBake stopped: %w", ctx.Err())
	}
	// The server writes its cache after the client returns; a build
	// started right after must not find the folder locked.
	WaitServerGone(o.BuildDir, time.Minute)
	if runErr != nil {
		return nil, fmt.Errorf("BitBake could not parse the configuration in %s: %v\n%s", o.BuildDir, runErr, Tail(stderr.String(), 20))
	}
	out, err := os.ReadFile(af)
	if err != nil {
		return nil, fmt.Errorf("no answer from BitBake: %v\n%s", err, Tail(stderr.String(), 20))
	}
	var a BBAnswer
	if err := json.Unmarshal(out, &a); err != nil {
		return nil, fmt.Errorf("answer from BitBake: %w", err)
	}
	return &a, nil
}

// BuildEnvCommand is argv run in the build environment o names (bash
// sources oe-init-build-env, or o.InitScript), outside any BitBake the
// caller's shell points at; its output is the command's own (the
// environment's banner goes to stderr). BitBake starts a server and parser
// processes: a cancelled ctx kills the whole process group.
func BuildEnvCommand(ctx context.Context, o BBQueryOptions, argv ...string) *exec.Cmd {
	// Paths travel as positional parameters, never spliced into the script.
	script, args := `cd "$1" && . ./oe-init-build-env "$2" >&2 && shift 2 && exec "$@"`, []string{o.OEInit, o.BuildDir}
	if o.InitScript != "" {
		// bitbake-setup's init-build-env ends with `set --`: keep the
		// command aside.
		script, args = `init="$1"; shift; cmd=("$@"); . "$init" >&2 && exec "${cmd[@]}"`, []string{o.InitScript}
	}
	cmd := exec.CommandContext(ctx, "bash", append(append([]string{"-c", script, "fleetbake-bitbake"}, args...), argv...)...)
	cmd.Env = EnvWithoutBitBake()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return cmd
}

// EnvWithoutBitBake is this process's environment without the variables
// by which the engineer's shell points at a BitBake server or build
// (oe-init-build-env sets them): a BitBake started from it must not answer
// for another build.
func EnvWithoutBitBake() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "BBSERVER", "BUILDDIR", "BBPATH", "BB_ENV_PASSTHROUGH_ADDITIONS", "BB_ENV_EXTRAWHITE":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// CanQueryBitBake says why BitBake cannot run for o, before it is started.
func CanQueryBitBake(o BBQueryOptions) error {
	if os.Geteuid() == 0 {
		return ErrRoot
	}
	if o.InitScript != "" {
		if _, err := os.Stat(o.InitScript); err != nil {
			return fmt.Errorf("no build environment script %s: run bitbake-setup init again", o.InitScript)
		}
	} else if o.OEInit == "" {
		return errors.New("no oe-init-build-env found in the project's sources: add your poky or openembedded-core checkout to sources in fleetbake.toml (`fleetbake doctor` shows what is found)")
	} else if _, err := os.Stat(filepath.Join(o.OEInit, "oe-init-build-env")); err != nil {
		return fmt.Errorf("no oe-init-build-env in %s: point sources at your poky or openembedded-core checkout", o.OEInit)
	}
	if _, err := exec.LookPath("bash"); err != nil {
		return errors.New("bash is not on PATH: oe-init-build-env must be sourced by bash")
	}
	for _, f := range []string{"local.conf", "bblayers.conf"} {
		if _, err := os.Stat(filepath.Join(o.BuildDir, "conf", f)); err != nil {
			return fmt.Errorf("no conf/%s in %s: run `fleetbake generate` first", f, o.BuildDir)
		}
	}
	if s, err := FindBuild(o.BuildDir); err == nil && s.Running() {
		return fmt.Errorf("%s: BitBake can serve one client per build folder; run this again when the build has ended", s.Describe())
	}
	return nil
}

// WaitServerGone waits up to d for the BitBake server of buildDir, named
// with its pid in bitbake.lock, to exit: it keeps writing its cache after
// the client returns (the real-BitBake tests wait for it before removing
// their temp folders).
func WaitServerGone(buildDir string, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		pid := bitbakeServerPID(buildDir)
		if pid == 0 || !sameProcess(pid, 0) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Tail is the last n lines of s: how an error quotes BitBake's output,
// whose cause is at its end.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
