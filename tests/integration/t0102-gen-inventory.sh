#!/usr/bin/env bash
# t0102-gen-inventory: --write-inventory writes a network serve accepts;
# --inventory generates traffic on a given network, with its ids only; a
# broken inventory stops adlog-gen before it writes anything.
. "$(dirname "$0")/lib/common.sh"
GEN=$BUILD/adlog-gen

"$GEN" --seed 3 --pubs 20 --zones 60 --camps 8 --ads 40 --events 1000 \
	--write-inventory "$T/inv" --out "$T/a" --quiet
head -n 1 "$T/inv" | grep -q $'^adlog-inventory\t1$' || fail "no magic line"
expect_eq "zones in the file" 60 "$(grep -c $'^zone\t' "$T/inv")"

"$GEN" --seed 4 --inventory "$T/inv" --events 30000 --hours 2 --out "$T/b" --quiet
"$GEN" --verify "$T"/b/* >"$T/v" || { cat "$T/v"; fail "rejects"; }
# every zone, ad, pub and camp in the traffic is in the inventory, and
# pub/camp agree with zone/ad there
awk -F'\t' 'FNR == NR { if ($1 == "zone") zp[$2] = $3; if ($1 == "ad") ac[$2] = $3; next }
	    !($10 in zp) || zp[$10] != $11 || !($9 in ac) || ac[$9] != $12 { bad++ }
	    END { print bad + 0 }' "$T/inv" "$T"/b/* >"$T/bad"
expect_eq "lines with ids not from the inventory" 0 "$(cat "$T/bad")"

printf 'adlog-inventory\t1\nzone\t1\t99\t300\t250\n' >"$T/broken"
if "$GEN" --inventory "$T/broken" --out "$T/c" 2>"$T/err"; then
	fail "a broken inventory was accepted"
fi
grep -q "broken:2" "$T/err" || { cat "$T/err"; fail "no file:line in the message"; }
[ ! -e "$T/c" ] || fail "files written despite a broken inventory"
pass "broken inventory refused"
