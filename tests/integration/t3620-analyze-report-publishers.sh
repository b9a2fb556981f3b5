#!/usr/bin/env bash
# t3620: adlog-analyze --day --report names each publisher as the
# publishers table does (its id beside it), with the score and the
# evidence it rests on apart from the traffic the publisher suffers; the
# same evidence and suffered counts are in publisher_daily.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
source "$(dirname "$0")/lib/analyze.sh"

start_mariadb
analyze_setup
gen_logs "$SPOOL" 40000 3
load_prices "$SPOOL/inventory"
ingest_files "$SPOOL"/*.log
"$AN" --pending 2>/dev/null || fail "--pending failed"
"$AN" --day 20260101 2>/dev/null || fail "--day failed"
# a name a page must escape, on a publisher scored; names are read anew
first=$(sql "SELECT MIN(publisher_id) FROM publisher_daily")
sql "UPDATE publishers SET name = 'Tom & Jerry <daily>' WHERE id = $first"
"$AN" --day 20260101 --report "$T/day.html" 2>/dev/null || fail "--day --report failed"
[ -s "$T/day.html" ] || fail "no report written"

test_expect_success "every scored publisher is named in the report" '
	sql "SELECT p.name FROM publisher_daily d JOIN publishers p ON p.id = d.publisher_id WHERE d.day = \"2026-01-01\" AND p.name NOT LIKE \"%&%\"" >"$T/names" &&
	[ -s "$T/names" ] &&
	while read -r n; do grep -qF ">$n <span class=\"id\">#" "$T/day.html" || { echo "missing $n"; exit 1; }; done <"$T/names"
'
test_expect_success "a name is escaped" '
	grep -qF "Tom &amp; Jerry &lt;daily&gt; <span class=\"id\">#$first</span>" "$T/day.html" &&
	! grep -qF "Tom & Jerry <daily>" "$T/day.html"
'
test_expect_success "the table has the profited and suffered columns" '
	grep -qF "<th>profited (evidence)</th><th>suffered (events)</th>" "$T/day.html"
'
test_expect_success "the report shows each publisher's suffered traffic as publisher_daily does" '
	sql "SELECT suffered FROM publisher_daily WHERE day = \"2026-01-01\" AND suffered <> \"\"" >"$T/suf" &&
	[ -s "$T/suf" ] &&
	while read -r s; do grep -qF "<td class=\"ev\">${s//,/ }</td>" "$T/day.html" || { echo "missing $s"; exit 1; }; done <"$T/suf"
'
expect_eq "scores are never negative" 0 \
	"$(sql "SELECT COUNT(*) FROM publisher_daily WHERE fraud_score < 0")"
expect_eq "flagged exactly from the flag score" 0 \
	"$(sql "SELECT COUNT(*) FROM publisher_daily WHERE flagged <> (fraud_score >= 6)")"
