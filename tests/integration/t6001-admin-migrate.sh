#!/usr/bin/env bash
# t6001: adlog-admin migrate applies schema/ in order, records the versions,
# and a second run changes nothing; a failing file is not recorded and runs
# again from its start once fixed; --status tells applied from pending.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
A=$BUILD/adlog-admin

"$A" --version | grep -q '^adlog-admin [0-9]' || fail "--version"
"$A" --help | grep -q 'export-inventory' || fail "--help lists commands"
rc=0; "$A" frobnicate 2>"$T/err" || rc=$?
expect_eq "unknown command exit status" 2 "$rc"
grep -q "unknown command 'frobnicate'" "$T/err" || fail "unknown command message"

start_mariadb

# a database dump that ignores only the migration times
dump_schema() {
	mariadb-dump --no-defaults --socket="$MARIADB_SOCK" -uroot --no-data \
		--skip-dump-date --skip-comments adlog | sed 's/ AUTO_INCREMENT=[0-9]*//'
	sql 'SELECT version, name, checksum FROM schema_migrations ORDER BY version'
}

files=$(cd "$ROOT/schema" && ls [0-9]*_*.sql | wc -l)
"$A" migrate >"$T/out1"
cat "$T/out1"
expect_eq "files applied on first run" "$files" "$(grep -c '^applied ' "$T/out1")"
expect_eq "versions recorded" "$files" "$(sql 'SELECT COUNT(*) FROM schema_migrations')"
dump_schema >"$T/schema1"

"$A" migrate >"$T/out2"
cat "$T/out2"
expect_eq "files applied on second run" 0 "$(grep -c '^applied ' "$T/out2" || true)"
dump_schema >"$T/schema2"
expect_file_eq "$T/schema1" "$T/schema2"

"$A" migrate --status >"$T/status"
expect_eq "status pending line" "0 pending" "$(tail -n 1 "$T/status")"
expect_eq "status applied lines" "$files" "$(grep -c $'\tapplied\t' "$T/status")"

# the user adlog can run everything (not only root)
expect_eq "tables seen by adlog" 1 "$(sql_adlog "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'adlog' AND table_name = 'stats_hourly'")"

# a new migration in a copy of the folder: pending, then a failure half-way
S=$T/schema
cp -r "$ROOT/schema" "$S"
cat >"$S/9001_test_extra.sql" <<'SQL'
-- a test migration: the first statement works, the second fails
CREATE TABLE IF NOT EXISTS t6001_a (id INT PRIMARY KEY);
INSERT INTO no_such_table
  VALUES (1);
SQL
"$A" migrate --status --schema "$S" >"$T/status"
grep -q $'^9001\t9001_test_extra.sql\tpending$' "$T/status" || fail "9001 not pending"
rc=0; "$A" migrate --schema "$S" >"$T/out3" 2>"$T/err" || rc=$?
cat "$T/err"
expect_eq "failing migration exit status" 1 "$rc"
grep -q "9001_test_extra.sql:3: mysql: query failed: Table 'adlog.no_such_table' doesn't exist" "$T/err" ||
	fail "error names file:line and the server's message"
expect_eq "failed file not recorded" 0 "$(sql 'SELECT COUNT(*) FROM schema_migrations WHERE version = 9001')"

# fixed: runs again from its start (the CREATE is safe to repeat)
cat >"$S/9001_test_extra.sql" <<'SQL'
CREATE TABLE IF NOT EXISTS t6001_a (id INT PRIMARY KEY);
INSERT IGNORE INTO t6001_a
  VALUES (1);
SQL
"$A" migrate --schema "$S" | tee "$T/out4"
grep -q '^applied 9001_test_extra.sql (2 statements' "$T/out4" || fail "9001 applied after fix"
expect_eq "row of 9001" 1 "$(sql 'SELECT COUNT(*) FROM t6001_a')"

# editing an applied file is reported, not silently re-run
echo "-- edited" >>"$S/9001_test_extra.sql"
"$A" migrate --status --schema "$S" | grep -q $'^9001\t9001_test_extra.sql\tchanged\t' || fail "changed file not reported"
"$A" migrate --schema "$S" | grep -q 'warning: 9001_test_extra.sql changed' || fail "migrate warns about changed file"

# a file of data changes only is all or nothing: the transaction rolls back
cat >"$S/9002_data_only.sql" <<'SQL'
INSERT INTO t6001_a VALUES (2);
INSERT INTO t6001_a VALUES (1);
SQL
rc=0; "$A" migrate --schema "$S" >/dev/null 2>"$T/err" || rc=$?
expect_eq "duplicate key migration exit status" 1 "$rc"
grep -q "9002_data_only.sql:2: mysql: query failed: Duplicate entry '1'" "$T/err" || fail "duplicate key message"
expect_eq "first insert of the failed file rolled back" 0 "$(sql 'SELECT COUNT(*) FROM t6001_a WHERE id = 2')"
rm "$S/9002_data_only.sql"

# a statement that never ends is refused before anything runs
printf 'CREATE TABLE t6001_b (id INT);\nCREATE TABLE t6001_c (id INT)\n' >"$S/9002_unterminated.sql"
rc=0; "$A" migrate --schema "$S" 2>"$T/err" >/dev/null || rc=$?
expect_eq "unterminated statement exit status" 1 "$rc"
grep -q "9002_unterminated.sql:2: statement not ended by ';'" "$T/err" || fail "unterminated message"
expect_eq "tables made by the refused file" 0 "$(sql "SHOW TABLES LIKE 't6001_b'" | wc -l)"
rm "$S/9002_unterminated.sql"

# two migrate runs at once: both succeed, each version recorded once
cat >"$S/9003_slow.sql" <<'SQL'
CREATE TABLE IF NOT EXISTS t6001_c (id INT PRIMARY KEY);
DO SLEEP(1);
SQL
"$A" migrate --schema "$S" >"$T/c1" & p1=$!
"$A" migrate --schema "$S" >"$T/c2" & p2=$!
wait $p1 || fail "concurrent migrate 1"
wait $p2 || fail "concurrent migrate 2"
expect_eq "9003 applied by exactly one run" 1 "$(cat "$T/c1" "$T/c2" | grep -c '^applied 9003')"
expect_eq "9003 recorded once" 1 "$(sql 'SELECT COUNT(*) FROM schema_migrations WHERE version = 9003')"

# no MySQL: a clear message and exit 1
stop_mariadb
rc=0; "$A" migrate 2>"$T/err" || rc=$?
cat "$T/err"
expect_eq "migrate without server exit status" 1 "$rc"
grep -q "adlog-admin: mysql: cannot connect to '$MARIADB_SOCK'" "$T/err" || fail "no-server message"
echo "t6001 ok"
