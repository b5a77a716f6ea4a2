# Benchmarks and load runs (issue 7). Included by the root Makefile; run from
# the repository root. Results are printed and kept in bench/results/ (not
# committed); BENCHMARKS.md records a full run. The programs fail only on a
# broken run or a failed correctness check, never on a missed speed goal.

BENCH_RESULTS ?= bench/results
# Fresh processes per binary for the cold start: at least BENCH_COLD_N, more
# (25 at a time) until every judged median is known to +-BENCH_COLD_SPREAD
# (half-width of its 95% confidence interval), at most BENCH_COLD_MAX_N.
BENCH_COLD_N ?= 25
BENCH_COLD_MAX_N ?= 3000
BENCH_COLD_SPREAD ?= 0.02
# go test -count of the CPU-path micro-benchmarks (benchstat wants >= 10).
BENCH_COUNT ?= 10
# Sequential warm requests of each kind.
BENCH_WARM_N ?= 300
LOAD_DELIVERIES ?= 1000
LOAD_CONCURRENCY ?= 16
LOAD_KEYS ?= 200

.PHONY: bench bench-size bench-cold bench-cpu bench-warm
bench: bench-size bench-cold bench-cpu bench-warm ## Binary size, cold start, webhook CPU path and warm latency against their floors (results in bench/results/).

bench-size: ## Bootstrap sizes (linux/arm64 release build, zipped) against the hello-world and SDK floors; SDK floor ÷ hello.
	@mkdir -p "$$BENCH_RESULTS"
	@set -o pipefail; "$$GO" run ./bench/size | tee "$$BENCH_RESULTS"/size.md

bench-cold: ## Cold start of each bootstrap under aws-lambda-rie (its INIT REPORT, first invocation) against the hello-world and SDK floors, medians to +-2%.
	@mkdir -p "$$BENCH_RESULTS"
	@set -o pipefail; "$$GO" run ./bench/coldstart -n "$$BENCH_COLD_N" -max-n "$$BENCH_COLD_MAX_N" -spread "$$BENCH_COLD_SPREAD" | tee "$$BENCH_RESULTS"/coldstart.md

bench-cpu: ## Webhook CPU path (verify, parse, DynamoDB item) against HMAC + json.Unmarshal, benchstat-friendly output.
	@mkdir -p "$$BENCH_RESULTS"
	@set -o pipefail; "$$GO" test -run '^$$' -bench . -benchmem -count "$$BENCH_COUNT" ./bench/ | tee "$$BENCH_RESULTS"/cpu.txt
	@set -o pipefail; "$$GO" run ./bench/benchratio -pair WebhookCPUPath=FloorHMACUnmarshal -goal 1.2 < "$$BENCH_RESULTS"/cpu.txt | tee "$$BENCH_RESULTS"/cpu.md

bench-warm: ## Warm webhook request against a PutItem-only function behind the same gateway and emulator; Secrets Manager calls of warm create-ticket.
	@mkdir -p "$$BENCH_RESULTS"
	@set -o pipefail; "$$GO" run ./bench/warm -n "$$BENCH_WARM_N" | tee "$$BENCH_RESULTS"/warm.md

.PHONY: load
load: ## 1,000 webhook deliveries (20% concurrent duplicates) and create-ticket Idempotency-Key retries through the local system; checks the table and the sandbox; peak RSS.
	@mkdir -p "$$BENCH_RESULTS"
	@set -o pipefail; "$$GO" run ./bench/load -deliveries "$$LOAD_DELIVERIES" -concurrency "$$LOAD_CONCURRENCY" -keys "$$LOAD_KEYS" -log-dir "$$BENCH_RESULTS"/logs | tee "$$BENCH_RESULTS"/load.md
	@set -o pipefail; "$$GO" test -count=1 -v -run . ./test/faults/ 2>&1 | tee "$$BENCH_RESULTS"/faults.txt | grep -E '^(=== RUN|--- |ok|FAIL|PASS)'

# Cost by memory size (issue 20). Not part of `make test` or `make bench`:
# it needs a writable cgroup CPU controller (root) and takes minutes.
COST_COLD_N ?= 30
COST_WARM_N ?= 200
COST_SIZES ?= 128,256,512,1024

.PHONY: cost
cost: ## Cost per million and per ticket at 128-1,024 MB: bootstraps under the emulator in a cgroup CPU quota as Lambda gives (needs root), prices from bench/cost/prices.json.
	@mkdir -p "$$BENCH_RESULTS"
	@set -o pipefail; "$$GO" run ./bench/cost -cold-n "$$COST_COLD_N" -warm-n "$$COST_WARM_N" -sizes "$$COST_SIZES" -log "$$BENCH_RESULTS/cost-functions.log" | tee "$$BENCH_RESULTS/cost.md"
