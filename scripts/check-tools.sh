#!/usr/bin/env bash
# Checks that the tools `make test` needs are present; names what is missing
# and how to get it. Run through `make tools` (the Makefile adds pyenv's
# directories to PATH first).
set -u
missing=0
need() { # need NAME HINT
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "missing: $1 — $2" >&2
		missing=1
	fi
}
need go "install Go 1.26.6 or newer from the official Go downloads page"
need git "install git (apt-get install git)"
# internal/dev/motoserver runs $MOTO_SERVER when it is set, whatever PATH holds.
if [ -n "${MOTO_SERVER:-}" ]; then
	if [ ! -x "$MOTO_SERVER" ]; then
		echo "missing: moto_server — MOTO_SERVER=$MOTO_SERVER is not an executable file" >&2
		missing=1
	fi
else
	need moto_server "pip install 'moto[server]' (or set MOTO_SERVER to its path)"
fi
need cfn-lint "pip install cfn-lint"
py_ok=0
for py in python3 $(compgen -c | grep -E '^python3\.[0-9]+$' | sort -u); do
	if "$py" -c 'import samtranslator' >/dev/null 2>&1; then py_ok=1; break; fi
done
for py in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/*/bin/python3; do
	[ $py_ok = 1 ] && break
	[ -x "$py" ] && "$py" -c 'import samtranslator' >/dev/null 2>&1 && py_ok=1
done
if [ $py_ok = 0 ]; then
	echo "missing: aws-sam-translator — pip install aws-sam-translator" >&2
	missing=1
fi
if [ $missing = 1 ]; then
	echo "make: some tools are missing (see above)" >&2
	exit 1
fi
echo "tools: go, git, moto_server, cfn-lint, aws-sam-translator found"
