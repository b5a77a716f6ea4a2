package main

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
)

type report struct {
	prices       *Prices
	sizes        []int
	fns          []*fnRun
	items        map[string]int
	fixed        fixed
	calib        []calibration
	cgroup       string
	coldN, warmN int
	loadStart    string
	loadEnd      string
	elapsed      time.Duration
}

// costs are what n invocations of one kind cost in a month, by service.
type costs struct {
	lambda, api, dynamo, logs, secrets, traces float64
}

func (c costs) total() float64 { return c.lambda + c.api + c.dynamo + c.logs + c.secrets + c.traces }

func meanBilledMs(d []time.Duration) float64 {
	if len(d) == 0 {
		return 0
	}
	var sum int64
	for _, x := range d {
		sum += BilledMs(x)
	}
	return float64(sum) / float64(len(d))
}

// requestUnits are the DynamoDB request units of one invocation of k.
func (r *report) requestUnits(k *kind, c calls) (write, read float64) {
	size := r.items[k.item]
	writes := c["DynamoDB_20120810.PutItem"] + c["DynamoDB_20120810.UpdateItem"] + c["DynamoDB_20120810.DeleteItem"]
	reads := c["DynamoDB_20120810.GetItem"] + c["DynamoDB_20120810.Query"] + c["DynamoDB_20120810.BatchGetItem"]
	db := r.prices.DynamoDB
	return writes * float64(units(size, db.WriteUnitBytes)), reads * float64(units(size, db.ReadUnitBytes))
}

// cost is what n invocations a month of f's kind k cost at mb, coldShare
// of them cold, each billed waitMs more (an upstream slower than the local
// stand-in).
func (r *report) cost(f *fnRun, k *kind, mb int, n, coldShare, waitMs float64) costs {
	s := f.at[mb]
	ks := s.warm[k.name]
	p := r.prices
	billed := (1-coldShare)*meanBilledMs(ks.durations) + coldShare*meanBilledMs(s.cold) + waitMs
	w, rd := r.requestUnits(k, ks.calls)
	logGB := n * (s.logBytes + float64(p.Assumptions.PlatformLogBytes+r.fixed.accessLogBytes)) / gb
	return costs{
		lambda: p.LambdaCost(n, billed, mb),
		api:    p.APICost(n, k.body),
		dynamo: n * (w*p.DynamoDB.WriteUnitsPerMillion + rd*p.DynamoDB.ReadUnitsPerMillion) / 1e6,
		// Ingested once; a steady state of retention/30 months stored.
		logs:    logGB*p.CloudWatch.LogsIngestedGB + logGB*r.fixed.retentionDays/30*p.CloudWatch.LogsStoredGBMonth,
		secrets: n * coldShare * s.coldCalls[benchkit.TargetGetSecretValue] * p.SecretsManager.APICallsPer10000 / 1e4,
		traces:  p.TracesRecorded(n) * p.XRay.TracesPerMillion / 1e6,
	}
}

// cheapest is the size within the bounds (0: none) where a million of f's
// main kind, billed waitMs more, cost least; that cost; and the cost at each
// size within the bounds.
func (r *report) cheapest(f *fnRun, waitMs float64) (best int, bestCost float64, each []string) {
	bestCost = math.Inf(1)
	for _, mb := range r.sizes {
		if !withinBounds(f.at[mb]) {
			continue
		}
		c := r.cost(f, f.kinds[0], mb, 1e6, r.prices.coldShare(1e6), waitMs).total()
		each = append(each, fmt.Sprintf("%d MB %s", mb, money(c)))
		if c < bestCost {
			best, bestCost = mb, c
		}
	}
	return best, bestCost, each
}

func withinBounds(s *sample) bool {
	if benchkit.Summarize(s.cold).P99 > coldP99Bound {
		return false
	}
	for _, ks := range s.warm {
		if benchkit.Summarize(ks.durations).P99 > warmP99Bound {
			return false
		}
	}
	return true
}

func (r *report) print(w io.Writer) {
	p := r.prices
	fmt.Fprintf(w, "# Cost by memory size\n\n")
	fmt.Fprintf(w, "Machine: %s. Load average (1, 5, 15 min): %s at the start, %s at the end; %s run.\n", benchkit.Machine(), r.loadStart, r.loadEnd, r.elapsed.Round(time.Second))
	fmt.Fprintf(w, "CPU limit: %s, period %v, quota = period × MB / %d; the emulator and the bootstrap in the group. Prices: bench/cost/prices.json of %s, %s.\n\n", r.cgroup, QuotaPeriod, LambdaFullVCPUMB, p.Date, p.Region)

	r.printCalibration(w)

	for _, f := range r.fns {
		fmt.Fprintf(w, "\n## %s\n\n", f.spec.Name)
		fmt.Fprintf(w, "Warm: %d invocations of each event after %d warm-up, in turn, one environment. Cold: %d fresh environments, first response (init + handler, billed together). Latency is the round trip through the emulator; billed = rounded up to 1 ms. Costs of a million invocations in a month, arm64, warm only (X-Ray: the share of a million a month that tracing samples).\n\n", r.warmN, warmup, r.coldN)
		fmt.Fprintln(w, "| event | MB | answers | p50 | p99 | mean billed | Lambda | HTTP API | DynamoDB (WRU + RRU each) | logs | X-Ray | total per 1M |")
		fmt.Fprintln(w, "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
		for _, k := range f.kinds {
			for _, mb := range r.sizes {
				s := f.at[mb]
				ks := s.warm[k.name]
				sum := benchkit.Summarize(ks.durations)
				c := r.cost(f, k, mb, 1e6, 0, 0)
				wu, ru := r.requestUnits(k, ks.calls)
				fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %.1f ms | %s | %s | %s (%.3g + %.3g) | %s | %s | **%s** |\n", k.name, mb, statuses(ks.statuses),
					benchkit.Ms(sum.P50), benchkit.Ms(sum.P99), meanBilledMs(ks.durations), money(c.lambda), money(c.api), money(c.dynamo), wu, ru, money(c.logs), money(c.traces), money(c.total()))
			}
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| cold start | MB | init p50 | first response p50 | p99 | mean billed | Lambda per 1M cold | Secrets Manager calls | peak RSS (warm) | log bytes per invocation |")
		fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
		for _, mb := range r.sizes {
			s := f.at[mb]
			sum, init := benchkit.Summarize(s.cold), benchkit.Summarize(s.coldInit)
			fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %.1f ms | %s | %.2g | %.1f MiB | %.0f |\n", f.kinds[0].name, mb, benchkit.Ms(init.P50), benchkit.Ms(sum.P50), benchkit.Ms(sum.P99),
				meanBilledMs(s.cold), money(p.LambdaCost(1e6, meanBilledMs(s.cold), mb)), s.coldCalls[benchkit.TargetGetSecretValue], float64(s.peakRSS)/(1<<20), s.logBytes)
		}
	}
	r.printVerdict(w)
}

func (r *report) printVerdict(w io.Writer) {
	p := r.prices
	fmt.Fprintf(w, "\n## Verdict\n\nBounds: warm p99 ≤ %v for every event, cold first response p99 ≤ %v. Among the sizes within them, the one whose main event costs least per million (1M a month, cold share %.2g%%).\n\n",
		warmP99Bound, coldP99Bound, 100*p.coldShare(1e6))
	for _, c := range starved(r.calib) {
		fmt.Fprintf(w, "**This verdict is not Lambda's at %d MB:** the machine gave that size less CPU than its quota (see the calibration), so its latency and cost are overstated and it may be wrongly out of the bounds or dearer.\n\n", c.MemoryMB)
	}
	chosen := map[string]int{}
	for _, f := range r.fns {
		mb, _, _ := r.cheapest(f, 0)
		note := "within the bounds"
		if mb == 0 {
			mb, note = slices.Max(r.sizes), "NO size met the bounds; the largest measured"
		}
		chosen[f.spec.Name] = mb
		lo, hi := math.Inf(1), 0.0
		for _, mb := range r.sizes {
			t := r.cost(f, f.kinds[0], mb, 1e6, p.coldShare(1e6), 0).total()
			lo, hi = math.Min(lo, t), math.Max(hi, t)
		}
		fmt.Fprintf(w, "* %s: **%d MB** (%s). A million %q cost %s to %s across the sizes measured (%.1f%% apart).\n",
			f.spec.Name, mb, note, f.kinds[0].name, money(lo), money(hi), 100*(hi/lo-1))
	}
	create, webhook := r.fns[0], r.fns[1]
	r.printUpstreamWait(w, create)
	createKind, storedKind, largeKind := create.kinds[0], webhook.kinds[0], webhook.kinds[len(webhook.kinds)-1]
	at := func(f *fnRun, k *kind, n float64) costs {
		return r.cost(f, k, chosen[f.spec.Name], n, p.coldShare(n), 0)
	}

	fmt.Fprintf(w, "\n### A million, end to end, at the chosen sizes\n\n")
	fmt.Fprintln(w, "| a million a month of | Lambda | HTTP API | DynamoDB | logs (ingest + retention) | Secrets Manager calls | X-Ray traces | total |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, row := range []struct {
		name string
		c    costs
	}{
		{"created tickets (" + createKind.name + ")", at(create, createKind, 1e6)},
		{"stored webhooks (" + storedKind.name + ")", at(webhook, storedKind, 1e6)},
		{fmt.Sprintf("%s (%d members, %d KB)", largeKind.name, largeMembers, largeKind.body>>10), at(webhook, largeKind, 1e6)},
	} {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | **%s** |\n", row.name, money(row.c.lambda), money(row.c.api), money(row.c.dynamo), money(row.c.logs), money(row.c.secrets), money(row.c.traces), money(row.c.total()))
	}
	fmt.Fprintf(w, "\nStored items (largest of each, DynamoDB's size): %s.\n", itemSizes(r.items))

	f := r.fixed
	fmt.Fprintf(w, "\n### Per ticket by monthly volume\n\nA ticket = one %q request and its %q webhook. Fixed: %d secrets × %s, %d alarm metrics × %s, %d dashboard × %s, %d custom metrics (the EMF metrics this run's invocations published) × %s = %s a month. Logs per request: the function's lines as measured, %d bytes of platform records, a %d-byte access log line (the template's format), kept %g days. DynamoDB storage: a month's tickets kept for a month (it accumulates: tickets have no TTL).\n\n",
		createKind.name, storedKind.name, f.secrets, money(p.SecretsManager.SecretMonth), f.alarmMetrics, money(p.CloudWatch.AlarmMetricMonth), f.dashboards, money(p.CloudWatch.DashboardMonth),
		f.customMetrics, money(p.CloudWatch.CustomMetricMonth), money(f.perMonth), p.Assumptions.PlatformLogBytes, f.accessLogBytes, f.retentionDays)
	fmt.Fprintln(w, "| tickets a month | cold share (each function) | requests (Lambda + API + DynamoDB + logs + secrets + traces) | storage | fixed | total a month | per ticket |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, volume := range []struct {
		n    float64
		name string
	}{{1e3, "1k"}, {1e5, "100k"}, {1e7, "10M"}} {
		n := volume.n
		variable := at(create, createKind, n).total() + at(webhook, storedKind, n).total()
		storage := n * float64(r.items[itemTicket]) / gb * p.DynamoDB.StorageGBMonth
		total := variable + storage + f.perMonth
		fmt.Fprintf(w, "| %s | %.3g%% | %s | %s | %s | %s | **%s** |\n", volume.name, 100*p.coldShare(n), money(variable), money(storage), money(f.perMonth), money(total), money(total/n))
	}
}

func statuses(m map[int]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, strconv.Itoa(k))
	}
	return strings.Join(parts, ", ")
}

func itemSizes(m map[string]int) string {
	var parts []string
	for _, class := range []string{itemTicket, itemLargeTicket, itemIdempotency} {
		if n, ok := m[class]; ok {
			parts = append(parts, fmt.Sprintf("%s %d bytes", class, n))
		} else {
			parts = append(parts, class+" none stored")
		}
	}
	return strings.Join(parts, ", ")
}

// money formats dollars to three significant digits.
func money(v float64) string {
	if v == 0 {
		return "$0"
	}
	return "$" + strconv.FormatFloat(v, 'f', max(0, 2-int(math.Floor(math.Log10(math.Abs(v))))), 64)
}

// upstreamWaits are Periskope latencies to price: the sandbox answers in
// about a millisecond, the real API in tens to hundreds.
var upstreamWaits = []float64{0, 25, 50, 100, 200, 400}

func (r *report) printUpstreamWait(w io.Writer, f *fnRun) {
	fmt.Fprintf(w, "\n%s waits for Periskope, which the sandbox answers in about a millisecond; every millisecond the real one takes is billed at every size alike, so it costs in proportion to memory. The cheapest size within the bounds (the function's own latency) when Periskope takes longer:\n\n", f.spec.Name)
	fmt.Fprintln(w, "| Periskope latency | cheapest size | a million cost | at the other sizes |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | --- |")
	for _, wait := range upstreamWaits {
		best, bestCost, others := r.cheapest(f, wait)
		if best == 0 {
			fmt.Fprintf(w, "| %g ms | none within the bounds | | |\n", wait)
			continue
		}
		fmt.Fprintf(w, "| %g ms | %d MB | %s | %s |\n", wait, best, money(bestCost), strings.Join(others, ", "))
	}
}

func (r *report) printCalibration(w io.Writer) {
	fmt.Fprintln(w, "## Calibration: CPU share the quota gives (CPU time ÷ wall time of a hashing loop)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| memory | quota per 20 ms | Lambda's share | measured share | SHA-256 of 1 KiB per CPU ms |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: |")
	for _, c := range r.calib {
		if c.MemoryMB == 0 {
			fmt.Fprintf(w, "| no quota | | | %.3f | %.0f |\n", c.Share, c.BlocksPer)
			continue
		}
		fmt.Fprintf(w, "| %d MB | %.3f ms | %.3f | %.3f | %.0f |\n", c.MemoryMB, float64(QuotaFor(c.MemoryMB).Microseconds())/1000,
			float64(c.MemoryMB)/LambdaFullVCPUMB, c.Share, c.BlocksPer)
	}
	for _, c := range starved(r.calib) {
		fmt.Fprintf(w, "\n**Not what Lambda gives at %d MB:** the quota allows a share of %.3f, the machine gave %.3f. "+
			"Other work took the CPU, so the figures at that size overstate latency and billed duration; run again on a quieter machine.\n",
			c.MemoryMB, float64(c.MemoryMB)/LambdaFullVCPUMB, c.Share)
	}
}
