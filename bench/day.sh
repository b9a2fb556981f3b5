#!/usr/bin/env bash
# bench/day.sh - the batch side of a 2-billion-event day on this box: each
# hour, adlog-gen writes the hour's events as gzip'ed spool files of several
# serve nodes (not timed: serve's stand-in), then the batch work is timed as
# cron runs it - adlog-ingest --jobs 2 over the spool, adlog-analyze --hour
# into MariaDB - and, when the hours are done, adlog-analyze --day over them.
# Per step: wall time, CPU time (user + system) and peak RSS of the tool,
# and the CPU MariaDB spent meanwhile; at the end MariaDB's peak RSS and the
# batch side's peak (the largest tool + MariaDB).  The named peer is the
# goal: an hour's batch work within 5 minutes on 2 cores (300 s), analyze
# under 256 MB, tools and MariaDB within 2 GB.
#
#   bench/day.sh                       one average hour: 2e9 / 24 = 83.3 M events
#   DAY_EVENTS=24000000 bench/day.sh   a quick try (1 M events an hour)
#   HOURS=24 bench/day.sh              the whole day, then --day (disk permitting:
#                                      each hour stops early when DISK_MIN_GB
#                                      would no longer be free, default 10)
#   NODES=4                            serve nodes writing the spool (default 4)
#   BUFFER_POOL=1G                     innodb_buffer_pool_size (docs/operations.md)
#   PREPARE=1 bench/day.sh             only generate the hours' spool files, to
#                                      be taken (moved) by the next timed run of
#                                      the same DAY_EVENTS, HOURS and NODES
#
# Data lives under var/bench-day/run.PID (never committed), removed at the
# end unless BENCH_KEEP=1; prepared spool files under var/bench-day/gen.*.  Needs about 6.3 GB of spool (gzip) and the
# hour's segments per hour of 83 M events; the spool is deleted as ingest
# takes it (after = delete), the segments stay for the look-back and --day.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
DAY_EVENTS=${DAY_EVENTS:-2000000000}
HOURS=${HOURS:-1}
NODES=${NODES:-4}
DISK_MIN_GB=${DISK_MIN_GB:-10}
DAY=20260115
HOUR_EVENTS=$((DAY_EVENTS / 24))
for p in adlog-gen adlog-ingest adlog-analyze adlog-admin; do
	[ -x "$BUILD/$p" ] || { echo "build first: $BUILD/$p missing" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }

# gen_hour H: hour H's spool files in $G/HOUR (kept from PREPARE=1)
G=$ROOT/var/bench-day/gen.$HOUR_EVENTS.$NODES
gen_hour() {
	local hour=$DAY$(printf '%02d' "$1") net
	[ ! -f "$G/$hour/.ready" ] || return 0
	rm -rf "$G/$hour" && mkdir -p "$G/$hour"
	# one network for the day: the first hour writes it, the others read it
	if [ "$1" = 0 ]; then net=(--write-inventory "$G/inventory"); else net=(--inventory "$G/inventory"); fi
	"$BUILD/adlog-gen" --seed $((100 + $1)) --events "$HOUR_EVENTS" --hours 1 --start "$hour" \
		--nodes "$NODES" --gzip --out "$G/$hour" "${net[@]}" --quiet
	touch "$G/$hour/.ready"
}
if [ -n "${PREPARE:-}" ]; then
	for ((h = 0; h < HOURS; h++)); do gen_hour "$h"; done
	du -sh "$G"
	exit 0
fi

R=$ROOT/var/bench-day/run.$$
DB=$R/mariadb
SOCK=$DB/sock
mkdir -p "$R/tmp" "$R/spool" "$R/data" "$R/out"
mariadb-install-db --no-defaults --datadir="$DB" --auth-root-authentication-method=normal \
	--skip-test-db >"$R/install.log" 2>&1
mariadbd --no-defaults --datadir="$DB" --socket="$SOCK" --skip-networking --user=root \
	--tmpdir="$R/tmp" --log-error="$DB/err.log" --pid-file="$DB/pid" --skip-log-bin \
	--innodb-buffer-pool-size="${BUFFER_POOL:-1G}" --innodb-log-file-size=256M \
	--innodb-flush-log-at-trx-commit=2 --performance-schema=OFF \
	--default-time-zone=+00:00 </dev/null >/dev/null 2>&1 &
DBPID=$!
trap 'kill -TERM $DBPID 2>/dev/null; wait $DBPID 2>/dev/null || true; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$R"' EXIT
for _ in $(seq 1 300); do
	mariadb-admin --no-defaults --socket="$SOCK" -uroot ping >/dev/null 2>&1 && break
	sleep 0.1
done
sql() { mariadb --no-defaults --socket="$SOCK" -uroot -N -B adlog "$@"; }
mariadb --no-defaults --socket="$SOCK" -uroot -e "CREATE DATABASE adlog"
CONF=$R/adlog.conf
# the folders and lists as cron's runs have them (tests/integration/lib/pipeline.sh)
# shellcheck source=../tests/integration/lib/pipeline.sh
. "$ROOT/tests/integration/lib/pipeline.sh"
( umask 077
{
	pipeline_conf "$R"
	printf '[ingest]\nafter = delete\n\n[mysql]\nhost = localhost\nsocket = %s\n' "$SOCK"
	printf 'user = root\npassword =\ndatabase = adlog\n'
} >"$CONF"
)
"$BUILD/adlog-admin" -c "$CONF" migrate >/dev/null

# prices for the generated network (tests/integration/lib/analyze.sh)
T=$R
# shellcheck source=../tests/integration/lib/analyze.sh
. "$ROOT/tests/integration/lib/analyze.sh"

# MariaDB's CPU seconds so far (utime + stime of mariadbd)
db_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$DBPID/stat"; }
db_rss_mb() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$DBPID/status"; }
free_gb() { df -Pk "$R" | awk 'NR == 2 { printf "%d", $4 / 1048576 }'; }

# timed NAME CMD...: run CMD under /usr/bin/time; appends a row to $R/rows:
# NAME wall cpu peak_rss_MB mariadb_cpu
timed() {
	local name=$1 wall user sys rss d0 d1 rc=0
	shift
	d0=$(db_cpu)
	/usr/bin/time -f '%e %U %S %M' -o "$R/time" "$@" >"$R/out/$name.json" 2>"$R/out/$name.err" || rc=$?
	d1=$(db_cpu)
	[ "$rc" = 0 ] || { echo "$name failed ($rc):" >&2; tail -n 5 "$R/out/$name.err" >&2; exit 1; }
	read -r wall user sys rss <"$R/time"
	printf '%s %s %.2f %.0f %.2f\n' "$name" "$wall" "$(echo "$user + $sys" | bc -l)" \
		"$(echo "$rss / 1024" | bc -l)" "$(echo "$d1 - $d0" | bc -l)" >>"$R/rows"
}

echo "bench/day.sh: $DAY_EVENTS events a day = $HOUR_EVENTS an hour, $NODES nodes, gzip spool; $(nproc) cores; $(date -u +%FT%TZ); load average $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$R/rows"
done_hours=0 gen_s=0 seg_bytes=0
for ((h = 0; h < HOURS; h++)); do
	hour=$DAY$(printf '%02d' "$h")
	if [ "$(free_gb)" -lt "$DISK_MIN_GB" ]; then
		echo "stopping before hour $hour: $(free_gb) GB free, DISK_MIN_GB=$DISK_MIN_GB"
		break
	fi
	t0=$(date +%s)
	gen_hour "$h"
	mv "$G/$hour"/adlog.* "$R/spool/"
	cp "$G/inventory" "$R/inventory"
	rm -rf "$G/$hour"
	gen_s=$((gen_s + $(date +%s) - t0))
	[ "$h" -gt 0 ] || load_prices "$R/inventory"
	spool_mb=$(du -sm "$R/spool" | cut -f1)
	timed "ingest.$hour" "$BUILD/adlog-ingest" -c "$CONF" --jobs 2 --json
	timed "analyze.$hour" "$BUILD/adlog-analyze" -c "$CONF" --hour "$hour" --json
	seg=$(du -sb "$R/data/$hour" | cut -f1)
	seg_bytes=$((seg_bytes + seg))
	echo "hour $hour: spool $spool_mb MB gzip in $((NODES)) files, segments $((seg / 1048576)) MB; $(grep -h "ingest.$hour\|analyze.$hour" "$R/rows" | tr '\n' ';')"
	done_hours=$((done_hours + 1))
done
[ "$done_hours" -gt 0 ] || exit 1
if [ "$done_hours" = 24 ] || [ -n "${DAY_PASS:-}" ]; then
	timed "day.$DAY" "$BUILD/adlog-analyze" -c "$CONF" --day "$DAY" --json
fi
db_rss=$(db_rss_mb)

echo
printf '%-20s %9s %9s %12s %14s\n' step wall_s cpu_s peak_rss_MB mariadb_cpu_s
awk '{ printf "%-20s %9.1f %9.1f %12d %14.1f\n", $1, $2, $3, $4, $5 }' "$R/rows"
echo
# per hour: ingest + analyze (wall, CPU incl. MariaDB's), averaged over the hours
awk -v n="$done_hours" -v ev="$HOUR_EVENTS" -v db="$db_rss" -v seg="$seg_bytes" -v gen="$gen_s" '
	$1 ~ /^(ingest|analyze)\./ { wall += $2; cpu += $3 + $5; if ($4 > rss) rss = $4 }
	$1 ~ /^analyze\./ { if ($4 > arss) arss = $4 }
	$1 ~ /^day\./ { dwall = $2; dcpu = $3 + $5; if ($4 > rss) rss = $4 }
	END {
		printf "an hour of %d events (mean of %d): batch %.1f s wall (goal <= 300), %.1f CPU s with MariaDB'"'"'s; %.0f events/s\n", ev, n, wall / n, cpu / n, ev / (wall / n)
		printf "analyze peak RSS %d MB (goal < 256); MariaDB peak RSS %d MB; batch side at most %d MB (goal <= 2048)\n", arss, db, rss + db
		printf "segments %.1f bytes an event; adlog-gen took %d s for the hours (not counted)\n", seg / (n * ev), gen
		if (dwall) printf "--day over %d hours: %.1f s wall, %.1f CPU s (%.1f s an hour read again)\n", n, dwall, dcpu, dwall / n
		printf "a day of 24 such hours, from these points: %.0f min of batch wall time (%.1f %% of the day)\n", 24 * wall / n / 60 + (dwall ? 24 * dwall / n / 60 : 0), 100 * (24 * wall / n + (dwall ? 24 * dwall / n : 0)) / 86400
	}' "$R/rows"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
