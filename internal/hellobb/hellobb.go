// Package hellobb writes the BitBake manual's "Hello World" project (a
// conf/bitbake.conf, classes/base.bbclass, one layer) into a folder, grown to
// look like an OE build to a follower: six tasks per recipe chained the way
// OE chains them (fetch, unpack, configure, compile, install, build), several
// recipes, one whose compile fails and one whose compile sleeps. With a
// BitBake checkout it builds offline in seconds. Test use only.
package hellobb

import (
	"fmt"
	"os"
	"path/filepath"
)

// Targets the project offers.
const (
	Image = "hello-image" // printhello + libgreet + itself: 18 tasks
	Fail  = "hello-fail"  // do_compile exits 1
	Sleep = "hello-sleep" // do_compile sleeps Options.SleepSeconds
)

// Options shape the project.
type Options struct {
	// SleepSeconds is how long hello-sleep's do_compile sleeps.
	SleepSeconds int
}

// Write creates the project in dir, which is then both BBPATH and TOPDIR
// (the build folder).
func Write(dir string, opts Options) error {
	files := map[string]string{
		"conf/bitbake.conf": `PN  = "${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[0] or 'defaultpkgname'}"
PV  = "${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[1] or '1.0'}"
PR  = "r0"
PF  = "${PN}-${PV}-${PR}"
TMPDIR  = "${TOPDIR}/tmp"
CACHE   = "${TMPDIR}/cache"
STAMP   = "${TMPDIR}/work/${PF}/stamps"
T       = "${TMPDIR}/work/${PF}/temp"
B       = "${TMPDIR}/work/${PF}/build"
WORKDIR = "${TMPDIR}/work/${PF}"
HELLO_SLEEP ?= "0"
include conf/local.conf
`,
		"conf/local.conf": fmt.Sprintf("HELLO_SLEEP = \"%d\"\n", opts.SleepSeconds),
		"conf/bblayers.conf": `BBLAYERS ?= " \
  ${TOPDIR}/meta-hello \
"
`,
		"classes/base.bbclass": `do_fetch[dirs] = "${B}"
python do_fetch() {
    bb.note("fetching %s" % d.getVar("PN"))
}
addtask fetch
do_unpack[dirs] = "${B}"
do_unpack() {
    echo "unpacking ${PN}"
}
addtask unpack after do_fetch
do_configure[dirs] = "${B}"
do_configure() {
    echo "configuring ${PN}"
}
addtask configure after do_unpack
do_compile[dirs] = "${B}"
do_compile() {
    echo "compiling ${PN}"
}
addtask compile after do_configure
do_install[dirs] = "${B}"
do_install() {
    echo "installing ${PN}"
}
addtask install after do_compile
do_build[noexec] = "1"
addtask build after do_install
`,
		"meta-hello/conf/layer.conf": `BBPATH .= ":${LAYERDIR}"
BBFILES += "${LAYERDIR}/recipes/*.bb"
BBFILE_COLLECTIONS += "hello"
BBFILE_PATTERN_hello = "^${LAYERDIR}/"
BBFILE_PRIORITY_hello = "5"
`,
		"meta-hello/recipes/printhello_1.0.bb": `DESCRIPTION = "Prints Hello World"
do_compile:append() {
    echo "Hello World"
}
`,
		"meta-hello/recipes/libgreet_2.1.bb": `DESCRIPTION = "A library"
`,
		"meta-hello/recipes/hello-image_1.0.bb": `DESCRIPTION = "An image"
do_build[depends] = "printhello:do_build libgreet:do_build"
`,
		"meta-hello/recipes/hello-fail_1.0.bb": `DESCRIPTION = "A recipe whose compile fails"
do_compile() {
    echo "compiling, about to fail" >&2
    false
}
`,
		"meta-hello/recipes/hello-sleep_1.0.bb": `DESCRIPTION = "A recipe whose compile takes HELLO_SLEEP seconds"
do_compile() {
    echo "sleeping ${HELLO_SLEEP}s"
    sleep ${HELLO_SLEEP}
}
`,
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}
