// Package benchkit holds what the benchmark programs, the load generator and
// the fault tests share.
package benchkit

import (
	"context"
	"path/filepath"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
)

// Target is a bootstrap the benchmarks build: a main package of the module.
type Target struct {
	Name    string // short name used in reports, e.g. "webhook"
	Package string // import path relative to the module root, e.g. "./functions/webhook"
}

// The binaries measured. Hello is the floor of any Go function: a
// hello-world aws-lambda-go function built with the same flags. SDKFloor is
// hello plus the two AWS SDK clients the functions build: the floor the
// product can reach. PutItemFloor does a warm delivery's one PutItem and
// nothing else.
var (
	Hello                   = Target{Name: "hello (floor)", Package: "./bench/floor/hello"}
	SDKFloor                = Target{Name: "SDK floor", Package: "./bench/floor/sdk"}
	PutItemFloor            = Target{Name: "PutItem floor", Package: "./bench/floor/putitem"}
	Webhook                 = Target{Name: "webhook", Package: "./functions/webhook"}
	CreateTicket            = Target{Name: "create-ticket", Package: "./functions/create-ticket"}
	CreateTicketLoadDefault = Target{Name: "create-ticket + LoadDefaultConfig", Package: "./bench/variants/create-ticket-loaddefault"}
)

// Binaries are host builds of some targets and the emulator that runs them.
type Binaries struct {
	Emulator   string
	Bootstraps map[Target]string
}

// BuildHost builds the emulator and each target for this machine
// (lambdabuild, the deployed flags) into dir.
func BuildHost(ctx context.Context, root, dir string, targets ...Target) (Binaries, error) {
	pkgs := map[string]string{}
	b := Binaries{Emulator: lambdabuild.EmulatorPath(dir), Bootstraps: map[Target]string{}}
	for _, t := range targets {
		pkgs[filepath.Base(t.Package)] = t.Package
		b.Bootstraps[t] = lambdabuild.BootstrapPath(dir, filepath.Base(t.Package))
	}
	if err := lambdabuild.HostBuild(ctx, root, dir, pkgs); err != nil {
		return Binaries{}, err
	}
	return b, nil
}

// Function is the emulator config of target t as the function name, with
// its environment and timeout.
func (b Binaries) Function(name string, t Target, env map[string]string, timeout time.Duration) rie.Config {
	return rie.Config{Emulator: b.Emulator, Name: name, Bootstrap: b.Bootstraps[t], Env: env, Timeout: timeout}
}
