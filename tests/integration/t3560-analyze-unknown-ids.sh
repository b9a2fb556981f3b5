#!/usr/bin/env bash
# t3560: ids the inventory does not know cannot flood MySQL.  An hour of
# ordinary traffic, then the same hour with FLOOD more impressions whose ad
# and zone are random (flag UNKNOWN, as serve logs /i?ad=RAND&zone=RAND):
# the flood adds at most one stats_hourly row and one invalid_hourly row
# per reason it fired, every flooded impression is still counted (under
# unknown_ad_zone), and analyze's peak memory is that of an ordinary hour
# with as many events.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
source "$(dirname "$0")/lib/analyze.sh"

FLOOD=${FLOOD:-300000}
HOUR=2026010100
start_mariadb
analyze_setup
gen_logs "$SPOOL" 60000 1 --nodes 2
load_prices "$SPOOL/inventory"
ingest_files "$SPOOL"/*.log

rows() { sql "SELECT COUNT(*) FROM $1 WHERE hour = '2026-01-01 00:00:00'"; }
json_num() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" | head -1; }

"$AN" --hour $HOUR --json >"$T/base.json" 2>"$T/an.log" || { cat "$T/an.log"; fail "analyze of the ordinary hour failed"; }
base_stats=$(rows stats_hourly) base_inv=$(rows invalid_hourly)
base_rss=$(json_num peak_rss_kb <"$T/base.json")
base_imps=$(sql "SELECT SUM(impressions) FROM stats_hourly")
echo "ordinary hour: $base_stats stats rows, $base_inv invalid rows, $base_imps impressions, peak RSS $base_rss kB"

python3 "$ROOT/tests/integration/lib/flood.py" 1767225600000 "$FLOOD" 77 15 \
	>"$SPOOL/adlog.$HOUR.flood.0077.1767225600000.log"
ingest_files "$SPOOL/adlog.$HOUR.flood.0077.1767225600000.log"
"$AN" --hour $HOUR --json >"$T/flood.json" 2>"$T/an.log" || { cat "$T/an.log"; fail "analyze of the flooded hour failed"; }
flood_stats=$(rows stats_hourly) flood_inv=$(rows invalid_hourly)
flood_rss=$(json_num peak_rss_kb <"$T/flood.json")
echo "with $FLOOD random-id impressions: $flood_stats stats rows, $flood_inv invalid rows, peak RSS $flood_rss kB"

[ "$flood_stats" -le $((base_stats + 1)) ] ||
	fail "stats_hourly rows grew from $base_stats to $flood_stats"
# the flooded impressions fire their first reason; allow a few
[ "$flood_inv" -le $((base_inv + 4)) ] ||
	fail "invalid_hourly rows grew from $base_inv to $flood_inv"
expect_eq "impressions" "$((base_imps + FLOOD))" "$(sql "SELECT SUM(impressions) FROM stats_hourly")"
expect_eq "impressions under the unknown key" "$FLOOD" \
	"$(sql "SELECT impressions - valid_impressions FROM stats_hourly WHERE publisher_id = 0 AND zone_id = 0 AND campaign_id = 0 AND ad_id = 0")"
expect_eq "flooded impressions invalid as unknown_ad_zone" "$FLOOD" \
	"$(sql "SELECT SUM(events) FROM invalid_hourly WHERE ad_id = 0 AND zone_id = 0 AND reason = 'unknown_ad_zone'")"
# memory: that of an ordinary hour with as many events (the rules' tables
# are fixed, the rollup's rows bounded by the inventory)
mkdir "$T/plain"
gen_logs "$T/plain" $((60000 + FLOOD)) 1 --nodes 2
mkdir "$T/plain-data"
"$BUILD/adlog-ingest" --data "$T/plain-data" "$T/plain"/*.log >/dev/null
"$AN" --data "$T/plain-data" --hour $HOUR --dry-run --json 2>/dev/null | grep '"hour"' >"$T/plain.json"
"$AN" --hour $HOUR --dry-run --json 2>/dev/null | grep '"hour"' >"$T/flood-dry.json"
plain_rss=$(json_num peak_rss_kb <"$T/plain.json") flood_rss=$(json_num peak_rss_kb <"$T/flood-dry.json")
echo "peak RSS (--dry-run): ordinary hour of $((60000 + FLOOD)) events $plain_rss kB, flooded hour $flood_rss kB"
[ "$flood_rss" -le $((plain_rss * 5 / 4 + 8192)) ] ||
	fail "peak RSS $flood_rss kB against $plain_rss kB for ordinary traffic"
echo "ok: $FLOOD random-id impressions added $((flood_stats - base_stats)) stats and $((flood_inv - base_inv)) invalid rows"
