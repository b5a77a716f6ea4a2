#!/usr/bin/env bash
# Checks that the tools `make test` needs are present; names what is missing
# and how to get it. Run through `make tools`. The Python tools are
# scripts/python-tools.sh's business (it installs them into .venv when it can).
set -u
missing=0
need() { # need NAME HINT
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "missing: $1 — $2" >&2
		missing=1
	fi
}
need go "install Go 1.21 or newer from the official Go downloads page (go.mod's toolchain line then fetches the patched release it names)"
need git "install git (apt-get install git)"
need curl "install curl (apt-get install curl): the docs' examples run with it (go test ./docs/)"
need openssl "install openssl (apt-get install openssl): the docs' webhook example signs with it"
"$(dirname "$0")"/python-tools.sh check || missing=1
# The deploy tests' IAM policy simulator runs on Node.js (make iamsim).
"$(dirname "$0")"/iamsim-tools.sh check || missing=1
if [ $missing = 1 ]; then
	echo "make: some tools are missing (see above)" >&2
	exit 1
fi
echo "tools: go, git, curl, openssl, moto_server, cfn-lint, aws-sam-translator, node, npm found"
