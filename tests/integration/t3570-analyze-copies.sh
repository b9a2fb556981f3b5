#!/usr/bin/env bash
# t3570: an event counts once however often it arrives.  The rollups of one
# clean copy of the spool are the reference; then (1) the same files
# ingested again under other names (an rsync retry, a restore) and (2)
# every file replaced by one with each line doubled: the rollups equal the
# reference, and the copies are counted in analysed_hours.copies and in
# adlog-analyze --json.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
source "$(dirname "$0")/lib/analyze.sh"

start_mariadb
analyze_setup
gen_logs "$SPOOL" 30000 2 --nodes 2
load_prices "$SPOOL/inventory"
ingest_files "$SPOOL"/*.log
events=$(cat "$SPOOL"/*.log | wc -l)

rollups() {
	sql "SELECT * FROM stats_hourly ORDER BY hour, publisher_id, zone_id, campaign_id, ad_id"
	sql "SELECT * FROM invalid_hourly ORDER BY hour, publisher_id, zone_id, campaign_id, ad_id, type, reason"
}
analyze_all() {
	"$AN" --pending --json >"$T/an.json" 2>"$T/an.log" || { cat "$T/an.log"; fail "analyze failed"; }
}
copies() { sql "SELECT COALESCE(SUM(copies), 0) FROM analysed_hours"; }

analyze_all
rollups >"$T/expect"
expect_eq "copies in one clean copy" 0 "$(copies)"
echo "reference: $events events, $(sql 'SELECT SUM(valid_impressions) FROM stats_hourly') valid impressions"

# (1) each file again under another name
mkdir "$T/again"
for f in "$SPOOL"/*.log; do
	b=$(basename "$f")
	cp "$f" "$T/again/${b/.gen./.restored.}"
done
ingest_files "$T/again"/*.log
analyze_all
rollups >"$T/actual"
expect_file_eq "$T/expect" "$T/actual"
expect_eq "copies of files shipped twice" "$events" "$(copies)"
expect_eq "copies in --json" "$events" \
	"$(sed -n 's/.*"copies":\([0-9]*\).*/\1/p' "$T/an.json" | awk '{ s += $1 } END { print s }')"

# (2) only files with every line doubled
rm -rf "$DATA" "$T/again"
mkdir -p "$DATA"
for f in "$SPOOL"/*.log; do
	awk '{ print; print }' "$f" >"$f.2" && mv "$f.2" "$f"
done
ingest_files "$SPOOL"/*.log
expect_eq "id repeats in the manifests" "$events" \
	"$(cat "$DATA"/*/manifest.tsv | awk -F'\t' '/^source=/ {
		for (i = 1; i <= NF; i++) if ($i ~ /^id_repeats=/) n[$1] = substr($i, 12)
	} END { for (k in n) s += n[k]; print s }')"
analyze_all
rollups >"$T/actual"
expect_file_eq "$T/expect" "$T/actual"
expect_eq "copies of doubled lines" "$events" "$(copies)"
# the status page, on the morning after
ADLOG_FAKE_NOW_MS=1767261600000 "$BUILD/adlog-admin" status >"$T/status" 2>&1 || true
grep -q "copies    $events events met twice" "$T/status" || { cat "$T/status"; fail "adlog-admin status does not report the copies"; }
echo "ok: files shipped twice and doubled lines count once"
