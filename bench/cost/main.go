// Command cost measures what the functions cost at each memory size, as
// AWS Lambda Power Tuning would, without AWS: the real bootstraps under the
// Runtime Interface Emulator in a cgroup whose CFS quota is the CPU Lambda
// gives that size. Billed durations, the AWS calls counted through a proxy,
// the stored items' sizes and the log bytes are priced from prices.json.
//
//	go run ./bench/cost -cold-n 30 -warm-n 200
//
// Without a writable cgroup CPU controller (root) it stops, measuring
// nothing. It fails only on a broken run, never on a cost or a latency.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard/logmetrics"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

// The verdict's latency bounds, and the invocations of each kind sent
// before measuring.
const (
	warmP99Bound = 300 * time.Millisecond
	coldP99Bound = 1000 * time.Millisecond
	warmup       = 5
)

func main() {
	coldN := flag.Int("cold-n", 30, "cold starts per function and memory size")
	warmN := flag.Int("warm-n", 200, "warm invocations per event and memory size")
	sizesFlag := flag.String("sizes", "128,256,512,1024", "memory sizes, MB")
	logFile := flag.String("log", "", "file to write the emulators' and functions' output to (default: discarded)")
	spinChild := flag.Bool("spin", false, "internal: the calibration child")
	benchkit.Main("cost", func() error {
		if *spinChild {
			return spin()
		}
		sizes, err := parseSizes(*sizesFlag)
		if err != nil {
			return err
		}
		return run(sizes, *coldN, *warmN, *logFile)
	})
}

func parseSizes(s string) ([]int, error) {
	var sizes []int
	for f := range strings.SplitSeq(s, ",") {
		mb, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || mb < 128 || mb > 10240 {
			return nil, fmt.Errorf("-sizes: %q is not a Lambda memory size (128 to 10,240 MB)", f)
		}
		sizes = append(sizes, mb)
	}
	return sizes, nil
}

func loadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// sample is what one function measured at one memory size.
type sample struct {
	cold      []time.Duration // first responses: init + handler
	coldInit  []time.Duration // their INIT REPORTs
	coldCalls calls           // mean AWS calls of a cold invocation
	warm      map[string]*kindSample
	logBytes  float64 // mean function log bytes per invocation
	peakRSS   int64   // largest bootstrap peak RSS, bytes
}

type kindSample struct {
	durations []time.Duration
	statuses  map[int]int
	calls     calls
}

type fnRun struct {
	spec       stack.FunctionSpec
	cfg        rie.Config
	kinds      []*kind         // the first: cold starts, verdict; the webhook's last: the large group
	coldStatus int             // the first kind's answer
	at         map[int]*sample // by memory size
}

func run(sizes []int, coldN, warmN int, logFile string) error {
	ctx := context.Background()
	loadStart, started := loadAverage(), time.Now()
	fmt.Fprintf(os.Stderr, "cost: load average (1, 5, 15 min) at the start: %s\n", loadStart)
	prices, err := loadPrices()
	if err != nil {
		return err
	}
	group, err := openCPUGroup("/", fmt.Sprintf("periskope-cost-%d", os.Getpid()))
	if err != nil {
		return fmt.Errorf("%w; nothing was measured", err)
	}
	defer func() {
		if err := group.Remove(); err != nil {
			log.Printf("cost: removing the cgroup: %v", err)
		}
	}()
	fmt.Fprintf(os.Stderr, "cost: CPU quotas through %s\n", group.Interface)
	calib, err := calibrate(group, sizes)
	if err != nil {
		return err
	}
	rig, err := benchkit.StartRig(ctx, benchkit.Webhook, benchkit.CreateTicket)
	if err != nil {
		return err
	}
	defer rig.Close()
	fns, err := functionRuns(rig)
	if err != nil {
		return err
	}
	logs := &logCounter{next: io.Discard, metrics: emfMetrics{}}
	if logFile != "" {
		f, err := os.Create(logFile)
		if err != nil {
			return err
		}
		defer f.Close()
		logs.next = f
	}
	for _, mb := range sizes {
		if err := group.SetQuota(QuotaFor(mb)); err != nil {
			return err
		}
		for _, f := range fns {
			fmt.Fprintf(os.Stderr, "cost: %s at %d MB\n", f.spec.Name, mb)
			if f.at[mb], err = measure(ctx, f, group, rig.Proxy, logs, mb, coldN, warmN); err != nil {
				return fmt.Errorf("%s at %d MB: %w", f.spec.Name, mb, err)
			}
		}
	}
	items, err := storedItems(ctx, rig.Moto)
	if err != nil {
		return err
	}
	fixed, err := fixedCosts(rig.Deployment, prices, len(logs.metrics))
	if err != nil {
		return err
	}
	r := &report{prices: prices, sizes: sizes, fns: fns, items: items, fixed: fixed,
		calib: calib, cgroup: group.Interface, coldN: coldN, warmN: warmN,
		loadStart: loadStart, loadEnd: loadAverage(), elapsed: time.Since(started)}
	r.print(os.Stdout)
	return nil
}

// measure runs coldN cold starts and then one warm environment through
// warmup+warmN invocations of each kind, in turn, all in the cgroup.
func measure(ctx context.Context, f *fnRun, g *cpuGroup, proxy *benchkit.AWSProxy, logs *logCounter, mb, coldN, warmN int) (*sample, error) {
	cfg := f.cfg
	cfg.MemoryMB, cfg.Output = mb, logs
	s := &sample{warm: map[string]*kindSample{}, coldCalls: calls{}}
	for _, k := range f.kinds {
		s.warm[k.name] = &kindSample{statuses: map[int]int{}, calls: calls{}}
	}
	for i := range coldN {
		// A lost attempt's calls are not this sample's.
		var before map[string]int
		attempt := func(a int) ([]byte, error) {
			before = proxy.Counts()
			return f.kinds[0].event(fmt.Sprintf("cold-%d-%d-%d", mb, i, a))
		}
		res, retried, lost, err := benchkit.ColdSample(ctx, cfg, attempt, g.Add, f.coldStatus)
		if err != nil {
			return nil, err
		}
		if retried+lost > 0 {
			log.Printf("cost: cold start %d tried again: %d after the emulator failed, %d after the bootstrap ended without an answer", i, retried, lost)
		}
		s.cold = append(s.cold, res.FirstResponse)
		s.coldInit = append(s.coldInit, res.Init)
		s.coldCalls.addSince(proxy, before, 1/float64(coldN))
	}
	cfg.Concurrency, cfg.Prewarm = 1, 1
	fn, err := benchkit.StartIn(cfg, g.Add)
	if err != nil {
		return nil, err
	}
	defer fn.Close()
	logsBefore := logs.bytes()
	for i := range warmup + warmN {
		for _, k := range f.kinds {
			ev, err := k.event(fmt.Sprintf("warm-%d-%d", mb, i))
			if err != nil {
				return nil, err
			}
			before := proxy.Counts()
			res, err := fn.Invoke(ctx, ev)
			if err != nil {
				return nil, err
			}
			if res.Error != nil {
				return nil, fmt.Errorf("%s: %w", k.name, res.Error)
			}
			status := benchkit.StatusCode(res.Payload)
			if status >= 500 || status == 0 {
				return nil, fmt.Errorf("%s answered %d: %s", k.name, status, res.Payload)
			}
			if i < warmup {
				continue
			}
			ks := s.warm[k.name]
			ks.durations = append(ks.durations, res.Duration)
			ks.statuses[status]++
			ks.calls.addSince(proxy, before, 1/float64(warmN))
		}
	}
	for _, pid := range fn.RuntimePIDs() {
		if rss, err := benchkit.PeakRSS(pid); err == nil {
			s.peakRSS = max(s.peakRSS, rss)
		}
	}
	// The last lines may still be in the emulator's pipes; the warm-up's
	// lines are counted, so are its invocations.
	time.Sleep(200 * time.Millisecond)
	s.logBytes = float64(logs.bytes()-logsBefore) / float64((warmup+warmN)*len(f.kinds))
	return s, nil
}

// calls are the AWS calls of an invocation, by operation (X-Amz-Target).
type calls map[string]float64

// addSince adds weight × the calls the proxy counted since before.
func (c calls) addSince(p *benchkit.AWSProxy, before map[string]int, weight float64) {
	for op, n := range p.Counts() {
		if d := n - before[op]; d != 0 {
			c[op] += weight * float64(d)
		}
	}
}

// logCounter counts the bytes of the functions' own (JSON) lines and the
// custom metrics they publish. rie writes through a log.Logger: one Write a
// line, prefixed with "[Name] ".
type logCounter struct {
	next    io.Writer // receives every line
	metrics emfMetrics
	mu      sync.Mutex
	n       int64
}

func (l *logCounter) Write(line []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.next.Write(line)
	if _, rest, ok := bytes.Cut(line, []byte("] ")); ok && bytes.HasPrefix(rest, []byte("{")) {
		l.n += int64(len(rest)) // with its newline
		l.metrics.add(rest)
	}
	return len(line), nil
}

func (l *logCounter) bytes() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// emfMetrics are the EMF lines' custom metrics as CloudWatch bills them:
// one per namespace, name, dimension set and values.
type emfMetrics map[string]bool

func (m emfMetrics) add(line []byte) {
	e, ok := logmetrics.ParseEMF(line)
	if !ok {
		return
	}
	for _, d := range e.Directives {
		for _, metric := range d.Metrics {
			for _, set := range d.Dimensions {
				key := d.Namespace + "/" + metric.Name
				for _, dim := range set {
					key += fmt.Sprintf(" %s=%v", dim, e.Members[dim])
				}
				m[key] = true
			}
		}
	}
}
