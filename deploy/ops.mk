# Operating a stack (issue 13): the dashboard, logs and ticket lookups.
# Included by the root Makefile; run from the repository root.
#
# Without ENV on the command line the lookups read the local system of
# `make run`: its logs in bin/local/logs and its moto on MOTO_PORT. With
# ENV=dev|staging|prod they read the deployed stack periskope-bridge-$(ENV)
# (samconfig.toml's stack_name), with the AWS credentials and region of your
# environment or profile. (make reconcile decides the same way.)

# OPS_ENV is ENV only when given on the command line (ENV_GIVEN, see the
# Makefile): deploy.mk defaults ENV to dev, and neither that default nor an
# ENV exported for something else may send a lookup to AWS. Recipes read
# it, like every value an operator passes, from the environment ("$$OPS_ENV").
export override OPS_ENV := $(if $(ENV_GIVEN),$(ENV))
OPS_LOG_DIR ?= bin/local/logs
override OPS_FUNCTIONS := CreateTicketFunction WebhookFunction
MOTO_PORT ?= 5000

# require-env-valid: ENV, when given, names a deployed environment.
override define require-env-valid
	@case "$$OPS_ENV" in ""|dev|staging|prod) ;; *) printf '%s: ENV must be dev, staging or prod (got %q)\n' "$@" "$$OPS_ENV" >&2; exit 2;; esac
endef

# require-fn: FN is one of the template's functions.
override define require-fn
	@case " $(OPS_FUNCTIONS) " in *" $$FN "*) ;; *) printf 'usage: make %s FN=CreateTicketFunction|WebhookFunction [ENV=dev|staging|prod] (got FN=%q)\n' "$@" "$$FN" >&2; exit 2;; esac
endef

# lookup: $(call lookup,ARGS) runs cmd/lookup against the local moto, or,
# with ENV, against the table named by the stack's TicketsTableName output
# (read with the aws CLI).
ifneq ($(OPS_ENV),)
override lookup = table=$$(scripts/stack-output.sh "periskope-bridge-$$OPS_ENV" TicketsTableName) && "$$GO" run ./cmd/lookup $(1) -table "$$table"
else
override lookup = "$$GO" run ./cmd/lookup $(1) -local -endpoint "http://127.0.0.1:$$MOTO_PORT"
endif

.PHONY: dashboard-gen logs ticket tickets
dashboard-gen: ## Write the CloudWatch dashboard into template.yaml from internal/dev/dashboard (after adding an alarm or a metric).
	$(require-go)
	@scripts/python-tools.sh exec "$$GO" run ./cmd/dashboard gen

logs: ## Follow a function's logs: FN=CreateTicketFunction|WebhookFunction; ENV=dev|staging|prod for the deployed stack (sam logs --tail), none for make run's.
	$(require-fn)
	$(require-env-valid)
ifneq ($(OPS_ENV),)
	@command -v sam >/dev/null 2>&1 || { echo "logs: 'sam' not found: $(SAM_INSTALL_HINT)" >&2; exit 127; }
	sam logs --stack-name "periskope-bridge-$$OPS_ENV" --name "$$FN" --tail
else
	@[ -f "$$OPS_LOG_DIR/$$FN.log" ] || { printf 'logs: %q not found: start the local system with make run (or pass ENV=dev|staging|prod)\n' "$$OPS_LOG_DIR/$$FN.log" >&2; exit 1; }
	tail -n 50 -F "$$OPS_LOG_DIR/$$FN.log"
endif

ticket: ## Print the stored item of a ticket: ID=<ticket id> [ORG=<org id>, found from the table when omitted]; ENV= for a deployed stack, none for make run's.
	$(require-go)
	$(require-env-valid)
	@[ -n "$$ID" ] || { echo "usage: make ticket ID=<ticket id> [ORG=<org id>] [ENV=dev|staging|prod]" >&2; exit 2; }
	@$(call lookup,ticket -id "$$ID" $${ORG:+-org "$$ORG"})

tickets: ## Print a chat's tickets, newest first (ByChat index): CHAT=<chat id> [LIMIT=20]; ENV= for a deployed stack, none for make run's.
	$(require-go)
	$(require-env-valid)
	@[ -n "$$CHAT" ] || { echo "usage: make tickets CHAT=<chat id> [LIMIT=n] [ENV=dev|staging|prod]" >&2; exit 2; }
	@$(call lookup,tickets -chat "$$CHAT" $${LIMIT:+-limit "$$LIMIT"})
