// Command benchsdk is a hello-world that links the AWS SDK v2 packages
// fleetbake links (config with its credential chain, iam, iot, sts) and uses
// none of them: bench/startup.sh compares its start with a plain hello-world
// to show what the SDK alone costs every fleetbake process, whatever the
// command (package initialisers and the pages of a larger binary).
package main

import (
	"os"

	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/iam"
	_ "github.com/aws/aws-sdk-go-v2/service/iot"
	_ "github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() { os.Stdout.WriteString("hello\n") }
