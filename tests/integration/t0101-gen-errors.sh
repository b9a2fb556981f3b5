#!/usr/bin/env bash
# t0101-gen-errors: when adlog-gen cannot write, it says which file, exits
# 1 and leaves no half-written file behind, with or without workers.
. "$(dirname "$0")/lib/common.sh"
GEN=$BUILD/adlog-gen

for threads in 0 2; do
	for gz in "" --gzip; do
		d=$T/out.$threads$gz
		# a file size limit makes write(2) fail with EFBIG after 512 KiB
		if (trap '' XFSZ; ulimit -f 512
		    "$GEN" --events 100000 --hours 3 --nodes 2 --out "$d" \
			$gz --threads $threads) 2>"$T/err"; then
			fail "write failure not reported ($threads $gz)"
		fi
		grep -q "cannot write '.*\.open': File too large" "$T/err" ||
			{ cat "$T/err"; fail "no file named in the message"; }
		left=$(find "$d" -name '*.open' | wc -l)
		expect_eq "open files left ($threads $gz)" 0 "$left"
		if [ -n "$(find "$d" -name '*.log*')" ]; then
			"$GEN" --verify "$d"/* >/dev/null ||
				fail "a closed file is incomplete ($threads $gz)"
		fi
	done
	if "$GEN" --events 50000 --stdout --threads $threads >/dev/full 2>"$T/err"; then
		fail "stdout to /dev/full succeeded"
	fi
	grep -q "No space left" "$T/err" || fail "no message for a full stdout"
	pass "full stdout reported ($threads)"
done
