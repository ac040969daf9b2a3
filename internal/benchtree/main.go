// Command benchtree writes a synthetic Yocto source tree for the discovery
// benchmark (bench/discovery.sh): a given number of layers spread over git
// repositories, each with machines, an image and many recipes, plus .git
// folders, totalling a given number of files. The tree is the same on every
// run so figures compare.
//
//	go run ./internal/benchtree -layers 150 -files 30000 DIR
//	go run ./internal/benchtree -standard scarthgap DIR   (poky, meta-openembedded, meta-aws)
package main

import (
	"flag"
	"fmt"
	"os"

	"fleetbake/internal/layertree"
)

func main() {
	layers := flag.Int("layers", 150, "number of layers")
	files := flag.Int("files", 30000, "total number of files")
	perRepo := flag.Int("layers-per-repo", 10, "layers per git repository")
	standard := flag.String("standard", "", "write the fixture poky + meta-openembedded + meta-aws tree of this release instead")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: benchtree [-layers N] [-files N | -standard RELEASE] DIR")
		os.Exit(2)
	}
	if *standard != "" {
		if err := layertree.Build(flag.Arg(0), layertree.Standard(*standard, true)); err != nil {
			fmt.Fprintln(os.Stderr, "benchtree:", err)
			os.Exit(1)
		}
		fmt.Printf("poky, meta-openembedded, meta-aws (%s) in %s\n", *standard, flag.Arg(0))
		return
	}
	n, err := layertree.Synthetic(flag.Arg(0), *layers, *files, *perRepo)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtree:", err)
		os.Exit(1)
	}
	fmt.Printf("%d layers, %d files in %s\n", *layers, n, flag.Arg(0))
}
