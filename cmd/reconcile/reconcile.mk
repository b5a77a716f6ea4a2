# make reconcile: store the tickets Periskope holds that the tickets table
# lacks (their ticket.created webhook never arrived). Included by the root
# Makefile; run from the repository root.
#
#   make reconcile                 the local system `make run` started (default ports)
#   make reconcile ENV=dev         the deployed stack periskope-bridge-dev: table and
#                                  API-key secret from its outputs, phone and base URL
#                                  from its parameters (AWS credentials and the AWS CLI)
#   make reconcile ENV=prod RECONCILE_FLAGS=-yes   prod stores only with -yes
#   make reconcile RECONCILE_FLAGS='-dry-run -since 72h'

override RECONCILE_BIN := bin/reconcile
RECONCILE_FLAGS ?=

.PHONY: $(RECONCILE_BIN)
$(RECONCILE_BIN):
	$(require-go)
	@"$$GO" build -o $(RECONCILE_BIN) ./cmd/reconcile

# ENV given on the command line (ENV_GIVEN, see the Makefile) selects a
# stack; otherwise (deploy.mk's default) the local system. ENV=prod stores
# only with RECONCILE_FLAGS=-yes; without it the run is a dry run. Every
# value reaches the recipe through its environment; an empty stack value
# is named, never replaced by a default (an empty base URL would otherwise
# be production Periskope).
ifneq ($(ENV_GIVEN),)
.PHONY: reconcile
reconcile: $(RECONCILE_BIN) ## Store tickets Periskope has and the table lacks: the local system, or ENV=dev|staging|prod's stack (prod: a dry run unless RECONCILE_FLAGS=-yes). RECONCILE_FLAGS='-dry-run -since 72h'.
	@case "$$ENV" in dev|staging|prod) ;; *) printf 'reconcile: ENV must be dev, staging or prod (got %q)\n' "$$ENV" >&2; exit 2;; esac
	@command -v aws >/dev/null 2>&1 || { echo "reconcile: the AWS CLI ('aws') is needed to read the stack's outputs" >&2; exit 127; }
	@set -f; stack=periskope-bridge-$$ENV; \
	  q() { aws cloudformation describe-stacks --stack-name "$$stack" --query "Stacks[0].$$1[?$$2=='$$3'].$$4" --output text; }; \
	  table=$$(q Outputs OutputKey TicketsTableName OutputValue) && secret=$$(q Outputs OutputKey ApiKeySecretArn OutputValue) && \
	  phone=$$(q Parameters ParameterKey PeriskopePhone ParameterValue) && base=$$(q Parameters ParameterKey PeriskopeBaseUrl ParameterValue) || exit 1; \
	  for v in "TicketsTableName output:$$table" "ApiKeySecretArn output:$$secret" "PeriskopePhone parameter:$$phone" "PeriskopeBaseUrl parameter:$$base"; do \
	    case "$${v#*:}" in ""|None) echo "reconcile: stack $$stack's $${v%%:*} is empty or missing" >&2; exit 1;; esac; \
	  done; \
	  $(RECONCILE_BIN) -env "$$ENV" -table "$$table" -api-key-secret "$$secret" -phone "$$phone" -base-url "$$base" $$RECONCILE_FLAGS
else
.PHONY: reconcile
reconcile: $(RECONCILE_BIN)
	@set -f; $(RECONCILE_BIN) -local -moto-port "$$MOTO_PORT" -sandbox-port "$$SANDBOX_PORT" \
	  $${PERISKOPE_BASE_URL:+-base-url "$$PERISKOPE_BASE_URL"} $${PERISKOPE_PHONE:+-phone "$$PERISKOPE_PHONE"} $$RECONCILE_FLAGS
endif
