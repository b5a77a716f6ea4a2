#!/usr/bin/env bash
# Prints one output of a deployed stack, e.g. its TicketsTableName, with the
# aws CLI and the credentials and region of the environment or profile.
#
# usage: scripts/stack-output.sh STACK OUTPUT_KEY
set -euo pipefail
if [ $# -ne 2 ]; then
	echo "usage: $0 STACK OUTPUT_KEY" >&2
	exit 2
fi
stack=$1 key=$2
if ! command -v aws >/dev/null 2>&1; then
	echo "stack-output: 'aws' not found: install the AWS CLI (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)" >&2
	exit 127
fi
value=$(aws cloudformation describe-stacks --stack-name "$stack" \
	--query "Stacks[0].Outputs[?OutputKey=='$key'].OutputValue" --output text)
if [ -z "$value" ] || [ "$value" = "None" ]; then
	echo "stack-output: stack $stack has no output $key (deployed with make deploy?)" >&2
	exit 1
fi
printf '%s\n' "$value"
