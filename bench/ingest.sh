#!/usr/bin/env bash
# ingest.sh - adlog-ingest against its peers on one generated set of N
# lines (default 5 M, one hour, one node), in one run:
#   1. adlog-ingest --jobs 1 on the plain file (parse, validate, rules,
#      segment written and fsynced) - goal >= 1,000,000 lines/s per core;
#   2. the same file gzip'ed: adlog-ingest next to `gzip -dc` of it - goal
#      >= 0.8 of gzip's lines/s;
#   3. GoAccess 1.7 on the same events as nginx combined-format lines (the
#      first G lines, default 300,000: GoAccess manages ~10,000 lines/s, so
#      the whole set would take minutes; G=all for everything);
#   4. peak resident memory of ingest at 1 M and 10 M lines (stdin), which
#      must be the same and under 64 MB;
#   5. the load time of a 100,000-range data-centre list.
# Prints lines/s, ratios and peak RSS (GNU time %M).  Steps 1 and 2 run
# REPS times (default 3), interleaved, and the best wall time counts, since
# a shared machine's load swings wall times; lines per CPU second (user +
# sys) are printed too, as the load-independent figure.
#   bench/ingest.sh [LINES] [GOACCESS_LINES|all]      (env REPS=N)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5000000}
G=${2:-300000}
REPS=${REPS:-3}
make -s build/adlog-ingest build/adlog-gen >/dev/null
ING=$PWD/build/adlog-ingest
GEN=$PWD/build/adlog-gen
D=$(mktemp -d "${TMPDIR:-/tmp}/adlog-bench-ingest.XXXXXX")
trap 'rm -rf "$D"' EXIT

cat >"$D/adlog.conf" <<CONF
[common]
spool_dir = $D/spool
data_dir = $D/data
[ingest]
after = keep
archive_dir = $D/archive
quarantine_dir = $D/quarantine
bot_patterns = $PWD/data/bots.txt
bot_local = $PWD/data/bots-local.txt
datacenter_cidrs = $PWD/data/datacenters.txt
max_reject_ratio = 1
CONF

# timed NAME CMD...: wall, user, sys, peak RSS (KB) into $D/times
timed() {
	local name=$1; shift
	/usr/bin/time -f "$name %e %U %S %M" -o "$D/t" "$@"
	cat "$D/t" >>"$D/times"
	awk '{printf "%-24s %7.2f s wall %7.2f s user %6.2f s sys %8.1f MB peak RSS\n", $1, $2, $3, $4, $5 / 1024}' "$D/t" >&2
}
# col NAME FIELD: the value from the run of NAME with the least wall time
col() { awk -v n="$1" -v c="$2" '$1 == n && (best == "" || $2 < best) { best = $2; v = $c } END { print v }' "$D/times"; }
# cpu NAME: user + sys of that run
cpu() { awk -v n="$1" '$1 == n && (best == "" || $2 < best) { best = $2; v = $3 + $4 } END { print v }' "$D/times"; }

echo "adlog-ingest bench: $N lines, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$GEN" --seed 7 --events "$N" --start 2026112704 --host bench --out "$D/gen" --quiet
F=$(ls "$D"/gen/*.log)
bytes=$(stat -c %s "$F")
echo "input: $(basename "$F"), $bytes bytes, $((bytes / N)) bytes/line"
gzip -c "$F" >"$D/in.log.gz"
GZ_NAME=$(basename "$F").gz
cat "$F" >/dev/null    # page cache, as for a just-closed spool file

# 1. plain and 2. gzip next to gzip -dc, interleaved, REPS times
mv "$D/in.log.gz" "$D/$GZ_NAME"
for r in $(seq "$REPS"); do
	cat "$F" >/dev/null
	timed ingest-plain "$ING" -c "$D/adlog.conf" --jobs 1 --json "$F" >"$D/plain.json"
	rm -rf "$D/data" "$D/quarantine"
	cat "$D/$GZ_NAME" >/dev/null
	timed gzip-dc sh -c "gzip -dc '$D/$GZ_NAME' >/dev/null"
	timed ingest-gzip "$ING" -c "$D/adlog.conf" --jobs 1 --json "$D/$GZ_NAME" >"$D/gz.json"
	rm -rf "$D/data" "$D/quarantine"
done
cat "$D/plain.json" "$D/gz.json"

# 3. GoAccess on the same events as nginx combined lines
if [ "$G" = all ]; then G=$N; fi
awk -F'\t' -v OFS='' '
function unesc(s) { gsub(/"/, "%22", s); return s == "-" ? "-" : s }
{
	sec = int($3 / 1000)
	path = ($2 == "i" ? "/ad?zone=" $10 "&pub=" $11 "&id=" $4 : "/c?ad=" $9 "&imp=" $5 "&id=" $4)
	print $6, " - - [", strftime("%d/%b/%Y:%H:%M:%S +0000", sec, 1), "] \"GET ", path,
	      " HTTP/1.1\" ", ($2 == "i" ? 200 : 302), " 43 \"", unesc($14), "\" \"", unesc($13), "\""
}' <(head -n "$G" "$F") >"$D/combined.log" 2>/dev/null || {
	# mawk has no strftime: a fixed date is enough for GoAccess's work
	awk -F'\t' -v OFS='' '{
	path = ($2 == "i" ? "/ad?zone=" $10 "&pub=" $11 "&id=" $4 : "/c?ad=" $9 "&imp=" $5 "&id=" $4)
	print $6, " - - [27/Nov/2026:04:", sprintf("%02d", int($3 / 60000) % 60), ":00 +0000] \"GET ", path,
	      " HTTP/1.1\" ", ($2 == "i" ? 200 : 302), " 43 \"", $14, "\" \"", $13, "\""
	}' <(head -n "$G" "$F") >"$D/combined.log"; }
head -n 1 "$D/combined.log"
timed goaccess sh -c "goaccess --log-format=COMBINED --no-global-config \
	-o '$D/goaccess.json' '$D/combined.log' </dev/null >/dev/null 2>&1" || echo "goaccess failed"

# 4. memory at 1 M and 10 M lines (stdin; no hour window without a name)
timed ingest-1M sh -c "head -n 1000000 '$F' | '$ING' -c '$D/adlog.conf' --data '$D/m1' - >/dev/null"
reps=$(( (10000000 + N - 1) / N ))
timed ingest-10M sh -c "for i in \$(seq $reps); do cat '$F'; done | head -n 10000000 | '$ING' -c '$D/adlog.conf' --data '$D/m10' - >/dev/null"
rm -rf "$D/m1" "$D/m10"

# 5. 100,000 data-centre ranges
awk 'BEGIN { srand(3); for (i = 0; i < 100000; i++)
	printf "%d.%d.%d.0/%d\n", 1 + int(rand() * 222), int(rand() * 256), int(rand() * 256), 16 + int(rand() * 9) }' >"$D/dc100k.txt"
sed "s|^datacenter_cidrs = .*|datacenter_cidrs = $D/dc100k.txt|" "$D/adlog.conf" >"$D/dc.conf"
head -n 1000 "$F" | "$ING" -c "$D/dc.conf" --data "$D/dcdata" --json - >"$D/dc.json"
dc_ms=$(grep -o '"rules_load_ms":[0-9.]*' "$D/dc.json" | cut -d: -f2)

num() { grep -o "\"$2\":[0-9.]*" "$1" | head -1 | cut -d: -f2; }
echo
echo "== results ($N lines; GoAccess on $G lines)"
awk -v n="$N" -v g="$G" -v reps="$REPS" \
    -v pw="$(col ingest-plain 2)" -v pc="$(cpu ingest-plain)" -v pm="$(col ingest-plain 5)" \
    -v zw="$(col ingest-gzip 2)" -v zc="$(cpu ingest-gzip)" -v zm="$(col ingest-gzip 5)" \
    -v dw="$(col gzip-dc 2)" -v dc_="$(cpu gzip-dc)" \
    -v gw="$(col goaccess 2)" -v gc="$(cpu goaccess)" -v gm="$(col goaccess 5)" \
    -v m1="$(col ingest-1M 5)" -v m10="$(col ingest-10M 5)" -v dc="$dc_ms" \
    -v acc="$(num "$D/plain.json" accepted)" 'BEGIN {
	p = n / pw; z = n / zw; d = n / dw; ga = (gw > 0 ? g / gw : 0)
	printf "(best wall of %d runs; per CPU second = lines / (user + sys))\n", reps
	printf "adlog-ingest plain:  %10.0f lines/s wall, %10.0f per CPU second, peak %.1f MB  [goal >= 1,000,000 per core]\n", p, n / pc, pm / 1024
	printf "adlog-ingest gzip:   %10.0f lines/s wall, %10.0f per CPU second, peak %.1f MB\n", z, n / zc, zm / 1024
	printf "gzip -dc:            %10.0f lines/s wall, %10.0f per CPU second\n", d, n / dc_
	printf "ratio ingest-gzip / gzip -dc: %.2f wall, %.2f CPU  [goal >= 0.8]\n", z / d, dc_ / zc
	if (ga > 0) {
		printf "GoAccess 1.7:        %10.0f lines/s wall, %10.0f per CPU second, peak %.1f MB\n", ga, g / gc, gm / 1024
		printf "ratio ingest-plain / GoAccess: %.0fx wall, %.0fx CPU\n", p / ga, (n / pc) / (g / gc)
	}
	printf "peak RSS at 1 M lines: %.1f MB, at 10 M lines: %.1f MB  [goal < 64 MB, flat]\n", m1 / 1024, m10 / 1024
	printf "100,000 data-centre ranges loaded in %s ms (with the pattern lists)\n", dc
	printf "accepted %d of %d lines\n", acc, n
}'
