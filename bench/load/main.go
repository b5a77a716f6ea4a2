// Command load drives the local system (gateway → AWS's Runtime Interface
// Emulator → release bootstraps → moto_server, and the Periskope sandbox)
// with bounded bursts on loopback, checks what was stored and samples the
// peak RSS (VmHWM) of every bootstrap:
//
//   - webhook: -deliveries ticket.created at -concurrency, a fifth of them
//     duplicates sent at the same moment as their originals (same signed
//     bytes). The table must hold exactly the unique tickets, with no 5xx.
//   - create-ticket: each of -keys Idempotency-Keys sent twice at once and
//     once more after both answered, 409 "in progress" retried after
//     Retry-After. The sandbox must see one create per key, and every answer
//     of a key must name the same ticket.
//
// It exits non-zero when a check fails or the run breaks; latency is
// reported, not judged.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

const (
	rssGoal = 30 << 20 // peak RSS per function process (issue 7)
	// instances is the most execution environments of each function; Lambda
	// would scale to the concurrency.
	instances = 16
	timeout   = 5 * time.Minute // of the whole run
	dupShare  = 0.2             // of the deliveries, as documented
)

var functions = []string{stack.WebhookFunction, stack.CreateTicketFunction}

type options struct {
	deliveries, concurrency, keys int
	logDir                        string
}

func main() {
	var o options
	flag.IntVar(&o.deliveries, "deliveries", 1000, "webhook deliveries, duplicates included")
	flag.IntVar(&o.concurrency, "concurrency", 16, "requests in flight")
	flag.IntVar(&o.keys, "keys", 200, "create-ticket Idempotency-Keys")
	flag.StringVar(&o.logDir, "log-dir", "", "keep each function's and the gateway's log lines here (make dashboard reads them); default: dropped with the run")
	benchkit.Main("load", func() error { return run(o) })
}

// rss tracks the peak RSS of every bootstrap. VmHWM is the peak of a
// process's whole life, so sampling the live ones now and then misses nothing
// of a bootstrap that stays warm. Only sampleEvery's goroutine touches it
// until stop returns.
type rss struct {
	st   *stack.Stack
	pids map[int]string // live pid → function
	seen map[string]int // bootstraps per function over the run
	peak map[string]int64
}

func (r *rss) sample() {
	for _, name := range functions {
		fn, _ := r.st.Function(name)
		for _, pid := range fn.RuntimePIDs() {
			if _, known := r.pids[pid]; !known {
				r.pids[pid] = name
				r.seen[name]++
			}
		}
	}
	for pid, fn := range r.pids {
		n, err := benchkit.PeakRSS(pid)
		if err != nil {
			delete(r.pids, pid) // exited
			continue
		}
		r.peak[fn] = max(r.peak[fn], n)
	}
}

func run(o options) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "bench-load")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	logFile, err := os.Create(filepath.Join(dir, "local.log"))
	if err != nil {
		return err
	}
	// As make run wires it, without the sandbox's own webhook deliveries.
	st, err := stack.Start(ctx, stack.Config{BinDir: dir, NoWebhooks: true, Concurrency: instances, Output: logFile, LogDir: o.logDir})
	if err != nil {
		return err
	}
	defer st.Close()
	mem := &rss{st: st, pids: map[int]string{}, seen: map[string]int{}, peak: map[string]int64{}}
	stopSampling := mem.sampleEvery(100 * time.Millisecond)

	fmt.Printf("Load through the local system (gateway → aws-lambda-rie → release bootstraps → moto_server; sandbox Periskope), %d environments per function at most\n", instances)
	fmt.Printf("machine: %s\n\n", benchkit.Machine())
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.concurrency * 2}}
	whOK, err := webhookLoad(ctx, o, st, client)
	if err != nil {
		return err
	}
	ctOK := createLoad(ctx, o, st, client)
	stopSampling()
	printRSS(mem)
	if !whOK || !ctOK {
		return errors.New("FAILED (see the checks above)")
	}
	return nil
}

// sampleEvery samples every period until stop, which samples once more.
func (r *rss) sampleEvery(period time.Duration) (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			r.sample()
			select {
			case <-done:
				return
			case <-time.After(period):
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		r.sample()
	}
}

func printRSS(mem *rss) {
	fmt.Println("\nPeak RSS (VmHWM) of the bootstrap processes during the run:")
	fmt.Println("\n| function | bootstraps | peak RSS | goal | verdict |")
	fmt.Println("| --- | ---: | ---: | --- | --- |")
	for _, fn := range functions {
		peak := mem.peak[fn]
		verdict := "met"
		if peak > rssGoal || peak == 0 {
			verdict = "MISSED"
		}
		fmt.Printf("| %s | %d | %s | ≤ 30 MB | %s |\n", fn, mem.seen[fn], benchkit.MiB(peak), verdict)
	}
}

// delivery is one webhook request; a duplicate shares a barrier with its
// original so that both are sent at the same moment.
type delivery struct {
	body []byte
	pair *sync.WaitGroup
}

func ticketID(i int) string { return fmt.Sprintf("LOAD-%05d", i) }

func webhookLoad(ctx context.Context, o options, st *stack.Stack, client *http.Client) (bool, error) {
	org := fmt.Sprintf("load-%d", time.Now().UnixNano())
	queue, unique, err := planDeliveries(o, org)
	if err != nil {
		return false, err
	}
	dups := len(queue) - unique
	start := time.Now()
	results := sendDeliveries(ctx, o.concurrency, client, st.APIURL+"/webhooks/periskope", queue)
	elapsed := time.Since(start)
	t := tallyDeliveries(results)
	stored, err := scanTickets(ctx, st.Moto, org)
	if err != nil {
		return false, err
	}
	missing := 0
	for i := range unique {
		if !stored[ticketID(i)] {
			missing++
		}
	}
	s := benchkit.Summarize(t.latencies)
	checks := []check{
		{"items in the table = unique tickets", len(stored) == unique, fmt.Sprintf("%d stored, %d unique", len(stored), unique)},
		{"lost tickets = 0", missing == 0, strconv.Itoa(missing)},
		{"5xx answers = 0", t.fiveXX == 0, strconv.Itoa(t.fiveXX)},
		{"transport errors = 0", t.transport == 0, strconv.Itoa(t.transport)},
		{`answers "stored" = unique tickets`, t.outcomes["stored"] == unique, strconv.Itoa(t.outcomes["stored"])},
		{`answers "duplicate" = duplicates`, t.outcomes["duplicate"] == dups, strconv.Itoa(t.outcomes["duplicate"])},
	}
	fmt.Printf("### webhook: %d ticket.created deliveries (%d unique, %d duplicates sent together with their originals), concurrency %d\n\n",
		o.deliveries, unique, dups, o.concurrency)
	fmt.Printf("%d requests in %s (%.0f req/s); statuses %v; latency p50 %s, p90 %s, p99 %s, max %s\n\n",
		len(results), elapsed.Round(time.Millisecond), float64(len(results))/elapsed.Seconds(), t.statuses,
		benchkit.Ms(s.P50), benchkit.Ms(s.P90), benchkit.Ms(s.P99), benchkit.Ms(s.Max))
	return printChecks(checks), nil
}

// planDeliveries puts each duplicate right behind its original, so that two
// workers pick the pair up together.
func planDeliveries(o options, org string) (queue []delivery, unique int, err error) {
	dups := int(float64(o.deliveries)*dupShare + 0.5)
	unique = o.deliveries - dups
	if dups > 0 && o.concurrency < 2 {
		return nil, 0, fmt.Errorf("-concurrency %d cannot send a duplicate together with its original", o.concurrency)
	}
	for i := range unique {
		body := benchkit.TicketCreated(org, ticketID(i))
		// When (i+1)·dups/unique steps up: dups of them, evenly spread.
		if (i+1)*dups/unique > i*dups/unique {
			pair := &sync.WaitGroup{}
			pair.Add(2)
			queue = append(queue, delivery{body, pair}, delivery{body, pair})
			continue
		}
		queue = append(queue, delivery{body: body})
	}
	return queue, unique, nil
}

// sendDeliveries posts the queue, signed, with concurrency workers.
func sendDeliveries(ctx context.Context, concurrency int, client *http.Client, url string, queue []delivery) []benchkit.Response {
	results := make([]benchkit.Response, len(queue))
	var g errgroup.Group
	g.SetLimit(concurrency)
	for i, d := range queue {
		g.Go(func() error {
			if d.pair != nil {
				d.pair.Done()
				d.pair.Wait()
			}
			results[i] = benchkit.Send(ctx, client, url, benchkit.SignedHeaders(d.body, local.SigningKey), d.body)
			return nil
		})
	}
	_ = g.Wait() // the tasks return no error
	return results
}

// tally counts answers by status and by the body's "status", and failures.
type tally struct {
	statuses          map[int]int
	outcomes          map[string]int
	fiveXX, transport int
	latencies         []time.Duration
}

func tallyDeliveries(results []benchkit.Response) tally {
	t := tally{statuses: map[int]int{}, outcomes: map[string]int{}}
	for _, r := range results {
		if r.Err != nil {
			t.transport++
			continue
		}
		t.statuses[r.Status]++
		if r.Status >= 500 {
			t.fiveXX++
		}
		t.latencies = append(t.latencies, r.Latency)
		var ans struct{ Status string }
		_ = json.Unmarshal(r.Body, &ans)
		t.outcomes[ans.Status]++
	}
	return t
}

func scanTickets(ctx context.Context, moto *motoserver.Server, org string) (map[string]bool, error) {
	db := dynamodb.NewFromConfig(moto.Config())
	prefix := "TICKET#" + org + "#"
	ids := map[string]bool{}
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{
		TableName:                 aws.String(local.Table),
		FilterExpression:          aws.String("begins_with(pk, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: prefix}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scanning the table: %w", err)
		}
		for _, item := range page.Items {
			pk := item["pk"].(*types.AttributeValueMemberS).Value
			ids[strings.TrimPrefix(pk, prefix)] = true // pk is the table's key: one item each
		}
	}
	return ids, nil
}

type check struct {
	name string
	ok   bool
	got  string
}

func printChecks(cs []check) bool {
	all := true
	fmt.Println("| check | result | |")
	fmt.Println("| --- | --- | --- |")
	for _, c := range cs {
		mark := "ok"
		if !c.ok {
			mark, all = "FAILED", false
		}
		fmt.Printf("| %s | %s | %s |\n", c.name, c.got, mark)
	}
	return all
}

// keyResult is every answer of one key, and the last of each send.
type keyResult struct{ all, final []benchkit.Response }

// send posts, retrying a 409 in progress after its Retry-After (at most 10
// times) as a client following the contract would, and returns every answer.
func send(ctx context.Context, client *http.Client, url string, headers map[string]string, body []byte) []benchkit.Response {
	var all []benchkit.Response
	for attempt := 0; ; attempt++ {
		r := benchkit.Send(ctx, client, url, headers, body)
		all = append(all, r)
		if r.Err != nil || r.Status != 409 || !strings.Contains(string(r.Body), "idempotency_in_progress") || attempt == 10 {
			return all
		}
		wait, _ := strconv.Atoi(r.Header.Get("Retry-After"))
		time.Sleep(time.Duration(max(wait, 1)) * time.Second / 4) // a quarter of it: keeps the run short, still well after the original's answer on loopback
	}
}

// sendKey sends key k twice at once and once more after both answered.
func sendKey(ctx context.Context, client *http.Client, url string, runID int64, k int) keyResult {
	body := fmt.Appendf(nil, `{"chat_id":"919876543210@c.us","subject":"load %d","priority":%d}`, k, 1+k%4)
	headers := map[string]string{"Content-Type": "application/json", "Idempotency-Key": fmt.Sprintf("load-%d-%04d", runID, k)}
	var sent [3][]benchkit.Response
	var pair sync.WaitGroup
	for i := range 2 {
		pair.Go(func() { sent[i] = send(ctx, client, url, headers, body) })
	}
	pair.Wait()
	sent[2] = send(ctx, client, url, headers, body)
	var kr keyResult
	for _, answers := range sent {
		kr.all = append(kr.all, answers...)
		kr.final = append(kr.final, answers[len(answers)-1])
	}
	return kr
}

type keyTally struct {
	tally                     // of every answer, retried ones included
	requests, bad, mismatched int
	failures                  map[string]int // "status body" of the final answers not 201
}

func tallyKeys(keys []keyResult) keyTally {
	var all []benchkit.Response
	t := keyTally{failures: map[string]int{}}
	for _, k := range keys {
		all = append(all, k.all...)
		var ids []string
		for _, a := range k.final {
			if a.Err != nil || a.Status != 201 {
				t.bad++
				t.failures[fmt.Sprintf("%d %s%v", a.Status, a.Body, a.Err)]++
				continue
			}
			var info struct {
				Ticket struct {
					TicketID string `json:"ticket_id"`
				} `json:"ticket"`
			}
			_ = json.Unmarshal(a.Body, &info)
			ids = append(ids, info.Ticket.TicketID)
		}
		if len(ids) == 0 || len(slices.Compact(ids)) != 1 || ids[0] == "" {
			t.mismatched++
		}
	}
	t.tally, t.requests = tallyDeliveries(all), len(all)
	return t
}

func createLoad(ctx context.Context, o options, st *stack.Stack, client *http.Client) bool {
	before := st.Sandbox.Stats()
	keys, workers, runID := make([]keyResult, o.keys), max(o.concurrency/2, 1), time.Now().UnixNano()
	var g errgroup.Group
	g.SetLimit(workers)
	start := time.Now()
	for k := range keys {
		g.Go(func() error { keys[k] = sendKey(ctx, client, st.APIURL+"/tickets", runID, k); return nil })
	}
	_ = g.Wait() // the tasks return no error
	elapsed := time.Since(start)
	after := st.Sandbox.Stats()

	t := tallyKeys(keys)
	creates := after.CreatesReceived - before.CreatesReceived
	created := after.TicketsCreated - before.TicketsCreated
	s := benchkit.Summarize(t.latencies)
	fmt.Printf("\n### create-ticket: %d Idempotency-Keys, each sent twice at once and once after, at concurrency %d\n\n", o.keys, workers*2)
	fmt.Printf("%d requests in %s; statuses %v (409 = in progress, retried after Retry-After); latency p50 %s, p90 %s, p99 %s, max %s\n\n",
		t.requests, elapsed.Round(time.Millisecond), t.statuses, benchkit.Ms(s.P50), benchkit.Ms(s.P90), benchkit.Ms(s.P99), benchkit.Ms(s.Max))
	checks := []check{
		{"upstream creates (sandbox stats) = keys", creates == o.keys, fmt.Sprintf("%d creates received, %d tickets created", creates, created)},
		{"tickets created = keys", created == o.keys, strconv.Itoa(created)},
		{"every final answer 201", t.bad == 0, fmt.Sprintf("%d not 201", t.bad)},
		{"5xx answers = 0", t.fiveXX == 0, strconv.Itoa(t.fiveXX)},
		{"all answers of a key name one ticket", t.mismatched == 0, fmt.Sprintf("%d keys differ", t.mismatched)},
	}
	ok := printChecks(checks)
	for answer, n := range t.failures {
		fmt.Printf("\nnot 201 (%d×): %s\n", n, answer)
	}
	return ok
}
