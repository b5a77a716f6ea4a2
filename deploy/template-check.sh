#!/usr/bin/env bash
# Lints a CloudFormation/SAM template with cfn-lint; errors and warnings both
# fail (cfn-lint's exit status is non-zero for either). Finds cfn-lint on PATH
# or under pyenv, and says how to install it when it is nowhere.
#
# usage: deploy/template-check.sh [TEMPLATE...]   (default: template.yaml)
set -u
[ $# -gt 0 ] || set -- template.yaml
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}

cfn_lint=""
# A pyenv shim exists even when the active Python lacks the tool, so each
# candidate must actually run.
for candidate in "$(command -v cfn-lint 2>/dev/null)" "$pyenv_root"/shims/cfn-lint "$pyenv_root"/versions/*/bin/cfn-lint "$HOME"/.pyenv/versions/*/bin/cfn-lint; do
	[ -n "$candidate" ] && [ -x "$candidate" ] || continue
	if "$candidate" --version >/dev/null 2>&1; then
		cfn_lint=$candidate
		break
	fi
done
if [ -z "$cfn_lint" ]; then
	echo "template-check: cfn-lint not found on PATH or under pyenv ($pyenv_root)." >&2
	echo "template-check: install it with: pip install cfn-lint aws-sam-translator" >&2
	exit 127
fi

status=0
for template in "$@"; do
	echo "template-check: $("$cfn_lint" --version) on $template"
	if "$cfn_lint" -- "$template"; then
		echo "template-check: $template is clean (no errors, no warnings)"
	else
		echo "template-check: FAILED: cfn-lint reported errors or warnings in $template" >&2
		status=1
	fi
done
exit $status
