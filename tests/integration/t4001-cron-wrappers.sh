#!/usr/bin/env bash
# t4001 - cron/adlog-cron: the wrappers run back to back and all at once
# never overlap (flock: a second run logs "already running" and exits 0) and
# never count twice (the events in segments and in MySQL are exactly those
# generated); status files, failure exit codes, the daily report, export and
# the retention purge; the wrapper's built-in defaults match the example
# config.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/mariadb.sh"
. "$(dirname "$0")/lib/pipeline.sh"
CRON=$ROOT/cron/adlog-cron
pipeline_bin

# --- defaults of the wrapper = defaults of the example file ---
for key in common.spool_dir common.data_dir ingest.archive_dir ingest.quarantine_dir \
	cron.status_dir cron.log cron.report_dir cron.archive_days cron.segment_days \
	cron.quarantine_days cron.report_days cron.datacenter_sources ingest.datacenter_cidrs; do
	expect_eq "default of $key" "$("$CRON" -c "$ROOT/conf/adlog.conf.example" get "$key")" \
		"$("$CRON" -c "$T/none.conf" get "$key")"
done

start_mariadb
S=$T/status
pipeline_test_conf <<CONF
[serve]
inventory = $T/inventory
[cron]
; a comment, and an inline one below
status_dir = $S ; where the status files go
segment_days = 1
CONF
cron() { "$CRON" -c "$ADLOG_CONF" "$@"; }
expect_eq "inline comment stripped" "$S" "$(cron get cron.status_dir)"
"$BUILD/adlog-admin" migrate >/dev/null
mkdir -p "$T/spool" "$T/gen"

# batch N: generated files kept in $T/gen (ingest moves the spool copies)
# (each batch is a host of its own: its nodes, and so its event ids, are its own)
batch() {
	"$BUILD/adlog-gen" --quiet --seed "$1" --events "$2" --hours 3 --start 2026010100 \
		--host "b$1" --nodes 2 --node-base $((2 * $1)) --out "$T/gen/b$1"
	cp "$T/gen/b$1"/*.log "$T/spool/"
}
status_of() { sed -n "s/^$2=//p" "$S/$1.status"; }
count_of() { local v; v=$(status_of "$1" "count.$2"); echo "${v:-0}"; }

# --- back to back ---
batch 1 4000
cron ingest || fail "ingest failed"
expect_eq "ingest state" ok "$(status_of ingest state)"
expect_eq "ingest count.lines" 4000 "$(status_of ingest count.lines)"
expect_eq "ingest count.files" 6 "$(status_of ingest count.files)"
cron analyze || fail "analyze failed"
expect_eq "analyze hours loaded" 3 "$(count_of analyze action.loaded)"
expect_eq "analyze events" 4000 "$(status_of analyze count.events)"
cron ingest || fail "second ingest failed"
expect_eq "second ingest finds nothing" 0 "$(status_of ingest count.lines)"
cron analyze || fail "second analyze failed"
expect_eq "second analyze: no hour loaded" 0 "$(count_of analyze action.loaded)"
expect_eq "second analyze: hours unchanged" 3 "$(count_of analyze action.unchanged)"

# --- a held lock: skipped, exit 0, status untouched ---
before=$(cat "$S/ingest.status")
batch 2 3000
flock "$S/ingest.lock" sleep 3 &
holder=$!
sleep 0.3
cron ingest || fail "a skipped run must exit 0"
[ "$before" = "$(cat "$S/ingest.status")" ] || fail "status changed by a skipped run"
grep -q "ingest: already running, skipped" "$T/cron.log" || fail "no 'already running' in the log"
wait "$holder"
pass "run under a held lock skipped with exit 0"

# --- all at once: 4 ingests and 4 analyses racing, with late files for
# hours already analysed (batch 2 and 3 land in batch 1's hours) ---
batch 3 5000
pids=()
for _ in 1 2 3 4; do
	cron ingest & pids+=($!)
	cron analyze & pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
expect_eq "concurrent runs all exit 0" 0 "$rc"
# catch up whatever the racing analyses skipped
cron ingest || fail "ingest after the race failed"
cron analyze || fail "analyze after the race failed"

# no overlap: per job, the log alternates start / end of one pid
for job in ingest analyze; do
	grep -E "adlog-cron\[[0-9]+\] [a-z]+: $job: (start|ok|failed)" "$T/cron.log" |
		awk -v job="$job" '
			{ match($0, /\[[0-9]+\]/); pid = substr($0, RSTART + 1, RLENGTH - 2)
			  kind = ($0 ~ / start: /) ? "start" : "end" }
			kind == "start" { if (open != "") { print job ": pid " pid " started while " open " ran"; bad = 1 } open = pid; n++ }
			kind == "end" { if (open != pid) { print job ": end of " pid " but open " open; bad = 1 } open = "" }
			END { if (open != "") { print job ": " open " never ended"; bad = 1 } print job ": " n " runs, no overlap"; exit bad }' ||
		fail "$job runs overlapped"
done
skipped=$(grep -c "already running, skipped" "$T/cron.log" || true)
pass "$skipped runs skipped as already running"

# no double counting: segments hold exactly the generated events
cat "$T"/gen/b*/*.log | cut -f4 | sort >"$T/ids.expect"
for seg in "$T"/data/*/*.seg; do "$BUILD/adlog-ingest" --dump "$seg"; done |
	grep -v '^#' | cut -f3 | sort >"$T/ids.actual"
expect_eq "events in segments" 12000 "$(wc -l <"$T/ids.actual")"
expect_file_eq "$T/ids.expect" "$T/ids.actual" && echo "ok: segment event ids = generated ids"
expect_eq "spool empty" "" "$(ls "$T/spool")"
expect_eq "MySQL events" 12000 "$(sql 'SELECT SUM(impressions + clicks) FROM stats_hourly')"
expect_eq "MySQL analysed events" 12000 "$(sql 'SELECT SUM(events) FROM analysed_hours')"
expect_eq "MySQL hours" 3 "$(sql 'SELECT COUNT(*) FROM analysed_hours')"

# --- a failing job: non-zero exit, message on stderr, state failed ---
stop_mariadb
batch 4 1000
cron ingest || fail "ingest needs no MySQL"
if cron analyze 2>"$T/err"; then fail "analyze succeeded without MySQL"; fi
expect_eq "failed state" failed "$(status_of analyze state)"
[ "$(status_of analyze exit)" != 0 ] || fail "exit code not recorded"
grep -q "analyze failed with exit status" "$T/err" || { cat "$T/err"; fail "no failure on stderr"; }
grep -q "analyze: failed with exit status" "$T/cron.log" || fail "failure not logged"
last_ok=$(status_of analyze last_ok)
[ -n "$last_ok" ] || fail "last_ok lost on failure"
start_mariadb
cron analyze || fail "analyze after MySQL came back failed"
expect_eq "caught up" 13000 "$(sql 'SELECT SUM(impressions + clicks) FROM stats_hourly')"
expect_eq "state after recovery" ok "$(status_of analyze state)"

# --- daily report, export ---
cron daily 20260101 || fail "daily failed"
[ -s "$T/reports/20260101.html" ] || fail "no daily report"
expect_eq "daily state" ok "$(status_of daily state)"
"$BUILD/adlog-admin" load-sample >/dev/null
cron export || fail "export failed"
head -n 1 "$T/inventory" | grep -q '^adlog-inventory' || fail "export wrote no inventory"
expect_eq "export state" ok "$(status_of export state)"

# --- purge: each folder by its own age ---
mkdir -p "$T/quarantine" "$T/reports" "$T/data/$(date -u +%Y%m%d%H)"
touch -d '20 days ago' "$T/archive/adlog.old.log.gz" "$T/quarantine/old.q" "$T/reports/old.html"
touch -d '40 days ago' "$T/quarantine/older.q"
touch "$T/archive/adlog.new.log.gz"
cron purge || fail "purge failed"
expect_eq "purged archive" 1 "$(status_of purge count.archive_files)"
expect_eq "purged quarantine" 1 "$(status_of purge count.quarantine_files)"
expect_eq "purged reports" 0 "$(status_of purge count.reports)"
expect_eq "purged segment hours" 3 "$(status_of purge count.segment_hours)"
[ -f "$T/archive/adlog.new.log.gz" ] && [ -f "$T/quarantine/old.q" ] && [ -f "$T/reports/old.html" ] &&
	[ -d "$T/data/$(date -u +%Y%m%d%H)" ] || fail "purge removed something too young"

cron status | tee "$T/status.txt"
expect_eq "jobs in status" 5 "$(grep -cE '^(ingest|analyze|daily|export|purge) ' "$T/status.txt")"
echo "t4001: ok"
