# Periskope ↔ AWS bridge. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

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
define require-go
	@command -v $(GO) >/dev/null 2>&1 || { echo "$@: '$(GO)' not found: install Go (1.26.6 or newer) and put it on PATH, or pass GO=/path/to/go" >&2; exit 127; }
endef

GO_PACKAGES := ./...
TEST_FLAGS ?= -race -count=1 -timeout 8m

.PHONY: help
help: ## List the targets.
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'

.PHONY: tools
tools: ## Check the tools the tests need, and say how to get any that is missing.
	@scripts/check-tools.sh

.PHONY: lint
lint: ## go vet and gofmt.
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt: these files need formatting:"; echo "$$out"; exit 1; fi
	$(GO) vet $(GO_PACKAGES)

.PHONY: test
test: tools lint template-check ## Everything CI runs: lint, unit, integration (moto_server), bootstraps under the Runtime Interface Emulator, template, end to end.
	$(GO) test $(TEST_FLAGS) $(GO_PACKAGES)

FUZZTIME ?= 60s
.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each (default 60s).
	@scripts/fuzz.sh $(FUZZTIME)

.PHONY: events
events: ## Regenerate the sample API Gateway events in events/ from cmd/eventgen/spec (signed with the local key).
	$(require-go)
	$(GO) run ./cmd/eventgen

include $(wildcard deploy/deploy.mk cmd/local/local.mk cmd/reconcile/reconcile.mk bench/bench.mk)
include $(wildcard deploy/ops.mk)
