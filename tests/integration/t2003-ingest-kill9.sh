#!/usr/bin/env bash
# t2003-ingest-kill9: exactly once under kill -9.  From the same spool, one
# uninterrupted run is the reference; then, until 20 kills have landed
# while ingest ran: restore the spool, kill ingest at a random moment
# (every third trial twice in a row), rerun it to the end, and require the same segments (the same events with the same reason
# bits), manifests, quarantine and archive as the reference, and no
# temporary file left behind.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/ingest.sh"
KILLS=${KILLS:-20}   # kills that must land while ingest runs
MAX_TRIALS=40

# the spool: 2 hours x 3 nodes, two files gzip, one with rejects and late
# lines (so one source writes two hours)
"$GEN" --seed 31 --events 20000 --hours 2 --nodes 3 --start 2026112703 \
	--host k9 --out "$T/gen" --quiet
mkdir -p "$T/pristine"
cp "$T"/gen/*.log "$T/pristine/"
for f in $(ls "$T"/pristine/*2026112704*.log | head -n 2); do gzip "$f"; done
f=$(ls "$T"/pristine/*2026112704*.log | head -n 1)
{ tail -n 20 "$(ls "$T"/gen/*2026112703*.log | head -n 1)"; printf 'bad\nworse\n'; } >>"$f"

# snapshot DIR: everything a rerun must reproduce, as text
snapshot() {
	local d=$1
	(cd "$d" && find data quarantine archive spool -type f ! -name '.ingest.lock' | sort)
	(cd "$d" && find data quarantine -type f ! -name '.ingest.lock' ! -name '*.seg' | sort | xargs cat)
	(cd "$d" && for a in $(find archive -type f | sort); do echo "$a $(zcat "$a" | sha256sum)"; done)
	dump_all "$d/data" | sha256sum
}

conf_in() {  # conf_in DIR: a config whose folders are under DIR
	sed "s|$T/|$1/|g" "$T/conf.tmpl" >"$1/adlog.conf"
}

ingest_conf "$T/conf.tmpl" archive
mkdir -p "$T/ref/spool" "$T/ref/data"
cp "$T"/pristine/* "$T/ref/spool/"
t0=$(date +%s%N)
conf_in "$T/ref"
"$ING" -c "$T/ref/adlog.conf" --jobs 2 >/dev/null
ms=$((($(date +%s%N) - t0) / 1000000))
echo "one clean run: $ms ms"
snapshot "$T/ref" >"$T/expect"
grep -c '\.seg$' "$T/expect" | grep -q '^7$' || { cat "$T/expect" | head; fail "reference has not 7 segments"; }

killed_mid=0
i=0
while [ "$killed_mid" -lt "$KILLS" ] && [ "$i" -lt "$MAX_TRIALS" ]; do
	i=$((i + 1))
	r=$T/t$i
	mkdir -p "$r/spool" "$r/data"
	cp "$T"/pristine/* "$r/spool/"
	kills=$((1 + (i % 3 == 0)))
	conf_in "$r"
	for k in $(seq 1 $kills); do
		"$ING" -c "$r/adlog.conf" --jobs 2 >/dev/null 2>&1 &
		pid=$!
		delay=$((RANDOM % (ms * 9 / 10 + 1)))
		sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null && st=0 || st=$?
		# 137: it died by the signal before finishing
		if [ "$st" -eq 137 ]; then killed_mid=$((killed_mid + 1)); fi
	done
	"$ING" -c "$r/adlog.conf" --jobs 2 >/dev/null 2>"$r/err" || { cat "$r/err"; fail "rerun $i failed"; }
	snapshot "$r" >"$T/actual"
	diff -u "$T/expect" "$T/actual" >"$T/diff" || { head -n 40 "$T/diff"; fail "trial $i differs (delay ${delay} ms)"; }
	left=$(find "$r/data" "$r/quarantine" "$r/archive" -name '*.tmp' 2>/dev/null | wc -l)
	expect_eq "trial $i: no temp files" 0 "$left"
	rm -rf "$r"
done
echo "kills that landed while ingest ran: $killed_mid"
[ "$killed_mid" -ge "$KILLS" ] || fail "only $killed_mid kills hit a running ingest"
echo "t2003 ok"
