#!/usr/bin/env bash
# t3600: the judgement over the day.  A day of generated people and a
# self-clicker with two home addresses clicking each of its impressions, 2
# an hour on each address (96 clicks, under every hourly rule).  The hourly
# runs load every hour with the self-clicker billable; adlog-analyze --day
# marks all its events day_addr (its clicks on its publisher and the
# impressions they name) and replaces each hour once (loads = 2,
# marks_digest set), the totals stay consistent (events = valid + invalid
# per hour, stats_daily = the sum of its hours) and only its 192 events
# stop being billed; a second --day changes nothing.  Then kill -9 during
# the day pass after 1, 7 and 23 hours replaced, and a rerun: the same
# rows as the uninterrupted run, every hour replaced exactly once.
# A late segment after the day pass: its hours are judged with the day's
# marks as they stand, and the next day pass makes new marks.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
source "$(dirname "$0")/lib/analyze.sh"

DAY=20260101
start_mariadb
analyze_setup
gen_logs "$SPOOL" 120000 24
load_prices "$SPOOL/inventory"

# self_clicker_logs: one extra log file an hour (node 900) of the
# self-clicker, on the publisher, zone, ad and campaign of the first
# generated impression; its event ids into $T/self.ids
self_clicker_logs() {
	local tpl pub zone ad camp ref seq=0 h a k ts id imp ip uid start f
	tpl=$(awk -F'\t' '$2 == "i" && $14 != "-" { print; exit }' "$SPOOL"/adlog.2026010100.*.log)
	IFS=$'\t' read -r _ _ _ _ _ _ _ _ ad zone pub camp _ ref <<<"$tpl"
	echo "$pub" >"$T/self.pub"
	: >"$T/self.ids"
	for h in $(seq 0 23); do
		start=$((1767225600000 + h * 3600000))
		f=$SPOOL/adlog.$(printf 20260101%02d "$h").self.0900.$start.log
		for a in 0 1; do
			ip=$([ "$a" = 0 ] && echo 81.2.69.142 || echo 92.40.3.19)
			uid=$(printf 'selfclick%012dA' "$a")
			for k in 0 1; do
				ts=$((start + (7 + k * 25 + a * 3) * 60000 + h * 1000))
				imp=$(printf %016x $((((ts - 1577836800000) << 22) | (900 << 12) | (seq++ % 4096))))
				id=$(printf %016x $((((ts + 30000 - 1577836800000) << 22) | (900 << 12) | (seq++ % 4096))))
				printf '1\ti\t%s\t%s\t-\t%s\t%s\t0\t%s\t%s\t%s\t%s\t%s\t%s\n' \
					"$ts" "$imp" "$ip" "$uid" "$ad" "$zone" "$pub" "$camp" "$UA" "$ref"
				printf '1\tc\t%s\t%s\t%s\t%s\t%s\t10\t%s\t%s\t%s\t%s\t%s\t%s\n' \
					"$((ts + 30000))" "$id" "$imp" "$ip" "$uid" "$ad" "$zone" "$pub" "$camp" "$UA" "$ref"
				printf '%s\n%s\n' "$imp" "$id" >>"$T/self.ids"
			done
		done | sort -t$'\t' -k3,3n >"$f"
	done
}
UA='Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
self_clicker_logs
ingest_files "$SPOOL"/*.log
expect_eq "self-clicker events in segments" 192 "$(wc -l <"$T/self.ids")"

hours() { for h in $(seq 0 23); do printf '20260101%02d\n' "$h"; done; }
# self_verdicts: reasons of the self-clicker's events over the day, one
# hex mask a line (what --events says for each hour)
self_verdicts() {
	local h
	for h in $(hours); do
		"$AN" --hour "$h" --events - 2>/dev/null
	done | awk -F'\t' 'NR == FNR { want[$1] = 1; next } ($1 in want) { print $3 }' "$T/self.ids" -
}
sumsql() { sql "SELECT COALESCE(SUM($1), 0) FROM stats_hourly"; }
totals_consistent() {
	local bad
	bad=$(sql "SELECT COUNT(*) FROM analysed_hours a LEFT JOIN
		(SELECT hour, SUM(impressions + clicks) ev, SUM(valid_impressions + valid_clicks) v
		 FROM stats_hourly GROUP BY hour) s ON s.hour = a.hour
		LEFT JOIN (SELECT hour, SUM(events) inv FROM invalid_hourly GROUP BY hour) i ON i.hour = a.hour
		WHERE s.ev IS NULL OR s.ev <> a.events OR a.invalid_events <> s.ev - s.v
		   OR COALESCE(i.inv, 0) <> a.invalid_events")
	[ "$bad" = 0 ] || { echo "hours with inconsistent totals: $bad" >&2; return 1; }
	for c in impressions clicks valid_impressions valid_clicks spend_micros; do
		[ "$(sql "SELECT SUM($c) FROM stats_hourly")" = "$(sql "SELECT SUM($c) FROM stats_daily WHERE day = '2026-01-01'")" ] ||
			{ echo "stats_daily $c differs from its hours" >&2; return 1; }
	done
}
# the bookkeeping the day pass writes, beside tables_digest's rows
book() { sql "SELECT hour, COALESCE(marks_digest, '-'), loads FROM analysed_hours ORDER BY hour" | sha256sum | cut -c1-16; }

# ---- the hours, as cron runs them: provisional, self-clicker billable ----
"$AN" --pending 2>"$T/an.log" || { cat "$T/an.log"; fail "--pending failed"; }
expect_eq "hours loaded" 24 "$(sql 'SELECT COUNT(*) FROM analysed_hours')"
expect_eq "hours without day marks (provisional)" 24 "$(sql 'SELECT COUNT(*) FROM analysed_hours WHERE marks_digest IS NULL')"
self_verdicts >"$T/v.hourly"
expect_eq "self-clicker events judged by the hours" 192 "$(wc -l <"$T/v.hourly")"
expect_eq "self-clicker events billable after the hours" 192 "$(grep -c '^00000000$' "$T/v.hourly" || true)"
status() { ADLOG_FAKE_NOW_MS=1767315600000 "$BUILD/adlog-admin" status "$@" 2>&1 || true; }
status >"$T/status.hourly"
expect "status lists 24 provisional hours" grep -q "provisional 24 hours" "$T/status.hourly"
expect "status names the provisional day" grep -q "2026-01-01 00..23 (24 hours)" "$T/status.hourly"
vc0=$(sumsql valid_clicks) vi0=$(sumsql valid_impressions)
ev0=$(sql 'SELECT SUM(events) FROM analysed_hours')

# ---- the day pass ----
"$AN" --day $DAY --json >"$T/day.json" 2>"$T/day.log" || { cat "$T/day.log"; fail "--day failed"; }
grep '"action":"marks"' "$T/day.json"
marks=$(sed -n 's/.*"action":"marks","marks":"\([0-9a-f]*\)".*/\1/p' "$T/day.json")
expect_eq "marks file" "$marks" "$(od -An -c -j8 -N32 "$DATA/day/$DAY.marks" | tr -d ' \n')"
# its clicks all fall on its own publisher: its 2 addresses, 2 uids and
# their 2 pairs are marked there, not whole
expect_eq "addresses marked whole" 0 "$(grep -o '"addrs_marked":[0-9]*' "$T/day.json" | cut -d: -f2)"
expect_eq "keys marked on its publisher" 6 "$(grep -o '"keys_narrowed":[0-9]*' "$T/day.json" | cut -d: -f2)"
# the Bonferroni count: at least three tests a key tested (whole, on its
# top publisher, without it)
tested=$(grep '"action":"marks"' "$T/day.json" | grep -o '"tested":[0-9]*' | cut -d: -f2)
tests=$(grep '"action":"marks"' "$T/day.json" | grep -o '"tests":[0-9]*' | cut -d: -f2)
expect "tests counted for the keys tested" [ "$tested" -ge 4 -a "$tests" -ge $((3 * tested)) ]
expect_eq "hours replaced by the day pass" 24 "$(grep '"hour"' "$T/day.json" | grep -c '"action":"loaded"' || true)"
expect_eq "hours with the day's marks" 24 "$(sql "SELECT COUNT(*) FROM analysed_hours WHERE marks_digest = '$marks'")"
expect_eq "hours replaced exactly once (loads = 2)" 24 "$(sql 'SELECT COUNT(*) FROM analysed_hours WHERE loads = 2')"
self_verdicts >"$T/v.day"
expect_eq "self-clicker events day_addr" 192 "$(grep -c '^40000000$' "$T/v.day" || true)"
expect_eq "valid clicks: only the self-clicker's unbilled" 96 "$((vc0 - $(sumsql valid_clicks)))"
expect_eq "valid impressions: only the self-clicker's unbilled" 96 "$((vi0 - $(sumsql valid_impressions)))"
expect_eq "events read" "$ev0" "$(sql 'SELECT SUM(events) FROM analysed_hours')"
expect_eq "day_addr rows in invalid_hourly" 192 "$(sql "SELECT SUM(events) FROM invalid_hourly WHERE reason = 'day_addr'")"
expect "totals consistent after the day pass" totals_consistent
status >"$T/status.day"
expect "status: no provisional hour after the day pass" grep -q "provisional 0 hours" "$T/status.day"
expect_eq "status --json: no provisional hour" 1 "$(status --json | grep -c '"hours_provisional":\[\]')"
clean=$(tables_digest) cleanbook=$(book)

"$AN" --day $DAY --json >"$T/day2.json" 2>/dev/null || fail "second --day failed"
expect_eq "second --day: marks read again" 1 "$(grep -c '"reused":true' "$T/day2.json")"
expect_eq "second --day: hours replaced" 0 "$(grep '"hour"' "$T/day2.json" | grep -c '"action":"loaded"' || true)"
expect_eq "tables after a second --day" "$clean" "$(tables_digest)"
expect_eq "bookkeeping after a second --day" "$cleanbook" "$(book)"

# ---- kill -9 inside the day pass, after k hours replaced; rerun ----
for k in 1 7 23; do
	sql "DELETE FROM stats_hourly; DELETE FROM invalid_hourly; DELETE FROM analysed_hours;
	     DELETE FROM stats_daily; DELETE FROM publisher_daily; DELETE FROM analysed_days"
	rm -f "$DATA/day/$DAY.marks"
	"$AN" --pending 2>/dev/null || fail "--pending before kill $k failed"
	st=0
	ADLOG_TEST_DAY_KILL_AFTER=$k "$AN" --day $DAY 2>/dev/null || st=$?
	expect_eq "day pass killed after $k hours: status" 137 "$st"
	expect_eq "hours replaced before the kill ($k)" "$k" "$(sql "SELECT COUNT(*) FROM analysed_hours WHERE loads = 2")"
	expect_eq "no day rows before the kill ($k)" 0 "$(sql "SELECT COUNT(*) FROM analysed_days")"
	"$AN" --day $DAY 2>/dev/null || fail "rerun after kill $k failed"
	expect_eq "tables after kill at $k and rerun" "$clean" "$(tables_digest)"
	expect_eq "each hour replaced once after kill at $k" "$cleanbook" "$(book)"
	expect "totals consistent after kill at $k" totals_consistent
done

# ---- a late segment after the day pass: its hour takes the day's marks ----
late=$SPOOL/adlog.2026010105.late.0901.1767243600000.log
ts=$((1767243600000 + 50 * 60000))
imp=$(printf %016x $((((ts - 1577836800000) << 22) | (901 << 12))))
id=$(printf %016x $((((ts + 30000 - 1577836800000) << 22) | (901 << 12) | 1)))
tpl=$(head -1 "$SPOOL"/adlog.2026010105.self.*.log)
printf '%s\n' "$tpl" | awk -F'\t' -v OFS='\t' -v ts="$ts" -v imp="$imp" -v id="$id" '{
	$3 = ts; $4 = imp; print
	$2 = "c"; $3 = ts + 30000; $4 = id; $5 = imp; $8 = "10"; print }' >"$late"
ingest_files "$late"
"$AN" --pending --json >"$T/late.json" 2>/dev/null || fail "--pending after the late segment failed"
expect_eq "hours analysed again (05, and 06 whose look-back it is)" "2026010105 2026010106" \
	"$(grep -o '"hour":"[0-9]*","action":"loaded"' "$T/late.json" | cut -d'"' -f4 | tr '\n' ' ' | sed 's/ $//')"
expect_eq "late hour judged with the day's marks" "$marks" \
	"$(sql "SELECT marks_digest FROM analysed_hours WHERE hour = '2026-01-01 05:00:00'")"
# the day's bit; the hour's own rules may add theirs (the late click is
# one more of the self-clicker's in its hour: addr_ctr, net_ctr)
late_bits=$("$AN" --hour 2026010105 --events - 2>/dev/null | awk -F'\t' -v id="$id" '$1 == id { print $3 }')
expect_eq "the late click is day_addr" 1 "$(( (0x${late_bits:-0} >> 30) & 1 ))"
"$AN" --day $DAY --json >"$T/day3.json" 2>/dev/null || fail "--day after the late segment failed"
marks3=$(sed -n 's/.*"action":"marks","marks":"\([0-9a-f]*\)".*/\1/p' "$T/day3.json")
expect "a late segment makes new marks" [ -n "$marks3" -a "$marks3" != "$marks" ]
expect_eq "every hour judged with the new marks" 24 "$(sql "SELECT COUNT(*) FROM analysed_hours WHERE marks_digest = '$marks3'")"
expect "totals consistent after the late segment" totals_consistent
