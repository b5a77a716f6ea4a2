// Command warm measures a signed ticket.created through the local gateway to
// a warm webhook and on to moto_server against the PutItem floor function
// (the same item and condition behind the same gateway and emulator, nothing
// else), alternating with the floors so that all see the same load; hello
// via the gateway and a bare PutItem from this process split the overhead.
// It also counts the Secrets Manager calls of warm create-ticket requests:
// the API key is fetched once per container. It fails only on a broken run.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

const (
	goal    = 1.1 // warm webhook request ÷ the PutItem floor function's (issue 12)
	warmup  = 20  // requests of each kind before measuring
	createN = 50  // warm create-ticket requests whose Secrets Manager calls are counted

	// Routes of the floor functions on the benchmark's gateway.
	pathHello   = "/hello"
	pathPutItem = "/floor/putitem"
)

// putItemFloor does a warm delivery's one PutItem and nothing else.
var putItemFloor = benchkit.Target{Name: "PutItem floor", Package: "./bench/floor/putitem"}

func main() {
	n := flag.Int("n", 300, "measured requests of each kind")
	benchkit.Main("warm", func() error { return run(*n) })
}

type bench struct {
	rig    *benchkit.Rig
	api    *benchkit.API
	client *http.Client
	db     *dynamodb.Client
	runID  int64
}

func run(n int) error {
	ctx := context.Background()
	rig, err := benchkit.StartRig(ctx, benchkit.Webhook, benchkit.CreateTicket, benchkit.Hello, putItemFloor)
	if err != nil {
		return err
	}
	defer rig.Close()
	fns, err := apiFunctions(rig)
	if err != nil {
		return err
	}
	b := &bench{rig: rig, client: &http.Client{Timeout: 30 * time.Second},
		db: dynamodb.NewFromConfig(rig.Moto.Config()), runID: time.Now().UnixNano()}
	if b.api, err = benchkit.StartAPI(fns, nil); err != nil {
		return err
	}
	defer b.api.Close()
	// In report order, printWarm's.
	kinds := []*kind{
		{name: "webhook ticket.created: gateway → emulator → bootstrap → PutItem", do: b.viaGateway(ctx, "/webhooks/periskope", "GW")},
		{name: "PutItem floor function: gateway → emulator → bootstrap → PutItem", do: b.viaGateway(ctx, pathPutItem, "FLOOR")},
		{name: "hello via the same gateway (no PutItem)", do: b.viaGateway(ctx, pathHello, "HELLO")},
		{name: "bare PutItem from the benchmark process", do: b.barePut(ctx)},
	}
	if err := alternate(kinds, warmup, n); err != nil {
		return err
	}
	create, err := b.warmCreate(ctx)
	if err != nil {
		return err
	}
	printWarm(kinds, n)
	fmt.Print(create)
	return nil
}

// apiFunctions have one warm environment each; create-ticket's AWS calls go
// through the counting proxy.
func apiFunctions(rig *benchkit.Rig) ([]benchkit.APIFunction, error) {
	webhook, wh, err := rig.Function(stack.WebhookFunction, benchkit.Webhook, rig.Moto.Endpoint)
	if err != nil {
		return nil, err
	}
	create, ct, err := rig.Function(stack.CreateTicketFunction, benchkit.CreateTicket, rig.Proxy.URL)
	if err != nil {
		return nil, err
	}
	// The webhook's one PutItem, with its environment and route settings.
	floor := rig.Floor("PutItemFloorFunction", putItemFloor, webhook.Env, wh.Timeout)
	fns := []benchkit.APIFunction{
		{Config: webhook, Method: wh.Method, Path: wh.Path, Deadline: wh.Deadline},
		{Config: create, Method: ct.Method, Path: ct.Path, Deadline: ct.Deadline},
		{Config: floor, Method: "POST", Path: pathPutItem, Deadline: wh.Deadline},
		// What the gateway and the emulator cost by themselves.
		{Config: rig.Floor("HelloFunction", benchkit.Hello, nil, 3*time.Second), Method: "POST", Path: pathHello, Deadline: 5 * time.Second},
	}
	for i := range fns {
		fns[i].Config.Concurrency, fns[i].Config.Prewarm = 1, 1
	}
	return fns, nil
}

// kind is one kind of request and its samples.
type kind struct {
	name    string
	do      func(i int) (time.Duration, error)
	samples []time.Duration
}

// viaGateway posts a new signed ticket.created to path; 200 is wanted.
func (b *bench) viaGateway(ctx context.Context, path, prefix string) func(int) (time.Duration, error) {
	return func(i int) (time.Duration, error) {
		body := benchkit.TicketCreated("warm-org", fmt.Sprintf("%s-%d-%d", prefix, b.runID, i))
		r := benchkit.Send(ctx, b.client, b.api.URL+path, benchkit.SignedHeaders(body, local.SigningKey), body)
		if r.Err != nil || r.Status != 200 {
			return 0, fmt.Errorf("%s request %d: %d %s %v", path, i, r.Status, r.Body, r.Err)
		}
		return r.Latency, nil
	}
}

// barePut writes the webhook's item with its condition, from this process.
func (b *bench) barePut(ctx context.Context) func(int) (time.Duration, error) {
	return func(i int) (time.Duration, error) {
		t := &ticketstore.Ticket{OrgID: "warm-org", TicketID: fmt.Sprintf("PUT-%d-%d", b.runID, i), ChatID: "919876543210@c.us",
			Subject: "Sample Ticket Subject", Status: "open", Priority: 2, CreatedAt: "2024-05-24T08:30:00+00:00",
			ReceivedAt: time.Now(), Event: "ticket.created", EventTimestamp: "2024-05-24T08:30:00.123456+00:00",
			Data: benchkit.TicketCreatedFixture}
		start := time.Now()
		_, err := b.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(local.Table), Item: t.Item(),
			ConditionExpression: aws.String("attribute_not_exists(pk)")})
		if err != nil {
			return 0, fmt.Errorf("bare PutItem %d: %w", i, err)
		}
		return time.Since(start), nil
	}
}

// alternate sends one request of each kind in turn and keeps the last n.
func alternate(kinds []*kind, warmup, n int) error {
	for i := range warmup + n {
		for _, k := range kinds {
			d, err := k.do(i)
			if err != nil {
				return err
			}
			if i >= warmup {
				k.samples = append(k.samples, d)
			}
		}
	}
	return nil
}

// warmCreate sends create-ticket its container's first request, then createN
// warm ones, and says how many Secrets Manager calls each part made.
func (b *bench) warmCreate(ctx context.Context) (string, error) {
	create := &kind{name: "create-ticket", do: func(i int) (time.Duration, error) {
		a := benchkit.Send(ctx, b.client, b.api.URL+"/tickets", map[string]string{"Content-Type": "application/json"},
			fmt.Appendf(nil, `{"chat_id":"919876543210@c.us","subject":"warm %d"}`, i))
		if a.Err != nil || a.Status != 201 {
			return 0, fmt.Errorf("create-ticket request %d: %d %s %v", i, a.Status, a.Body, a.Err)
		}
		return a.Latency, nil
	}}
	if _, err := create.do(createN); err != nil {
		return "", err
	}
	coldCalls := b.rig.Proxy.Counts()[benchkit.TargetGetSecretValue]
	if err := alternate([]*kind{create}, 0, createN); err != nil {
		return "", err
	}
	warmCalls := b.rig.Proxy.CountPrefix(benchkit.PrefixSecretsManager) - coldCalls
	if pids := b.api.Functions[stack.CreateTicketFunction].PIDs(); len(pids) != 1 {
		return "", fmt.Errorf("create-ticket ran in %d processes, want 1 warm one", len(pids))
	}
	s := benchkit.Summarize(create.samples)
	return fmt.Sprintf("\nWarm create-ticket (sandbox Periskope, no Idempotency-Key), %d requests: p50 %s, p90 %s. Secrets Manager calls: %d on the first request of the container, %d on the %d warm ones (goal 0: %s).\n",
		createN, benchkit.Ms(s.P50), benchkit.Ms(s.P90), coldCalls, warmCalls, createN, benchkit.Verdict(float64(warmCalls), 0)), nil
}

func printWarm(kinds []*kind, n int) {
	s := make([]benchkit.Summary, len(kinds))
	for i, k := range kinds {
		s[i] = benchkit.Summarize(k.samples)
	}
	webhook, floor, hello, bare := s[0], s[1], s[2], s[3]
	ratio := benchkit.Ratio(webhook.P50, floor.P50)
	verdicts := []string{fmt.Sprintf("≤ %.1f× | %s", goal, benchkit.Verdict(ratio, goal)), " | floor", " | informative", " | informative"}
	fmt.Printf("Warm requests, sequential, %d of each after %d warm-up, alternating; ± is the half-width of the median's 95%% confidence interval; machine: %s\n\n", n, warmup, benchkit.Machine())
	fmt.Println("| request | p50 | p90 | p99 | ratio to the PutItem floor (p50) | goal | verdict |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | --- | --- |")
	for i, k := range kinds {
		fmt.Printf("| %s | %s ±%.1f%% | %s | %s | %.2f× | %s |\n", k.name, benchkit.Ms(s[i].P50), 100*s[i].Spread(), benchkit.Ms(s[i].P90), benchkit.Ms(s[i].P99),
			benchkit.Ratio(s[i].P50, floor.P50), verdicts[i])
	}
	fmt.Printf("\nThe webhook's own share at p50 (webhook − PutItem floor): %s. The gateway and emulator (hello via gateway): %s. The PutItem of the floor function over a bare one: %s.\n",
		benchkit.Ms(webhook.P50-floor.P50), benchkit.Ms(hello.P50), benchkit.Ms(floor.P50-bare.P50))
}
