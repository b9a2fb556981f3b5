#!/usr/bin/env bash
# t1080-serve-hour-rollover: a running responder crosses the end of an hour
# under load (its clock started at HH:59:58.5 with ADLOG_FAKE_NOW_MS=T+).
# The old hour's file is closed (.log) while the responder keeps running,
# every line sits in the file of its own hour, and every answer the client
# got has its line.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/nginx.sh"

hour_end=$(( ($(date +%s) / 3600 + 5) * 3600 * 1000 ))
serve_conf threads=2
ADLOG_FAKE_NOW_MS="$((hour_end - 1500))+" start_serve
start_nginx "$T/serve.sock"

old=$(date -u -d "@$(( hour_end / 1000 - 1 ))" +%Y%m%d%H)
new=$(date -u -d "@$(( hour_end / 1000 ))" +%Y%m%d%H)

# load in rounds of 200 requests until two rounds after serve's clock
# crossed the hour (a file of the new hour exists), at most 100 rounds:
# a fixed wall-clock window missed the crossing on a slow or stalled box
(
	after=0
	for ((i = 0; i < 100 && after < 2; i++)); do
		load_ad 200 8 "$T/load.$i"
		if ls "$T"/spool/adlog."$new".* >/dev/null 2>&1; then
			after=$((after + 1))
		fi
	done
) &
LOAD=$!
at_exit "kill $LOAD 2>/dev/null"
sleep 3
wait_for 10 sh -c "ls $T/spool/adlog.$old.*.log" >/dev/null ||
	fail "the file of hour $old was not closed while serve runs"
kill -0 "$SERVE_PID" || fail "serve is not running"
wait "$LOAD"
cat "$T"/load.* >"$T/load"
expect_eq "open files of hour $old" 0 "$(ls "$T"/spool/adlog."$old".*.open 2>/dev/null | wc -l)"
ls "$T"/spool/adlog."$new".*.open >/dev/null || fail "no open file of hour $new"
expect_eq "5xx answers" 0 "$(load_5xx "$T/load")"

# each line's time (field 3) falls in its file's hour
for f in "$T"/spool/adlog.*; do
	h=$(basename "$f" | cut -d. -f2)
	from=$(( $(date -u -d "${h:0:8} ${h:8:2}:00" +%s) * 1000 ))
	awk -F'\t' -v lo="$from" -v hi="$((from + 3600000))" -v f="$f" \
		'$3 < lo || $3 >= hi { print "line of another hour in " f ": " $3; bad = 1 } END { exit bad }' \
		"$f" || fail "a line is in the wrong hour's file"
	echo "$(wc -l <"$f") lines in $(basename "$f")"
done
[ "$(cat "$T"/spool/adlog."$old".* | wc -l)" -gt 0 ] || fail "no line before the hour's end"
[ "$(cat "$T"/spool/adlog."$new".* | wc -l)" -gt 0 ] || fail "no line after the hour's end"
load_ids "$T/load" >"$T/client_ids"
expect_eq "ids in answers" "$(load_count "$T/load" 200)" "$(wc -l <"$T/client_ids")"
spool_check >"$T/spool_ids"
expect_eq "answered events missing from the spool" 0 \
	"$(comm -23 "$T/client_ids" "$T/spool_ids" | wc -l)"
echo "t1080 ok"
