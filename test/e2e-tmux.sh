#!/usr/bin/env bash
# End-to-end check of the real fleetbake binary in a real terminal (tmux):
# it types through the whole wizard with send-keys and reads each screen
# with capture-pane, on a fixture layer tree with the local AWS fake
# (internal/e2efixture). It checks:
#   - without a terminal on stdout, the UI does not start and names the
#     subcommands (exit 2);
#   - the wizard at 80x24, answers saved as they are given, a bad value
#     rejected inline, quitting mid-way and resuming where it stopped;
#   - resizing to 60x20: every line fits, header and help stay on screen;
#   - the end: conf/local.conf and conf/bblayers.conf written (with the AWS
#     endpoints), the AWS resources created in the fake account, the build
#     step reporting that there is no BitBake, ctrl+c exiting with 130;
#   - a machine filter typed and cleared with esc, then enter: the answer
#     is unchanged (the cursor went back to it);
#   - enter pressed on through Review makes no AWS call that changes the
#     account (DIR/aws-calls.txt of the fixture) until y answers the question;
#   - a failing parse (a stand-in printing real BitBake output): the ERROR
#     lines and their context on the Build screen and printed on quitting;
#   - quitting while AWS calls are under way asks first (the fake made slow);
#   - without AWS credentials (and an instance metadata endpoint that refuses
#     the IMDSv2 token), s on Review writes the conf files without the
#     endpoints, names the empty variables and reaches Build; no SDK warning
#     is printed after the exit;
#   - NO_COLOR (no color escape sequences), TERM=dumb and --accessible
#     (plain prompts, no full-screen UI).
# Every wait polls the screen with a timeout (E2E_TIMEOUT seconds, default
# 30); nothing relies on a fixed sleep. Needs tmux and Go; runs without a
# TTY (CI) and as root. Prints PASS or FAIL (with the screen) and exits
# non-zero on failure. E2E_KEEP=1 keeps the work folder for a look after.
set -eEuo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
export GOFLAGS=${GOFLAGS:--mod=mod}
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset TMUX TMUX_PANE
TIMEOUT=${E2E_TIMEOUT:-30}
started=$(date +%s)

for tool in tmux go; do
  command -v "$tool" >/dev/null || { echo "e2e-tmux: FAIL: $tool is not installed"; exit 1; }
done

work=$(mktemp -d /tmp/fleetbake-e2e.XXXXXX)
ws=$work/ws
mkdir -p "$ws" "$work/home"
sock=fleetbake-e2e-$$
fixture_pid=
session=
step="setting up"

# tm runs tmux on this script's own server: its own socket, no user config,
# UTF-8 forced whatever the locale of the machine.
tm() { tmux -u -L "$sock" -f /dev/null "$@"; }

cleanup() {
  local rc=$?
  tm kill-server >/dev/null 2>&1 || true
  if [ -n "$fixture_pid" ]; then
    kill "$fixture_pid" 2>/dev/null || true
    wait "$fixture_pid" 2>/dev/null || true
  fi
  if [ "${E2E_KEEP:-}" = 1 ]; then
    echo "e2e-tmux: work folder kept: $work"
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "e2e-tmux: FAIL: interrupted"; exit 130' INT TERM HUP

screen() { tm capture-pane -p -t "$session" 2>/dev/null || true; }

fail() {
  local secs=$(($(date +%s) - started))
  echo "e2e-tmux: FAIL at \"$step\": $*"
  if [ -n "$session" ]; then
    echo "--- screen of session $session ---"
    screen
    echo "---"
  fi
  echo "e2e-tmux: FAIL (${secs}s)"
  exit 1
}

# wait_for TEXT [SECONDS]: polls the screen until it shows TEXT (fixed
# string).
wait_for() {
  local text=$1 limit=$((SECONDS + ${2:-$TIMEOUT}))
  while ((SECONDS < limit)); do
    screen | grep -qF -- "$text" && return 0
    sleep 0.05
  done
  fail "timed out after ${2:-$TIMEOUT}s waiting for \"$text\""
}

# wait_gone TEXT: polls the screen until it no longer shows TEXT.
wait_gone() {
  local text=$1 limit=$((SECONDS + TIMEOUT))
  while ((SECONDS < limit)); do
    screen | grep -qF -- "$text" || return 0
    sleep 0.05
  done
  fail "timed out after ${TIMEOUT}s waiting for \"$text\" to go"
}

# wait_file FILE TEXT: polls until FILE exists and contains TEXT.
wait_file() {
  local file=$1 text=$2 limit=$((SECONDS + TIMEOUT))
  while ((SECONDS < limit)); do
    grep -qF -- "$text" "$file" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "timed out waiting for $file to contain \"$text\"; it has:
$(cat "$file" 2>/dev/null || echo '(no such file)')"
}

# end_session: closes the session of the run that is over.
end_session() { tm kill-session -t "$session" >/dev/null 2>&1 || true; }

keys() { tm send-keys -t "$session" "$@"; }
type_text() { tm send-keys -t "$session" -l "$1"; }

# start NAME [VAR=value ...] [-- fleetbake args]: runs fleetbake in a new
# 80x24 session in the workspace. When it exits, the pane says
# "[fleetbake exited N]" and stays, so the exit code can be read.
start() {
  session=$1
  shift
  local envs=() args=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  args=("$@")
  tm new-session -d -s "$session" -x 80 -y 24 \
    env "${envs[@]}" "$work/run.sh" "${args[@]}"
}

# frame_ok W H: the screen is H lines, none wider than W even once lines
# the terminal wrapped are joined again; the header is on the first line
# and the help on the last. Sets why when it is not.
frame_ok() {
  local w=$1 h=$2 frame joined n widest
  frame=$(tm capture-pane -p -t "$session")
  joined=$(tm capture-pane -p -J -t "$session")
  n=$(printf '%s\n' "$frame" | wc -l)
  widest=$(printf '%s\n' "$joined" | wc -L)
  why=
  if [ "$(tm display-message -p -t "$session" '#{pane_width}x#{pane_height}')" != "${w}x${h}" ]; then
    why="the terminal is not ${w}x${h} yet"
  elif ((n != h)); then
    why="the screen has $n lines, the terminal $h"
  elif ((widest > w)); then
    why="a line is $widest cells wide, the terminal $w"
  elif ! printf '%s\n' "$frame" | head -n 1 | grep -qF fleetbake; then
    why="the header is not on the first line"
  elif ! printf '%s\n' "$frame" | tail -n 1 | grep -qE '•|quit'; then
    why="the help is not on the last line"
  fi
  [ -z "$why" ]
}

# check_frame W H: waits for a frame that passes frame_ok (a redraw may be
# under way when the screen is read).
check_frame() {
  local limit=$((SECONDS + TIMEOUT)) a b
  while ((SECONDS < limit)); do
    # Two identical reads in a row that pass: the redraw is over.
    a=$(screen)
    if frame_ok "$1" "$2"; then
      sleep 0.05
      b=$(screen)
      [ "$a" = "$b" ] && frame_ok "$1" "$2" && return 0
    fi
    sleep 0.05
  done
  fail "${why:-the screen keeps changing}"
}

resize() { tm resize-window -t "$session" -x "$1" -y "$2"; }

# Any command that fails unexpectedly fails the run with the screen shown.
trap 'fail "command failed (exit $?): $BASH_COMMAND"' ERR

step="build"
go build -o "$work/fleetbake" .
go build -o "$work/e2efixture" ./internal/e2efixture
cat >"$work/run.sh" <<EOF
#!/bin/sh
# ctrl+c in plain-prompt mode is a SIGINT to the whole pane: outlive it to
# report the exit code (a handler, unlike an ignored signal, is not inherited).
trap : INT
cd "$ws" || exit 1
"$work/fleetbake" "\$@"
echo "[fleetbake exited \$?]"
exec sleep 3600
EOF
chmod +x "$work/run.sh"

step="fixture and AWS fake"
"$work/e2efixture" -dir "$ws" -timeout 20m >"$work/fixture.out" 2>&1 &
fixture_pid=$!
limit=$((SECONDS + TIMEOUT))
until grep -q '^ready ' "$work/fixture.out" 2>/dev/null; do
  kill -0 "$fixture_pid" 2>/dev/null || fail "e2efixture stopped: $(cat "$work/fixture.out")"
  ((SECONDS < limit)) || fail "e2efixture did not start"
  sleep 0.05
done
# shellcheck disable=SC1091
source "$ws/aws.env"
# No ~/.aws of the machine running this; the pane's TERM is tmux's own.
export HOME=$work/home
unset NO_COLOR ACCESSIBLE FLEETBAKE_CONFIG AWS_PROFILE

# The server outlives each run's session: one session stays, idle.
tm new-session -d -s idle -x 80 -y 24 "exec sleep 3600"

step="stdout not a terminal"
rc=0
(cd "$ws" && "$work/fleetbake" </dev/null >"$work/notty.out" 2>"$work/notty.err") || rc=$?
((rc == 2)) || fail "exit code $rc without a terminal, want 2"
grep -qF "not a terminal" "$work/notty.err" || fail "no explanation without a terminal: $(cat "$work/notty.err")"
grep -qF "fleetbake generate" "$work/notty.err" || fail "the subcommands are not named: $(cat "$work/notty.err")"
[ ! -s "$work/notty.out" ] || fail "something was drawn on stdout: $(head -c 200 "$work/notty.out")"
[ ! -e "$ws/fleetbake.toml" ] || fail "fleetbake.toml was written without a UI"

step="workspace (80x24)"
start first
wait_for "Workspace  1/10"
wait_for "release scarthgap"
wait_for "AWS 123456789012"
wait_for "8 layers, 3 machines on disk"
check_frame 80 24
# Colors are on without NO_COLOR (so the NO_COLOR check below means something).
tm capture-pane -p -e -t "$session" | grep -qE $'\e\\[([0-9]+;)*(3[0-8]|9[0-7])[;m]' ||
  fail "no color at all without NO_COLOR"
keys Enter Enter

step="machine"
wait_for "Machine  2/10"
wait_for "machines"
wait_file "$ws/fleetbake.toml" 'build_dir = "build"'
check_frame 80 24
keys Down
keys /
type_text qemuarm64
wait_for "1/1 machines"
keys Enter

step="layers"
wait_for "Layers  3/10"
wait_for "added: needed by meta-aws"
wait_file "$ws/fleetbake.toml" 'machine = "qemuarm64"'
check_frame 80 24

step="a cleared filter then enter keeps the machine"
keys Escape
wait_for "Machine  2/10"
wait_for "Current: qemuarm64"
keys /
type_text rasp
wait_for "/rasp"
keys Escape
wait_gone "/rasp"
keys Enter
wait_for "Layers  3/10"
keys Escape
wait_for "Machine  2/10"
# The answer shown is the project's: it would read the first machine of the
# list had the enter picked it.
wait_for "Current: qemuarm64"
keys Enter
wait_for "Layers  3/10"
wait_for "added: needed by meta-aws"

step="resize to 60x20"
resize 60 20
check_frame 60 20
wait_for "[x] meta-aws"

step="quit mid-way"
keys q
wait_for "[fleetbake exited 0]"
grep -qF 'machine = "qemuarm64"' "$ws/fleetbake.toml" || fail "the machine was not saved before quitting"
end_session

step="resume at the layers"
start second
wait_for "Layers  3/10"
wait_for "[x] meta-aws"
wait_for "added: needed by meta-aws"
keys Enter

step="image and distro"
wait_for "Image and distro  4/10"
wait_for "core-image-minimal"
resize 60 20
check_frame 60 20
resize 80 24
check_frame 80 24
keys Enter Enter

step="build settings, a bad value rejected inline"
wait_for "Build settings  5/10"
wait_file "$ws/fleetbake.toml" 'layers = ["meta-aws"]'
type_text 8
keys Enter
type_text x
keys Enter
wait_for '"x" is not a count'
wait_for "Build settings  5/10"
keys BSpace Enter Enter Enter Enter Enter Enter Enter

step="greengrass"
wait_for "Greengrass  6/10"
wait_for "AWS account 123456789012"
wait_file "$ws/fleetbake.toml" "bb_number_threads = 8"
check_frame 80 24
keys Enter Enter Enter C-u
type_text e2e
# Enter on through the last field, and on into Review: ten enters in all
# for the ten fields, as ui's flow tests press. An enter more would reach
# Review and toggle its y/N question once the file plan is there (and do
# nothing before), so the count of enters below would no longer decide it.
keys Enter Enter Enter Enter Enter Enter Enter

step="review: enter asks, no AWS call before y"
wait_for "Review  7/10"
wait_for "+++ b/build/conf/bblayers.conf"
wait_file "$ws/fleetbake.toml" 'prefix = "e2e"'
check_frame 80 24
grep -qx "mutating 0" "$ws/aws-calls.txt" || fail "AWS was changed before Review: $(cat "$ws/aws-calls.txt")"
# enter asks, enter again is no (the default), enter asks again: the question stays.
keys Enter Enter Enter
wait_for "Create the AWS resources in account 123456789012, us-east-1? y/N"
# That no call arrives cannot be polled for: give one a second (the fixture
# rewrites aws-calls.txt every 50 ms).
sleep 1
grep -qx "mutating 0" "$ws/aws-calls.txt" || fail "enter through Review changed AWS without y: $(cat "$ws/aws-calls.txt")"
wait_for "Review  7/10"
keys y

step="apply"
wait_for "Apply  8/10"
wait_for "All done" 60
check_frame 80 24
conf=$ws/build/conf
[ -f "$conf/local.conf" ] || fail "conf/local.conf was not written"
[ -f "$conf/bblayers.conf" ] || fail "conf/bblayers.conf was not written"
grep -qE '^MACHINE = "qemuarm64"' "$conf/local.conf" || fail "local.conf lacks MACHINE: $(cat "$conf/local.conf")"
grep -qE '^DISTRO = "poky"' "$conf/local.conf" || fail "local.conf lacks DISTRO: $(cat "$conf/local.conf")"
grep -qE '^BB_NUMBER_THREADS = "8"' "$conf/local.conf" || fail "local.conf lacks BB_NUMBER_THREADS: $(cat "$conf/local.conf")"
grep -qF 'IOT_DATA_ENDPOINT' "$conf/local.conf" || fail "local.conf lacks the AWS endpoints: $(cat "$conf/local.conf")"
grep -qF "$ws/sources/meta-aws" "$conf/bblayers.conf" || fail "bblayers.conf lacks meta-aws: $(cat "$conf/bblayers.conf")"
grep -qF 'data_endpoint = ' "$ws/fleetbake.toml" || fail "the endpoints were not saved to fleetbake.toml"
for want in "iot:thinggroup e2e-Group" "iam:role e2e-TokenExchangeRole" "iot:rolealias e2e-TokenExchangeRoleAlias" \
  "iot:provisioningtemplate e2e-Template" "iot:policy e2e-ClaimPolicy" "iot:cert "; do
  wait_file "$ws/aws-resources.txt" "$want"
done
keys Enter

step="verify"
wait_for "Verify  9/10"
wait_for "enter to build" 60
check_frame 80 24
keys Enter

step="build (no BitBake here)"
wait_for "Build  10/10"
wait_for "could not start the build"
check_frame 80 24
keys q
wait_for "[fleetbake exited 0]"
end_session

step="resume after apply, NO_COLOR"
start third NO_COLOR=1
wait_for "Review  7/10"
wait_for "Nothing to change: the files already match."
wait_for "exists"
check_frame 80 24
if tm capture-pane -p -e -t "$session" | grep -qE $'\e\\[([0-9]+;)*(3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]'; then
  fail "color escape sequences with NO_COLOR: $(tm capture-pane -p -e -t "$session" | grep -oE $'\e\\[[0-9;]*m' | sort -u | tr '\n' ' ' | cat -v)"
fi
keys C-c
wait_for "[fleetbake exited 130]"
end_session

step="a failing parse: BitBake's errors on the Build screen"
# A stand-in for bitbake that prints real BitBake 2.8 output of an expansion
# error during parsing (engine/testdata/hello-expansion-error.log).
printf '#!/bin/bash\ncat %q\nexit 1\n' "$PWD/engine/testdata/hello-expansion-error.log" >"$work/bitbake-parse-error"
chmod +x "$work/bitbake-parse-error"
start parse FLEETBAKE_BITBAKE_CMD="$work/bitbake-parse-error"
wait_for "Review  7/10"
wait_for "Nothing to change: the files already match."
keys Enter
wait_for "y/N"
keys y
wait_for "Apply  8/10"
wait_for "All done" 60
keys Enter
wait_for "Verify  9/10"
wait_for "enter to build" 60
keys Enter
wait_for "Build  10/10"
wait_for "ExpansionError during parsing"
wait_for "The variable dependency chain for the failure is: BROKEN"
wait_for "Build failed (exit code 1)"
check_frame 80 24
keys q
wait_for "[fleetbake exited 0]"
wait_for "ERROR: ExpansionError during parsing /tmp/bbe/expand/"
wait_for "ERROR: Parsing halted due to errors"
end_session

step="quit while AWS calls are under way"
echo 3s >"$ws/aws-latency" # every call of the fake now takes 3 s
start busy
wait_for "Review  7/10"
wait_for "Nothing to change: the files already match."
keys Enter
wait_for "y/N"
keys y
wait_for "Apply  8/10"
wait_for "quitting now asks first"
keys q
wait_for "Quit anyway? y/N (enter: no)"
keys n
wait_gone "Quit anyway? y/n"
wait_for "quitting now asks first"
keys C-c
wait_for "Quit anyway? y/N (enter: no)"
keys C-c # twice: out at once
wait_for "[fleetbake exited 130]"
wait_for "AWS provisioning was stopped part-way"
echo 0 >"$ws/aws-latency"
end_session

step="no AWS credentials: the files only, then Build"
rm -f "$ws/fleetbake.toml"
calls_before=$(cat "$ws/aws-calls.txt")
# The fake answers the metadata address with 404, as a host that is not EC2
# but has something there: the SDK then logged "falling back to IMDSv1".
start nocreds AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= AWS_EC2_METADATA_DISABLED=false \
  "AWS_EC2_METADATA_SERVICE_ENDPOINT=$AWS_ENDPOINT_URL"
wait_for "Workspace  1/10"
wait_for "release scarthgap"
wait_for "no AWS credentials"
keys C-u
type_text build-nc
keys Enter Enter
wait_for "Machine  2/10"
wait_for "machines"
keys /
type_text qemuarm64
wait_for "1/1 machines"
keys Enter
wait_for "Layers  3/10"
wait_for "layers in bblayers.conf"
keys Enter
wait_for "Image and distro  4/10"
wait_for "core-image-minimal"
keys Enter Enter
wait_for "Build settings  5/10"
keys Enter Enter Enter Enter Enter Enter Enter Enter
wait_for "Greengrass  6/10"
wait_for "No AWS credentials"
keys Enter Enter Enter Enter Enter Enter Enter Enter Enter Enter
wait_for "Review  7/10"
wait_for "+++ b/build-nc/conf/bblayers.conf"
wait_for "s: files only"
check_frame 80 24
keys s
wait_for "Apply  8/10"
wait_for "Files written. Press enter to run the checks that need no AWS, then build."
wait_for "IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning"
wait_for "fleetbake provision apply"
check_frame 80 24
grep -qF 'IOT_DATA_ENDPOINT:pn-greengrass-plugin-fleetprovisioning = ""' "$ws/build-nc/conf/local.conf" ||
  fail "build-nc/conf/local.conf is not written without the endpoints: $(cat "$ws/build-nc/conf/local.conf" 2>&1)"
[ "$(cat "$ws/aws-calls.txt")" = "$calls_before" ] || fail "AWS was changed without credentials: $calls_before, then $(cat "$ws/aws-calls.txt")"
keys Enter
# Verify runs only the checks that need no AWS account, and says so.
wait_for "Verify  9/10"
wait_for "Not run, because they need the AWS account"
[ "$(cat "$ws/aws-calls.txt")" = "$calls_before" ] || fail "verify called AWS without credentials: $calls_before, then $(cat "$ws/aws-calls.txt")"
keys Enter
wait_for "Build  10/10"
wait_for "could not start the build"
keys q
wait_for "[fleetbake exited 0]"
if screen | grep -qE "IMDS|WARN"; then
  fail "an AWS SDK warning was printed"
fi
end_session

step="TERM=dumb: plain prompts"
rm -f "$ws/fleetbake.toml"
start dumb TERM=dumb
wait_for "Build folder [build]:"
tm capture-pane -p -t "$session" | head -n 1 | grep -qF "answers are saved to" ||
  fail "TERM=dumb did not start with the plain prompts"
keys Enter
wait_for "Release (empty: detected from oe-core):"
keys Enter
# The machine offered is the one of the existing conf/local.conf.
wait_for "MACHINE (? lists them) [qemuarm64]:"
keys C-d
wait_for "input ended before the questions did"
wait_for "[fleetbake exited 1]"
grep -qF 'build_dir = "build"' "$ws/fleetbake.toml" || fail "the plain prompt's answer was not saved"
end_session

step="--accessible: plain prompts"
start accessible -- ui --accessible
wait_for "Build folder [build]:"
keys Enter
wait_for "Release (empty: detected from oe-core):"
keys Enter
wait_for "MACHINE (? lists them) [qemuarm64]:"
keys C-c
wait_for "[fleetbake exited 130]"
end_session

session=
echo "e2e-tmux: PASS ($(($(date +%s) - started))s)"
