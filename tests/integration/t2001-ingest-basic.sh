#!/usr/bin/env bash
# t2001-ingest-basic: closed spool files become hourly segments with every
# event, per-type counts as written, rejects quarantined with reason and
# offset, late events in their own hour, manifests that add up, sources
# archived as gzip; *.open never read; rerunning replaces, never duplicates;
# CLI and exit codes as documented.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/ingest.sh"
C=$T/adlog.conf
ingest_conf "$C" archive

# ---- command line ----
"$ING" --help | grep -q 'adlog-ingest \[-c FILE\]' || fail "--help"
"$ING" --version | grep -q '^adlog-ingest ' || fail "--version"
set +e
"$ING" --bogus 2>/dev/null; expect_eq "unknown option exit" 2 $?
"$ING" -c "$T/missing.conf" 2>/dev/null; expect_eq "missing config exit" 2 $?
printf '[ingest]\nafter = shred\n' >"$T/bad.conf"
"$ING" -c "$T/bad.conf" 2>"$T/err"; expect_eq "bad after exit" 2 $?
grep -q "ingest.after" "$T/err" || fail "bad after: no message"
"$ING" -c "$C" "$T/spool/x.open" 2>/dev/null; expect_eq ".open refused" 2 $?
set -e

# ---- input: two nodes, two hours, one gzip file, plus damage ----
"$GEN" --seed 11 --events 40000 --hours 2 --start 2026112703 --nodes 2 \
	--host web --out "$T/gen" --quiet
"$GEN" --seed 12 --events 3000 --start 2026112701 --host old --out "$T/old" --quiet
cp "$T"/gen/*2026112703*.log "$T/spool/"
gzip -c "$T"/gen/adlog.2026112704.web.0000.*.log \
	>"$T/spool/$(basename "$T"/gen/adlog.2026112704.web.0000.*.log).gz"
f1=$(basename "$T"/gen/adlog.2026112704.web.0001.*.log)
{
	cat "$T/gen/$f1"
	tail -n 5 "$T"/gen/adlog.2026112703.web.0000.*.log   # late, in window
	head -n 3 "$T"/old/*.log                             # too old
	printf 'garbage line\n'
	printf '1\ti\t123\n'
	awk -F'\t' -v OFS='\t' 'NR==1 {$13="curl/8.0"; print}' "$T/gen/$f1"
	printf 'cut by a crash'
} >"$T/spool/$f1"
printf 'never read\n' >"$T/spool/adlog.2026112704.web.0002.1.open"
gen_lines=$(cat "$T"/gen/*.log | wc -l)
late=5 old=3 bad=2 curl=1 partial=1
total=$((gen_lines + late + old + bad + curl + partial))

# ---- run ----
out=$("$ING" -c "$C" --json --jobs 2)
echo "$out"
expect_eq "lines" "$total" "$(json_num "$out" lines)"
expect_eq "accepted" "$((gen_lines + late + curl))" "$(json_num "$out" accepted)"
expect_eq "rejected" "$((old + bad + partial))" "$(json_num "$out" rejected)"
echo "$out" | grep -q '"ts_too_old":3' || fail "ts_too_old count"
echo "$out" | grep -q '"field_count":2' || fail "field_count count"
echo "$out" | grep -q '"no_lf":1' || fail "no_lf count"
echo "$out" | grep -q '"non_browser":' || fail "curl not flagged"
expect_eq "files" 4 "$(json_num "$out" files)"

# spool emptied except the open file; sources archived as gzip
expect_eq "spool left" "adlog.2026112704.web.0002.1.open" "$(ls "$T/spool")"
expect_eq "archived" 4 "$(ls "$T"/archive/*.log.gz | wc -l)"
expect_eq "archive content" "$total" "$(zcat "$T"/archive/*.gz | wc -l | awk -v p=$partial '{print $1 + p}')"

# segments: one per source per hour; the late lines in hour 03 under f1's name
stem1=${f1%.log}
test -f "$T/data/2026112703/$stem1.seg" || fail "late events not in their own hour"
expect_eq "hour 03 segments" 3 "$(ls "$T"/data/2026112703/*.seg | wc -l)"
expect_eq "hour 04 segments" 2 "$(ls "$T"/data/2026112704/*.seg | wc -l)"
dump_all "$T/data" >"$T/dump1"
expect_eq "events in segments" "$((gen_lines + late + curl))" "$(wc -l <"$T/dump1" | awk '{print $1 - 5}')"

# per-type counts equal what was written
want_i=$(cat "$T"/gen/*.log | awk -F'\t' '$2=="i"' | wc -l)
want_c=$(cat "$T"/gen/*.log | awk -F'\t' '$2=="c"' | wc -l)
late_i=$(tail -n 5 "$T"/gen/adlog.2026112703.web.0000.*.log | awk -F'\t' '$2=="i"' | wc -l)
got_i=$(awk -F'\t' '$2=="i"' "$T/dump1" | wc -l)
got_c=$(awk -F'\t' '$2=="c"' "$T/dump1" | wc -l)
expect_eq "impressions" "$((want_i + late_i + curl))" "$got_i"
expect_eq "clicks" "$((want_c + late - late_i))" "$got_c"

# the segment keeps ids, flags and text as logged
line=$(head -n 1 "$T/gen/$f1")
id=$(echo "$line" | cut -f4) ua=$(echo "$line" | cut -f13)
row=$(grep -P "\t$id\t" "$T/dump1" | head -1)
expect_eq "ua kept" "$ua" "$(echo "$row" | cut -f14)"
expect_eq "ip kept" "$(echo "$line" | cut -f6)" "$(echo "$row" | cut -f6)"

# quarantine: reason, offset, raw bytes
q=$T/quarantine/$stem1.rej
test -f "$q" || fail "no quarantine file"
expect_eq "quarantined" $((old + bad + partial)) "$(wc -l <"$q")"
off=$(grep -P '^\d+\tfield_count\tgarbage line$' "$q" | cut -f1)
expect_eq "offset of garbage" "$(zcat "$T/archive/$f1.gz" | grep -b -a '^garbage line$' | cut -d: -f1)" "$off"
grep -qP '\tno_lf\tcut by a crash$' "$q" || fail "partial line not quarantined"

# manifests: lines = accepted + rejected per source; sorted; one per source
m=$T/data/2026112704/manifest.tsv
head -n 1 "$m" | grep -q '^# adlog-manifest 1' || fail "manifest header"
grep "source=$stem1" "$m" | tr '\t' '\n' >"$T/mf"
l=$(grep '^lines=' "$T/mf" | cut -d= -f2)
a=$(grep '^accepted=' "$T/mf" | cut -d= -f2)
r=$(grep '^rejected=' "$T/mf" | cut -d= -f2)
expect_eq "manifest adds up" "$l" "$((a + r))"
expect_eq "manifest lines of f1" "$(($(wc -l <"$T/gen/$f1") + late + old + bad + curl + partial))" "$l"
grep -q "source=$stem1" "$T/data/2026112703/manifest.tsv" || fail "late hour manifest"

# ---- rerun from the archive: replaces, never duplicates ----
sums1=$(cd "$T/data" && find . -name '*.seg' | sort | xargs sha256sum)
"$ING" -c "$C" "$T"/archive/*.gz >/dev/null
sums2=$(cd "$T/data" && find . -name '*.seg' | sort | xargs sha256sum)
expect_eq "rerun gives the same segments" "$sums1" "$sums2"
expect_eq "rerun keeps named files" 4 "$(ls "$T"/archive/*.gz | wc -l)"
expect_eq "one manifest line per source" 3 "$(grep -c '^source=' "$T/data/2026112703/manifest.tsv")"

# ---- stdin, and the reject ratio ----
printf 'junk\njunk\n' | "$ING" -c "$C" --data "$T/d2" --json - >"$T/o" && st=0 || st=$?
expect_eq "reject ratio exit" 4 "$st"
expect_eq "stdin lines" 2 "$(json_num "$(cat "$T/o")" lines)"
head -n 100 "$T/gen/$f1" | "$ING" -c "$C" --data "$T/d3" - >/dev/null
test -f "$T/d3/2026112704/stdin.seg" || fail "stdin segment"
echo "t2001 ok"
