#!/usr/bin/env bash
# Installs the IAM policy simulator the deploy tests evaluate
# deploy/pipeline.yaml with (@cloud-copilot/iam-simulate, pinned by
# deploy/iamsim/package-lock.json) into deploy/iamsim/node_modules, with
# npm ci, when it is missing or older than the lockfile. Run through
# `make iamsim` (part of make test).
#
# usage: scripts/iamsim-tools.sh check     say whether node and npm are there
#        scripts/iamsim-tools.sh install   npm ci when needed
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/deploy/iamsim
say() { echo "iamsim: $*" >&2; }
hint="install Node.js 20 or newer with npm (apt-get install nodejs npm, or the Node.js downloads page)"

have_node() {
	local ok=0 major
	command -v node >/dev/null 2>&1 || { say "missing: node — $hint"; ok=1; }
	command -v npm >/dev/null 2>&1 || { say "missing: npm — $hint"; ok=1; }
	[ $ok = 0 ] || return 1
	major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
	if [ "${major:-0}" -lt 20 ]; then
		say "node $(node --version) is too old — $hint"
		return 1
	fi
}

case ${1:-} in
check)
	have_node
	;;
install)
	have_node || exit 1
	stamp=$dir/node_modules/.package-lock.json
	if [ -f "$stamp" ] && [ ! "$dir/package-lock.json" -nt "$stamp" ]; then
		exit 0
	fi
	say "npm ci in deploy/iamsim (package-lock.json)"
	if ! npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2; then
		say "npm ci failed (no npm registry reachable?); the deploy tests need it"
		exit 1
	fi
	;;
*)
	echo "usage: $0 check | install" >&2
	exit 2
	;;
esac
