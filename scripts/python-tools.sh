#!/usr/bin/env bash
# The one place that decides where the Python test tools come from:
# moto_server (internal/dev/motoserver runs it), cfn-lint (make
# template-check) and a Python 3.11+ with aws-sam-translator and PyYAML
# (deploy/translate.py). In this order:
#
#   1. the project's .venv, once it holds all of them (step 3 made it);
#   2. tools already installed: $MOTO_SERVER, PATH, pyenv's versions
#      (a machine with no package index but the tools installed uses these);
#   3. a new .venv from requirements-dev.txt (pinned versions), made with
#      python3 -m venv and pip, which gives up quickly without a package index;
#   4. otherwise it stops, saying exactly what to install.
#
# usage: scripts/python-tools.sh check        say where each tool comes from
#        scripts/python-tools.sh exec CMD...  run CMD with MOTO_SERVER,
#                                             CFN_LINT and PYTHON set to them
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$root/.venv
requirements=$root/requirements-dev.txt
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
# pip's own retries and timeouts would make an offline machine wait minutes.
pip_timeout=${PIP_TOOLS_TIMEOUT:-15}

say() { echo "python-tools: $*" >&2; }

# candidates NAME: every NAME on PATH, then under pyenv's versions. pyenv's
# shims are skipped: one exists even when the active Python lacks the tool.
candidates() {
	local p
	while IFS= read -r p; do
		case $p in "$pyenv_root"/shims/*) ;; *) echo "$p" ;; esac
	done < <(type -aP "$1" 2>/dev/null)
	for p in "$pyenv_root"/versions/*/bin/"$1"; do
		[ -x "$p" ] && echo "$p"
	done
	return 0
}

moto_ok() { [ -x "$1" ] && [ -f "$1" ]; }
cfn_lint_ok() { "$1" --version >/dev/null 2>&1; }
python_ok() { "$1" -c 'import sys, samtranslator, yaml; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }

# first OKFUNC NAME...: the first candidate of any NAME that passes OKFUNC.
first() {
	local ok=$1 name c
	shift
	for name in "$@"; do
		while IFS= read -r c; do
			if "$ok" "$c"; then
				echo "$c"
				return 0
			fi
		done < <(candidates "$name")
	done
	return 1
}

# from_venv: step 1.
from_venv() {
	moto_ok "$venv/bin/moto_server" && cfn_lint_ok "$venv/bin/cfn-lint" && python_ok "$venv/bin/python" || return 1
	MOTO_SERVER=$venv/bin/moto_server CFN_LINT=$venv/bin/cfn-lint PYTHON=$venv/bin/python
	source_of_tools=".venv (from requirements-dev.txt)"
}

# from_installed: step 2; sets what it finds and lists the rest in $missing.
from_installed() {
	missing=""
	if [ -n "${MOTO_SERVER:-}" ]; then
		moto_ok "$MOTO_SERVER" || { say "MOTO_SERVER=$MOTO_SERVER is not an executable file"; missing+=" moto_server"; }
	else
		MOTO_SERVER=$(first moto_ok moto_server) || missing+=" moto_server"
	fi
	CFN_LINT=$(first cfn_lint_ok cfn-lint) || missing+=" cfn-lint"
	PYTHON=$(first python_ok python3.13 python3.12 python3.11 python3) || missing+=" aws-sam-translator"
	source_of_tools="installed tools"
	[ -z "$missing" ]
}

# make_venv: step 3.
make_venv() {
	local base
	base=$(first base_python_ok python3.13 python3.12 python3.11 python3) || {
		say "no Python 3.11 or newer with the venv module to make .venv with"
		return 1
	}
	say "missing:$missing; installing requirements-dev.txt into .venv with $base"
	if ! "$base" -m venv "$venv" >&2 ||
		! "$venv/bin/python" -m pip install --disable-pip-version-check --timeout "$pip_timeout" --retries 1 \
			-r "$requirements" >&2; then
		rm -rf "$venv"
		say "could not install requirements-dev.txt into .venv (no package index reachable?)"
		return 1
	fi
	from_venv
}
base_python_ok() { "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }

resolve() {
	from_venv && return 0
	from_installed && return 0
	make_venv && return 0
	say "cannot provide:$missing. Install the tools of requirements-dev.txt, either"
	say "    python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt   (make uses .venv)"
	say "  or into any Python 3.11+ on PATH or under pyenv:"
	say "    pip install -r requirements-dev.txt"
	say "  (moto_server may also be named by MOTO_SERVER=/path/to/moto_server)"
	exit 1
}

case ${1:-} in
check)
	resolve
	say "$source_of_tools: moto_server=$MOTO_SERVER cfn-lint=$CFN_LINT python=$PYTHON"
	;;
exec)
	shift
	[ $# -gt 0 ] || { say "usage: $0 exec CMD..."; exit 2; }
	resolve
	export MOTO_SERVER CFN_LINT PYTHON
	exec "$@"
	;;
*)
	echo "usage: $0 check | exec CMD..." >&2
	exit 2
	;;
esac
