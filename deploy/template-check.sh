#!/usr/bin/env bash
# Lints a CloudFormation/SAM template with cfn-lint; errors and warnings both
# fail (cfn-lint's exit status is non-zero for either).
#
# usage: deploy/template-check.sh [TEMPLATE...]   (default: template.yaml)
set -u
[ $# -gt 0 ] || set -- template.yaml
# scripts/python-tools.sh decides which cfn-lint (and sets CFN_LINT); run
# through it when called directly.
if [ -z "${CFN_LINT:-}" ]; then
	exec "$(dirname "$0")/../scripts/python-tools.sh" exec "$0" "$@"
fi
cfn_lint=$CFN_LINT

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
