#!/usr/bin/env bash
# t3520: a segment that arrives after its hour was analysed (a serve box
# shipped its file late) makes --pending analyse that hour again, and the
# next hour (its warm-up and look-back read the late hour), and no other;
# the hour then counts every event of both segments once.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
source "$(dirname "$0")/lib/analyze.sh"

start_mariadb
analyze_setup
gen_logs "$SPOOL" 45000 3 --nodes 2
load_prices "$SPOOL/inventory"
ls "$SPOOL"
late=$(ls "$SPOOL"/adlog.2026010100.*.0001.*.log)
for f in "$SPOOL"/*.log; do
	[ "$f" = "$late" ] || ingest_files "$f"
done
"$AN" --pending --json >"$T/run1.json" || fail "first --pending failed"
cat "$T/run1.json"
expect_eq "hours loaded first" 3 "$(grep -c '"action":"loaded"' "$T/run1.json")"
on_time=$(segment_events)
expect_eq "events before the late segment" "$on_time" \
	"$(sql 'SELECT SUM(impressions + clicks) FROM stats_hourly')"
h2_before=$(sql "SELECT segments_checksum, analysed_at FROM analysed_hours WHERE hour = '2026-01-01 02:00:00'")

# the late file of hour 00 is ingested: a second segment in 2026010100/
ingest_files "$late"
expect_eq "segments of hour 00" 2 "$(ls "$DATA"/2026010100/*.seg | wc -l)"
all=$(segment_events)
[ "$all" -gt "$on_time" ] || fail "the late segment added no events"

"$AN" --pending --json >"$T/run2.json" || fail "second --pending failed"
cat "$T/run2.json"
grep -q '"hour":"2026010100","action":"loaded","segments":2' "$T/run2.json" ||
	fail "hour 00 was not analysed again with both segments"
grep -q '"hour":"2026010101","action":"loaded"' "$T/run2.json" ||
	fail "hour 01 was not analysed again though its look-back changed"
grep -q '"hour":"2026010102","action":"unchanged"' "$T/run2.json" ||
	fail "hour 02 was analysed again though nothing it reads changed"
expect_eq "events after the late segment" "$all" \
	"$(sql 'SELECT SUM(impressions + clicks) FROM stats_hourly')"
expect_eq "events in bookkeeping" "$all" "$(sql 'SELECT SUM(events) FROM analysed_hours')"
expect_eq "hour 02 bookkeeping untouched" "$h2_before" \
	"$(sql "SELECT segments_checksum, analysed_at FROM analysed_hours WHERE hour = '2026-01-01 02:00:00'")"
sql "SELECT segments FROM analysed_hours WHERE hour = '2026-01-01 00:00:00'" | tr ',' '\n' >"$T/segs"
cat "$T/segs"
expect_eq "segments named in bookkeeping" 2 "$(wc -l <"$T/segs")"

# and then nothing is pending
"$AN" --pending --json >"$T/run3.json" || fail "third --pending failed"
expect_eq "hours unchanged at the end" 3 "$(grep -c '"action":"unchanged"' "$T/run3.json")"
