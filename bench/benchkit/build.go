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
	Name    string // in reports, e.g. "webhook"
	Package string // relative to the module root, e.g. "./functions/webhook"
}

// The binaries measured. Hello is any Go function's floor: aws-lambda-go's
// hello world, built with the same flags. SDKFloor adds the functions' two
// AWS SDK clients: the floor the product can reach. PutItemFloor does a warm
// delivery's one PutItem and nothing else.
var (
	Hello                   = Target{Name: "hello (floor)", Package: "./bench/floor/hello"}
	SDKFloor                = Target{Name: "SDK floor", Package: "./bench/floor/sdk"}
	PutItemFloor            = Target{Name: "PutItem floor", Package: "./bench/floor/putitem"}
	Webhook                 = Target{Name: "webhook", Package: "./functions/webhook"}
	CreateTicket            = Target{Name: "create-ticket", Package: "./functions/create-ticket"}
	CreateTicketLoadDefault = Target{Name: "create-ticket + LoadDefaultConfig", Package: "./bench/variants/create-ticket-loaddefault"}
)

// Reported are the binaries bench/size and bench/coldstart measure, in
// report order.
var Reported = []Target{Hello, SDKFloor, Webhook, CreateTicket, CreateTicketLoadDefault}

// Unjudged is the verdict of each Reported binary held to no goal.
var Unjudged = map[Target]string{Hello: "floor", SDKFloor: "floor", CreateTicketLoadDefault: "informative (not deployed)"}

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

// Function is the emulator config that runs target t as the function name.
func (b Binaries) Function(name string, t Target, env map[string]string, timeout time.Duration) rie.Config {
	return rie.Config{Emulator: b.Emulator, Name: name, Bootstrap: b.Bootstraps[t], Env: env, Timeout: timeout}
}
