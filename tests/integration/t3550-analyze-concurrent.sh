#!/usr/bin/env bash
# t3550: analyze runs at once (cron beside a manual run, two batch boxes)
# are serialised on the database's analyze lock: 16 pairs of
# `--pending && --day` started together all exit 0 and leave the tables of
# one run; a run that cannot get the lock within [analyze] lock_wait says
# which connection holds it and changes nothing (exit 3).
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
source "$(dirname "$0")/lib/analyze.sh"

PAIRS=${PAIRS:-16}
start_mariadb
analyze_setup
gen_logs "$SPOOL" 20000 3 --nodes 2
load_prices "$SPOOL/inventory"
ingest_files "$SPOOL"/*.log

wipe() {
	sql "DELETE FROM stats_hourly; DELETE FROM invalid_hourly; DELETE FROM analysed_hours;
	     DELETE FROM stats_daily; DELETE FROM publisher_daily; DELETE FROM analysed_days"
}
"$AN" --pending 2>"$T/one.log" && "$AN" --day 20260101 2>>"$T/one.log" ||
	{ cat "$T/one.log"; fail "a single run failed"; }
one=$(tables_digest)

wipe
pids=()
for i in $(seq 1 "$PAIRS"); do
	( "$AN" --pending && "$AN" --day 20260101 ) >/dev/null 2>"$T/pair.$i.log" &
	pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || { failed=$((failed + 1)); cat "$T/pair.$((i + 1)).log" >&2; }
done
expect_eq "pairs that failed" 0 "$failed"
expect_eq "tables after $PAIRS concurrent pairs" "$one" "$(tables_digest)"
grep -h "holds the analyze lock" "$T"/pair.*.log | head -1 || true

# the lock held by someone else for longer than lock_wait: exit 3, the
# holder named, nothing written
wipe
{ echo "SELECT GET_LOCK(CONCAT('adlog.analyze.', DATABASE()), 0); SELECT CONNECTION_ID(); SELECT SLEEP(30);"; } |
	_mariadb_cli -uroot -N -B -n adlog >"$T/holder.out" 2>/dev/null &
holder=$!
at_exit "kill $holder 2>/dev/null"
for _ in $(seq 100); do [ "$(wc -l <"$T/holder.out")" -ge 2 ] && break; sleep 0.1; done
cid=$(sed -n 2p "$T/holder.out")
cat >"$T/short.conf" <<CONF
$(cat "$ADLOG_CONF")

[analyze]
lock_wait = 1
CONF
chmod 600 "$T/short.conf"
rc=0
"$AN" -c "$T/short.conf" --pending 2>"$T/busy.log" || rc=$?
cat "$T/busy.log"
expect_eq "exit status while the lock is held" 3 "$rc"
grep -qw "connection $cid" "$T/busy.log" || fail "the holder (connection $cid) is not named"
expect_eq "hours loaded while the lock was held" 0 "$(sql 'SELECT COUNT(*) FROM analysed_hours')"
echo "ok: concurrent runs serialised, a busy lock reported"
