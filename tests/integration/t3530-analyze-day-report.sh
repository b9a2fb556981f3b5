#!/usr/bin/env bash
# t3530: adlog-analyze --day: the daily rollup equals the sum of its hours,
# one publisher_daily row per publisher scored, the bookkeeping row, the
# same tables when run again; --report writes one self-contained HTML page.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
source "$(dirname "$0")/lib/analyze.sh"

start_mariadb
analyze_setup
gen_logs "$SPOOL" 40000 3
load_prices "$SPOOL/inventory"
ingest_files "$SPOOL"/*.log
"$AN" --pending 2>/dev/null || fail "--pending failed"
"$AN" --day 20260101 --json --report "$T/day.html" >"$T/day.json" || fail "--day failed"
cat "$T/day.json" | grep -v '"hour"' || true
grep -q '"day":"20260101","action":"loaded"' "$T/day.json" || fail "no day line in --json"
grep '"day":"20260101","action":"loaded"' "$T/day.json" |
	grep -Eq '"spread_ctr":\{"tested":[0-9]+(,"mu":-?[0-9.]+,"tau":[0-9.]+)?\}' ||
	fail "no spread_ctr in the day's --json line"
for c in impressions clicks valid_impressions valid_clicks spend_micros earnings_micros; do
	expect_eq "stats_daily $c = sum of hours" \
		"$(sql "SELECT SUM($c) FROM stats_hourly WHERE hour >= '2026-01-01' AND hour < '2026-01-02'")" \
		"$(sql "SELECT SUM($c) FROM stats_daily WHERE day = '2026-01-01'")"
done
expect_eq "stats_daily rows" \
	"$(sql "SELECT COUNT(DISTINCT publisher_id, zone_id, campaign_id, ad_id) FROM stats_hourly")" \
	"$(sql "SELECT COUNT(*) FROM stats_daily")"
expect_eq "hours in analysed_days" 3 "$(sql "SELECT hours FROM analysed_days WHERE day = '2026-01-01'")"
scored=$(grep -o '"publishers":[0-9]*' "$T/day.json" | cut -d: -f2)
expect_eq "publisher_daily rows" "$scored" "$(sql "SELECT COUNT(*) FROM publisher_daily WHERE day = '2026-01-01'")"
# the hours were up to date: --day read them but did not load them again
expect_eq "hours reloaded by --day" 0 "$(grep '"hour"' "$T/day.json" | grep -c '"action":"loaded"' || true)"

before=$(tables_digest)
"$AN" --day 20260101 2>/dev/null || fail "second --day failed"
expect_eq "tables after a second --day" "$before" "$(tables_digest)"

# the report: one page, charts inline, nothing fetched
[ -s "$T/day.html" ] || fail "no report written"
grep -q '<svg' "$T/day.html" || fail "report has no inline SVG"
for s in 'Impressions by hour' 'Clicks by hour' 'Invalid traffic by reason' 'Publishers by fraud score' 'The spread between publishers' prefetch; do
	grep -q "$s" "$T/day.html" || fail "report lacks '$s'"
done
if grep -Eiq '<script|<link|src=|https?://' "$T/day.html"; then
	fail "report refers to something outside itself"
fi
pass "report $(wc -c <"$T/day.html") bytes, self-contained"

# --day --dry-run needs no MySQL and prints one line per publisher
sed "s#^socket = .*#socket = $T/nobody.sock#" "$ADLOG_CONF" >"$T/nomysql.conf"
chmod 600 "$T/nomysql.conf"
"$AN" -c "$T/nomysql.conf" --day 20260101 --dry-run >"$T/dry.tsv" 2>/dev/null || fail "--day --dry-run failed"
expect_eq "publisher lines in --dry-run" "$scored" "$(grep -c '^publisher' "$T/dry.tsv" || true)"
