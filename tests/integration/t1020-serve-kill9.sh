#!/usr/bin/env bash
# t1020-serve-kill9: kill -9 the responder under load.  Every /ad answer
# the client got (its event id is in the JSON) has its line in the spool,
# no line is torn, and the restarted responder closes the crashed file.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/nginx.sh"

serve_conf threads=2
start_serve
start_nginx "$T/serve.sock"

load_ad 6000 16 "$T/load" &
LOAD=$!
at_exit "kill $LOAD 2>/dev/null"
wait_for 20 spool_more_than 500
kill -9 "$SERVE_PID"
wait "$LOAD"
ok=$(load_count "$T/load" 200)
echo "client counted $ok answers of 200, $(load_5xx "$T/load") of 5xx"
[ "$ok" -gt 500 ] || fail "too little load before the kill"
[ "$(load_5xx "$T/load")" -gt 0 ] || fail "the kill happened after the load ended"
ls "$T"/spool/*.open >/dev/null || fail "no open file left by the crash"
load_ids "$T/load" >"$T/client_ids"
expect_eq "ids in answers" "$ok" "$(wc -l <"$T/client_ids")"
spool_check >"$T/spool_ids"
missing=$(comm -23 "$T/client_ids" "$T/spool_ids" | wc -l)
expect_eq "answered events missing from the spool" 0 "$missing"

# a new responder on the same node closes the crashed file (it does so
# before it listens: remove the killed one's socket so that start_serve
# waits for the new one)
rm -f "$T/serve.sock"
start_serve
expect_eq "open files after restart" 0 "$(ls "$T"/spool/*.open 2>/dev/null | wc -l)"
grep -q 'closed 1 event file(s) left open' "$SERVE_LOG" || fail "no recovery message"
spool_check >"$T/spool_ids2"
expect_eq "lines after recovery" "$(wc -l <"$T/spool_ids")" "$(wc -l <"$T/spool_ids2")"
echo "t1020 ok"
