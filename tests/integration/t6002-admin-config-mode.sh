#!/usr/bin/env bash
# t6002: the config file holds the MySQL password, so adlog-admin refuses to
# connect when others may read or write it, and says why; owner and group
# access is fine.  A wrong password is a clear error too.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
A=$BUILD/adlog-admin

start_mariadb
"$A" migrate >/dev/null

for mode in 0644 0604 0602; do
	chmod "$mode" "$ADLOG_CONF"
	rc=0; "$A" migrate >"$T/out" 2>"$T/err" || rc=$?
	cat "$T/err"
	expect_eq "exit status with mode $mode" 1 "$rc"
	grep -q "adlog-admin: config '$ADLOG_CONF' is world-\(readable\|writable\) (mode $mode) and holds the MySQL password; run chmod o-rwx on it" "$T/err" ||
		fail "message for mode $mode"
	[ ! -s "$T/out" ] || fail "did something with mode $mode"
	rc=0; "$A" export-inventory --out "$T/inv" 2>/dev/null || rc=$?
	expect_eq "export exit status with mode $mode" 1 "$rc"
	[ ! -e "$T/inv" ] || fail "export wrote a file with mode $mode"
done

for mode in 0600 0640 0400; do
	chmod "$mode" "$ADLOG_CONF"
	"$A" migrate >/dev/null || fail "refused mode $mode"
	pass "mode $mode accepted"
done

# -c and $ADLOG_CONF both name the file
chmod 0644 "$ADLOG_CONF"
cp -p "$ADLOG_CONF" "$T/other.conf"
chmod 0600 "$T/other.conf"
"$A" -c "$T/other.conf" migrate >/dev/null || fail "-c FILE not used"
ADLOG_CONF=$T/other.conf "$A" migrate >/dev/null || fail "\$ADLOG_CONF not used"
chmod 0600 "$ADLOG_CONF"

# a missing config file is a config error (2); a bad key too
rc=0; "$A" -c "$T/none.conf" migrate 2>"$T/err" || rc=$?
expect_eq "missing config exit status" 2 "$rc"
printf '[mysql]\nsurname = x\n' >"$T/bad.conf"; chmod 0600 "$T/bad.conf"
rc=0; "$A" -c "$T/bad.conf" migrate 2>"$T/err" || rc=$?
cat "$T/err"
expect_eq "bad key exit status" 2 "$rc"

# wrong password: refused by the server, message names the server's reason
sed 's/^password = .*/password = wrong/' "$ADLOG_CONF" >"$T/wrong.conf"; chmod 0600 "$T/wrong.conf"
rc=0; "$A" -c "$T/wrong.conf" migrate 2>"$T/err" || rc=$?
cat "$T/err"
expect_eq "wrong password exit status" 1 "$rc"
grep -q "Access denied for user 'adlog'@'localhost'" "$T/err" || fail "wrong password message"
echo "t6002 ok"
