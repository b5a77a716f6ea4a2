// Command samenv writes an env-vars file for `sam local invoke` and `sam
// local start-api` (--env-vars) on standard output (make env-file):
//
//	samenv -local [-host host.docker.internal] [-moto-port 5000] [-sandbox-port 4010]
//	aws cloudformation describe-stacks --stack-name NAME | samenv -stack -
package main

import (
	"errors"
	"io"
	"os"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/samenv"
	"github.com/periskope-connect/periskope-aws/internal/ops/opscmd"
)

func main() {
	os.Exit(opscmd.Exit(os.Stderr, "samenv", run(os.Args[1:], os.Stdin, os.Stdout), 1))
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := opscmd.Flags("samenv", os.Stderr)
	localFile := fs.Bool("local", false, "the local system's env-vars file")
	host := fs.String("host", createticket.DockerHostName, "with -local: the name or address of this machine seen from a container")
	motoPort := fs.Int("moto-port", local.MotoPort, "with -local: moto_server's port")
	sandboxPort := fs.Int("sandbox-port", local.SandboxPort, "with -local: the Periskope sandbox's port")
	stackFile := fs.String("stack", "", "the JSON of aws cloudformation describe-stacks (\"-\": standard input)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var f samenv.File
	var err error
	switch {
	case *localFile == (*stackFile != ""):
		return errors.New("want exactly one of -local and -stack FILE")
	case *localFile:
		f, err = samenv.Local(*host, *motoPort, *sandboxPort)
	default:
		var doc []byte
		if *stackFile == "-" {
			doc, err = io.ReadAll(stdin)
		} else {
			doc, err = os.ReadFile(*stackFile)
		}
		if err == nil {
			f, err = samenv.FromStack(doc)
		}
	}
	if err != nil {
		return err
	}
	_, err = stdout.Write(f.Marshal())
	return err
}
