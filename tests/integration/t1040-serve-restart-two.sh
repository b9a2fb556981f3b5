#!/usr/bin/env bash
# t1040-serve-restart-two: two responders behind one nginx upstream; under
# load, restart each in turn (SIGTERM, start again).  The client sees no 5xx
# at all, and every answer has its line.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/nginx.sh"

serve_conf processes=2 threads=2
start_serve --index 0; P0=$SERVE_PID
start_serve --index 1; P1=$SERVE_PID
start_nginx "$(serve_socket 0)" "$(serve_socket 1)"

# batches of 5000 back to back until both responders are back, so that
# the load outlasts the restarts however fast this machine answers
(
	b=0
	until [ -e "$T/restarted" ]; do
		load_ad 5000 16 "$T/load.$b"
		b=$((b + 1))
	done
) &
LOAD=$!
at_exit "kill $LOAD 2>/dev/null"
wait_for 20 spool_more_than 500
for idx in 0 1; do
	pid=P$idx
	kill -TERM "${!pid}"
	wait "${!pid}" || fail "responder $idx exit status"
	before=$(spool_lines | wc -l)
	sleep 0.3          # nginx serves from the other responder meanwhile
	start_serve --index $idx
	eval "P$idx=$SERVE_PID"
	echo "restarted responder $idx"
	wait_for 20 spool_more_than $((before + 200))
done
touch "$T/restarted"
wait "$LOAD"
cat "$T"/load.*[0-9] >"$T/load"
sent=$(($(ls "$T"/load.*[0-9] | wc -l) * 5000))
ok=$(load_count "$T/load" 200)
echo "client counted $ok answers of 200 of $sent, $(load_5xx "$T/load") of 5xx"
expect_eq "5xx answers" 0 "$(load_5xx "$T/load")"
expect_eq "all requests answered 200" "$sent" "$ok"
load_ids "$T/load" >"$T/client_ids"
spool_check >"$T/spool_ids"
expect_eq "answered events missing from the spool" 0 "$(comm -23 "$T/client_ids" "$T/spool_ids" | wc -l)"
echo "nginx logged $(grep -c "failed" "$NGX/error.log" || true) failed upstream attempts, all retried"
echo "t1040 ok"
