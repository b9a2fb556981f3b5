#!/usr/bin/env bash
# t3500: adlog-analyze against a real MariaDB: every event in the segments
# is counted once in stats_hourly, every invalid one once in invalid_hourly,
# money comes from valid events only, --dry-run prints the same rows
# without MySQL, a rerun changes nothing, and MySQL down is a clear error.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
source "$(dirname "$0")/lib/analyze.sh"

start_mariadb
analyze_setup
gen_logs "$SPOOL" 60000 2
load_prices "$SPOOL/inventory"
ingest_files "$SPOOL"/*.log
total=$(segment_events)
echo "events in segments: $total"
[ "$total" -gt 50000 ] || fail "too few events generated: $total"

"$AN" --pending --json >"$T/run1.json" || fail "analyze --pending failed"
cat "$T/run1.json"
expect_eq "hours loaded" 2 "$(grep -c '"action":"loaded"' "$T/run1.json")"
expect_eq "events in stats_hourly" "$total" \
	"$(sql 'SELECT SUM(impressions) + SUM(clicks) FROM stats_hourly')"
expect_eq "events in analysed_hours" "$total" "$(sql 'SELECT SUM(events) FROM analysed_hours')"
expect_eq "invalid events = events - valid events" \
	"$(sql 'SELECT SUM(impressions + clicks - valid_impressions - valid_clicks) FROM stats_hourly')" \
	"$(sql 'SELECT SUM(events) FROM invalid_hourly')"
expect_eq "invalid events in bookkeeping" \
	"$(sql 'SELECT SUM(events) FROM invalid_hourly')" \
	"$(sql 'SELECT SUM(invalid_events) FROM analysed_hours')"
# each hour's rows by type agree between the two tables
for t in impression click; do
	col=impressions vcol=valid_impressions
	[ $t = click ] && col=clicks vcol=valid_clicks
	expect_eq "invalid ${t}s per hour" \
		"$(sql "SELECT hour, SUM($col - $vcol) FROM stats_hourly GROUP BY hour HAVING SUM($col - $vcol) > 0 ORDER BY hour")" \
		"$(sql "SELECT hour, SUM(events) FROM invalid_hourly WHERE type = '$t' GROUP BY hour ORDER BY hour")"
done
# ingest's flags are among the reasons (gen makes prefetches)
[ "$(sql "SELECT COUNT(*) FROM invalid_hourly WHERE reason = 'prefetch'")" -gt 0 ] ||
	fail "no prefetch rows in invalid_hourly"

# money: CPC pays per valid click, CPM per 1000 valid impressions (floor,
# per row), the publisher gets 70 % (floor)
expect_eq "CPC spend" 0 "$(sql "SELECT COUNT(*) FROM stats_hourly WHERE campaign_id % 2 = 1 AND spend_micros <> valid_clicks * 200000")"
expect_eq "CPM spend" 0 "$(sql "SELECT COUNT(*) FROM stats_hourly WHERE campaign_id % 2 = 0 AND spend_micros <> FLOOR(valid_impressions * 1500000 / 1000)")"
expect_eq "earnings" 0 "$(sql "SELECT COUNT(*) FROM stats_hourly WHERE earnings_micros <> FLOOR(spend_micros * 7000 / 10000)")"
[ "$(sql 'SELECT SUM(spend_micros) FROM stats_hourly')" -gt 0 ] || fail "no spend at all"

# --dry-run prints the same rows (money is not known without MySQL) and
# needs no MySQL: point the config at a socket nobody listens on
sed "s#^socket = .*#socket = $T/nobody.sock#" "$ADLOG_CONF" >"$T/nomysql.conf"
chmod 600 "$T/nomysql.conf"
"$AN" -c "$T/nomysql.conf" --pending --dry-run >"$T/dry.tsv" 2>"$T/dry.err" ||
	fail "dry-run without MySQL failed: $(cat "$T/dry.err")"
awk -F'\t' '$1 == "stats" { print substr($2,1,4) "-" substr($2,5,2) "-" substr($2,7,2) " " substr($2,9,2) ":00:00", $3, $4, $5, $6, $7, $8, $9, $10, $11 }' OFS='\t' \
	"$T/dry.tsv" | sort >"$T/dry.rows"
sql "SELECT hour, publisher_id, zone_id, campaign_id, ad_id, impressions, clicks, valid_impressions, valid_clicks, uniques_est FROM stats_hourly" |
	sort >"$T/db.rows"
expect_file_eq "$T/db.rows" "$T/dry.rows"
pass "--dry-run rows = MySQL rows ($(wc -l <"$T/db.rows"))"
awk -F'\t' '$1 == "invalid" { n += $9 } END { print n }' "$T/dry.tsv" >"$T/dry.inv"
expect_eq "dry-run invalid events" "$(sql 'SELECT SUM(events) FROM invalid_hourly')" "$(cat "$T/dry.inv")"

# a rerun of unchanged hours changes nothing, not even analysed_at
before=$(tables_digest)
at_before=$(sql 'SELECT GROUP_CONCAT(analysed_at ORDER BY hour) FROM analysed_hours')
"$AN" --pending --json >"$T/run2.json" || fail "second --pending failed"
expect_eq "hours unchanged on rerun" 2 "$(grep -c '"action":"unchanged"' "$T/run2.json")"
expect_eq "tables after rerun" "$before" "$(tables_digest)"
expect_eq "analysed_at after rerun" "$at_before" \
	"$(sql 'SELECT GROUP_CONCAT(analysed_at ORDER BY hour) FROM analysed_hours')"
# --hour --force replaces the hour with identical rows
"$AN" --hour 2026010100 --force 2>/dev/null || fail "--hour --force failed"
expect_eq "tables after --force" "$before" "$(tables_digest)"

# MySQL down: a clear message, exit 1, nothing lost; the next run catches up
sql "DELETE FROM analysed_hours WHERE hour = '2026-01-01 01:00:00'"
kill_mariadb
rc=0
"$AN" --pending 2>"$T/down.err" || rc=$?
cat "$T/down.err"
expect_eq "exit status with MySQL down" 1 "$rc"
grep -q "^analyze: cannot connect to MySQL at $MARIADB_SOCK: " "$T/down.err" ||
	fail "message does not name the socket"
start_mariadb
"$AN" --pending --json >"$T/run3.json" || fail "--pending after restart failed"
expect_eq "hours caught up after restart" 1 "$(grep -c '"action":"loaded"' "$T/run3.json")"
expect_eq "tables after catching up" "$before" "$(tables_digest)"
