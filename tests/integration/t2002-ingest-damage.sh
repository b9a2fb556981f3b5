#!/usr/bin/env bash
# t2002-ingest-damage: damaged inputs are counted and reported, never fatal,
# and everything before the damage is kept: several gzip members, a gzip
# file cut short, garbage after the last member, runs of NUL bytes (a
# crashed writer's tail), a last line without LF.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/ingest.sh"
C=$T/adlog.conf
ingest_conf "$C" keep

"$GEN" --seed 21 --events 6000 --nodes 3 --start 2026112704 --host dmg \
	--out "$T/gen" --quiet
ls "$T"/gen/*.log | sort >"$T/list"
a=$(sed -n 1p "$T/list") b=$(sed -n 2p "$T/list") c=$(sed -n 3p "$T/list")
na=$(wc -l <"$a") nb=$(wc -l <"$b") nc=$(wc -l <"$c")

# a: two gzip members, then cut inside the second one's data
{ head -n 1000 "$a" | gzip -c; tail -n +1001 "$a" | gzip -c; } >"$T/a.gz"
size=$(stat -c %s "$T/a.gz")
head -c $((size - 2000)) "$T/a.gz" >"$T/spool/$(basename "$a").gz"
# b: whole, two members, then junk after the last member
{ head -n 10 "$b" | gzip -c; tail -n +11 "$b" | gzip -c; printf 'JUNK'; } \
	>"$T/spool/$(basename "$b").gz"
# c: 4096 NUL bytes in the middle of the file (a crash's hole), the line
# after it whole, and the last line without LF
{ head -n 100 "$c"; head -c 4096 /dev/zero; sed -n '101,$p' "$c" | head -c -1; } \
	>"$T/spool/$(basename "$c")"

out=$("$ING" -c "$C" --json 2>"$T/err") || { cat "$T/err"; fail "ingest failed"; }
echo "$out"
cat "$T/err"
expect_eq "damaged files" 2 "$(json_num "$out" files_damaged)"
grep -q "gzip_truncated" "$T/err" || fail "truncation not reported"
grep -q "gzip_trailing_garbage" "$T/err" || fail "trailing garbage not reported"
expect_eq "nul runs" 1 "$(json_num "$out" nul_runs)"
expect_eq "nul bytes" 4096 "$(json_num "$out" nul_bytes)"
lines=$(json_num "$out" lines) acc=$(json_num "$out" accepted) rej=$(json_num "$out" rejected)
expect_eq "lines add up" "$lines" "$((acc + rej))"

# a: every line before the cut is kept (the cut line at most is lost)
stem_a=$(basename "$a" .log)
ev_a=$("$ING" --dump "$T"/data/*/"$stem_a.seg" | grep -vc '^#')
[ "$ev_a" -ge 1000 ] && [ "$ev_a" -lt "$na" ] || fail "a kept $ev_a of $na"
"$ING" --dump "$T"/data/*/"$stem_a.seg" | sed 1d | cut -f3 >"$T/ids_a"
head -n "$ev_a" "$a" | cut -f4 >"$T/want_a"
expect_file_eq "$T/want_a" "$T/ids_a"
grep -q 'damage=gzip_truncated' "$T"/data/*/manifest.tsv || fail "manifest damage"

# b: all lines of both members
stem_b=$(basename "$b" .log)
expect_eq "b events" "$nb" "$("$ING" --dump "$T"/data/*/"$stem_b.seg" | grep -vc '^#')"

# c: all but the NUL-cut nothing and the LF-less last line
stem_c=$(basename "$c" .log)
expect_eq "c events" "$((nc - 1))" "$("$ING" --dump "$T"/data/*/"$stem_c.seg" | grep -vc '^#')"
grep -qP '\tno_lf\t' "$T/quarantine/$stem_c.rej" || fail "no_lf not quarantined"

# a corrupt segment is refused by --dump (exit 3), not printed
cp "$T"/data/*/"$stem_b.seg" "$T/bad.seg"
printf 'X' | dd of="$T/bad.seg" bs=1 seek=5000 conv=notrunc 2>/dev/null
set +e
"$ING" --dump "$T/bad.seg" >/dev/null 2>"$T/err"; st=$?
set -e
expect_eq "corrupt segment exit" 3 "$st"
grep -q "checksum mismatch" "$T/err" || fail "corrupt segment message"
echo "t2002 ok"
