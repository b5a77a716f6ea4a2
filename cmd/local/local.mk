# The local system: make run, make invoke, make sandbox. Included by the root
# Makefile; run from the repository root. No Docker, no AWS account: needs Go,
# moto_server and aws-sam-translator (pip install 'moto[server]' aws-sam-translator):
# the local system is read from template.yaml.

LOCAL_BIN_DIR ?= bin/local
API_PORT ?= 3000
MOTO_PORT ?= 5000
SANDBOX_PORT ?= 4010
# Most execution environments (aws-lambda-rie processes) per function; make load may raise it.
CONCURRENCY ?= 2
# The values come from the environment (see OPERATOR_VARS in the Makefile).
override LOCAL_FLAGS = -bin-dir "$$LOCAL_BIN_DIR" -api-port "$$API_PORT" -moto-port "$$MOTO_PORT" \
	-sandbox-port "$$SANDBOX_PORT" -concurrency "$$CONCURRENCY" \
	$${PERISKOPE_BASE_URL:+-periskope-base-url "$$PERISKOPE_BASE_URL"} \
	$${PERISKOPE_PHONE:+-periskope-phone "$$PERISKOPE_PHONE"} \
	$${DOCKER_BRIDGE:+-docker-bridge "$$DOCKER_BRIDGE"}

# The runner, $LOCAL_BIN_DIR/periskope-local: a phony target of its own
# name, so that the directory, a value, is never make text. Always rebuilt:
# go build is incremental, and a stale runner would be worse.
.PHONY: local-runner
local-runner: ## Build the local system's runner into bin/local/periskope-local (LOCAL_BIN_DIR= to change); make run, invoke and sandbox do it first.
	$(require-go)
	@"$$GO" build -o "$$LOCAL_BIN_DIR/periskope-local" ./cmd/local

.PHONY: run
run: local-runner ## The whole product on 127.0.0.1 (API :3000, moto :5000, Periskope sandbox :4010); Ctrl-C stops it. PERISKOPE_BASE_URL=<url> uses another Periskope; DOCKER_BRIDGE=docker0 also serves moto and the sandbox to sam local's containers.
	@scripts/python-tools.sh exec "$$LOCAL_BIN_DIR/periskope-local" $(LOCAL_FLAGS)

.PHONY: invoke
invoke: local-runner ## One event through one function binary, like sam local invoke: FN=CreateTicketFunction|WebhookFunction EVENT=events/<file>.json.
	@if [ -z "$$FN" ] || [ -z "$$EVENT" ]; then \
	  echo "usage: make invoke FN=CreateTicketFunction|WebhookFunction EVENT=events/<file>.json" >&2; exit 2; fi
	@scripts/python-tools.sh exec "$$LOCAL_BIN_DIR/periskope-local" -bin-dir "$$LOCAL_BIN_DIR" -concurrency 1 \
	  $${PERISKOPE_BASE_URL:+-periskope-base-url "$$PERISKOPE_BASE_URL"} -invoke "$$FN" -event "$$EVENT"

.PHONY: sandbox
sandbox: local-runner ## Only the Periskope sandbox on :4010 (WEBHOOK_URL=<url> receives its signed ticket.created).
	@"$$LOCAL_BIN_DIR/periskope-local" -sandbox-only -sandbox-port "$$SANDBOX_PORT" $${WEBHOOK_URL:+-webhook-url "$$WEBHOOK_URL"}

SAM ?= sam
DOCKER ?= docker

.PHONY: sam-invoke
sam-invoke: ## Every events/*.json through the real `sam local invoke` (SAM CLI + Docker), checked against its expected answer; needs `make run DOCKER_BRIDGE=docker0` running. Not part of make test.
	$(require-go)
	@"$$GO" build -o "$$LOCAL_BIN_DIR/saminvoke" ./cmd/saminvoke
	@"$$LOCAL_BIN_DIR/saminvoke" -sam "$$SAM" -docker "$$DOCKER" -moto-port "$$MOTO_PORT" -sandbox-port "$$SANDBOX_PORT"
