#!/usr/bin/env bash
# t3510: exactly once under crashes.  adlog-analyze (--pending, then --day)
# is killed with SIGKILL at 24 random moments, each time followed by a
# rerun; after every rerun analyze's tables are identical (sorted dump,
# sha256) to those of one clean, uninterrupted run.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
source "$(dirname "$0")/lib/analyze.sh"

KILLS=${KILLS:-24}
start_mariadb
analyze_setup
gen_logs "$SPOOL" 40000 4 --nodes 2
load_prices "$SPOOL/inventory"
ingest_files "$SPOOL"/*.log

ms() { date +%s%3N; }
run_all() {
	"$AN" --pending 2>>"$T/an.log" && "$AN" --day 20260101 2>>"$T/an.log"
}
wipe() {
	sql "DELETE FROM stats_hourly; DELETE FROM invalid_hourly; DELETE FROM analysed_hours;
	     DELETE FROM stats_daily; DELETE FROM publisher_daily; DELETE FROM analysed_days"
}

t0=$(ms)
run_all || { cat "$T/an.log"; fail "clean run failed"; }
t1=$(ms)
clean=$(tables_digest)
dur=$((t1 - t0))
echo "clean run: $dur ms, digest $clean"
[ "$(sql 'SELECT COUNT(*) FROM analysed_hours')" = 4 ] || fail "clean run did not load 4 hours"
echo "publisher_daily rows: $(sql 'SELECT COUNT(*) FROM publisher_daily')"

# each attempt kills at a random moment of a run; one that comes after the
# run ended does not count, and the window shrinks to what runs really take
# on this (possibly busy) machine
landed=0 attempt=0 window=$dur
while [ "$landed" -lt "$KILLS" ]; do
	attempt=$((attempt + 1))
	[ "$attempt" -le $((KILLS * 3)) ] || fail "only $landed of $attempt kills landed while analyze ran"
	# half the time from empty tables, half over the old rows (so the kill
	# also lands inside transactions that replace existing rows)
	if [ $((attempt % 2)) = 0 ]; then
		wipe
	else
		sql "DELETE FROM analysed_hours; DELETE FROM analysed_days"
	fi
	at=$((RANDOM % (window + 1)))
	# in a process group of its own, killed whole: killing the shell and
	# then its children missed an analyze forked in between, which then
	# ran beside the rerun
	setsid bash -c '"$0" --pending 2>>"$1/an.log" && "$0" --day 20260101 2>>"$1/an.log"' \
		"$AN" "$T" &
	pid=$!
	sleep "$((at / 1000)).$(printf %03d $((at % 1000)))"
	# the shell and whichever analyze it runs now: the whole group
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 -- "-$pid" 2>/dev/null || true
		landed=$((landed + 1))
		how=killed
	else
		window=$((at > 50 ? at : 50))
		how="missed (run had ended)"
	fi
	wait "$pid" 2>/dev/null || true
	done_hours=$(sql 'SELECT COUNT(*) FROM analysed_hours')
	run_all || { cat "$T/an.log"; fail "rerun $attempt failed"; }
	got=$(tables_digest)
	echo "attempt $attempt at $at ms: $how, $done_hours hours were loaded; after rerun ${got:0:16}"
	[ "$got" = "$clean" ] || fail "tables differ from the clean run after attempt $attempt at $at ms"
done
pass "$landed kills -9 while analyze ran ($attempt attempts), tables identical to the clean run after each rerun"
