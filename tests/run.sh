#!/usr/bin/env bash
# run.sh - the test runner behind `make check`.
#   tests/run.sh unit|fuzz|integration|all [FILE...]
# Counts cases, not files: a unit binary's cmocka tests, a fuzz corpus
# replay as one case, and the named cases of an integration file (its last
# line `cases: N passed, N failed`, tests/integration/lib/common.sh).  The
# last line is the total:
#   check: N passed, N failed
# With FILEs after `integration`, only those integration files run.  A unit
# test's lines starting "figure: " (what it measured) are shown under it.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
pass=0 fail=0 failed=()

# add LOG NAME STATUS: count the cases a log reports; a log with no count
# counts as one case, passed or failed by its exit status
add() {
	local log=$1 name=$2 status=$3 p f
	p=$(sed -n 's/^cases: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^cases: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$log" | tail -n 1)
	if [ -z "$p" ]; then   # cmocka: summed over the groups a test runs
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\.$/\1/p' "$log" | awk '{ s += $1 } END { if (NR) print s }')
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:$/\1/p' "$log" | awk '{ s += $1 } END { if (NR) print s }')
	fi
	p=${p:-0} f=${f:-0}
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then p=1; fi
	pass=$((pass + p)); fail=$((fail + f))
	[ "$f" -eq 0 ] || failed+=("$name ($f failed)")
	echo "$p passed, $f failed"
}

run_unit() {
	local t log st
	mkdir -p "$BUILD/utest"
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		log="$BUILD/utest/${t##*/}.log"
		printf '== unit: %s ... ' "${t##*/}"
		"$t" >"$log" 2>&1; st=$?
		add "$log" "unit ${t##*/}" "$st"
		sed -n 's/^figure: /    /p' "$log"   # what a test measured
		[ "$st" -eq 0 ] || sed -n '/FAILED\|ERROR\|Failure/p' "$log" | head -n 20 | sed 's/^/    /'
	done
}

run_fuzz() {
	local t name dir
	for t in "$BUILD"/replay/fuzz_*; do
		[ -x "$t" ] || continue
		name=${t##*/fuzz_}
		dir=tests/fuzz/corpus/$name
		echo "== fuzz corpus replay: $name"
		if [ ! -d "$dir" ]; then
			echo "no corpus at $dir"; fail=$((fail + 1)); failed+=("fuzz $name"); continue
		fi
		if "$t" "$dir"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed+=("fuzz $name"); fi
	done
}

run_integration() {
	local t log st files=("$@")
	mkdir -p "$BUILD/itest"
	[ ${#files[@]} -gt 0 ] || files=(tests/integration/t[0-9]*.sh)
	for t in "${files[@]}"; do
		[ -f "$t" ] || continue
		log="$BUILD/itest/$(basename "$t" .sh).log"
		printf '== integration: %s ... ' "${t##*/}"
		timeout 900 bash "$t" >"$log" 2>&1; st=$?
		add "$log" "integration ${t##*/}" "$st"
		if [ "$st" -ne 0 ]; then
			echo "    (log: $log)"
			grep '^FAIL' "$log" | head -n 20 | sed 's/^/    /'
			tail -n 15 "$log" | sed 's/^/    | /'
		fi
	done
}

what=${1:-all}
[ $# -eq 0 ] || shift
case "$what" in
unit) run_unit ;;
fuzz) run_fuzz ;;
integration) run_integration "$@" ;;
all) run_unit; run_fuzz; run_integration ;;
*) echo "usage: $0 unit|fuzz|integration|all [FILE...]" >&2; exit 2 ;;
esac

for f in "${failed[@]+"${failed[@]}"}"; do echo "FAILED: $f"; done
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
