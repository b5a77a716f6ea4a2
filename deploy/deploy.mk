# Build and deploy targets. Included by the root Makefile, and run from the
# repository root: `sam build` (BuildMethod: makefile) runs
# `make build-<LogicalId>` there with ARTIFACTS_DIR set to the function's
# artifact directory.

GO ?= go
ENV ?= dev
BIN_DIR ?= bin
# The template deploys arm64 (Graviton). `make build LAMBDA_GOARCH=amd64` makes
# host-runnable binaries on an x86 machine; the SAM targets always build arm64.
LAMBDA_GOARCH ?= arm64
# lambda.norpc: provided.al2023 speaks only the Runtime API, so the net/rpc
# server of aws-lambda-go is dead weight. -s -w and -trimpath: smaller binary,
# no local paths inside it. -buildvcs=false: no commit id or time stamped in
# it, so a commit that touches no Go code gives byte-identical bootstraps and
# sam deploy does not upload them again. CGO off: a static binary with no libc
# dependency.
override LAMBDA_BUILD_FLAGS := -tags lambda.norpc -trimpath -buildvcs=false -ldflags="-s -w"
override SAM_INSTALL_HINT := install the AWS SAM CLI: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html (or: pip install aws-sam-cli)

# lambda-build: $(call lambda-build,GOARCH,OUTPUT,PACKAGE) builds one
# static Linux bootstrap with the flags above. GOARCH and OUTPUT are shell
# text naming environment variables ("$$BIN_DIR"/…), never their values.
override lambda-build = CGO_ENABLED=0 GOOS=linux GOARCH=$(1) "$$GO" build $(LAMBDA_BUILD_FLAGS) -o $(2) $(3)
# build-bootstraps: $(call build-bootstraps,DIR) builds both into DIR/<fn>/bootstrap
# (make build; make vulncheck checks what it builds).
override define build-bootstraps
	$(call lambda-build,"$$LAMBDA_GOARCH",$(1)/create-ticket/bootstrap,./functions/create-ticket)
	$(call lambda-build,"$$LAMBDA_GOARCH",$(1)/webhook/bootstrap,./functions/webhook)
endef

# require-artifacts-dir: SAM always sets ARTIFACTS_DIR; a person calling the
# target by hand must too.
override define require-artifacts-dir
	@[ -n "$${ARTIFACTS_DIR:-}" ] || { echo "$@: ARTIFACTS_DIR is not set (sam build sets it; by hand: make $@ ARTIFACTS_DIR=/some/dir)" >&2; exit 2; }
endef

.PHONY: build
build: ## Build both Lambda bootstraps (static linux/arm64; LAMBDA_GOARCH= to change) into bin/<fn>/bootstrap.
	$(require-go)
	$(call build-bootstraps,"$$BIN_DIR")

.PHONY: build-CreateTicketFunction
build-CreateTicketFunction: ## (sam build) create-ticket bootstrap into $(ARTIFACTS_DIR).
	$(require-go)
	$(require-artifacts-dir)
	$(call lambda-build,arm64,"$$ARTIFACTS_DIR"/bootstrap,./functions/create-ticket)

.PHONY: build-WebhookFunction
build-WebhookFunction: ## (sam build) webhook bootstrap into $(ARTIFACTS_DIR).
	$(require-go)
	$(require-artifacts-dir)
	$(call lambda-build,arm64,"$$ARTIFACTS_DIR"/bootstrap,./functions/webhook)

.PHONY: deploy
deploy: ## sam build && sam deploy --config-env $(ENV) (ENV=dev|staging|prod; AWS credentials needed).
	@case "$$ENV" in dev|staging|prod) ;; *) printf 'deploy: ENV must be dev, staging or prod (got %q)\n' "$$ENV" >&2; exit 2;; esac
	@command -v sam >/dev/null 2>&1 || { echo "deploy: 'sam' not found: $(SAM_INSTALL_HINT)" >&2; exit 127; }
	$(require-go)
	sam build --config-env "$$ENV" && sam deploy --config-env "$$ENV"

# env-file: env/$ENV.json (or ENV_FILE), the --env-vars file of sam local.
# ENV=local is the local system (committed; regenerated from the Go
# constants); dev, staging or prod reads the deployed stack
# periskope-bridge-$ENV (or STACK_NAME) with the AWS CLI.
AWS ?= aws

.PHONY: env-file
env-file: ## Write env/$(ENV).json for sam local --env-vars: ENV=local (make run's moto and sandbox) or ENV=dev|staging|prod (the deployed stack's table and secrets; AWS credentials needed).
	$(require-go)
	@case "$$ENV" in local|dev|staging|prod) ;; *) printf '%s: ENV must be local, dev, staging or prod (got %q)\n' "$@" "$$ENV" >&2; exit 2;; esac; \
	set -o pipefail; file=$${ENV_FILE:-env/$$ENV.json}; stack=$${STACK_NAME:-periskope-bridge-$$ENV}; mkdir -p "$$(dirname "$$file")"; \
	if [ "$$ENV" = local ]; then \
	  "$$GO" run ./cmd/samenv -local > "$$file.part"; \
	else \
	  command -v "$$AWS" >/dev/null 2>&1 || { printf "%s: '%s' not found: install the AWS CLI (https://aws.amazon.com/cli/) and configure credentials\n" "$@" "$$AWS" >&2; exit 127; }; \
	  if ! doc=$$("$$AWS" cloudformation describe-stacks --stack-name "$$stack" --output json 2>&1); then \
	    printf '%s: cannot read the stack %q with the AWS CLI (AWS credentials and region set? stack deployed with make deploy ENV=%s?):\n' "$@" "$$stack" "$$ENV" >&2; \
	    printf '%s\n' "$$doc" | sed 's/^/  /' >&2; exit 1; \
	  fi; \
	  printf '%s' "$$doc" | "$$GO" run ./cmd/samenv -stack - > "$$file.part"; \
	fi || { rm -f "$$file.part"; exit 1; }; \
	mv "$$file.part" "$$file"; printf '%s: wrote %q\n' "$@" "$$file"

# iamsim: the IAM policy simulator of the deploy tests (deploy/simulate_test.go
# evaluates pipeline.yaml with it), installed by npm ci from its lockfile into
# the git-ignored deploy/iamsim/node_modules.
.PHONY: iamsim
iamsim: ## Install the IAM policy simulator the deploy tests use (npm ci in deploy/iamsim; needs Node.js 20+ and npm).
	@scripts/iamsim-tools.sh install

.PHONY: template-check cfn-lint
template-check: ## cfn-lint template.yaml and deploy/pipeline.yaml: any error or warning fails.
	@deploy/template-check.sh template.yaml deploy/pipeline.yaml
cfn-lint: template-check ## Same as template-check.

# Smoke test (issue 15): `make smoke ENV=<env>` checks the deployed stack
# $(STACK_PREFIX)-<env> with the caller's AWS credentials; plain `make smoke`
# (no ENV on the command line) checks the local system `make run` started on API_PORT and
# MOTO_PORT. Neither creates a ticket.
STACK_PREFIX ?= periskope-bridge

.PHONY: smoke
smoke: ## Smoke-test without creating a ticket: ENV=dev|staging|prod the deployed stack (AWS credentials), no ENV the local system of make run (API_PORT, MOTO_PORT).
	$(require-go)
ifneq ($(ENV_GIVEN),)
	@case "$$ENV" in dev|staging|prod) ;; *) printf 'smoke: ENV must be dev, staging or prod (got %q)\n' "$$ENV" >&2; exit 2;; esac
	@"$$GO" build -o "$$BIN_DIR/smoke" ./cmd/smoke
	@"$$BIN_DIR/smoke" -stack "$$STACK_PREFIX-$$ENV"
else
	@"$$GO" build -o "$$BIN_DIR/smoke" ./cmd/smoke
	@"$$BIN_DIR/smoke" -local -api-url "http://127.0.0.1:$${API_PORT:-3000}" -moto-url "http://127.0.0.1:$${MOTO_PORT:-5000}"
endif
