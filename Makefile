# Periskope ↔ AWS bridge. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Values an operator passes (make ticket ID=..., make logs FN=..., a port,
# a directory, a tool's command, sam build's ARTIFACTS_DIR) reach a recipe
# only through its environment, quoted there as "$$ID" (a list of flags as
# $$TEST_FLAGS under set -f: split at blanks, nothing else): no recipe
# splices one into its shell text, so a value holding $(...), `...` or a
# quote is text, never a command. What a recipe still takes from make is
# constant (override: the command line cannot change it; deploy/makevars_test.go
# checks that `make -n` prints no value given). The values are also frozen
# as written (override := $(value ...)), so that make itself expands nothing
# in them: a $(shell ...) in ID stays text too. They are exported at the end
# of this file, once the included files have set their defaults (an export
# before a ?= defines the variable empty, which cancels the default).
# ENV_GIVEN remembers whether ENV came from the command line: neither an ENV
# in the environment nor deploy.mk's default may send a lookup, a reconcile
# or a smoke test to AWS.
override OPERATOR_VARS := ENV ID ORG CHAT LIMIT FN EVENT API_PORT MOTO_PORT SANDBOX_PORT CONCURRENCY \
	PERISKOPE_BASE_URL PERISKOPE_PHONE DOCKER_BRIDGE WEBHOOK_URL RECONCILE_FLAGS ENV_FILE STACK_NAME \
	OPS_LOG_DIR FUZZTIME BENCH_RESULTS BENCH_COLD_N BENCH_COLD_MAX_N BENCH_COLD_SPREAD BENCH_COUNT \
	BENCH_WARM_N LOAD_DELIVERIES LOAD_CONCURRENCY LOAD_KEYS COST_COLD_N COST_WARM_N COST_SIZES \
	GO AWS SAM DOCKER GO_PACKAGES TEST_FLAGS BIN_DIR VULN_BIN_DIR LOCAL_BIN_DIR LAMBDA_GOARCH \
	ARTIFACTS_DIR STACK_PREFIX
override ENV_GIVEN := $(filter command line,$(origin ENV))
$(foreach v,$(OPERATOR_VARS),$(if $(filter command line environment,$(origin $(v))),$(eval override $(v) := $$(value $(v)))))

GO ?= go
# Python tools (moto_server, cfn-lint, aws-sam-translator) often live under
# pyenv, and Go under /usr/local/go; make them reachable even when a bare
# PATH lacks them. Directories are appended, so the user's PATH still wins.
PYENV_ROOT ?= $(HOME)/.pyenv
empty :=
space := $(empty) $(empty)
PYENV_BINS := $(wildcard /usr/local/go/bin) $(wildcard $(PYENV_ROOT)/shims) $(wildcard $(PYENV_ROOT)/versions/*/bin)
export PATH := $(PATH)$(if $(PYENV_BINS),:$(subst $(space),:,$(strip $(PYENV_BINS))))

# require-go: a recipe's first line; fails with a hint when the Go toolchain
# is missing, instead of the shell's bare "command not found".
override define require-go
	@command -v "$$GO" >/dev/null 2>&1 || { printf "%s: '%s' not found: install Go (1.21 or newer: go.mod's toolchain line fetches go1.27.3) and put it on PATH, or pass GO=/path/to/go\n" "$@" "$$GO" >&2; exit 127; }
endef

# Toolchain: every build and test runs with the Go release named by go.mod's
# toolchain line (go1.27.3: go1.26.8's standard library has reachable
# vulnerabilities), even where GOTOOLCHAIN=local is configured; the go command
# downloads it once. `make GOTOOLCHAIN=...` overrides it.
export GOTOOLCHAIN := $(shell sed -n 's/^toolchain //p' go.mod)

GO_PACKAGES ?= ./...
TEST_FLAGS ?= -race -count=1 -timeout 8m

.PHONY: help
help: ## List the targets.
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(HELP_FILES) | sort | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'

.PHONY: tools
tools: ## Check the tools the tests need, and say how to get any that is missing.
	@scripts/check-tools.sh

.PHONY: lint
lint: ## gofmt, go vet and staticcheck (a tool of tools/go.mod).
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt: these files need formatting:"; echo "$$out"; exit 1; fi
	set -f; "$$GO" vet $$GO_PACKAGES
	set -f; "$$GO" tool -modfile=tools/go.mod staticcheck $$GO_PACKAGES

.PHONY: test
test: tools iamsim tidy-check lint workflow-check template-check ## Everything CI runs: lint, unit, integration (moto_server), bootstraps under the Runtime Interface Emulator, template, end to end.
	set -f; scripts/python-tools.sh exec "$$GO" test $$TEST_FLAGS $$GO_PACKAGES

# Supply chain (issue 15): go.mod tidy, workflows linted, known
# vulnerabilities. The tools (staticcheck, actionlint, govulncheck, the
# Runtime Interface Emulator) are pinned in their own module, tools/go.mod,
# so that a module importing pkg/periskope does not inherit them; run one as
# go tool -modfile=tools/go.mod NAME.
.PHONY: tidy-check
tidy-check: ## Fail when go.mod/go.sum or tools/go.mod/go.sum are not what `go mod tidy` would write.
	$(require-go)
	@"$$GO" mod tidy -diff || { echo "tidy-check: go.mod/go.sum are not tidy: run go mod tidy and commit the result" >&2; exit 1; }
	@"$$GO" -C tools mod tidy -diff || { echo "tidy-check: tools/go.mod/go.sum are not tidy: run go -C tools mod tidy and commit the result" >&2; exit 1; }

.PHONY: workflow-check
workflow-check: ## actionlint on .github/workflows (shellcheck of run: steps too when shellcheck is installed).
	$(require-go)
	"$$GO" tool -modfile=tools/go.mod actionlint

# The release bootstraps, built as `make build` builds them, for govulncheck's
# binary mode: it reports only what the shipped code can reach.
VULN_BIN_DIR ?= bin/vulncheck
.PHONY: vulncheck
vulncheck: ## govulncheck over the module's source and the two release bootstraps (needs the Go vulnerability database online; not part of make test).
	$(require-go)
	$(call build-bootstraps,"$$VULN_BIN_DIR")
	@scripts/vulncheck.sh "$$VULN_BIN_DIR/create-ticket/bootstrap" "$$VULN_BIN_DIR/webhook/bootstrap"

FUZZTIME ?= 60s
.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each (default 60s).
	@scripts/fuzz.sh "$$FUZZTIME"

.PHONY: events
events: ## Regenerate the sample API Gateway events in events/ from their table, internal/dev/samples (signed with the local key).
	$(require-go)
	"$$GO" run ./cmd/eventgen

include $(wildcard deploy/deploy.mk cmd/local/local.mk cmd/reconcile/reconcile.mk bench/bench.mk)
include $(wildcard deploy/ops.mk)
# make help reads these (not MAKEFILE_LIST, which the command line can set).
override HELP_FILES := Makefile $(wildcard deploy/deploy.mk cmd/local/local.mk cmd/reconcile/reconcile.mk bench/bench.mk deploy/ops.mk)

# After the includes: see OPERATOR_VARS above. A variable without a value
# (ARTIFACTS_DIR outside sam build) is not exported, rather than exported empty.
export $(foreach v,$(OPERATOR_VARS),$(if $(filter undefined,$(origin $(v))),,$(v)))
