// Command reconcile stores the tickets Periskope holds that the tickets
// table lacks (package internal/ops/reconcile; docs/operate.md,
// "Reconcile"). The flags (-h) default to the environment, and with -local
// to the local system of `make run`. With -env prod it stores nothing
// unless -yes is given. Exit status: 0 when every missing ticket was
// stored, 1 when any failed or the run stopped early, 2 for bad flags, 130
// when interrupted.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/ops/opscmd"
	"github.com/periskope-connect/periskope-aws/internal/ops/reconcile"
	"github.com/periskope-connect/periskope-aws/internal/text"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, isTerminal(os.Stderr)))
}

const name = "reconcile"

type options struct {
	table, secret, phone, baseURL string
	endpoint                      string // moto's, with -local
	run                           reconcile.Config
	rate                          float64
	reserve                       int
	env                           string
	yes, local                    bool
	motoPort, sandboxPort         int
}

func parseFlags(args []string, getenv func(string) string, now time.Time, stderr io.Writer) (options, error) {
	var o options
	var since string
	fs := opscmd.Flags(name, stderr)
	fs.StringVar(&o.table, "table", getenv("TICKETS_TABLE"), "the tickets table (TicketsTableName output; env TICKETS_TABLE)")
	fs.StringVar(&o.secret, "api-key-secret", getenv("PERISKOPE_API_KEY_SECRET"), "ARN or name of the Periskope API-key secret (ApiKeySecretArn output; env PERISKOPE_API_KEY_SECRET)")
	fs.StringVar(&o.phone, "phone", getenv("PERISKOPE_PHONE"), "the x-phone value (env PERISKOPE_PHONE)")
	fs.StringVar(&o.baseURL, "base-url", getenv("PERISKOPE_BASE_URL"), "Periskope API prefix (env PERISKOPE_BASE_URL; default "+periskope.DefaultBaseURL+", or the sandbox with -local)")
	fs.StringVar(&since, "since", "", "only tickets created since: a date (2026-11-01), an RFC 3339 time, or a duration back from now (72h)")
	fs.BoolVar(&o.run.DryRun, "dry-run", false, "list the missing tickets; read and store nothing")
	fs.IntVar(&o.run.Concurrency, "concurrency", reconcile.DefaultConcurrency, "missing tickets read and stored at once")
	fs.Float64Var(&o.rate, "rate", reconcile.DefaultRate, "most Periskope requests per second (Periskope allows 10 per API key, create-ticket's key included)")
	fs.IntVar(&o.reserve, "reserve", reconcile.DefaultReserve, "pause until Periskope's window resets once X-RateLimit-Remaining is at most this")
	fs.StringVar(&o.env, "env", "", "the deployed environment (dev, staging or prod); prod stores only with -yes")
	fs.BoolVar(&o.yes, "yes", false, "with -env prod: store the missing tickets (without it, prod runs as a dry run)")
	fs.BoolVar(&o.local, "local", false, "the local system of `make run`: its moto_server, table, API-key secret, phone and sandbox")
	fs.IntVar(&o.motoPort, "moto-port", local.MotoPort, "with -local: moto_server's port")
	fs.IntVar(&o.sandboxPort, "sandbox-port", local.SandboxPort, "with -local: the Periskope sandbox's port")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	// make reconcile ENV=... passes the stack's parameters: an empty one is
	// a mistake to name, not a reason to call production Periskope.
	var empty []string
	fs.Visit(func(f *flag.Flag) {
		if (f.Name == "base-url" || f.Name == "phone") && strings.TrimSpace(f.Value.String()) == "" {
			empty = append(empty, "-"+f.Name)
		}
	})
	if len(empty) > 0 {
		return o, fmt.Errorf("%s given empty (the stack's PeriskopeBaseUrl or PeriskopePhone parameter?)", strings.Join(empty, " and "))
	}
	if o.local {
		o.table = cmp.Or(o.table, local.Table)
		o.secret = cmp.Or(o.secret, local.APIKeySecret)
		o.phone = cmp.Or(o.phone, local.Phone)
		o.baseURL = cmp.Or(o.baseURL, opscmd.LocalURL(o.sandboxPort)+"/v1")
		o.endpoint = opscmd.LocalURL(o.motoPort)
	}
	o.baseURL = cmp.Or(o.baseURL, periskope.DefaultBaseURL)
	var missing []string
	for _, f := range []struct{ name, value string }{{"-table", o.table}, {"-api-key-secret", o.secret}, {"-phone", o.phone}} {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.name)
		}
	}
	switch {
	case len(missing) > 0:
		return o, fmt.Errorf("missing %s (see -h)", strings.Join(missing, ", "))
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.run.Concurrency < 1 || !(o.rate > 0) || math.IsInf(o.rate, 1): // NaN too: it would never space requests
		return o, errors.New("-concurrency and -rate must be positive")
	case o.reserve < 0:
		return o, errors.New("-reserve must not be negative")
	case o.env != "" && !slices.Contains([]string{"dev", "staging", "prod"}, o.env):
		return o, fmt.Errorf("-env %q: want dev, staging or prod", o.env)
	}
	if err := text.CheckBaseURL(o.baseURL, ""); err != nil {
		return o, fmt.Errorf("-base-url %w", err)
	}
	if o.env == "prod" && !o.yes {
		o.run.DryRun = true
	}
	var err error
	if since != "" {
		o.run.Since, err = parseSince(since, now)
	}
	return o, err
}

// parseSince reads a duration back from now, a date (midnight UTC) or an
// RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("-since %q: want a date, an RFC 3339 time or a duration", s)
}

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, terminal bool) int {
	start := time.Now()
	o, err := parseFlags(args, getenv, start, stderr)
	if err != nil {
		return opscmd.Exit(stderr, name, err, 2)
	}
	awsCfg, err := opscmd.AWSConfig(ctx, o.endpoint)
	if err != nil {
		return opscmd.Exit(stderr, name, fmt.Errorf("AWS configuration: %w", err), 1)
	}
	if o.env == "prod" && !o.yes {
		fmt.Fprintln(stderr, "reconcile: ENV=prod without -yes: a dry run, nothing is stored (add -yes to store the missing tickets)")
	}
	transport := &reconcile.Transport{Limiter: reconcile.NewLimiter(o.rate, o.reserve)}
	client, err := periskope.New(
		periskope.WithBaseURL(o.baseURL), periskope.WithPhone(o.phone),
		periskope.WithKeyProvider(createticket.NewSecretKeys(secretsmanager.NewFromConfig(awsCfg), o.secret)),
		periskope.WithHTTPClient(&http.Client{Transport: transport}), periskope.WithRetryPolicy(reconcile.RetryPolicy()),
		periskope.WithUserAgent("periskope-aws-reconcile"),
	)
	if err != nil {
		return opscmd.Exit(stderr, name, err, 2)
	}
	db := dynamodb.NewFromConfig(awsCfg)
	printer := &reconcile.Printer{Out: stdout, Status: stderr, Terminal: terminal, DryRun: o.run.DryRun}
	o.run.Reporter = printer
	counts, err := reconcile.Run(ctx, client, ticketstore.NewLookup(db, o.table), ticketstore.New(db, o.table), o.run)
	printer.Finish()
	fmt.Fprintln(stdout, reconcile.Summary(counts, time.Since(start), transport.Requests(), o.run.DryRun))
	switch {
	case ctx.Err() != nil:
		return opscmd.Exit(stderr, name, errors.New("interrupted; run it again to continue"), 130)
	case err != nil:
		return opscmd.Exit(stderr, name, fmt.Errorf("stopped early: %w", err), 1)
	case counts.Failed > 0:
		return 1
	}
	return 0
}

// isTerminal reports whether f is a terminal (a character device), where a
// redrawn progress bar makes sense.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
