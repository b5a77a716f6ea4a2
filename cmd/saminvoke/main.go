// Command saminvoke runs every sample of events/ through the real `sam
// local invoke` against the local system and checks each answer against
// samples.All, the table the Docker-free event test uses too:
//
//	make run DOCKER_BRIDGE=docker0   # in another terminal
//	make sam-invoke
//
// Without the SAM CLI or a running Docker it fails, saying which: it never
// passes without running. SAM CLI runs without the caller's AWS credentials
// (the local system needs none; with some, SAM CLI asks STS for the account
// id on every invoke).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/dev/bridge"
	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/samenv"
	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
)

// errMissingTool is returned when the SAM CLI or Docker is not usable.
var errMissingTool = errors.New("saminvoke: missing tool")

type options struct {
	sam, docker           string
	motoPort, sandboxPort int
}

// logDir holds each invoke's SAM CLI output and the env-vars file it used,
// relative to the repository root.
var logDir = filepath.Join("bin", "sam-invoke")

func main() {
	var o options
	flag.StringVar(&o.sam, "sam", "sam", "the SAM CLI")
	flag.StringVar(&o.docker, "docker", "docker", "the Docker CLI")
	flag.IntVar(&o.motoPort, "moto-port", local.MotoPort, "moto_server's port of the running local system")
	flag.IntVar(&o.sandboxPort, "sandbox-port", local.SandboxPort, "the Periskope sandbox's port of the running local system")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if errors.Is(err, errMissingTool) {
			os.Exit(127)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out, errOut io.Writer) error {
	root, err := deployment.FindRoot()
	if err != nil {
		return err
	}
	if err := checkTools(ctx, o); err != nil {
		return err
	}
	if err := checkLocalSystem(o); err != nil {
		return err
	}
	fmt.Fprintln(out, "sam build ...")
	if err := runSAM(ctx, o, root, errOut, errOut, "build"); err != nil {
		return fmt.Errorf("sam build: %w", err)
	}
	envFile, err := envVarsFile(root, o)
	if err != nil {
		return err
	}
	if err := resetStoredSamples(ctx, root, o.motoPort, out); err != nil {
		return err
	}

	fmt.Fprintf(out, "sam local invoke, with --env-vars %s, for each of the %d samples:\n", envFile, len(samples.All))
	failed := 0
	for _, want := range samples.All {
		started := time.Now()
		logPath := filepath.Join(root, logDir, want.File+".log")
		res, err := invoke(ctx, o, root, envFile, want, logPath)
		took := time.Since(started).Round(100 * time.Millisecond)
		if err == nil {
			err = check(res, want)
		}
		if err != nil {
			failed++
			fmt.Fprintf(out, "  FAIL %-40s %v (%s; SAM CLI output: %s)\n", want.File, err, took, logPath)
			continue
		}
		fmt.Fprintf(out, "  ok   %-40s %s %d (%s)\n", want.File, want.Function, res.StatusCode, took)
	}
	if failed > 0 {
		return fmt.Errorf("saminvoke: samples failed: %d of %d", failed, len(samples.All))
	}
	fmt.Fprintf(out, "All %d samples gave their expected answer through sam local invoke.\n", len(samples.All))
	return nil
}

// checkTools fails, naming what to install or start, unless both CLIs are
// there and the Docker daemon answers.
func checkTools(ctx context.Context, o options) error {
	if _, err := exec.LookPath(o.sam); err != nil {
		return fmt.Errorf("%w: the SAM CLI (%s) is not installed or not on PATH: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html (1.104 or newer)", errMissingTool, o.sam)
	}
	if _, err := exec.LookPath(o.docker); err != nil {
		return fmt.Errorf("%w: Docker (%s) is not installed or not on PATH; sam local invoke runs the functions in Docker", errMissingTool, o.docker)
	}
	info := exec.CommandContext(ctx, o.docker, "info")
	if out, err := info.CombinedOutput(); err != nil {
		return fmt.Errorf("%w: Docker does not answer (is the daemon running?): %v\n%s", errMissingTool, err, lastLines(out, 5))
	}
	return nil
}

// checkLocalSystem checks that make run serves moto_server and the sandbox,
// and, where there is a docker0, that they are served there too.
func checkLocalSystem(o options) error {
	hint := "start it in another terminal: make run DOCKER_BRIDGE=docker0"
	if o.motoPort != local.MotoPort || o.sandboxPort != local.SandboxPort {
		hint += fmt.Sprintf(" MOTO_PORT=%d SANDBOX_PORT=%d", o.motoPort, o.sandboxPort)
	}
	hosts := [][2]string{{"127.0.0.1", ""}} // address, and where it is
	if at, err := bridge.System.Resolve("docker0"); err == nil {
		hosts = append(hosts, [2]string{at.Addr().String(), " (the Docker bridge, where containers reach it)"})
	}
	for _, host := range hosts {
		for _, port := range []int{o.motoPort, o.sandboxPort} {
			conn, err := net.DialTimeout("tcp", net.JoinHostPort(host[0], strconv.Itoa(port)), 2*time.Second)
			if err != nil {
				return fmt.Errorf("saminvoke: the local system is not running: nothing on %s:%d%s; %s", host[0], port, host[1], hint)
			}
			_ = conn.Close()
		}
	}
	return nil
}

// envVarsFile writes, beside the logs, the local system's env-vars file
// for o's ports (env/local.json's text for the default ports) and returns
// its path relative to root.
func envVarsFile(root string, o options) (string, error) {
	f, err := samenv.Local(createticket.DockerHostName, o.motoPort, o.sandboxPort)
	if err != nil {
		return "", err
	}
	path := filepath.Join(logDir, "local.json")
	if err := os.MkdirAll(filepath.Join(root, logDir), 0o755); err != nil {
		return "", err
	}
	return path, os.WriteFile(filepath.Join(root, path), f.Marshal(), 0o644)
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return "  " + strings.Join(lines[max(0, len(lines)-n):], "\n  ") + "\n"
}
