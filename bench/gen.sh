#!/usr/bin/env bash
# gen.sh - adlog-gen's speed against the plain tools that move the same
# bytes, one run: generating N lines (default 10 M over 24 hours) to
# /dev/null, to plain files (peer: cat copying those files), and to gzip
# files (peer: gzip -1 of the same bytes).  Prints wall and CPU seconds,
# lines/s and the ratio to each peer.
#   bench/gen.sh [EVENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000000}
make -s build/adlog-gen >/dev/null
GEN=$PWD/build/adlog-gen
D=$(mktemp -d "${TMPDIR:-/tmp}/adlog-bench-gen.XXXXXX")
trap 'rm -rf "$D"' EXIT

# timed NAME CMD...: "NAME wall user sys" into $D/times, echoed
timed() {
	local name=$1; shift
	/usr/bin/time -f "$name %e %U %S" -o "$D/t" "$@"
	cat "$D/t" >>"$D/times"
	awk '{printf "%-22s %7.2f s wall %7.2f s user %6.2f s sys\n", $1, $2, $3, $4}' "$D/t"
}
wall() { awk -v n="$1" '$1 == n {print $2}' "$D/times"; }

echo "$N lines over 24 h, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
args=(--events "$N" --hours 24 --quiet)

timed gen-devnull sh -c "'$GEN' ${args[*]} --stdout >/dev/null"
sync
timed gen-plain "$GEN" "${args[@]}" --out "$D/plain"
sync
timed cat-copy sh -c "cat '$D'/plain/* >'$D/copy'"
rm -f "$D/copy"
sync
timed gen-gzip "$GEN" "${args[@]}" --out "$D/gz" --gzip
timed gzip-1 sh -c "cat '$D'/plain/* | gzip -1 >'$D/copy.gz'"
bytes=$(cat "$D"/plain/* | wc -c)
gzb=$(cat "$D"/gz/* | wc -c)
echo "plain $bytes bytes, adlog-gen --gzip $gzb bytes, gzip -1 $(wc -c <"$D/copy.gz") bytes"
awk -v n="$N" -v p="$(wall gen-plain)" -v c="$(wall cat-copy)" \
    -v z="$(wall gen-gzip)" -v g="$(wall gzip-1)" -v d="$(wall gen-devnull)" 'BEGIN {
	printf "generate only: %.0f lines/s\n", n / d
	printf "plain files:   %.0f lines/s, %.2fx the time of cat copying the same bytes\n", n / p, p / c
	printf "gzip files:    %.0f lines/s, %.2fx the time of gzip -1 on the same bytes\n", n / z, z / g
}'
