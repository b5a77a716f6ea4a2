// Command local runs the whole product on 127.0.0.1 with no Docker and no
// AWS account (make run; the parts are internal/dev/stack's). Ctrl-C stops
// every process it started.
//
// With -invoke it does what `sam local invoke` does, minus Docker: the
// function's bootstrap under the emulator with its environment, the event
// posted once, the response on stdout and the logs on stderr.
//
//	local [-api-port 3000] [-moto-port 5000] [-sandbox-port 4010] [-periskope-base-url URL] [-docker-bridge docker0]
//	local -invoke CreateTicketFunction|WebhookFunction -event events/<file>.json
//	local -sandbox-only [-sandbox-port 4010] [-webhook-url URL]
package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/bridge"
	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/sandbox"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

type options struct {
	stack.Config

	invoke, event string

	sandboxOnly bool
	webhookURL  string

	dockerBridge string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.APIPort, "api-port", local.APIPort, "port of the HTTP API (0: any free port)")
	fs.IntVar(&o.MotoPort, "moto-port", local.MotoPort, "port of moto_server (0: any free port)")
	fs.IntVar(&o.SandboxPort, "sandbox-port", local.SandboxPort, "port of the Periskope sandbox (0: any free port)")
	fs.StringVar(&o.PeriskopeBaseURL, "periskope-base-url", os.Getenv("PERISKOPE_BASE_URL"), "use this Periskope instead of the sandbox (default $PERISKOPE_BASE_URL)")
	fs.StringVar(&o.PeriskopePhone, "periskope-phone", cmp.Or(os.Getenv("PERISKOPE_PHONE"), local.Phone), "x-phone of create-ticket (default $PERISKOPE_PHONE)")
	fs.IntVar(&o.Concurrency, "concurrency", 2, "most emulator processes per function (Lambda's concurrent execution environments)")
	fs.BoolVar(&o.SkipBuild, "skip-build", false, "use the bootstraps and the emulator already built in -bin-dir")
	fs.StringVar(&o.BinDir, "bin-dir", "", "where the host bootstraps, the emulator and moto.log go (default bin/local)")
	fs.StringVar(&o.invoke, "invoke", "", "run one event through this function and print its response, like sam local invoke")
	fs.StringVar(&o.event, "event", "", "event file for -invoke")
	fs.BoolVar(&o.sandboxOnly, "sandbox-only", false, "run only the Periskope sandbox")
	fs.StringVar(&o.webhookURL, "webhook-url", "", "with -sandbox-only: where ticket.created deliveries go")
	fs.StringVar(&o.dockerBridge, "docker-bridge", "", "also serve moto_server and the sandbox on this interface's private address (docker0, or its IP), for sam local's containers; never 0.0.0.0")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	// The key of -periskope-base-url, from the environment: a flag would show it in ps.
	o.PeriskopeAPIKey = os.Getenv("PERISKOPE_API_KEY")
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.invoke != "" {
		d, err := deployment.LoadFromWorkingDir()
		if err != nil {
			return o, err
		}
		if _, err := d.Function(o.invoke); err != nil {
			return o, fmt.Errorf("-invoke %q: %w", o.invoke, err)
		}
		if o.event == "" {
			return o, errors.New("-invoke needs -event <file>")
		}
	}
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch {
	case o.sandboxOnly:
		err = runSandbox(ctx, o, os.Stdout)
	case o.invoke != "":
		var failed bool
		failed, err = runInvoke(ctx, o, os.Stdout, os.Stderr)
		if err == nil && failed {
			os.Exit(1)
		}
	default:
		err = run(ctx, o, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

// run starts everything, prints what runs where, and stops it all on a signal.
func run(ctx context.Context, o options, out io.Writer) error {
	started := time.Now()
	var bridgeAt netip.Prefix
	if o.dockerBridge != "" {
		var err error
		if bridgeAt, err = bridge.System.Resolve(o.dockerBridge); err != nil {
			return fmt.Errorf("-docker-bridge: %w", err)
		}
	}
	if !o.SkipBuild {
		fmt.Fprintf(out, "Building the functions and the Runtime Interface Emulator for %s/%s (bin/local) ...\n", runtime.GOOS, runtime.GOARCH)
	}
	cfg := o.Config
	cfg.Output = out
	st, err := stack.Start(ctx, cfg)
	if err != nil {
		return err
	}
	var forwarders []*bridge.Forwarder
	defer func() {
		fmt.Fprintln(out, "\nStopping: gateway, sandbox, functions, moto_server...")
		for _, f := range forwarders {
			_ = f.Close()
		}
		_ = st.Close()
		fmt.Fprintln(out, "Stopped.")
	}()
	if bridgeAt.IsValid() {
		if forwarders, err = forwardToBridge(bridgeAt, st); err != nil {
			return err
		}
	}
	printBanner(out, st, time.Since(started))
	for _, f := range forwarders {
		fmt.Fprintf(out, "  %-22s %s -> %s\n", "for sam local", f.Addr(), "the same port on 127.0.0.1 (containers on "+bridgeAt.Masked().String()+" only)")
	}
	if len(forwarders) > 0 {
		fmt.Fprintln(out, "  sam local invoke / start-api: env/local.json (samconfig.toml), see docs/local.md \"With the SAM CLI\".")
		fmt.Fprintln(out)
	}
	<-ctx.Done()
	return nil
}

// forwardToBridge serves moto_server and the sandbox also on the bridge
// address at the same ports, so that a container reaches them at
// host.docker.internal with the URLs of env/local.json.
func forwardToBridge(at netip.Prefix, st *stack.Stack) ([]*bridge.Forwarder, error) {
	targets := []string{st.Moto.Endpoint}
	if st.Sandbox != nil {
		targets = append(targets, st.Sandbox.URL)
	}
	var forwarders []*bridge.Forwarder
	for _, target := range targets {
		ap, err := netip.ParseAddrPort(strings.TrimPrefix(target, "http://"))
		if err != nil {
			return forwarders, err
		}
		f, err := bridge.Forward(at, int(ap.Port()), ap.String())
		if err != nil {
			return forwarders, fmt.Errorf("-docker-bridge: %w", err)
		}
		forwarders = append(forwarders, f)
	}
	return forwarders, nil
}

func printBanner(out io.Writer, st *stack.Stack, took time.Duration) {
	var b strings.Builder
	row := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "  %-22s "+format+"\n", append([]any{label}, args...)...)
	}
	fmt.Fprintf(&b, "\nPeriskope ↔ AWS is running locally (ready in %.1fs). Ctrl-C stops everything.\n\n", took.Seconds())
	row("API (HTTP API)", "%s", st.APIURL)
	for _, spec := range st.Functions() {
		fn, _ := st.Function(spec.Name)
		row("", "%s %-20s -> %s (emulator pid %s, timeout %s)", spec.Method, spec.Path, spec.Name, strings.Trim(strings.ReplaceAll(fmt.Sprint(fn.PIDs()), " ", ","), "[]"), fn.Timeout())
	}
	if st.Sandbox != nil {
		row("Periskope sandbox", "%s (API key %s)", st.PeriskopeBaseURL, local.APIKey)
		row("", "signed ticket.created -> %s", st.Sandbox.WebhookURL())
	} else {
		row("Periskope", "%s (no sandbox)", st.PeriskopeBaseURL)
	}
	row("moto_server", "%s (pid %d) = AWS_ENDPOINT_URL of the functions", st.Moto.Endpoint, st.Moto.PID())
	row("", "table %s; secrets %s, %s", local.Table, local.APIKeySecret, local.SigningKeySecret)
	fmt.Fprintf(&b, "\nTry:\n  curl -i -X POST %s/tickets -H 'Content-Type: application/json' \\\n    -d '{\"chat_id\":\"919537851844@c.us\",\"subject\":\"Leaking tap\",\"priority\":\"3\"}'\n", st.APIURL)
	if st.Sandbox != nil {
		fmt.Fprintf(&b, "  curl -s %s/__sandbox/stats   # the sandbox then delivered ticket.created to the webhook\n", st.Sandbox.URL)
	}
	fmt.Fprintln(&b)
	_, _ = io.WriteString(out, b.String())
}

// runInvoke runs one event through one function, like sam local invoke:
// the response on out, logs on logs. failed reports a function error.
func runInvoke(ctx context.Context, o options, out, logs io.Writer) (failed bool, err error) {
	event, err := os.ReadFile(o.event)
	if err == nil && !json.Valid(event) {
		err = fmt.Errorf("event %s is not valid JSON", o.event)
	}
	if err != nil {
		return false, err
	}
	cfg := o.Config
	cfg.Output = logs
	cfg.NoGateway, cfg.NoWebhooks, cfg.NoLogFiles, cfg.Only = true, true, true, []string{o.invoke}
	cfg.SandboxPort, cfg.MotoPort = 0, 0 // beside a running `make run`
	st, err := stack.Start(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer st.Close()
	fn, _ := st.Function(o.invoke)
	res, err := fn.Invoke(ctx, event)
	if err != nil {
		return false, err
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, res.Payload, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(res.Payload)
	}
	fmt.Fprintln(out, pretty.String())
	return res.Error != nil, nil
}

// runSandbox serves only the Periskope sandbox.
func runSandbox(ctx context.Context, o options, out io.Writer) error {
	srv, err := sandbox.Listen(net.JoinHostPort("127.0.0.1", strconv.Itoa(o.SandboxPort)), sandbox.Config{
		WebhookURL: o.webhookURL, OrgPhone: o.PeriskopePhone, Log: out,
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(out, "Periskope sandbox at %s (API key %s, signing key %s)\n", srv.BaseURL(), local.APIKey, local.SigningKey)
	if o.webhookURL != "" {
		fmt.Fprintf(out, "  signed ticket.created -> %s\n", o.webhookURL)
	}
	fmt.Fprintf(out, "  faults: curl -X POST %s/__sandbox/faults -d '{\"kind\":\"rate_limit\",\"count\":3}'\n  stats:  curl %s/__sandbox/stats\nCtrl-C stops it.\n", srv.URL, srv.URL)
	<-ctx.Done()
	return nil
}
