// Command coldstart measures each function's cold start under AWS's Runtime
// Interface Emulator against the hello-world and SDK floors: per fresh
// environment, the emulator's INIT REPORT and the first invocation's round
// trip. Rounds run in a new random order each, so that other load spreads
// evenly over the binaries, and each binary from -copies files in turn,
// until every median is known to -spread
// (half-width of its 95% confidence interval) or -max-n rounds ran. The
// judged requests need no network (a counting proxy proves no AWS call);
// first responses with real I/O follow, for information.
//
// It fails only on a broken run (a build or an unexpected answer).
package main

import (
	"bytes"
	"cmp"
	"context"
	"flag"
	"fmt"
	"log"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

const (
	goal  = 1.05 // init and first response ÷ the SDK floor's (issue 12)
	batch = 25   // rounds added at a time until the medians are known to -spread
	ioN   = 10   // fresh environments per function with real I/O
)

var o struct {
	minN, maxN, copies int
	spread             float64
}

func main() {
	flag.IntVar(&o.minN, "n", 25, "fresh execution environments per binary at least")
	flag.IntVar(&o.maxN, "max-n", 3000, "fresh execution environments per binary at most")
	flag.Float64Var(&o.spread, "spread", 0.02, "wanted half-width of each median's 95% confidence interval, as a fraction of it")
	flag.IntVar(&o.copies, "copies", 8, "copies of each binary, run in turn (a cold start depends on the file it runs from)")
	benchkit.Main("coldstart", run)
}

// kase is one binary and request measured cold, and its samples.
type kase struct {
	name        string
	target      benchkit.Target
	cfgs        []rie.Config // sample i runs cfgs[i%len(cfgs)]
	payload     func(i int) []byte
	want        int
	informative bool  // shown for comparison, not judged and not waited for
	floor       *kase // the SDK floor handed the same request; nil: the SDK floor's {}
	init, first []time.Duration
	retries     int // samples tried again after the emulator itself failed
	lost        int // after the bootstrap died without an answer
}

func run() error {
	if o.copies < 1 {
		return fmt.Errorf("-copies %d: each binary runs from at least 1 file", o.copies)
	}
	ctx := context.Background()
	rig, err := benchkit.StartRig(ctx, benchkit.Reported...)
	if err != nil {
		return err
	}
	defer rig.Close()
	offline, withIO, err := cases(rig)
	if err != nil {
		return err
	}
	if err := sampleUntilSettled(ctx, offline); err != nil {
		return err
	}
	if calls := rig.Proxy.CountPrefix(""); calls != 0 {
		return fmt.Errorf("the no-network first responses made %d AWS calls", calls)
	}
	if err := rounds(ctx, withIO, 0, ioN); err != nil {
		return err
	}
	printOffline(offline)
	if err := printInitTraces(rig.Bootstraps); err != nil {
		return err
	}
	printWithIO(withIO, rig.Proxy.Counts())
	return nil
}

func always(b []byte) func(int) []byte { return func(int) []byte { return b } }

func one(cfg rie.Config) []rie.Config { return []rie.Config{cfg} }

// copies returns cfg and n-1 configurations that run copies of its bootstrap
// from directories beside its own, laid out as the rig's (so the rig's Close
// removes them). The same binary's cold start moves by several per cent with
// the file it runs from, for a whole run (copies of one bootstrap were 5-7%
// apart in one run, each median known to ±2%), so the samples go round the
// copies and no one file decides a verdict.
func copies(cfg rie.Config, n int) ([]rie.Config, error) {
	cfgs := one(cfg)
	bin, err := os.ReadFile(cfg.Bootstrap)
	if err != nil {
		return nil, err
	}
	for i := 1; i < n; i++ {
		c := cfg
		dir := fmt.Sprintf("%s-copy%d", filepath.Dir(cfg.Bootstrap), i)
		c.Bootstrap = filepath.Join(dir, filepath.Base(cfg.Bootstrap))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(c.Bootstrap, bin, 0o755); err != nil {
			return nil, err
		}
		cfgs = append(cfgs, c)
	}
	return cfgs, nil
}

// cases are the goal's, whose requests need no network, each binary run
// from o.copies files, and those with real I/O. Every AWS call goes through
// the counting proxy.
func cases(rig *benchkit.Rig) (offline, withIO []*kase, err error) {
	jsonCT := map[string]string{"Content-Type": "application/json"}
	unsigned := benchkit.APIEvent("POST", "/webhooks/periskope", jsonCT, benchkit.TicketCreated("bench-org", "COLD-0"))
	invalid := benchkit.APIEvent("POST", "/tickets", jsonCT, []byte(`{"subject":"no chat_id"}`))
	hello := benchkit.APIEvent("POST", "/hello", jsonCT, []byte(`{}`))
	runID := time.Now().UnixNano()
	signed := func(i int) []byte {
		body := benchkit.TicketCreated("bench-org", fmt.Sprintf("COLD-%d-%d", runID, i))
		return benchkit.APIEvent("POST", "/webhooks/periskope", benchkit.SignedHeaders(body, local.SigningKey), body)
	}
	create := func(i int) []byte {
		return benchkit.APIEvent("POST", "/tickets", map[string]string{"Content-Type": "application/json", "Idempotency-Key": fmt.Sprintf("cold-%d-%d", runID, i)},
			[]byte(`{"chat_id":"919876543210@c.us","subject":"cold start","priority":2}`))
	}
	cfg := map[benchkit.Target]rie.Config{}
	for t, fn := range map[benchkit.Target]string{benchkit.Webhook: stack.WebhookFunction, benchkit.SDKFloor: stack.WebhookFunction,
		benchkit.CreateTicket: stack.CreateTicketFunction, benchkit.CreateTicketLoadDefault: stack.CreateTicketFunction} {
		if cfg[t], _, err = rig.Function(fn, t, rig.Proxy.URL); err != nil {
			return nil, nil, err
		}
	}
	// The SDK floor with the webhook's environment, under its own name.
	floorCfg := cfg[benchkit.SDKFloor]
	floorCfg.Name, cfg[benchkit.SDKFloor] = "SDKFloorFunction", floorCfg
	cfg[benchkit.Hello] = rig.Floor("HelloFunction", benchkit.Hello, nil, 10*time.Second)
	wh := &kase{name: benchkit.Webhook.Name + " (unsigned → 401)", target: benchkit.Webhook, payload: always(unsigned), want: 401}
	ct := &kase{name: benchkit.CreateTicket.Name + " (invalid body → 400)", target: benchkit.CreateTicket, payload: always(invalid), want: 400}
	ld := &kase{name: benchkit.CreateTicketLoadDefault.Name + " (invalid body → 400)", target: benchkit.CreateTicketLoadDefault, payload: always(invalid), want: 400, informative: true}
	offline = []*kase{ // hello and the {} floor first, printOffline's denominators
		{name: benchkit.Hello.Name, target: benchkit.Hello, payload: always(hello), want: 200},
		{name: benchkit.SDKFloor.Name, target: benchkit.SDKFloor, payload: always(hello), want: 200},
		floorFor("the webhook's delivery", wh), floorFor("create-ticket's body", ct, ld), wh, ct, ld,
	}
	if err = fromCopies(offline, cfg, o.copies); err != nil {
		return nil, nil, err
	}
	withIO = []*kase{
		{name: benchkit.Webhook.Name + " (signed → 200 stored)", cfgs: one(cfg[benchkit.Webhook]), payload: signed, want: 200},
		{name: benchkit.CreateTicket.Name + " (valid, Idempotency-Key → 201)", cfgs: one(cfg[benchkit.CreateTicket]), payload: create, want: 201},
	}
	return offline, withIO, nil
}

// fromCopies gives each case n copies of its binary's configuration in cfg,
// made once per binary: every case of one binary runs from the same files,
// so a file's luck cannot tell the SDK floor handed {} from its twins handed
// a function's request.
func fromCopies(cases []*kase, cfg map[benchkit.Target]rie.Config, n int) error {
	files := map[benchkit.Target][]rie.Config{}
	for _, k := range cases {
		if files[k.target] == nil {
			var err error
			if files[k.target], err = copies(cfg[k.target], n); err != nil {
				return err
			}
		}
		k.cfgs = files[k.target]
	}
	return nil
}

// floorFor returns the SDK floor case handed the request of fns, and makes
// it their floor. A function is judged against the floor handed its own
// request: the runtime decodes a 5 KB event into an APIGatewayV2HTTPRequest
// in any function, so against a floor handed {} the ratio would charge the
// request's size to the project's code. That floor's own ratio to the {}
// floor, in the same table, is what the request costs.
func floorFor(request string, fns ...*kase) *kase {
	twin := &kase{name: benchkit.SDKFloor.Name + " (" + request + ")", target: benchkit.SDKFloor, payload: fns[0].payload, want: 200}
	for _, k := range fns {
		k.floor = twin
	}
	return twin
}

// sampleUntilSettled runs o.minN rounds, then batch more of the judged cases
// at a time until their spread is within o.spread or o.maxN rounds ran.
func sampleUntilSettled(ctx context.Context, cases []*kase) error {
	if err := rounds(ctx, cases, 0, o.minN); err != nil {
		return err
	}
	judged := slices.DeleteFunc(slices.Clone(cases), func(k *kase) bool { return k.informative })
	for done := o.minN; ; {
		widest, name := widestSpread(cases)
		log.Printf("coldstart: %d rounds, widest median spread ±%.1f%% (%s)", done, 100*widest, name)
		if widest <= o.spread || done >= o.maxN {
			return nil
		}
		next := min(done+batch, o.maxN)
		if err := rounds(ctx, judged, done, next); err != nil {
			return err
		}
		done = next
	}
}

// widestSpread is the largest spread of the judged medians, and whose.
func widestSpread(cases []*kase) (widest float64, name string) {
	for _, k := range cases {
		if k.informative {
			continue
		}
		for what, d := range map[string][]time.Duration{"init": k.init, "first response": k.first} {
			if s := benchkit.Summarize(d).Spread(); s > widest {
				widest, name = s, k.name+" "+what
			}
		}
	}
	return widest, name
}

// rounds runs rounds from to to of every case, in a new random order each.
func rounds(ctx context.Context, cases []*kase, from, to int) error {
	for i := from; i < to; i++ {
		for _, j := range rand.Perm(len(cases)) {
			if err := cases[j].sample(ctx, i); err != nil {
				return err
			}
		}
	}
	return nil
}

func (k *kase) sample(ctx context.Context, i int) error {
	attempt := func(a int) ([]byte, error) { return k.payload(i*benchkit.MaxAttempts + a - 1), nil }
	res, retried, lost, err := benchkit.ColdSample(ctx, k.cfgs[i%len(k.cfgs)], attempt, nil, k.want)
	k.retries, k.lost = k.retries+retried, k.lost+lost
	if err != nil {
		return fmt.Errorf("%s: %w", k.name, err)
	}
	k.init = append(k.init, res.Init)
	k.first = append(k.first, res.FirstResponse)
	return nil
}

func (k *kase) summaries() (init, first benchkit.Summary) {
	return benchkit.Summarize(k.init), benchkit.Summarize(k.first)
}

// printOffline prints the no-network table. cases begin with hello and the
// SDK floor handed {}, as cases lists them: the denominators of ÷ hello and
// of the floors' own ÷ SDK floor.
func printOffline(cases []*kase) {
	helloInit, helloFirst := cases[0].summaries()
	sdkInit, sdkFirst := cases[1].summaries()
	retries, lost := 0, 0
	for _, k := range cases {
		retries, lost = retries+k.retries, lost+k.lost
	}
	fmt.Printf("Cold start under aws-lambda-rie (init: its INIT REPORT; first response: the first invocation's round trip), host binaries built with CGO_ENABLED=0 go build %s\n", strings.Join(lambdabuild.Flags, " "))
	fmt.Printf("machine: %s\n\n", benchkit.Machine())
	fmt.Printf("No-network first response, %d fresh execution environments of each judged binary (interleaved, from %d copies of each binary in turn; at least %d, more until every judged median was known to ±%.0f%%, at most %d; the informative variant %d). "+
		"± is the half-width of the median's 95%% confidence interval. Ratios of medians; ÷ SDK floor is against the SDK floor handed the same request (for the floors, {}); goal ≤ %.2f× it. AWS calls made: 0. Samples tried again after the emulator itself failed: %d; after the bootstrap ended without an answer: %d.\n\n",
		len(cases[0].init), len(cases[0].cfgs), o.minN, 100*o.spread, o.maxN, o.minN, goal, retries, lost)
	fmt.Println("| binary | init p50 | init p90 | ÷ hello | ÷ SDK floor | first response p50 | first response p90 | ÷ hello | ÷ SDK floor | verdict |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
	for _, k := range cases {
		init, first := k.summaries()
		ri, rf := floorRatios(k, cases[1])
		fmt.Printf("| %s | %s ±%.1f%% | %s | %.2f× | %.2f× | %s ±%.1f%% | %s | %.2f× | %.2f× | %s |\n", k.name,
			benchkit.Ms(init.P50), 100*init.Spread(), benchkit.Ms(init.P90), benchkit.Ratio(init.P50, helloInit.P50), ri,
			benchkit.Ms(first.P50), 100*first.Spread(), benchkit.Ms(first.P90), benchkit.Ratio(first.P50, helloFirst.P50), rf,
			coldVerdict(k, ri, rf))
	}
	fmt.Println()
	for _, k := range cases {
		if k.floor != nil && !k.informative {
			init, first := k.summaries()
			fmt.Printf("%s ÷ the SDK floor handed {} (the request's size included): init %.2f×, first response %.2f×.\n",
				k.name, benchkit.Ratio(init.P50, sdkInit.P50), benchkit.Ratio(first.P50, sdkFirst.P50))
		}
	}
	fmt.Printf("SDK floor ÷ hello: init %.2f×, first response %.2f×: what the AWS SDK's DynamoDB and Secrets Manager clients cost any function's cold start.\n",
		benchkit.Ratio(sdkInit.P50, helloInit.P50), benchkit.Ratio(sdkFirst.P50, helloFirst.P50))
}

// floorRatios are k's median init and first response ÷ its floor's: the
// SDK floor handed k's request, or sdk (the SDK floor handed {}).
func floorRatios(k, sdk *kase) (init, first float64) {
	ki, kf := k.summaries()
	fi, ff := cmp.Or(k.floor, sdk).summaries()
	return benchkit.Ratio(ki.P50, fi.P50), benchkit.Ratio(kf.P50, ff.P50)
}

// coldVerdict judges a deployed function against the SDK floor.
func coldVerdict(k *kase, initRatio, firstRatio float64) string {
	if v := benchkit.Unjudged[k.target]; v != "" {
		return v
	}
	return "init " + benchkit.Verdict(initRatio, goal) + ", first response " + benchkit.Verdict(firstRatio, goal)
}

func printWithIO(cases []*kase, calls map[string]int) {
	fmt.Printf("\nFirst response with real I/O (informative), %d fresh execution environments each, against moto_server and the Periskope sandbox on loopback:\n\n", ioN)
	fmt.Println("| function | init p50 | first response p50 | first response p90 |")
	fmt.Println("| --- | ---: | ---: | ---: |")
	for _, k := range cases {
		init, first := k.summaries()
		fmt.Printf("| %s | %s | %s | %s |\n", k.name, benchkit.Ms(init.P50), benchkit.Ms(first.P50), benchkit.Ms(first.P90))
	}
	var parts []string
	for _, target := range slices.Sorted(maps.Keys(calls)) {
		parts = append(parts, fmt.Sprintf("%s=%d", target, calls[target]))
	}
	fmt.Printf("\nAWS calls during the real-I/O runs (both functions, %d cold requests each): %s\n", ioN, cmp.Or(strings.Join(parts, ", "), "none"))
}

// pkgInit is what one package's init functions cost.
type pkgInit struct {
	pkg   string
	clock time.Duration
	bytes int64
}

// initTrace runs bin runs times with GODEBUG=inittrace=1 (outside the
// emulator: the trace is printed before main, which then fails for want of a
// Runtime API) and returns the median total and that run's heaviest packages.
func initTrace(bin string, runs int) (time.Duration, []pkgInit, error) {
	type run struct {
		total time.Duration
		pkgs  []pkgInit
	}
	var all []run
	for range runs {
		cmd := exec.Command(bin)
		cmd.Env = []string{"GODEBUG=inittrace=1"}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		_ = cmd.Run() // exits non-zero without AWS_LAMBDA_RUNTIME_API
		var r run
		for line := range strings.Lines(stderr.String()) {
			var p pkgInit
			var at, ms float64
			if _, err := fmt.Sscanf(line, "init %s @%f ms, %f ms clock, %d bytes,", &p.pkg, &at, &ms, &p.bytes); err != nil {
				continue
			}
			p.clock = time.Duration(ms * float64(time.Millisecond))
			r.total += p.clock
			r.pkgs = append(r.pkgs, p)
		}
		if len(r.pkgs) == 0 {
			return 0, nil, fmt.Errorf("%s printed no init trace: %s", bin, stderr.String())
		}
		all = append(all, r)
	}
	slices.SortFunc(all, func(a, b run) int { return int(a.total - b.total) })
	median := all[len(all)/2]
	slices.SortFunc(median.pkgs, func(a, b pkgInit) int { return int(b.clock - a.clock) })
	return median.total, median.pkgs[:min(4, len(median.pkgs))], nil
}

func printInitTraces(paths map[benchkit.Target]string) error {
	const runs = 7
	fmt.Printf("\nPackage initialisation (GODEBUG=inittrace=1, median of %d runs outside the emulator): the part of init that runs before main.\n\n", runs)
	fmt.Println("| binary | package init total | heaviest packages (clock, allocated) |")
	fmt.Println("| --- | ---: | --- |")
	for _, t := range benchkit.Reported {
		total, top, err := initTrace(paths[t], runs)
		if err != nil {
			return err
		}
		var parts []string
		for _, p := range top {
			name := strings.NewReplacer("github.com/aws/aws-sdk-go-v2/", "sdk/", "github.com/periskope-connect/periskope-aws/", "").Replace(p.pkg)
			parts = append(parts, fmt.Sprintf("%s %.2f ms, %d KB", name, float64(p.clock.Microseconds())/1000, p.bytes/1024))
		}
		fmt.Printf("| %s | %s | %s |\n", t.Name, benchkit.Ms(total), strings.Join(parts, "; "))
	}
	return nil
}
