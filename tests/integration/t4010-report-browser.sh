#!/usr/bin/env bash
# t4010-report-browser: the daily HTML report (`adlog-analyze --day D
# --report F`, what the cron wrapper's `daily` job writes) opened in headless
# Chromium, as an analyst opens it in the morning.  A small generated day
# (adlog-gen, 2 hours, 20 publishers, through ingest and analyze) makes the
# report; in the browser it must draw its charts (inline SVG with bars, at
# their width), list the scored publishers in its table and the day's
# spread between publishers in its own, log nothing to the
# console as an error, and leave a screenshot ($BUILD/t4010-report.png).
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
source "$(dirname "$0")/lib/analyze.sh"
UA='Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

command -v chromium >/dev/null || fail "chromium is not installed (scripts/deps.sh)"
start_mariadb
analyze_setup
gen_logs "$SPOOL" 20000 2
load_prices "$SPOOL/inventory"
ingest_files "$SPOOL"/*.log
"$AN" --day 20260101 --json --report "$T/day.html" >"$T/day.json" 2>"$T/day.err" ||
	{ cat "$T/day.err"; fail "adlog-analyze --day --report"; }
scored=$(grep -o '"publishers":[0-9]*' "$T/day.json" | cut -d: -f2)
[ "${scored:-0}" -gt 0 ] || fail "no publisher scored"

SHOT=$BUILD/t4010-report.png
rm -f "$SHOT"
python3 "$ROOT/tests/integration/lib/browser.py" --ua "$UA" --lang en-GB \
	size 1000 1900 \
	goto "file://$T/day.html" \
	text h1 \
	count 'svg[role="img"]' \
	count 'svg[role="img"] rect' \
	prop 'svg[role="img"]' clientWidth \
	count 'table.pubs tr' \
	text table.pubs \
	text table.spread \
	console \
	shot "$SHOT" \
	>"$T/browser.out" 2>"$T/browser.err" || { cat "$T/browser.out" "$T/browser.err"; fail "browser"; }
grep -v '^text table.pubs' "$T/browser.out"
# got STEP: what the browser printed after "STEP "; count CSS: the number
got() { awk -v k="$1 " 'index($0, k) == 1 { print substr($0, length(k) + 1) }' "$T/browser.out"; }
count() { got "count $1" | grep -x '[0-9]*'; }

charts=$(count 'svg[role="img"]')
# two per measure (bars by hour and the invalid share), one of reasons
expect "charts drawn: $charts (impressions, clicks, their invalid shares, reasons)" [ "${charts:-0}" -ge 5 ]
bars=$(count 'svg[role="img"] rect')
expect "bars in the charts: $bars" [ "${bars:-0}" -ge 10 ]
expect_eq "a chart's width on the page" 760 "$(got 'prop svg[role="img"] clientWidth')"
expect_eq "table rows: a header and one per publisher scored" $((scored + 1)) "$(count 'table.pubs tr')"
expect_eq "console errors" "0 errors" "$(got console | sed -n 's/^[0-9]* messages, //p')"
expect_eq "the page's heading" "adlog day 2026-01-01" "$(got 'text h1')"
# the spread table's text: its header line, then a row per test
spread=$(grep -A2 '^text table.spread' "$T/browser.out" | tail -n +2)
expect "the spread between publishers: a row for ctr_high ($spread)" \
	grep -q '^ctr_high CTR to the others' <<<"$spread"
test_expect_success "screenshot $SHOT is a PNG of some size" '
	[ "$(head -c 8 "$SHOT" | od -An -c | tr -d " ")" = "211PNG\r\n032\n" ] &&
	[ "$(wc -c <"$SHOT")" -gt 10000 ]'

# the publisher table shows ids; where it shows names too, the name of
# the publisher ranked first must be the inventory's
top=$(sql "SELECT p.name FROM publisher_daily d JOIN publishers p ON p.id = d.publisher_id
           WHERE d.day = '2026-01-01' ORDER BY d.fraud_score DESC, d.publisher_id LIMIT 1")
names=0
while IFS=$'\t' read -r _ _ name _; do
	grep -qF "$name" "$T/day.html" && names=$((names + 1))
done < <(grep '^pub	' "$SPOOL/inventory")
if [ "$names" -gt 0 ]; then
	expect "the report names the top publisher ('$top')" grep -qF "$top" "$T/browser.out"
else
	echo "note: the report shows publisher ids, no names (no inventory name in it)"
fi
