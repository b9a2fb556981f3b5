#!/usr/bin/env bash
# t3540: replacing an analysed hour writes only what changed.  After rows
# of the hour were altered, deleted and made up behind analyze's back,
# --force gives exactly the tables of a clean run, writing just the rows
# that differ; after a price change, just the rows whose money changed.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
source "$(dirname "$0")/lib/analyze.sh"

H=2026010100
HS='2026-01-01 00:00:00'
start_mariadb
analyze_setup
gen_logs "$SPOOL" 20000 1
load_prices "$SPOOL/inventory"
ingest_files "$SPOOL"/*.log
written() { grep -o '"stats_written":[0-9]*' "$1" | cut -d: -f2; }

"$AN" --hour $H --json >"$T/run1.json" || fail "first run failed"
rows=$(sql "SELECT COUNT(*) FROM stats_hourly")
[ "$rows" -gt 100 ] || fail "too few rows to test with: $rows"
expect_eq "a new hour writes every row" "$rows" "$(written "$T/run1.json")"
clean=$(tables_digest)

# the same hour again: nothing to write
"$AN" --hour $H --force --json >"$T/run2.json" || fail "second run failed"
expect_eq "rows written by an unchanged rerun" 0 "$(written "$T/run2.json")"
expect_eq "tables after an unchanged rerun" "$clean" "$(tables_digest)"

# one row altered, one deleted, one made up, an invalid row altered
sql "UPDATE stats_hourly SET impressions = impressions + 5 WHERE hour = '$HS'
	ORDER BY publisher_id, zone_id, campaign_id, ad_id LIMIT 1"
sql "DELETE FROM stats_hourly WHERE hour = '$HS'
	ORDER BY publisher_id DESC, zone_id DESC, campaign_id DESC, ad_id DESC LIMIT 1"
sql "INSERT INTO stats_hourly (hour, publisher_id, zone_id, campaign_id, ad_id, impressions)
	VALUES ('$HS', 4000000000, 1, 1, 1, 7)"
sql "UPDATE invalid_hourly SET events = events + 1 WHERE hour = '$HS' LIMIT 1"
[ "$(tables_digest)" != "$clean" ] || fail "the tampering changed nothing"
"$AN" --hour $H --force --json >"$T/run3.json" || fail "third run failed"
expect_eq "rows written after tampering" 2 "$(written "$T/run3.json")"
expect_eq "tables after tampering and a rerun" "$clean" "$(tables_digest)"
expect_eq "the made-up row is gone" 0 \
	"$(sql "SELECT COUNT(*) FROM stats_hourly WHERE publisher_id = 4000000000")"

# a CPM campaign's price doubles: its rows with valid impressions change
camp=$(sql "SELECT campaign_id FROM stats_hourly s JOIN campaigns c ON c.id = s.campaign_id
	WHERE c.pricing = 'CPM' AND s.valid_impressions > 0
	GROUP BY campaign_id ORDER BY COUNT(*) DESC LIMIT 1")
want=$(sql "SELECT COUNT(*) FROM stats_hourly WHERE campaign_id = $camp AND valid_impressions > 0")
sql "UPDATE campaigns SET price_micros = 3000000 WHERE id = $camp"
"$AN" --hour $H --force --json >"$T/run4.json" || fail "fourth run failed"
expect_eq "rows written after a price change" "$want" "$(written "$T/run4.json")"
expect_eq "spend at the new price" 0 \
	"$(sql "SELECT COUNT(*) FROM stats_hourly WHERE campaign_id = $camp
		AND spend_micros <> valid_impressions * 3000")"
expect_eq "rows of the hour" "$rows" "$(sql "SELECT COUNT(*) FROM stats_hourly")"
pass "$rows rows; reruns wrote 0, 2 and $want of them"
