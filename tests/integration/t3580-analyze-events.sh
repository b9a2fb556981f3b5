#!/usr/bin/env bash
# t3580: adlog-analyze --events against a real MariaDB: one line per event
# of the generated hours (ids as in the segments), each event's first
# reason counted per type equals invalid_hourly's rows, a loaded run and a
# dry run give the same lines, --hour judges an hour already loaded, and
# --day writes the lines of every hour of the day, with the day pass's
# day_addr on the events it marks.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
source "$(dirname "$0")/lib/analyze.sh"

start_mariadb
analyze_setup
# labelled fraud gives analyze's rules something to mark
gen_logs "$SPOOL" 60000 2 --scenarios all
load_prices "$SPOOL/inventory"
ingest_files "$SPOOL"/*.log
total=$(segment_events)
echo "events in segments: $total"

"$AN" --pending --events "$T/loaded.tsv" 2>/dev/null ||
	fail "analyze --pending --events failed"
expect_eq "lines written" "$total" "$(wc -l <"$T/loaded.tsv")"
for f in "$DATA"/*/*.seg; do
	"$BUILD/adlog-ingest" --dump "$f" | grep -v '^#' | cut -f3
done | sort >"$T/seg.ids"
cut -f1 "$T/loaded.tsv" | sort >"$T/line.ids"
expect_file_eq "$T/seg.ids" "$T/line.ids"
bad=$(awk -F'\t' 'NF != 4 || $1 !~ /^[0-9a-f]{16}$/ || $2 !~ /^[ic]$/ ||
	$3 !~ /^[0-9a-f]{8}$/ || ($3 == "00000000") != ($4 == "-")' "$T/loaded.tsv" | head -3)
[ -z "$bad" ] || fail "malformed lines: $bad"

# invalid_hourly counts an event under its lowest reason bit: the first
# name of its line (names go in bit order)
awk -F'\t' '$4 != "-" { split($4, n, ","); c[($2 == "c" ? "click" : "impression") "\t" n[1]]++ }
	END { for (k in c) print k "\t" c[k] }' "$T/loaded.tsv" | sort >"$T/lines.by"
sql "SELECT type, reason, SUM(events) FROM invalid_hourly GROUP BY type, reason" |
	sort >"$T/db.by"
cat "$T/db.by"
expect_file_eq "$T/db.by" "$T/lines.by"
[ "$(wc -l <"$T/db.by")" -ge 5 ] || fail "too few reasons to compare"
# analyze's own bits (16 and up) are among them, not only ingest's
[ "$(awk -F'\t' '$3 !~ /^0000/' "$T/loaded.tsv" | wc -l)" -gt 0 ] ||
	fail "no event with an analyze reason"

# the same verdicts without MySQL, and for an hour already loaded
"$AN" --pending --dry-run --events "$T/dry.tsv" >/dev/null 2>&1 ||
	fail "--dry-run --events failed"
expect_file_eq "$T/loaded.tsv" "$T/dry.tsv"
before=$(tables_digest)
"$AN" --hour 2026010101 --events - >"$T/h1.tsv" 2>/dev/null ||
	fail "--hour --events on a loaded hour failed"
grep -F -x -f "$T/h1.tsv" "$T/loaded.tsv" >"$T/h1.in" || true
expect_eq "lines of hour 01" "$(wc -l <"$T/h1.tsv")" "$(wc -l <"$T/h1.in")"
expect_eq "hour 01 events" "$(sql "SELECT events FROM analysed_hours WHERE hour = '2026-01-01 01:00:00'")" \
	"$(wc -l <"$T/h1.tsv")"
expect_eq "tables after --hour --events" "$before" "$(tables_digest)"

# --day: every hour of the day, also those unchanged
# (the day pass adds its own reason, day_addr, bit 30: the lines are the
# hours' once it is taken off)
"$AN" --day 20260101 --events "$T/day.tsv" 2>/dev/null || fail "--day --events failed"
awk -F'\t' -v OFS='\t' '{
	d = index("0123456789abcdef", substr($3, 1, 1)) - 1
	if (d >= 4 && d < 8 || d >= 12) {
		$3 = substr("0123456789abcdef", d - 4 + 1, 1) substr($3, 2)
		sub(/,?day_addr/, "", $4)
		if ($4 == "") $4 = "-"
	}
	print }' "$T/day.tsv" >"$T/day.hours.tsv"
expect_file_eq "$T/loaded.tsv" "$T/day.hours.tsv"
expect_eq "events whose only reason is day_addr, in invalid_hourly" \
	"$(awk -F'\t' '$4 == "day_addr"' "$T/day.tsv" | wc -l)" \
	"$(sql "SELECT COALESCE(SUM(events), 0) FROM invalid_hourly WHERE reason = 'day_addr'")"

# a file that cannot be written is an error, not silence
rc=0
"$AN" --hour 2026010100 --dry-run --events /nonexistent/x.tsv >/dev/null 2>"$T/err" || rc=$?
expect_eq "exit status for an unwritable --events" 1 "$rc"
grep -q "cannot open '/nonexistent/x.tsv'" "$T/err" || fail "message: $(cat "$T/err")"
