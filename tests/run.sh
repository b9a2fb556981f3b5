#!/usr/bin/env bash
# run.sh - the test runner behind `make check`.
#   tests/run.sh unit|fuzz|integration|all
# Each family prints its own lines; the last line is the total:
#   check: N passed, N failed
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
pass=0 fail=0 failed=()

ok()   { pass=$((pass + 1)); }
bad()  { fail=$((fail + 1)); failed+=("$1"); }

run_unit() {
	local t
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		echo "== unit: ${t##*/}"
		if "$t"; then ok; else bad "unit ${t##*/}"; fi
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
			echo "no corpus at $dir"; bad "fuzz $name"; continue
		fi
		if "$t" "$dir"; then ok; else bad "fuzz $name"; fi
	done
}

run_integration() {
	local t log
	mkdir -p "$BUILD/itest"
	for t in tests/integration/t[0-9]*.sh; do
		[ -f "$t" ] || continue
		log="$BUILD/itest/$(basename "$t" .sh).log"
		printf '== integration: %s ... ' "${t##*/}"
		if timeout 900 bash "$t" >"$log" 2>&1; then
			echo ok; ok
		else
			echo "FAILED (log: $log)"; tail -n 30 "$log" | sed 's/^/    /'
			bad "integration ${t##*/}"
		fi
	done
}

case "${1:-all}" in
unit) run_unit ;;
fuzz) run_fuzz ;;
integration) run_integration ;;
all) run_unit; run_fuzz; run_integration ;;
*) echo "usage: $0 unit|fuzz|integration|all" >&2; exit 2 ;;
esac

for f in "${failed[@]+"${failed[@]}"}"; do echo "FAILED: $f"; done
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
