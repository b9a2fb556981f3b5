#!/usr/bin/env bash
# t4002 - make install honours PREFIX and DESTDIR: programs and the cron
# wrapper in bin, schema and data files in share/adlog, the example config
# (pointing at the installed data files) in etc/adlog, the crontab in
# etc/cron.d, systemd units in lib/systemd/system, no @PLACEHOLDER@ left; the
# installed wrapper and programs run from there.
. "$(dirname "$0")/lib/common.sh"
cd "$ROOT"
R=$T/root
# -o all: use the programs as built (make check built them just before)
make --no-print-directory -s -o all BUILD="$BUILD" DESTDIR="$R" PREFIX=/opt/adlog install >"$T/make.log" 2>&1 ||
	{ cat "$T/make.log"; fail "make install failed"; }

for f in bin/adlog-cron bin/adlog-update-datacenters share/adlog/schema/0001_inventory.sql share/adlog/schema/sample/inventory.sql \
	share/adlog/bots.txt share/adlog/bots-local.txt share/adlog/datacenters.txt \
	share/adlog/datacenters-local.txt \
	share/doc/adlog/operations.md; do
	[ -f "$R/opt/adlog/$f" ] || fail "missing /opt/adlog/$f"
done
for p in "$BUILD"/adlog-*; do
	[ -x "$R/opt/adlog/bin/${p##*/}" ] || fail "missing program ${p##*/}"
done
[ -f "$R/etc/adlog/adlog.conf.example" ] || fail "no example config"
[ -f "$R/etc/cron.d/adlog" ] || fail "no crontab"
[ -f "$R/lib/systemd/system/adlog-cron@.service" ] || fail "no adlog-cron@.service"
for t in ingest analyze daily export purge datacenters; do
	[ -f "$R/lib/systemd/system/adlog-$t.timer" ] || fail "no adlog-$t.timer"
done
pass "files in place"

if grep -rl '@[A-Z]*@' "$R"/etc "$R"/lib; then fail "placeholders left"; fi
grep -q '^\*/5 .* adlog /opt/adlog/bin/adlog-cron ingest$' "$R/etc/cron.d/adlog" ||
	fail "crontab does not call the installed wrapper"
grep -q '^ExecStart=/opt/adlog/bin/adlog-cron %i$' "$R/lib/systemd/system/adlog-cron@.service" ||
	fail "unit does not call the installed wrapper"
if [ -f conf/adlog-serve@.service ]; then
	grep -q '^ExecStart=/opt/adlog/bin/adlog-serve ' "$R/lib/systemd/system/adlog-serve@.service" ||
		fail "serve unit does not call the installed program"
fi
expect_eq "installed example points at installed data" /opt/adlog/share/adlog/bots.txt \
	"$("$R/opt/adlog/bin/adlog-cron" -c "$R/etc/adlog/adlog.conf.example" get ingest.bot_patterns)"
[ "$(stat -c %a "$R/etc/cron.d/adlog")" = 644 ] || fail "crontab mode"
grep -q '^local  *cidr  */opt/adlog/share/adlog/datacenters-local.txt$' "$R/etc/adlog/datacenter-sources.example" ||
	fail "datacenter-sources.example does not name the installed local list"
grep -q '^[0-9].* adlog /opt/adlog/bin/adlog-cron datacenters$' "$R/etc/cron.d/adlog" ||
	fail "crontab does not run the datacenters job"
grep -qF 'adlog s=$(/opt/adlog/bin/adlog-admin status 2>&1) || echo "$s"' "$R/etc/cron.d/adlog" ||
	fail "crontab does not run the installed adlog-admin status"

# the installed programs run, and the wrapper finds them beside itself
"$R/opt/adlog/bin/adlog-ingest" --version | grep -q "^adlog-ingest $(cat VERSION)" || fail "installed ingest"
expect_eq "installed wrapper version" "adlog-cron $(cat VERSION)" "$(env -u ADLOG_BINDIR "$R/opt/adlog/bin/adlog-cron" --version)"
# the installed status page: MySQL down is exit 1 with the reason on top,
# a missing config exit 2
printf '[common]\nspool_dir = %s\ndata_dir = %s\n[cron]\nstatus_dir = %s\n[admin]\nserve_status_url =\n[mysql]\nsocket = %s\n' \
	"$T/spool" "$T/data" "$T/status" "$T/no.sock" >"$T/st.conf"
chmod 600 "$T/st.conf"
rc=0
"$R/opt/adlog/bin/adlog-admin" -c "$T/st.conf" status >"$T/st.txt" || rc=$?
expect_eq "installed adlog-admin status, MySQL down" 1 "$rc"
grep -q '^  ! MySQL unreachable: ' "$T/st.txt" || { cat "$T/st.txt"; fail "status does not say MySQL is down"; }
rc=0
"$R/opt/adlog/bin/adlog-admin" -c "$T/none.conf" status 2>/dev/null || rc=$?
expect_eq "adlog-admin status without its config" 2 "$rc"
echo "t4002: ok"
