#!/usr/bin/env bash
# t2007: the quarantine is bounded per source.  A run of identical rejects
# (10 MB of newlines) is one record with its count; distinct rejects stop
# at [ingest] quarantine_max_lines and quarantine_max_bytes, closed by one
# quarantine_full record counting the rest, while the manifest still counts
# every rejected line; adlog-admin status adds the counts up.  A
# temporary left by a run killed with -9 is removed by the next run.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/ingest.sh"
C=$T/adlog.conf
ingest_conf "$C" keep
cat >>"$C" <<CONF
quarantine_max_lines = 100
quarantine_max_bytes = 8192
CONF
ADM=$BUILD/adlog-admin

"$GEN" --seed 11 --events 1000 --start 2026112703 --host web --out "$T/gen" --quiet
good=$(basename "$T"/gen/*.log)
nl=adlog.2026112703.nl.0001.1.log
garb=adlog.2026112703.garb.0002.1.log
{ head -n 500 "$T/gen/$good"; head -c 10000000 /dev/zero | tr '\0' '\n'; tail -n 500 "$T/gen/$good"; } >"$T/spool/$nl"
{ cat "$T/gen/$good"; seq 1 20000 | sed 's/^/garbage line /'; } >"$T/spool/$garb"
long=adlog.2026112703.long.0003.1.log
seq 1 300 | awk '{ printf "%s", $1; for (i = 0; i < 100; i++) printf "xxxxxxxxxx"; print "" }' >"$T/spool/$long"
# what a run killed with -9 while writing quarantine leaves behind
mkdir -p "$T/quarantine"
echo "half a record" >"$T/quarantine/.${garb%.log}.rej.tmp"

set +e
"$ING" -c "$C" --json >"$T/out" 2>"$T/err"
rc=$?
set -e
cat "$T/err"
# more than max_reject_ratio of the lines were rejected: status 4, committed
expect_eq "exit status" 4 "$rc"
expect_eq "lines rejected" 10020300 "$(json_num "$(cat "$T/out")" rejected)"

rej=$T/quarantine/${nl%.log}.rej
cat "$rej"
expect_eq "records for 10 MB of newlines" 1 "$(wc -l <"$rej")"
expect_eq "the run's record" "$(printf '%s\t%s\t-\t10000000' \
	"$(head -n 500 "$T/gen/$good" | wc -c)" "$(cut -f2 "$rej")")" "$(cat "$rej")"

rej=$T/quarantine/${garb%.log}.rej
lines=$(wc -l <"$rej") bytes=$(wc -c <"$rej")
echo "distinct rejects: $lines records, $bytes bytes"
[ "$lines" -le 100 ] || fail "$lines records over quarantine_max_lines = 100"
[ "$bytes" -le 8192 ] || fail "$bytes bytes over quarantine_max_bytes = 8192"
kept=$(grep -vc 'quarantine_full' "$rej")
expect_eq "the closing record" "quarantine_full	-	$((20000 - kept))" "$(tail -n 1 "$rej" | cut -f2-)"
grep -q "rejected=20000" "$T/data/2026112703/manifest.tsv" || fail "the manifest does not count every reject"

rej=$T/quarantine/${long%.log}.rej
lines=$(wc -l <"$rej") bytes=$(wc -c <"$rej")
echo "long rejects: $lines records, $bytes bytes"
[ "$bytes" -le 8192 ] || fail "$bytes bytes over quarantine_max_bytes = 8192"
kept=$(grep -vc 'quarantine_full' "$rej")
expect_eq "the closing record of long lines" "quarantine_full	-	$((300 - kept))" "$(tail -n 1 "$rej" | cut -f2-)"

[ ! -e "$T/quarantine/.${garb%.log}.rej.tmp" ] || fail "the stale temporary is still there"
grep -q "removed '.*\.rej\.tmp', left by a run that was stopped" "$T/err" || fail "the removal is not reported"
expect_eq "temporaries left" 0 "$(find "$T/quarantine" -name '.*' -type f | wc -l)"

printf '[admin]\nserve_status_url =\n' >>"$C"
"$ADM" -c "$C" status >"$T/status" 2>&1 || true
grep "^quarantine" "$T/status"
grep -q "10020300 lines" "$T/status" || fail "status does not add up the folded records"
echo "ok: quarantine bounded per source"
