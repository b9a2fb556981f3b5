#!/usr/bin/env bash
# t2006: only plain files with plain names are read from the spool.  A
# symbolic link (here to /etc/passwd) and names with a TAB or a newline are
# skipped with a message naming them, never copied into quarantine nor into
# a manifest line; the real file beside them is ingested as usual.  A named
# FILE with a control character in its name is refused (exit 2).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/ingest.sh"
C=$T/adlog.conf
ingest_conf "$C" keep

"$GEN" --seed 11 --events 2000 --start 2026112703 --host web --out "$T/gen" --quiet
good=$(basename "$T"/gen/*.log)
cp "$T/gen/$good" "$T/spool/"
ln -s /etc/passwd "$T/spool/adlog.2026112703.web.0009.1.log"
cp "$T/gen/$good" "$T/spool/adlog.2026112703.we	b.0007.1.log"
cp "$T/gen/$good" "$T/spool/adlog.2026112703.we
b.0008.1.log"

"$ING" -c "$C" --json >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "ingest failed"; }
cat "$T/err"
grep -q "skipped '.*0009.1.log' in the spool: a symbolic link" "$T/err" || fail "the link is not reported"
expect_eq "names with a control character reported" 2 "$(grep -c 'a control character in its name' "$T/err")"
expect_eq "files ingested" 1 "$(json_num "$(cat "$T/out")" files)"
expect_eq "lines ingested" 2000 "$(json_num "$(cat "$T/out")" lines)"
if [ -d "$T/quarantine" ]; then
	! grep -rq "root:" "$T/quarantine" || fail "/etc/passwd was copied into quarantine"
fi
m=$T/data/2026112703/manifest.tsv
expect_eq "manifest lines" 2 "$(wc -l <"$m")"
grep -q "^source=${good%.log}	" "$m" || fail "the real file is not in the manifest"
# every line: key=value fields only
! grep -v '^#' "$m" | tr '\t' '\n' | grep -qv '=' || fail "a manifest field is not key=value"

set +e
"$ING" -c "$C" "$T/spool/adlog.2026112703.we	b.0007.1.log" 2>"$T/err"
expect_eq "a named file with a TAB in its name" 2 $?
set -e
grep -q "unusable source name" "$T/err" || fail "no message for the refused name"
echo "ok: links and control characters in names skipped and reported"
