# common.sh - sourced by every integration test: a private temp folder that
# is removed on exit, free local ports, waiting helpers and assertions.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/adlog-test.XXXXXX")
CLEANUP=()

at_exit() { CLEANUP+=("$*"); }
run_cleanup() {
	local i
	for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[i]}" || true; done
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}
trap run_cleanup EXIT

# free_port: a TCP port on 127.0.0.1 nobody listens on now
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
	done
	echo "no free port" >&2; return 1
}

# wait_for SECONDS CMD...: until CMD succeeds
wait_for() {
	local deadline=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || { echo "timed out waiting for: $*" >&2; return 1; }
		sleep 0.1
	done
}

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
	echo "ok: $1 = $3"
}

# expect_file_eq EXPECT_FILE ACTUAL_FILE: git-style comparison
expect_file_eq() {
	diff -u "$1" "$2" || fail "files differ: $1 $2"
}
