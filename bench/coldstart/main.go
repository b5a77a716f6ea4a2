// Command coldstart measures each function's cold start under AWS's Runtime
// Interface Emulator against a hello-world aws-lambda-go floor built with
// the same flags in the same run: for each of -n fresh execution
// environments, the emulator's INIT REPORT (exec of the bootstrap to its
// first /next) and the round trip of the first invocation (exec, init,
// handler and the emulator's own hops). Both come from the emulator itself,
// so no hook into it is needed. Runs are interleaved round-robin so that
// load from other work on the machine spreads evenly over the binaries.
//
// The first responses of the goal use requests that need no network (an
// unsigned webhook delivery is refused with 401 before any key is fetched;
// an invalid create-ticket body is refused with 400 before any call), and a
// counting proxy in front of moto_server proves they made no AWS call. The
// first responses with real I/O (Secrets Manager, DynamoDB, the Periskope
// sandbox) are measured separately, for information.
//
//	go run ./bench/coldstart -n 25
//
// It fails only on a broken run (a build or an unexpected answer).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

// Goal (issue 7): init and first response at most this many times the floor.
const Goal = 1.2

type kase struct {
	name        string
	cfg         rie.Config
	payload     func(i int) []byte
	want        int
	informative bool
	init, first []time.Duration
}

func main() {
	n := flag.Int("n", 25, "fresh execution environments per binary (the issue asks for at least 20)")
	ioN := flag.Int("io-n", 10, "fresh execution environments per function for the real-I/O first response")
	flag.Parse()
	log.SetFlags(0)
	if err := run(*n, *ioN); err != nil {
		log.Fatalf("coldstart: %v", err)
	}
}

func run(n, ioN int) error {
	ctx := context.Background()
	root, err := stack.FindRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "bench-coldstart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	bins, err := benchkit.BuildHost(ctx, root, dir, benchkit.Hello, benchkit.Webhook, benchkit.CreateTicket, benchkit.CreateTicketLoadDefault)
	if err != nil {
		return err
	}
	backends, err := benchkit.StartBackends(ctx, dir)
	if err != nil {
		return err
	}
	defer backends.Close()
	proxy, sb := backends.Proxy, backends.Sandbox

	fnCfg := func(name string, t benchkit.Target, env map[string]string) rie.Config {
		return bins.Function(name, t, env, 10*time.Second)
	}
	webhookEnv, err := benchkit.WebhookEnv(proxy.URL)
	if err != nil {
		return err
	}
	createEnv, err := benchkit.CreateTicketEnv(proxy.URL, sb.BaseURL())
	if err != nil {
		return err
	}
	event := func(path string, headers map[string]string, body []byte) []byte {
		b, err := benchkit.APIEvent("POST", path, headers, body)
		if err != nil {
			panic(err) // a constant request
		}
		return b
	}
	jsonCT := map[string]string{"Content-Type": "application/json"}
	unsigned := event("/webhooks/periskope", jsonCT, benchkit.TicketCreated("bench-org", "COLD-0"))
	invalid := event("/tickets", jsonCT, []byte(`{"subject":"no chat_id"}`))
	hello := event("/hello", jsonCT, []byte(`{}`))

	offline := []*kase{
		{name: benchkit.Hello.Name, cfg: fnCfg("HelloFunction", benchkit.Hello, nil), payload: func(int) []byte { return hello }, want: 200},
		{name: benchkit.Webhook.Name + " (unsigned → 401)", cfg: fnCfg(stack.WebhookFunction, benchkit.Webhook, webhookEnv), payload: func(int) []byte { return unsigned }, want: 401},
		{name: benchkit.CreateTicket.Name + " (invalid body → 400)", cfg: fnCfg(stack.CreateTicketFunction, benchkit.CreateTicket, createEnv), payload: func(int) []byte { return invalid }, want: 400},
		{name: benchkit.CreateTicketLoadDefault.Name + " (invalid body → 400)", cfg: fnCfg(stack.CreateTicketFunction, benchkit.CreateTicketLoadDefault, createEnv), payload: func(int) []byte { return invalid }, want: 400, informative: true},
	}
	if err := rounds(ctx, offline, n); err != nil {
		return err
	}
	if calls := proxy.CountPrefix(""); calls != 0 {
		return fmt.Errorf("the no-network first responses made %d AWS calls", calls)
	}

	runID := time.Now().UnixNano()
	signed := func(i int) []byte {
		body := benchkit.TicketCreated("bench-org", fmt.Sprintf("COLD-%d-%d", runID, i))
		return event("/webhooks/periskope", benchkit.SignedHeaders(body, local.SigningKey), body)
	}
	create := func(i int) []byte {
		return event("/tickets", map[string]string{"Content-Type": "application/json", "Idempotency-Key": fmt.Sprintf("cold-%d-%d", runID, i)},
			[]byte(`{"chat_id":"919876543210@c.us","subject":"cold start","priority":2}`))
	}
	withIO := []*kase{
		{name: benchkit.Webhook.Name + " (signed → 200 stored)", cfg: fnCfg(stack.WebhookFunction, benchkit.Webhook, webhookEnv), payload: signed, want: 200},
		{name: benchkit.CreateTicket.Name + " (valid, Idempotency-Key → 201)", cfg: fnCfg(stack.CreateTicketFunction, benchkit.CreateTicket, createEnv), payload: create, want: 201},
	}
	if err := rounds(ctx, withIO, ioN); err != nil {
		return err
	}

	floor := offline[0]
	floorInit, floorFirst := benchkit.Summarize(floor.init).P50, benchkit.Summarize(floor.first).P50
	fmt.Printf("Cold start under aws-lambda-rie (init: its INIT REPORT; first response: the first invocation's round trip), host binaries built with CGO_ENABLED=0 go build %s\n", strings.Join(lambdabuild.Flags, " "))
	fmt.Printf("machine: %s\n\n", benchkit.Machine())
	fmt.Printf("No-network first response, %d fresh execution environments each, interleaved; ratios of medians to the floor (goal ≤ %.1f×). AWS calls made: 0.\n\n", n, Goal)
	fmt.Println("| binary | init p50 | init p90 | init ratio | first response p50 | first response p90 | first response ratio | verdict |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
	for _, k := range offline {
		in, fr := benchkit.Summarize(k.init), benchkit.Summarize(k.first)
		ri, rf := float64(in.P50)/float64(floorInit), float64(fr.P50)/float64(floorFirst)
		verdict := "floor"
		switch {
		case k.informative:
			verdict = "informative (not deployed)"
		case k != floor:
			verdict = "init " + benchkit.Verdict(ri, Goal) + ", first response " + benchkit.Verdict(rf, Goal)
		}
		fmt.Printf("| %s | %s | %s | %.2f× | %s | %s | %.2f× | %s |\n", k.name, benchkit.Ms(in.P50), benchkit.Ms(in.P90), ri,
			benchkit.Ms(fr.P50), benchkit.Ms(fr.P90), rf, verdict)
	}
	if err := printInitTraces([]benchkit.Target{benchkit.Hello, benchkit.Webhook, benchkit.CreateTicket, benchkit.CreateTicketLoadDefault}, bins.Bootstraps); err != nil {
		return err
	}
	fmt.Printf("\nFirst response with real I/O (informative), %d fresh execution environments each, against moto_server and the Periskope sandbox on loopback:\n\n", ioN)
	fmt.Println("| function | init p50 | first response p50 | first response p90 |")
	fmt.Println("| --- | ---: | ---: | ---: |")
	for _, k := range withIO {
		in, fr := benchkit.Summarize(k.init), benchkit.Summarize(k.first)
		fmt.Printf("| %s | %s | %s | %s |\n", k.name, benchkit.Ms(in.P50), benchkit.Ms(fr.P50), benchkit.Ms(fr.P90))
	}
	fmt.Printf("\nAWS calls during the real-I/O runs (both functions, %d cold requests each): %s\n", ioN, proxy.Summary())
	return nil
}

// rounds runs each case n times, in a new random order every round.
func rounds(ctx context.Context, cases []*kase, n int) error {
	for i := range n {
		order := rand.Perm(len(cases))
		for _, j := range order {
			k := cases[j]
			res, err := benchkit.ColdInvoke(ctx, k.cfg, k.payload(i))
			if err != nil {
				return fmt.Errorf("%s: %w", k.name, err)
			}
			if res.Status != k.want {
				return fmt.Errorf("%s: answered %d, want %d: %s", k.name, res.Status, k.want, res.Payload)
			}
			k.init = append(k.init, res.Init)
			k.first = append(k.first, res.FirstResponse)
		}
	}
	return nil
}
