// Package stack starts the whole product on 127.0.0.1 with no Docker and no
// AWS account: moto_server, the Periskope sandbox, the real bootstraps under
// AWS's Runtime Interface Emulator, and the HTTP API gateway in front.
package stack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/gateway"
	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
	"github.com/periskope-connect/periskope-aws/internal/dev/sandbox"
)

// ErrPortInUse is returned when a port the stack needs is taken.
var ErrPortInUse = errors.New("port already in use")

// Config configures a Stack. Ports of 0 pick free ones.
type Config struct {
	BinDir    string // host bootstraps, emulator and logs (default bin/local)
	SkipBuild bool   // use the binaries already in BinDir

	APIPort, MotoPort, SandboxPort int
	// NoGateway, Only (logical ids) and NoWebhooks start less: make invoke
	// runs one function with no HTTP API and no ticket.created deliveries.
	NoGateway  bool
	Only       []string
	NoWebhooks bool

	// PeriskopeBaseURL, when set, replaces the sandbox as create-ticket's
	// Periskope (no sandbox is started).
	PeriskopeBaseURL string
	PeriskopeAPIKey  string // stored in the API key secret (default local.APIKey)
	PeriskopePhone   string // create-ticket's PERISKOPE_PHONE (default local.Phone)

	Concurrency int       // most environments of each function (default 2)
	Output      io.Writer // every log (default os.Stderr)
	// LogDir receives a copy of each function's log lines (<Name>.log) and
	// of the access log (gateway.log), emptied at Start (default BinDir/logs).
	// NoLogFiles keeps them on Output only, so that make invoke does not
	// empty the files of a make run beside it.
	LogDir     string
	NoLogFiles bool
}

// Stack is a running local system.
type Stack struct {
	cfg              Config
	APIURL           string             // the gateway's; "" with NoGateway
	PeriskopeBaseURL string             // what create-ticket calls
	Sandbox          *sandbox.Server    // nil when Config.PeriskopeBaseURL was given
	Moto             *motoserver.Server // its Endpoint is the functions' AWS_ENDPOINT_URL

	functions map[string]*rie.Function
	specs     []FunctionSpec // of the running functions
	gw        *http.Server
	logs      []*os.File
}

// LogPath is the log file in logDir of a function or of "gateway".
func LogPath(logDir, name string) string { return filepath.Join(logDir, name+".log") }

// Start builds the bootstraps and starts every part, or stops what it
// started and fails.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	root, err := applyDefaults(&cfg)
	if err != nil {
		return nil, err
	}
	st := &Stack{cfg: cfg, functions: map[string]*rie.Function{}}
	var apiLn, sandboxLn net.Listener
	defer func() {
		if err != nil { // a listener that a part owns already is closed twice, harmlessly
			closeListener(apiLn)
			closeListener(sandboxLn)
			_ = st.Close()
		}
	}()
	if apiLn, sandboxLn, err = claimPorts(&st.cfg); err != nil {
		return nil, err
	}
	d, err := deployment.Load(root)
	if err != nil {
		return nil, err
	}
	specs, err := Specs(d)
	if err != nil {
		return nil, err
	}
	if !cfg.SkipBuild {
		if err := build(ctx, root, cfg.BinDir, specs); err != nil {
			return nil, err
		}
	}
	if err := st.startMoto(ctx); err != nil {
		return nil, err
	}
	if err := st.startSandbox(sandboxLn, d); err != nil {
		return nil, err
	}
	if err := st.startFunctions(d, specs); err != nil {
		return nil, err
	}
	if apiLn != nil {
		if err := st.startGateway(apiLn); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// applyDefaults fills cfg's zero fields and returns the module root.
func applyDefaults(cfg *Config) (root string, err error) {
	if root, err = deployment.FindRoot(); err != nil {
		return "", err
	}
	binDir, err := filepath.Abs(cmp.Or(cfg.BinDir, filepath.Join(root, "bin", "local")))
	if err != nil {
		return "", err
	}
	cfg.BinDir = binDir
	cfg.LogDir = cmp.Or(cfg.LogDir, filepath.Join(cfg.BinDir, "logs"))
	cfg.PeriskopeAPIKey = cmp.Or(cfg.PeriskopeAPIKey, local.APIKey)
	cfg.PeriskopePhone = cmp.Or(cfg.PeriskopePhone, local.Phone)
	cfg.Concurrency = local.OrDefault(cfg.Concurrency, 2)
	cfg.Output = cmp.Or[io.Writer](cfg.Output, os.Stderr)
	return root, errors.Join(os.MkdirAll(cfg.BinDir, 0o755), os.MkdirAll(cfg.LogDir, 0o755))
}

// claimPorts listens on the gateway and sandbox ports and checks moto's,
// so that a port in use fails before anything starts; a port of 0 becomes
// the one it got.
func claimPorts(cfg *Config) (api, sb net.Listener, err error) {
	listen := func(port *int, what, flag string) (net.Listener, error) {
		ln, err := net.Listen("tcp", net.JoinHostPort(local.Host, strconv.Itoa(*port)))
		if err != nil {
			return nil, fmt.Errorf("%w: %s cannot listen on %s:%d (%v); stop what uses it or pick another port with %s",
				ErrPortInUse, what, local.Host, *port, err, flag)
		}
		*port = ln.Addr().(*net.TCPAddr).Port
		return ln, nil
	}
	if !cfg.NoGateway {
		if api, err = listen(&cfg.APIPort, "the API gateway", "-api-port"); err != nil {
			return api, sb, err
		}
	}
	if cfg.PeriskopeBaseURL == "" {
		if sb, err = listen(&cfg.SandboxPort, "the Periskope sandbox", "-sandbox-port"); err != nil {
			return api, sb, err
		}
	}
	if cfg.MotoPort != 0 {
		var probe net.Listener
		if probe, err = listen(&cfg.MotoPort, "moto_server", "-moto-port"); err != nil {
			return api, sb, err
		}
		closeListener(probe)
	}
	return api, sb, nil
}

func closeListener(ln net.Listener) {
	if ln != nil {
		_ = ln.Close()
	}
}

func (st *Stack) startMoto(ctx context.Context) error {
	moto, err := motoserver.LaunchLocal(ctx, net.JoinHostPort(local.Host, strconv.Itoa(st.cfg.MotoPort)), filepath.Join(st.cfg.BinDir, "moto.log"))
	if err != nil {
		return err
	}
	st.Moto = moto
	if st.cfg.PeriskopeAPIKey != local.APIKey {
		sm := secretsmanager.NewFromConfig(moto.Config())
		if err := motoserver.PutSecret(ctx, sm, local.APIKeySecret, st.cfg.PeriskopeAPIKey); err != nil {
			return err
		}
	}
	return nil
}

func (st *Stack) startSandbox(ln net.Listener, d *deployment.Deployment) error {
	if ln == nil { // an external Periskope
		st.PeriskopeBaseURL = st.cfg.PeriskopeBaseURL
		return nil
	}
	webhookURL := ""
	if !st.cfg.NoGateway && !st.cfg.NoWebhooks {
		webhook, err := Spec(d, WebhookFunction) // its route as template.yaml has it
		if err != nil {
			return err
		}
		webhookURL = "http://" + net.JoinHostPort(local.Host, strconv.Itoa(st.cfg.APIPort)) + webhook.Path
	}
	srv, err := sandbox.Serve(ln, sandbox.Config{
		WebhookURL: webhookURL,
		OrgPhone:   st.cfg.PeriskopePhone,
		Log:        st.cfg.Output,
	})
	if err != nil {
		return err
	}
	st.Sandbox, st.PeriskopeBaseURL = srv, srv.BaseURL()
	return nil
}

func (st *Stack) startFunctions(d *deployment.Deployment, specs []FunctionSpec) error {
	backends := Backends{AWSEndpoint: st.Moto.Endpoint, PeriskopeBaseURL: st.PeriskopeBaseURL, PeriskopePhone: st.cfg.PeriskopePhone}
	for _, spec := range specs {
		if len(st.cfg.Only) > 0 && !slices.Contains(st.cfg.Only, spec.Name) {
			continue
		}
		cfg, err := FunctionConfig(d, spec, lambdabuild.EmulatorPath(st.cfg.BinDir), lambdabuild.BootstrapPath(st.cfg.BinDir, spec.Name), backends)
		if err != nil {
			return err
		}
		if cfg.Output, err = st.logWriter(spec.Name); err != nil {
			return err
		}
		// One environment is up at startup; like Lambda, the emulator
		// inits the bootstrap at its first invocation.
		cfg.Concurrency, cfg.Prewarm = st.cfg.Concurrency, 1
		fn, err := rie.New(cfg)
		if err != nil {
			return err
		}
		st.functions[spec.Name] = fn
		st.specs = append(st.specs, spec)
	}
	return nil
}

func (st *Stack) startGateway(ln net.Listener) error {
	var routes []gateway.Route
	for _, spec := range st.specs {
		routes = append(routes, gateway.Route{Method: spec.Method, Path: spec.Path, Name: spec.Name,
			Function: st.functions[spec.Name], Timeout: spec.Deadline})
	}
	access, err := st.logWriter("gateway")
	if err != nil {
		return err
	}
	g, err := gateway.New(gateway.Config{Routes: routes, AccessLog: log.New(access, "[gateway] ", 0)})
	if err != nil {
		return err
	}
	st.gw = &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = st.gw.Serve(ln) }()
	st.APIURL = "http://" + ln.Addr().String()
	return nil
}

// Functions returns the specs of the running functions.
func (st *Stack) Functions() []FunctionSpec { return st.specs }

// Function returns a running function by logical id.
func (st *Stack) Function(name string) (*rie.Function, bool) {
	fn, ok := st.functions[name]
	return fn, ok
}

// PIDs returns moto_server's, the emulators' and their bootstraps' (none
// before an environment's first invocation).
func (st *Stack) PIDs() []int {
	var pids []int
	if st.Moto != nil {
		pids = append(pids, st.Moto.PID())
	}
	for _, spec := range st.specs {
		fn := st.functions[spec.Name]
		pids = append(pids, fn.PIDs()...)
		pids = append(pids, fn.RuntimePIDs()...)
	}
	return pids
}

// Close stops the gateway, the sandbox, the functions and moto_server, in
// that order, and waits for every process to exit.
func (st *Stack) Close() error {
	if st.gw != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = st.gw.Shutdown(ctx)
		cancel()
		_ = st.gw.Close()
	}
	if st.Sandbox != nil {
		_ = st.Sandbox.Close()
	}
	for _, fn := range st.functions {
		_ = fn.Close()
	}
	if st.Moto != nil {
		st.Moto.Stop()
	}
	for _, f := range st.logs {
		_ = f.Close()
	}
	return nil
}

// logWriter writes to Output and to LogPath(LogDir, name), emptied. Both
// get whole lines: rie's writers and the gateway's log.Logger write one
// line per call.
func (st *Stack) logWriter(name string) (io.Writer, error) {
	if st.cfg.NoLogFiles {
		return st.cfg.Output, nil
	}
	f, err := os.Create(LogPath(st.cfg.LogDir, name))
	if err != nil {
		return nil, err
	}
	st.logs = append(st.logs, f)
	return io.MultiWriter(st.cfg.Output, f), nil
}
