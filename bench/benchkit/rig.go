package benchkit

import (
	"context"
	"flag"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
	"github.com/periskope-connect/periskope-aws/internal/dev/sandbox"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

// Main parses the flags and runs a measuring program; run's error is fatal.
func Main(name string, run func() error) {
	flag.Parse()
	log.SetFlags(0)
	if err := run(); err != nil {
		log.Fatalf("%s: %v", name, err)
	}
}

// Rig is what a measuring program stands on: host builds, moto_server with
// the local table and secrets, a counting proxy in front of it and the
// Periskope sandbox.
type Rig struct {
	Moto       *motoserver.Server
	Proxy      *AWSProxy
	Sandbox    *sandbox.Server
	Emulator   string                 // host builds of aws-lambda-rie
	Bootstraps map[Target]string      // and of the targets
	Root       string                 // the repository's
	Deployment *deployment.Deployment // Root's template.yaml, expanded
	dir        string
}

// StartRig builds targets and starts the backends on free 127.0.0.1 ports,
// moto's output in the build directory.
func StartRig(ctx context.Context, targets ...Target) (_ *Rig, err error) {
	root, err := deployment.FindRoot()
	if err != nil {
		return nil, err
	}
	r := &Rig{Root: root}
	if r.Deployment, err = deployment.Load(root); err != nil {
		return nil, err
	}
	if r.dir, err = os.MkdirTemp("", "bench"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	// Host builds of the emulator and the targets, with the deployed flags.
	pkgs := map[string]string{}
	r.Emulator, r.Bootstraps = lambdabuild.EmulatorPath(r.dir), map[Target]string{}
	for _, t := range targets {
		pkgs[filepath.Base(t.Package)] = t.Package
		r.Bootstraps[t] = lambdabuild.BootstrapPath(r.dir, filepath.Base(t.Package))
	}
	if err = lambdabuild.HostBuild(ctx, root, r.dir, pkgs); err != nil {
		return nil, err
	}
	if r.Moto, err = motoserver.LaunchLocal(ctx, "127.0.0.1:0", filepath.Join(r.dir, "moto.log")); err != nil {
		return nil, err
	}
	if r.Proxy, err = StartAWSProxy(r.Moto.Endpoint); err != nil {
		return nil, err
	}
	r.Sandbox, err = sandbox.Listen("127.0.0.1:0", sandbox.Config{})
	return r, err
}

// Close stops whatever was started and removes the builds (an error then
// changes nothing a report says).
func (r *Rig) Close() {
	if r.Sandbox != nil {
		_ = r.Sandbox.Close()
	}
	if r.Proxy != nil {
		r.Proxy.Close()
	}
	if r.Moto != nil {
		r.Moto.Stop()
	}
	_ = os.RemoveAll(r.dir)
}

// Function is stack.FunctionConfig for the function name run as target t
// (the function or a variant), with AWS at awsEndpoint and the sandbox.
func (r *Rig) Function(name string, t Target, awsEndpoint string) (rie.Config, stack.FunctionSpec, error) {
	spec, err := stack.Spec(r.Deployment, name)
	if err != nil {
		return rie.Config{}, spec, err
	}
	cfg, err := stack.FunctionConfig(r.Deployment, spec, r.Emulator, r.Bootstraps[t],
		stack.Backends{AWSEndpoint: awsEndpoint, PeriskopeBaseURL: r.Sandbox.BaseURL(), PeriskopePhone: local.Phone})
	return cfg, spec, err
}

// Floor is the emulator config that runs the floor t as the function name,
// outside the template.
func (r *Rig) Floor(name string, t Target, env map[string]string, timeout time.Duration) rie.Config {
	return rie.Config{Emulator: r.Emulator, Name: name, Bootstrap: r.Bootstraps[t], Env: env, Timeout: timeout}
}
