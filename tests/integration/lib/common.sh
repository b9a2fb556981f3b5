# common.sh - sourced by every integration test: a private temp folder that
# is removed on exit, free local ports, waiting helpers and named cases.
#
# Cases: every check is a named case, counted, and the file ends with one
# line `cases: N passed, N failed` that tests/run.sh adds up.
#   expect_eq NAME EXPECTED ACTUAL   a case; a mismatch is counted, the file
#                                    goes on and exits non-zero at the end
#   expect_file_eq EXPECT ACTUAL     a case named after the two files
#   expect NAME CMD...               a case: CMD must succeed
#   test_expect_success NAME BODY    a case: BODY runs in a subshell under
#                                    set -e (git's t/test-lib.sh form)
#   pass NAME                        a case that passed (a check done inline)
#   fail MSG                         a failed case named MSG; stops the file
#                                    (for setup that later cases need)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/adlog-test.XXXXXX")
CLEANUP=()

# one line per case, written from subshells and pipelines alike
CASES=$T/.cases
: >"$CASES"

at_exit() { CLEANUP+=("$*"); }
run_cleanup() {
	local rc=$? i ok failed
	for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[i]}" || true; done
	ok=$(grep -c '^ok' "$CASES" 2>/dev/null) || true
	failed=$(grep -c '^FAIL' "$CASES" 2>/dev/null) || true
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
	# a script that counts no cases (CASES=/dev/null, scripts/demo.sh)
	[ "$CASES" != /dev/null ] || exit "$rc"
	# a file that stopped outside any case still counts one failure
	if [ "$rc" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then
		echo "FAIL: stopped with status $rc outside a case" >&2
		failed=1
	fi
	echo "cases: ${ok:-0} passed, ${failed:-0} failed"
	[ "${failed:-0}" -eq 0 ] || exit 1
}
trap run_cleanup EXIT

# free_port: a TCP port on 127.0.0.1 no socket uses now, below the
# kernel's ephemeral range: a port inside it may be taken by any client
# connection between this check and the server's bind().
free_port() {
	local p low
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range
	[ "$low" -gt 12000 ] || low=32768
	for _ in $(seq 1 200); do
		p=$((10000 + RANDOM % (low - 10000)))
		[ -z "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ] || continue
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

pass() { echo "ok $*" >>"$CASES"; echo "ok: $*"; }
case_failed() { echo "FAIL $*" >>"$CASES"; echo "FAIL: $*" >&2; }
fail() { case_failed "$*"; exit 1; }

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1 = $3"; else case_failed "$1: expected '$2', got '$3'"; fi
}

# expect_file_eq EXPECT_FILE ACTUAL_FILE: git-style comparison
expect_file_eq() {
	if diff -u "$1" "$2"; then pass "${2##*/} equals ${1##*/}"
	else case_failed "files differ: $1 $2"; fi
}

# expect NAME CMD...: CMD succeeds
expect() {
	local name=$1; shift
	if "$@"; then pass "$name"; else case_failed "$name (failed: $*)"; fi
}

# test_expect_success NAME BODY: BODY (shell text) succeeds in a subshell
# (not run as an `if` condition: bash ignores set -e inside one)
test_expect_success() {
	local st had_e=
	case $- in *e*) had_e=1; set +e ;; esac
	(set -e; eval "$2"); st=$?
	[ -z "$had_e" ] || set -e
	if [ "$st" -eq 0 ]; then pass "$1"; else case_failed "$1 (status $st)"; fi
}
