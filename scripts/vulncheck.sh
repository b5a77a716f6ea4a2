#!/usr/bin/env bash
# Runs govulncheck (a tool of tools/go.mod) over the module's
# source and over each release bootstrap given, and tells a finding apart from
# a run that could not happen: govulncheck needs the Go vulnerability
# database, which is fetched online (GOVULNDB=<url> passes govulncheck -db to
# use a mirror or a file:// copy).
#
# usage: scripts/vulncheck.sh BOOTSTRAP...
set -u
GO=${GO:-go}
db=()
[ -n "${GOVULNDB:-}" ] && db=(-db "$GOVULNDB")
status=0
run() { # run LABEL ARGS...
	local label=$1 rc
	shift
	echo "vulncheck: $label"
	"$GO" tool -modfile=tools/go.mod govulncheck "${db[@]}" "$@"
	rc=$?
	case $rc in
	0) ;;
	3) echo "vulncheck: FAILED: $label has known vulnerabilities (above)" >&2; status=1 ;;
	*) echo "vulncheck: FAILED: govulncheck could not check $label (exit $rc): the Go vulnerability database is probably unreachable from here; set GOVULNDB to a reachable mirror or run it where it is (CI does)" >&2; exit 2 ;;
	esac
}
run "the module's source" ./...
for bin in "$@"; do
	run "$bin" -mode=binary "$bin"
done
[ $status = 0 ] && echo "vulncheck: no known vulnerabilities reachable"
exit $status
