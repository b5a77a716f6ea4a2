// Command warm measures warm requests: a signed ticket.created through the
// local gateway to a warm webhook process and on to DynamoDB (moto_server),
// against the floor of a bare conditional PutItem of the same item to the
// same moto_server from this process. Requests alternate between the two so
// that both see the same machine load; the same body sent through the
// gateway to the hello floor splits the overhead. It also counts the Secrets Manager
// calls of warm create-ticket requests (through a counting proxy in front of
// moto_server): the API key is fetched once per container.
//
//	go run ./bench/warm -n 300
//
// It fails only on a broken run.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

// Goal (issue 7): warm webhook request at most this many times a bare PutItem.
const Goal = 1.2

func main() {
	n := flag.Int("n", 300, "measured requests of each kind")
	createN := flag.Int("create-n", 50, "warm create-ticket requests whose Secrets Manager calls are counted")
	flag.Parse()
	log.SetFlags(0)
	if err := run(*n, *createN); err != nil {
		log.Fatalf("warm: %v", err)
	}
}

func run(n, createN int) error {
	ctx := context.Background()
	root, err := stack.FindRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "bench-warm")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bins, err := benchkit.BuildHost(ctx, root, dir, benchkit.Webhook, benchkit.CreateTicket, benchkit.Hello)
	if err != nil {
		return err
	}
	backends, err := benchkit.StartBackends(ctx, dir)
	if err != nil {
		return err
	}
	defer backends.Close()
	moto, proxy, sb := backends.Moto, backends.Proxy, backends.Sandbox

	webhookEnv, err := benchkit.WebhookEnv(moto.Endpoint)
	if err != nil {
		return err
	}
	createEnv, err := benchkit.CreateTicketEnv(proxy.URL, sb.BaseURL())
	if err != nil {
		return err
	}
	webhook, err := stack.FunctionNamed(stack.WebhookFunction)
	if err != nil {
		return err
	}
	createTicket, err := stack.FunctionNamed(stack.CreateTicketFunction)
	if err != nil {
		return err
	}
	warmOne := func(cfg rie.Config) rie.Config {
		cfg.Concurrency, cfg.Prewarm = 1, 1
		return cfg
	}
	api, err := benchkit.StartAPI([]benchkit.APIFunction{
		{Config: warmOne(bins.Function(webhook.Name, benchkit.Webhook, webhookEnv, webhook.Timeout)),
			Method: webhook.Method, Path: webhook.Path, Deadline: webhook.Deadline},
		{Config: warmOne(bins.Function(createTicket.Name, benchkit.CreateTicket, createEnv, createTicket.Timeout)),
			Method: createTicket.Method, Path: createTicket.Path, Deadline: createTicket.Deadline},
		// The hello floor behind the same gateway: what the gateway and the
		// emulator cost by themselves, to split the overhead.
		{Config: warmOne(bins.Function("HelloFunction", benchkit.Hello, nil, 3*time.Second)),
			Method: "POST", Path: "/hello", Deadline: 5 * time.Second},
	}, nil)
	if err != nil {
		return err
	}
	defer api.Close()

	client := &http.Client{Timeout: 30 * time.Second}
	db := dynamodb.NewFromConfig(moto.Config())
	runID := time.Now().UnixNano()
	viaGateway := func(i int) (time.Duration, error) {
		body := benchkit.TicketCreated("warm-org", fmt.Sprintf("GW-%d-%d", runID, i))
		start := time.Now()
		status, answer, err := benchkit.Post(ctx, client, api.URL+"/webhooks/periskope", benchkit.SignedHeaders(body, local.SigningKey), body)
		elapsed := time.Since(start)
		if err != nil || status != 200 {
			return 0, fmt.Errorf("webhook request %d: %d %s %v", i, status, answer, err)
		}
		return elapsed, nil
	}
	// The floor writes the same item the webhook would, with the same
	// condition, through the same SDK.
	barePut := func(i int) (time.Duration, error) {
		t := &ticketstore.Ticket{OrgID: "warm-org", TicketID: fmt.Sprintf("PUT-%d-%d", runID, i), ChatID: "919876543210@c.us",
			Subject: "Sample Ticket Subject", Status: "open", Priority: 2, CreatedAt: "2024-05-24T08:30:00+00:00",
			ReceivedAt: time.Now(), Event: "ticket.created", EventTimestamp: "2024-05-24T08:30:00.123456+00:00",
			Data: benchkit.TicketCreatedFixture}
		start := time.Now()
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(local.Table), Item: t.Item(),
			ConditionExpression: aws.String("attribute_not_exists(pk)")})
		if err != nil {
			return 0, fmt.Errorf("bare PutItem %d: %w", i, err)
		}
		return time.Since(start), nil
	}

	// The same signed 4 KB body through the gateway to hello.
	viaGatewayHello := func(i int) (time.Duration, error) {
		body := benchkit.TicketCreated("warm-org", fmt.Sprintf("HELLO-%d-%d", runID, i))
		start := time.Now()
		status, answer, err := benchkit.Post(ctx, client, api.URL+"/hello", benchkit.SignedHeaders(body, local.SigningKey), body)
		elapsed := time.Since(start)
		if err != nil || status != 200 {
			return 0, fmt.Errorf("hello request %d: %d %s %v", i, status, answer, err)
		}
		return elapsed, nil
	}

	const warmup = 20
	var gw, put, hello []time.Duration
	for i := range warmup + n {
		g, err := viaGateway(i)
		if err != nil {
			return err
		}
		p, err := barePut(i)
		if err != nil {
			return err
		}
		h, err := viaGatewayHello(i)
		if err != nil {
			return err
		}
		if i >= warmup {
			gw, put, hello = append(gw, g), append(put, p), append(hello, h)
		}
	}

	// create-ticket: the first request is the container's first use of the
	// key; every later one must be served from the cache.
	createReq := func(i int) error {
		status, answer, err := benchkit.Post(ctx, client, api.URL+"/tickets", map[string]string{"Content-Type": "application/json"},
			[]byte(fmt.Sprintf(`{"chat_id":"919876543210@c.us","subject":"warm %d"}`, i)))
		if err != nil || status != 201 {
			return fmt.Errorf("create-ticket request %d: %d %s %v", i, status, answer, err)
		}
		return nil
	}
	if err := createReq(0); err != nil {
		return err
	}
	coldCalls := proxy.Count(benchkit.TargetGetSecretValue)
	var create []time.Duration
	for i := 1; i <= createN; i++ {
		start := time.Now()
		if err := createReq(i); err != nil {
			return err
		}
		create = append(create, time.Since(start))
	}
	warmCalls := proxy.CountPrefix(benchkit.PrefixSecretsManager) - coldCalls
	if pids := api.Functions[stack.CreateTicketFunction].PIDs(); len(pids) != 1 {
		return fmt.Errorf("create-ticket ran in %d processes, want 1 warm one", len(pids))
	}

	g, p, c, hl := benchkit.Summarize(gw), benchkit.Summarize(put), benchkit.Summarize(create), benchkit.Summarize(hello)
	ratio := float64(g.P50) / float64(p.P50)
	fmt.Printf("Warm requests, sequential, %d of each after %d warm-up, alternating; machine: %s\n\n", n, warmup, benchkit.Machine())
	fmt.Println("| request | p50 | p90 | p99 | floor | floor p50 | ratio (p50) | goal | verdict |")
	fmt.Println("| --- | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |")
	fmt.Printf("| webhook ticket.created via gateway → emulator → bootstrap → PutItem | %s | %s | %s | bare PutItem, same item and moto | %s | %.2f× | ≤ %.1f× | %s |\n",
		benchkit.Ms(g.P50), benchkit.Ms(g.P90), benchkit.Ms(g.P99), benchkit.Ms(p.P50), ratio, Goal, benchkit.Verdict(ratio, Goal))
	fmt.Printf("\nBare PutItem: p90 %s, p99 %s. Overhead of the webhook path over it at p50: %s, of which the gateway and emulator alone "+
		"(same body through the gateway to the hello floor: p50 %s, p90 %s) account for %s; the rest is the function's own work and its SDK call.\n",
		benchkit.Ms(p.P90), benchkit.Ms(p.P99), benchkit.Ms(g.P50-p.P50), benchkit.Ms(hl.P50), benchkit.Ms(hl.P90), benchkit.Ms(hl.P50))
	fmt.Printf("\nWarm create-ticket (sandbox Periskope, no Idempotency-Key), %d requests: p50 %s, p90 %s. Secrets Manager calls: %d on the first request of the container, %d on the %d warm ones (goal 0: %s).\n",
		createN, benchkit.Ms(c.P50), benchkit.Ms(c.P90), coldCalls, warmCalls, createN, map[bool]string{true: "met", false: "MISSED"}[warmCalls == 0])
	return nil
}
