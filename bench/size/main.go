// Command size builds each bootstrap for Lambda (linux/arm64, release
// flags) next to the hello-world floor, and prints their sizes, zipped
// sizes and ratios to the floor as a Markdown table.
//
//	go run ./bench/size
//
// It fails only when a build fails; goals are reported, not enforced.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

// Goals (issue 7): raw size at most this many times the floor, zipped at
// most ZipGoalBytes.
const (
	RatioGoal    = 1.4
	ZipGoalBytes = 3 << 20
)

func main() {
	out := flag.String("out", "", "directory for the arm64 binaries (default: a temporary one, removed after)")
	flag.Parse()
	log.SetFlags(0)
	if err := run(*out); err != nil {
		log.Fatalf("size: %v", err)
	}
}

type row struct {
	target      benchkit.Target
	size, zip   int64
	zipMethod   string
	informative bool // a variant shown for comparison, not a deployed binary
}

func run(out string) error {
	root, err := stack.FindRoot()
	if err != nil {
		return err
	}
	if out == "" {
		if out, err = os.MkdirTemp("", "bench-size"); err != nil {
			return err
		}
		defer os.RemoveAll(out)
	}
	targets := []benchkit.Target{benchkit.Hello, benchkit.Webhook, benchkit.CreateTicket, benchkit.CreateTicketLoadDefault}
	var rows []row
	for i, t := range targets {
		dst := filepath.Join(out, filepath.Base(t.Package), "bootstrap")
		if err := lambdabuild.Bootstrap(context.Background(), root, t.Package, lambdabuild.Deployed, dst); err != nil {
			return err
		}
		fi, err := os.Stat(dst)
		if err != nil {
			return err
		}
		zipped, how, err := benchkit.ZippedSize(dst)
		if err != nil {
			return err
		}
		rows = append(rows, row{target: t, size: fi.Size(), zip: zipped, zipMethod: how, informative: i == 3})
	}
	floor := rows[0]
	fmt.Printf("Binary size, linux/arm64, CGO_ENABLED=0 go build %s; zipped with %s\n", "-tags lambda.norpc -trimpath -ldflags=\"-s -w\"", floor.zipMethod)
	fmt.Printf("machine: %s\n\n", benchkit.Machine())
	fmt.Println("| binary | size | floor | ratio | goal | zipped | goal | verdict |")
	fmt.Println("| --- | ---: | ---: | ---: | --- | ---: | --- | --- |")
	for _, r := range rows {
		ratio := float64(r.size) / float64(floor.size)
		verdict := "floor"
		switch {
		case r.informative:
			verdict = "informative (not deployed)"
		case r.target != benchkit.Hello:
			verdict = benchkit.Verdict(ratio, RatioGoal)
			if r.zip > ZipGoalBytes {
				verdict += ", zip MISSED"
			} else {
				verdict += ", zip met"
			}
		}
		fmt.Printf("| %s | %s (%d B) | %s | %.3f× | ≤ %.1f× | %s | ≤ 3 MiB | %s |\n", r.target.Name, benchkit.MiB(r.size), r.size,
			benchkit.MiB(floor.size), ratio, RatioGoal, benchkit.MiB(r.zip), verdict)
	}
	ct, variant := rows[2], rows[3]
	fmt.Printf("\nconfig.LoadDefaultConfig instead of internal/awsenv would add %s to create-ticket (+%.0f%%), %s zipped.\n",
		benchkit.MiB(variant.size-ct.size), 100*float64(variant.size-ct.size)/float64(ct.size), benchkit.MiB(variant.zip-ct.zip))
	return nil
}
