# make reconcile: store the tickets Periskope holds that the tickets table
# lacks (their ticket.created webhook never arrived). Included by the root
# Makefile; run from the repository root.
#
#   make reconcile                 the local system `make run` started (default ports)
#   make reconcile ENV=dev         the deployed stack periskope-bridge-dev: table and
#                                  API-key secret from its outputs, phone and base URL
#                                  from its parameters (AWS credentials and the AWS CLI)
#   make reconcile RECONCILE_FLAGS='-dry-run -since 72h'

RECONCILE_BIN := bin/reconcile
RECONCILE_FLAGS ?=

.PHONY: $(RECONCILE_BIN)
$(RECONCILE_BIN):
	$(require-go)
	@$(GO) build -o $@ ./cmd/reconcile

# ENV given on the command line selects a stack; otherwise (deploy.mk's
# default) the local system.
ifeq ($(origin ENV),command line)
.PHONY: reconcile
reconcile: $(RECONCILE_BIN) ## Store tickets Periskope has and the table lacks: the local system, or ENV=dev|staging|prod's stack. RECONCILE_FLAGS='-dry-run -since 72h'.
	@case "$(ENV)" in dev|staging|prod) ;; *) echo "reconcile: ENV must be dev, staging or prod (got '$(ENV)')" >&2; exit 2;; esac
	@command -v aws >/dev/null 2>&1 || { echo "reconcile: the AWS CLI ('aws') is needed to read the stack's outputs" >&2; exit 127; }
	@stack=periskope-bridge-$(ENV); \
	  q() { aws cloudformation describe-stacks --stack-name "$$stack" --query "Stacks[0].$$1[?$$2=='$$3'].$$4" --output text; }; \
	  table=$$(q Outputs OutputKey TicketsTableName OutputValue) && secret=$$(q Outputs OutputKey ApiKeySecretArn OutputValue) && \
	  phone=$$(q Parameters ParameterKey PeriskopePhone ParameterValue) && base=$$(q Parameters ParameterKey PeriskopeBaseUrl ParameterValue) || exit 1; \
	  [ -n "$$table" ] && [ "$$table" != None ] || { echo "reconcile: stack $$stack has no TicketsTableName output" >&2; exit 1; }; \
	  $(RECONCILE_BIN) -table "$$table" -api-key-secret "$$secret" -phone "$$phone" -base-url "$$base" $(RECONCILE_FLAGS)
else
.PHONY: reconcile
reconcile: $(RECONCILE_BIN)
	@$(RECONCILE_BIN) -local -moto-port $(MOTO_PORT) -sandbox-port $(SANDBOX_PORT) \
	  $(if $(PERISKOPE_BASE_URL),-base-url '$(PERISKOPE_BASE_URL)') $(if $(PERISKOPE_PHONE),-phone '$(PERISKOPE_PHONE)') $(RECONCILE_FLAGS)
endif
