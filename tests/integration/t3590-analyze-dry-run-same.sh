#!/usr/bin/env bash
# t3590: a dry run judges exactly as a loaded run.  Both read publishers'
# domains from the inventory file serve reads ([serve] inventory), so a
# publisher whose zones show up on a foreign site gets the same
# foreign_referer verdicts and the same score with MySQL and without it.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
source "$(dirname "$0")/lib/analyze.sh"

start_mariadb
analyze_setup
gen_logs "$SPOOL" 40000 3
cp "$SPOOL/inventory" "$T/inventory"     # [serve] inventory of the config
load_prices "$SPOOL/inventory"

# publisher P's zones loaded on another site: every impression and click
# of P carries that site's page as referer
P=$(awk -F'\t' '$1 == "pub" && $4 != "-" { print $2; exit }' "$T/inventory")
[ -n "$P" ] || fail "no publisher with domains in the inventory"
for f in "$SPOOL"/*.log; do
	awk -F'\t' -v OFS='\t' -v p="$P" \
		'$11 == p && ($2 == "i" || $2 == "c") { $14 = "https://cheap-traffic-exchange.example/p" } { print }' \
		"$f" >"$f.new" && mv "$f.new" "$f"
done
cat "$SPOOL"/*.log | awk -F'\t' -v p="$P" '$11 == p && ($2 == "i" || $2 == "c")' |
	wc -l >"$T/p.events"
expect "publisher $P has events ($(cat "$T/p.events"))" [ "$(cat "$T/p.events")" -gt 100 ]
ingest_files "$SPOOL"/*.log

"$AN" --day 20260101 --events "$T/loaded.tsv" 2>"$T/loaded.err" ||
	fail "loaded --day failed: $(cat "$T/loaded.err")"
sed "s#^socket = .*#socket = $T/nobody.sock#" "$ADLOG_CONF" >"$T/nomysql.conf"
chmod 600 "$T/nomysql.conf"
"$AN" -c "$T/nomysql.conf" --day 20260101 --dry-run --events "$T/dry.tsv" \
	>"$T/dry.out" 2>"$T/dry.err" || fail "--dry-run --day failed: $(cat "$T/dry.err")"

expect_file_eq "$T/loaded.tsv" "$T/dry.tsv"
expect_eq "events judged" "$(segment_events)" "$(wc -l <"$T/dry.tsv")"

# every impression and click of P, and no other event, is foreign
foreign=$(grep -c 'foreign_referer' "$T/dry.tsv" || true)
expect_eq "foreign_referer events = P's impressions and clicks" \
	"$(cat "$T/p.events")" "$foreign"
expect_eq "foreign_referer in the loaded run" "$foreign" \
	"$(grep -c 'foreign_referer' "$T/loaded.tsv" || true)"

# publisher scores: publisher_daily against the dry run's lines
sql "SELECT publisher_id, impressions, clicks, valid_impressions, valid_clicks,
	CAST(fraud_score AS DECIMAL(30,6)), flagged, reasons
	FROM publisher_daily WHERE day = '2026-01-01' ORDER BY publisher_id" >"$T/db.pub"
awk -F'\t' -v OFS='\t' '$1 == "publisher" { print $3, $4, $5, $6, $7, $8, $9, $10 }' \
	"$T/dry.out" | sort -n >"$T/dry.pub"
expect_file_eq "$T/db.pub" "$T/dry.pub"
expect "publishers scored ($(wc -l <"$T/dry.pub"))" [ "$(wc -l <"$T/dry.pub")" -ge 10 ]
expect_eq "publisher $P flagged in the loaded run" 1 \
	"$(awk -F'\t' -v p="$P" '$1 == p { print $7 }' "$T/db.pub")"
expect "publisher $P flagged on its referers in the dry run" \
	awk -F'\t' -v p="$P" '$1 == p && $7 == 1 && $8 ~ /referer_outside_domains/ { ok = 1 } END { exit !ok }' "$T/dry.pub"

# without the inventory file both runs abstain, and say so
mv "$T/inventory" "$T/inventory.away"
"$AN" -c "$T/nomysql.conf" --day 20260101 --dry-run --events "$T/none.tsv" \
	>/dev/null 2>"$T/none.err" || fail "--dry-run without inventory failed"
expect_eq "no foreign_referer without domains" 0 "$(grep -c 'foreign_referer' "$T/none.tsv" || true)"
grep -q "no inventory file '$T/inventory'" "$T/none.err" || fail "no warning: $(cat "$T/none.err")"
mv "$T/inventory.away" "$T/inventory"
