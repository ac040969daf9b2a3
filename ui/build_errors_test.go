package ui

import (
	"strings"
	"testing"

	"fleetbake/model"
)

// expansionError is what the app makes of real BitBake 2.8 output for an
// expansion error during parsing (engine/testdata/hello-expansion-error.log,
// paths moved under /src/poky/build).
var expansionError = []BuildError{
	{Text: "ExpansionError during parsing /src/layers/meta-hello/recipes/libgreet_2.1.bb", Context: []string{
		"bb.data_smart.ExpansionError: Failure expanding variable BROKEN, expression was ${@1/0} which triggered exception ZeroDivisionError: division by zero",
		"The variable dependency chain for the failure is: BROKEN",
	}},
	{Text: "Parsing halted due to errors, see error messages above"},
}

// TestGoldenBuildParse: while BitBake parses, the screen shows its
// percentage; after a parse error it shows the ERROR lines with the lines
// that explain them and says "failed", and quitting prints them with the log
// path whole.
func TestGoldenBuildParse(t *testing.T) {
	svc := fakeServices()
	b := newFakeBuild()
	svc.StartBuild = func(*model.Project) (Build, error) { return b, nil }
	b.ch <- BuildStatus{Phase: "Parsing recipes", ParsePercent: 45, Started: buildStarted, Log: "/src/build/fleetbake-build.log"}
	m := at(t, StepBuild, svc)
	golden(t, "build_parsing", m)
	for _, sz := range sizes {
		resize(t, m, sz[0], sz[1])
		if f := frame(t, m); !strings.Contains(f, "parsing recipes 45%") {
			t.Errorf("%dx%d: no parse percentage:\n%s", sz[0], sz[1], f)
		}
	}
	final := BuildStatus{Phase: "failed", Started: buildStarted, Finished: true, ExitCode: 1, ParsePercent: -1,
		Errors: expansionError, Log: "/src/build-raspberrypi5-greengrass-fleet/fleetbake-build.log"}
	drive(t, m, statusOf(m, final))
	golden(t, "build_parse_error", m)
	for _, sz := range sizes {
		resize(t, m, sz[0], sz[1])
		f := frame(t, m)
		for _, want := range []string{"ExpansionError during parsing", "The variable dependency chain for the failure is: BROKEN", "Parsing halted due to errors", "Build failed (exit code 1)"} {
			if !strings.Contains(f, want) {
				t.Errorf("%dx%d: %q not on screen:\n%s", sz[0], sz[1], want, f)
			}
		}
		if strings.Contains(f, "Build finished") {
			t.Errorf("%dx%d: a failed build says finished", sz[0], sz[1])
		}
	}
	drive(t, m, press("q")...)
	fw := m.Farewell()
	for _, want := range []string{"failed (exit code 1)", "ERROR: ExpansionError during parsing /src/layers/meta-hello/recipes/libgreet_2.1.bb\nbb.data_smart.ExpansionError", "console log: /src/build-raspberrypi5-greengrass-fleet/fleetbake-build.log"} {
		if !strings.Contains(fw, want) {
			t.Errorf("farewell lacks %q:\n%s", want, fw)
		}
	}
}

// TestBuildFailedTaskLogPath: a failed task's log path longer than the
// screen is laid out whole, broken only after a '/', never cut with "…".
func TestBuildFailedTaskLogPath(t *testing.T) {
	svc := fakeServices()
	b := newFakeBuild()
	svc.StartBuild = func(*model.Project) (Build, error) { return b, nil }
	logPath := "/home/builder/projects/greengrass-fleet/build-raspberrypi5/tmp/work/cortexa76-poky-linux/greengrass-bin/2.14.0-r0/temp/log.do_fetch.1234"
	b.ch <- BuildStatus{Phase: "failed", Done: 20, Total: 40, Finished: true, ExitCode: 1, Started: buildStarted,
		Failures: []BuildFailure{{Task: "greengrass-bin: greengrass-bin_2.14.0.bb:do_fetch", Log: logPath}}}
	m := at(t, StepBuild, svc)
	for _, sz := range sizes {
		resize(t, m, sz[0], sz[1])
		f := frame(t, m)
		if strings.Contains(f, "…") {
			t.Errorf("%dx%d: something is cut:\n%s", sz[0], sz[1], f)
		}
		// The rows after "log:" joined give the path back.
		lines := strings.Split(f, "\n")
		var joined string
		for i, l := range lines {
			if strings.TrimSpace(l) == "log:" {
				for _, r := range lines[i+1:] {
					r = strings.TrimSpace(r)
					if !strings.HasPrefix(r, "/") && !strings.HasPrefix(joined, "/") || r == "" {
						break
					}
					joined += r
					if joined == logPath {
						break
					}
				}
			}
		}
		if joined != logPath {
			t.Errorf("%dx%d: log path laid out as %q:\n%s", sz[0], sz[1], joined, f)
		}
	}
}
