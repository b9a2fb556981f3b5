#!/usr/bin/env bash
# rules.sh - analyze's activity rules (analyze/rules.c, rule_*.c) on a synthetic hour,
# both passes, against the obvious exact alternative (the same pass-1 facts
# in uthash tables, one malloc per key), in one run: CPU ns per event, peak
# resident memory at 5 M and 20 M events, and the ratio.
#   bench/rules.sh [N_SMALL N_BIG]      (default 5000000 20000000)
# The generator's own cost ("gen") is printed so it can be subtracted.  Last,
# the per-address estimates of impressions against exact counts.
set -euo pipefail
cd "$(dirname "$0")/.."
SMALL=${1:-5000000}
BIG=${2:-20000000}
make -s build/libanalyze.a build/libcommon.a
BIN=build/bench/rules_bench
mkdir -p build/bench
# shellcheck disable=SC2046
cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -g -Icommon \
	$(pkg-config --cflags libxxhash) bench/rules_bench.c -o "$BIN" \
	build/libanalyze.a build/libcommon.a $(pkg-config --libs libxxhash) -lm

declare -A NS RSS
run() {   # run MODE N
	local out
	out=$("$BIN" "$1" "$2" 2>/dev/null)
	read -r _ _ _ ns rss <<<"$out"
	NS[$1.$2]=$ns RSS[$1.$2]=$rss
	printf '%-7s %9s events  %8s ns/event (CPU, both passes)  peak RSS %7s MB\n' \
		"$1" "$2" "$ns" "$rss"
}

echo "synthetic hour: ~8 events per visitor, 10% cookieless, 0.5% clicks; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
run gen "$SMALL"
run rules "$SMALL"
run rules1 "$SMALL"
run exact "$SMALL"
run gen "$BIG"
run rules "$BIG"
awk -v r="${NS[rules.$SMALL]}" -v g="${NS[gen.$SMALL]}" -v e="${NS[exact.$SMALL]}" \
    -v r1="${NS[rules1.$SMALL]}" -v rs="${RSS[rules.$SMALL]}" -v rb="${RSS[rules.$BIG]}" \
    -v es="${RSS[exact.$SMALL]}" -v s="$SMALL" -v b="$BIG" 'BEGIN {
	printf "rules (batched) %.0f ns/event without the generator: %.2f M events/s per core\n", r - g, 1000 / (r - g)
	printf "one record at a time: %.0f ns/event\n", r1 - g
	printf "ratio exact/rules: %.1fx the CPU, %.1fx the memory at %d events\n", (e - g) / (r - g), es / rs, s
	printf "rules memory %d -> %d events: %.0f -> %.0f MB (x%.2f for x%.0f events)\n", s, b, rs, rb, rb / rs, b / s
}'
"$BIN" error "$SMALL" 2>&1 >/dev/null | sed 's/^ */count-min vs exact at '"$SMALL"' events: /'
