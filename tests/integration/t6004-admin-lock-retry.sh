#!/usr/bin/env bash
# t6004: a transaction that meets a lock wait timeout (1205) is rolled back
# and run again (common/db.c db_transaction), so a writer blocked for a
# moment by another session still succeeds; blocked for good, it gives up
# after its tries with the server's message and exit status 1.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
A=$BUILD/adlog-admin

start_mariadb
"$A" migrate >/dev/null
"$A" load-sample >/dev/null
sql "SET GLOBAL innodb_lock_wait_timeout = 1"

# another session holds a row lock for 2.5 s; load-sample times out on it
# (1 s), retries and gets through once the lock is gone
hold_lock() { sql "START TRANSACTION; SELECT id FROM advertisers WHERE id = 2 FOR UPDATE; DO SLEEP($1); COMMIT" >/dev/null; }
hold_lock 2.5 & holder=$!
sleep 0.3
start=$SECONDS
"$A" load-sample | tee "$T/out"
wait $holder
grep -q "^loaded '.*' (6 statements, [1-4] retries)$" "$T/out" || fail "load-sample did not retry"
expect_eq "campaigns after the retried load" 5 "$(sql 'SELECT COUNT(*) FROM campaigns')"

# a lock held longer than all tries: gives up, nothing half-loaded
sql "UPDATE advertisers SET name = 'renamed' WHERE id = 1"
(hold_lock 15 2>/dev/null || true) & holder=$!
sleep 0.3
rc=0; "$A" load-sample >"$T/out" 2>"$T/err" || rc=$?
cat "$T/err"
expect_eq "exit status when the lock never goes" 1 "$rc"
grep -q "load-sample failed: .*Lock wait timeout exceeded.* (1205)" "$T/err" || fail "lock timeout message"
expect_eq "first statement rolled back" renamed "$(sql 'SELECT name FROM advertisers WHERE id = 1')"
id=$(sql "SELECT id FROM information_schema.processlist WHERE info LIKE 'DO SLEEP(15)%'")
[ -z "$id" ] || sql "KILL $id"
wait "$holder"
echo "t6004 ok"
