#!/usr/bin/env bash
# t1030-serve-sigterm: SIGTERM under load: the responder exits within 2 s,
# every answered event is in a closed file, nothing is left .open.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/nginx.sh"

serve_conf threads=2
start_serve
start_nginx "$T/serve.sock"

load_ad 6000 16 "$T/load" &
LOAD=$!
at_exit "kill $LOAD 2>/dev/null"
wait_for 20 spool_more_than 500
t0=$(date +%s%N)
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" || fail "exit status $?"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "exited $ms ms after SIGTERM"
[ "$ms" -lt 2000 ] || fail "took $ms ms to exit"
wait "$LOAD"
ok=$(load_count "$T/load" 200)
echo "client counted $ok answers of 200, $(load_5xx "$T/load") of 5xx"
[ "$(load_5xx "$T/load")" -gt 0 ] || fail "the stop happened after the load ended"
expect_eq "open files after SIGTERM" 0 "$(ls "$T"/spool/*.open 2>/dev/null | wc -l)"
load_ids "$T/load" >"$T/client_ids"
expect_eq "ids in answers" "$ok" "$(wc -l <"$T/client_ids")"
spool_check >"$T/spool_ids"
expect_eq "answered events missing from the spool" 0 "$(comm -23 "$T/client_ids" "$T/spool_ids" | wc -l)"
grep -q 'stopped' "$SERVE_LOG" || fail "no stop message"
echo "t1030 ok"
