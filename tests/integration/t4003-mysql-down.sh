#!/usr/bin/env bash
# t4003 - MySQL is stopped mid-pipeline and started again: no event is lost
# or counted twice, and `adlog-admin status` shows the lag meanwhile.
# Hour 00 goes through ingest and analyze; MariaDB stops; hours 01 and 02
# are ingested (ingest needs no MySQL) and analyze fails with a clear
# message; status (text and --json) says MySQL is down, the analyze job
# failed, exactly hours 01 and 02 wait (from the last good analyze run on
# disk) and the lag passes max_lag; hour 03 waits in the spool.  MariaDB
# starts, the cron jobs catch up, status is all well again, and MySQL's
# totals equal the events in the segments, which are the generated ones.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/mariadb.sh"
. "$(dirname "$0")/lib/pipeline.sh"
command -v jq >/dev/null || fail "jq is not installed (make deps)"
CRON=$ROOT/cron/adlog-cron
pipeline_bin

start_mariadb
pipeline_test_conf <<CONF
[serve]
inventory = $T/inventory
[admin]
; nobody listens here: serve unreachable is an answer, not a failure
serve_status_url = http://127.0.0.1:$(free_port)/status
max_lag = 7200
CONF
cron() { "$CRON" -c "$ADLOG_CONF" "$@"; }
"$BUILD/adlog-admin" migrate >/dev/null
mkdir -p "$T/spool" "$T/gen"

# gen SEED START HOURS: generated files kept in $T/gen/SEED, copied to the spool
gen() {
	"$BUILD/adlog-gen" --quiet --seed "$1" --events 2000 --hours "$3" --start "$2" \
		--host "b$1" --out "$T/gen/b$1"
	cp "$T/gen/b$1"/*.log "$T/spool/"
}
at() { date -u -d "$1" +%s000; }
# status [--json]: adlog-admin status at 2026-01-01 05:30 UTC unless NOW is set
status() {
	ADLOG_FAKE_NOW_MS=${NOW:-$(at '2026-01-01 05:30:00')} "$BUILD/adlog-admin" status "$@"
}

# --- hour 00: ingested and analysed while MySQL is up ---
gen 1 2026010100 1
# two lines of garbage: quarantined with their reasons, never counted
printf 'garbage\n1\ti\tnot-a-time\n' >>"$T/spool/$(ls "$T/spool" | head -n 1)"
cron ingest || fail "ingest failed"
cron analyze || fail "analyze failed"
expect_eq "hours loaded" 1 "$(sed -n 's/^count.action.loaded=//p' "$T/status/analyze.status")"
rc=0
NOW=$(at '2026-01-01 01:30:00') status >"$T/st0.txt" || rc=$?
cat "$T/st0.txt"
expect_eq "status exit, all well (serve unreachable is no failure)" 0 "$rc"
grep -q '^  waiting   0 hours' "$T/st0.txt" || fail "hours waiting before the stop"
grep -q '^analyze     last hour analysed 2026010100 (run at ' "$T/st0.txt" ||
	fail "last hour analysed"
grep -q "^serve       http://127.0.0.1:[0-9]*/status: unreachable" "$T/st0.txt" ||
	fail "serve not shown unreachable"

# --- MySQL stops mid-pipeline: serve and ingest go on ---
stop_mariadb
gen 2 2026010101 2
cron ingest || fail "ingest needs no MySQL"
gen 3 2026010103 1                   # closed, not yet ingested
: >"$T/spool/adlog.2026010104.b9.0000.1767236400000.open"   # serve's current hour
rc=0
"$BUILD/adlog-analyze" --pending 2>"$T/an.err" || rc=$?
cat "$T/an.err"
expect_eq "analyze exit status with MySQL down" 1 "$rc"
grep -q "^analyze: cannot connect to MySQL at $MARIADB_SOCK: " "$T/an.err" ||
	fail "analyze's message does not say MySQL and the socket"
if cron analyze 2>/dev/null; then fail "cron analyze succeeded without MySQL"; fi

rc=0
status >"$T/st1.txt" || rc=$?
cat "$T/st1.txt"
expect_eq "status exit while MySQL is down" 1 "$rc"
grep -q '^adlog status at 2026-01-01T05:30:00Z: ATTENTION$' "$T/st1.txt" || fail "no ATTENTION headline"
grep -q "^  ! MySQL unreachable: .*$MARIADB_SOCK" "$T/st1.txt" || fail "MySQL down not shown"
grep -q '^  ! cron job analyze failed (exit 1): analyze: cannot connect to MySQL' "$T/st1.txt" ||
	fail "failed analyze job not shown"
grep -q '^  ! analyze lags 3h30m (max_lag 2h00m): 2 hours waiting$' "$T/st1.txt" || fail "analyze lag"
grep -q '^  waiting   2 hours: 2026010101 2026010102; oldest ended 3h30m ago (MySQL down' "$T/st1.txt" ||
	fail "hours waiting while MySQL is down"
grep -q "^  closed    1 waiting; oldest $T/spool/adlog.2026010103.b3.0000.[0-9]*.log (hour 2026010103, ended 1h30m ago)$" \
	"$T/st1.txt" || fail "closed file waiting"
grep -q "^  open      1 (serve's current hours)$" "$T/st1.txt" || fail "open files"
grep -q '^segments    .*: 3 hours, 2026010100 .. 2026010102, newest 2026010102$' "$T/st1.txt" || fail "segments"
grep -q '^quarantine  .*: 1 file, [0-9]* bytes, 2 lines: ' "$T/st1.txt" || fail "quarantine count"
grep -q '^mysql       DOWN: ' "$T/st1.txt" || fail "mysql line"

rc=0
status --json >"$T/st1.json" || rc=$?
expect_eq "status --json exit while MySQL is down" 1 "$rc"
jq . "$T/st1.json" >/dev/null || fail "status --json is not JSON"
expect_eq "json ok" false "$(jq -r .ok "$T/st1.json")"
expect_eq "json mysql reachable" false "$(jq -r .mysql.reachable "$T/st1.json")"
expect_eq "json hours waiting" '2026010101 2026010102' "$(jq -r '.analyze.hours_waiting | join(" ")' "$T/st1.json")"
expect_eq "json waiting from" cron "$(jq -r .analyze.waiting_from "$T/st1.json")"
expect_eq "json last hour" 2026010100 "$(jq -r .analyze.last_hour "$T/st1.json")"
expect_eq "json analyze lag" 12600 "$(jq -r .analyze.lag_seconds "$T/st1.json")"
expect_eq "json closed waiting" 1 "$(jq -r .spool.closed_waiting "$T/st1.json")"
expect_eq "json oldest hour" 2026010103 "$(jq -r .spool.oldest.hour "$T/st1.json")"
expect_eq "json quarantine lines" 2 "$(jq -r .quarantine.lines "$T/st1.json")"
expect_eq "json analyze job" "failed 1" "$(jq -r '.cron.jobs[] | select(.job == "analyze") | "\(.state) \(.exit)"' "$T/st1.json")"
expect_eq "json serve" false "$(jq -r .serve.reachable "$T/st1.json")"
expect_eq "json attention items" 3 "$(jq -r '.attention | length' "$T/st1.json")"

# --- MySQL is back: the cron jobs catch up ---
start_mariadb
cron ingest || fail "ingest after restart"
cron analyze || fail "analyze after restart"
expect_eq "hours loaded on catching up" 3 "$(sed -n 's/^count.action.loaded=//p' "$T/status/analyze.status")"
rc=0
status >"$T/st2.txt" || rc=$?
cat "$T/st2.txt"
expect_eq "status exit after catching up" 0 "$rc"
grep -q '^  waiting   0 hours$' "$T/st2.txt" || fail "hours still waiting after catching up"
grep -q '^analyze     last hour analysed 2026010103 (run at ' "$T/st2.txt" || fail "last hour after catching up"
grep -q '^  closed    0 waiting$' "$T/st2.txt" || fail "spool not drained"
rc=0
status --json >"$T/st2.json" || rc=$?
expect_eq "json after catching up" "true 0 mysql" \
	"$(jq -r '"\(.ok) \(.analyze.hours_waiting | length) \(.analyze.waiting_from)"' "$T/st2.json")"

# --- nothing lost, nothing counted twice ---
cat "$T"/gen/b*/*.log | cut -f4 | sort >"$T/ids.expect"
for seg in "$T"/data/*/*.seg; do "$BUILD/adlog-ingest" --dump "$seg"; done |
	grep -v '^#' | cut -f3 | sort >"$T/ids.actual"
expect_eq "events in segments" 6000 "$(wc -l <"$T/ids.actual")"
expect_file_eq "$T/ids.expect" "$T/ids.actual" && echo "ok: segment event ids = generated ids"
expect_eq "MySQL events" 6000 "$(sql 'SELECT SUM(impressions + clicks) FROM stats_hourly')"
expect_eq "MySQL analysed events" 6000 "$(sql 'SELECT SUM(events) FROM analysed_hours')"
expect_eq "MySQL hours" 4 "$(sql 'SELECT COUNT(*) FROM analysed_hours')"
echo "t4003: ok"
