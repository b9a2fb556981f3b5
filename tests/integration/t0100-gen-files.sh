#!/usr/bin/env bash
# t0100-gen-files: adlog-gen writes one file per hour per node with serve's
# names, plain and gzip; every line parses back; the same seed gives the
# same bytes; --verify catches a broken line.
. "$(dirname "$0")/lib/common.sh"
GEN=$BUILD/adlog-gen

"$GEN" --help | grep -q -- '--verify' || fail "--help does not list --verify"
"$GEN" --version | grep -q '^adlog-gen ' || fail "--version"

args=(--seed 5 --events 100000 --hours 3 --start 2026030422 --host 'web 1.x'
      --nodes 2 --quiet)
"$GEN" "${args[@]}" --out "$T/plain"
"$GEN" "${args[@]}" --out "$T/gz" --gzip
"$GEN" "${args[@]}" --out "$T/again"
"$GEN" "${args[@]}" --out "$T/gz1" --gzip --threads 0
"$GEN" "${args[@]}" --out "$T/gz3" --gzip --threads 3

# names: adlog.YYYYMMDDHH.HOST.NODE.START.log, hours crossing midnight
(cd "$T/plain" && ls) >"$T/actual"
cat >"$T/expect" <<'X'
adlog.2026030422.web-1-x.0000.1772661600000.log
adlog.2026030422.web-1-x.0001.1772661600000.log
adlog.2026030423.web-1-x.0000.1772665200000.log
adlog.2026030423.web-1-x.0001.1772665200000.log
adlog.2026030500.web-1-x.0000.1772668800000.log
adlog.2026030500.web-1-x.0001.1772668800000.log
X
expect_file_eq "$T/expect" "$T/actual"
(cd "$T/gz" && ls) >"$T/actual"
sed 's/$/.gz/' "$T/expect" >"$T/expect.gz"
expect_file_eq "$T/expect.gz" "$T/actual"

# every line parses, in its hour, in time order; plain and gzip alike
"$GEN" --verify "$T"/plain/* >"$T/v.plain" || { cat "$T/v.plain"; fail "plain rejects"; }
"$GEN" --verify "$T"/gz/* >"$T/v.gz" || { cat "$T/v.gz"; fail "gzip rejects"; }
grep '^total:' "$T/v.plain"
expect_eq "verified lines" 100000 "$(awk '/^total:/ {print $2}' "$T/v.plain")"
expect_eq "rejects" 0 "$(awk '/^total:/ {print $8}' "$T/v.gz")"
expect_eq "out of hour" "out_of_hour: 0" "$(grep out_of_hour "$T/v.gz")"
expect_eq "out of order" "out_of_order: 0" "$(grep out_of_order "$T/v.gz")"
clicks=$(awk '/^total:/ {print $6}' "$T/v.plain")
[ "$clicks" -ge 100 ] && [ "$clicks" -le 1000 ] || fail "clicks $clicks not in 0.1-1%"
pass "clicks = $clicks"

# outside tools read it: gunzip gives the plain bytes, awk sees 14 fields
for f in "$T"/plain/*; do
	b=${f##*/}
	gzip -dc "$T/gz/$b.gz" | cmp - "$f" || fail "gunzip of $b.gz differs"
	cmp "$f" "$T/again/$b" || fail "same seed, different bytes: $b"
	# chunks deflated in parallel: the same bytes with any worker count
	cmp "$T/gz/$b.gz" "$T/gz1/$b.gz" || fail "--threads 0 changes $b.gz"
	cmp "$T/gz/$b.gz" "$T/gz3/$b.gz" || fail "--threads 3 changes $b.gz"
done
gzip -t "$T"/gz/* || fail "gzip -t"
expect_eq "fields per line" 14 "$(cat "$T"/plain/* | awk -F'\t' '{print NF}' | sort -u)"
expect_eq "no malformed TAB" 0 "$(cat "$T"/plain/* | grep -c $'\t\t' || true)"

# --stdout with one node equals the hour files one after another
"$GEN" --seed 5 --events 20000 --hours 2 --quiet --out "$T/one"
"$GEN" --seed 5 --events 20000 --hours 2 --quiet --stdout >"$T/stdout"
cat "$T"/one/* | cmp - "$T/stdout" || fail "--stdout differs from the files"

# a broken line is counted by reason and fails --verify
f=$(ls "$T"/one/* | head -n 1)
printf '1\ti\tnot-a-ts\n' >>"$f"
if "$GEN" --verify "$f" >"$T/v.bad"; then fail "--verify passed a bad line"; fi
grep -q '^reject field_count: 1$' "$T/v.bad" || { cat "$T/v.bad"; fail "reason not counted"; }
pass "--verify names the reject"

# bad arguments stop before writing anything
if "$GEN" --start 2026023000 --out "$T/bad" 2>"$T/err"; then fail "bad --start accepted"; fi
grep -q "bad value for --start" "$T/err" || fail "no message for bad --start"
[ ! -e "$T/bad" ] || fail "files written despite a bad argument"
pass "bad arguments refused"
