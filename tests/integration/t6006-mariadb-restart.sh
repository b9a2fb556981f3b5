#!/usr/bin/env bash
# t6006: the test harness's private MariaDB (lib/mariadb.sh) keeps its data
# across a clean stop and across kill -9, and says how long start-up takes
# (issue 7's "MySQL stopped mid-pipeline" tests rely on both).
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
A=$BUILD/adlog-admin

ms() { date +%s%3N; }
t0=$(ms); start_mariadb; t1=$(ms)
echo "first start (datadir copied from the template): $((t1 - t0)) ms"
[ "$(stat -c %a "$ADLOG_CONF")" = 600 ] || fail "config file not mode 0600"
"$A" migrate >/dev/null
"$A" load-sample >/dev/null

t0=$(ms); stop_mariadb; t1=$(ms)
echo "clean stop: $((t1 - t0)) ms"
! mariadb_running || fail "still running after stop_mariadb"
rc=0; "$A" export-inventory 2>/dev/null || rc=$?
expect_eq "export while MySQL is down" 1 "$rc"
[ ! -e "$T/inventory" ] || fail "export wrote a file while MySQL was down"

t0=$(ms); start_mariadb; t1=$(ms)
echo "restart on the same datadir: $((t1 - t0)) ms"
expect_eq "campaigns after clean restart" 5 "$(sql 'SELECT COUNT(*) FROM campaigns')"
"$A" export-inventory >/dev/null || fail "export after restart"

# a committed row survives kill -9 (crash recovery on the next start)
sql "INSERT INTO advertisers (id, name) VALUES (99, 'after crash')"
kill_mariadb
t0=$(ms); start_mariadb; t1=$(ms)
echo "restart after kill -9: $((t1 - t0)) ms"
expect_eq "row committed before kill -9" "after crash" "$(sql 'SELECT name FROM advertisers WHERE id = 99')"
"$A" migrate | grep -q '(0 applied now)' || fail "migrate after crash not a no-op"
echo "t6006 ok"
