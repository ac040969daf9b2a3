// Command fleetbake walks an embedded-Linux engineer through one Yocto build
// for an AWS IoT Greengrass fleet: layers, BitBake configuration, the AWS side
// of fleet provisioning, and the build itself. The commands are in package
// cli; what they do is in package app.
package main

import (
	"os"

	"fleetbake/cli"
	"fleetbake/engine"
)

func main() {
	// The build supervisor is this binary re-executed in the build's own
	// session; it must take over before anything else runs.
	engine.RunSupervisorIfRequested()
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
