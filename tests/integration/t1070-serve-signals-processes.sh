#!/usr/bin/env bash
# t1070-serve-signals-processes: SIGUSR1 closes the current event file; one
# invocation with processes = 2 runs two responders with their own socket,
# node id and file, restarts one that dies, and stops both on SIGTERM;
# node ids past 1023 are refused at start.  nginx runs the shipped
# conf/nginx.conf (paths changed), including its per-responder /status/N.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/nginx.sh"

serve_conf processes=2 threads=8
start_serve
start_nginx_prod
test -S "$(serve_socket 1)" || fail "no second socket"
kids=$(pgrep -P "$SERVE_PID" | sort)
expect_eq "responder processes" 2 "$(wc -w <<<"$kids")"
for i in $(seq 1 40); do curl -s -o /dev/null "$(url "i?ad=1&zone=1&n=$i")"; done
opens=$(ls "$T"/spool/*.open | wc -l)
expect_eq "one open file per responder" 2 "$opens"
ls "$T"/spool/*.open | grep -q '\.test-host\.0010\.' || fail "node 10 file"
ls "$T"/spool/*.open | grep -q '\.test-host\.0011\.' || fail "node 11 file"

curl -s "$(url status/0)" | grep -q '^adlog-serve node 10 ' || fail "/status/0"
curl -s "$(url status/1)" | grep -q '^adlog-serve node 11 ' || fail "/status/1"
for p in status/00 status/2 status/01; do
	expect_eq "/$p" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$(url "$p")")"
done
expect_eq "[crit] lines in nginx's error log" 0 "$(grep -c '\[crit\]' "$NGX/error.log" || true)"
expect_eq "status/0 + status/1 events" 40 $(( $(curl -s "$(url status/0)" | sed -n 's/^events_written //p') + $(curl -s "$(url status/1)" | sed -n 's/^events_written //p') ))

# SIGUSR1 (passed on by the parent): both files closed, new ones on demand
kill -USR1 "$SERVE_PID"
no_open() { ! ls "$T"/spool/*.open >/dev/null 2>&1; }
wait_for 5 no_open
expect_eq "closed files" 2 "$(ls "$T"/spool/*.log | wc -l)"
curl -s -o /dev/null "$(url "i?ad=1&zone=1")"
expect_eq "new open file after the next event" 1 "$(ls "$T"/spool/*.open | wc -l)"

# a responder that dies is started again
victim=$(head -1 <<<"$kids")
kill -9 "$victim"
restarted() { [ "$(pgrep -P "$SERVE_PID" | wc -l)" = 2 ] && ! kill -0 "$victim" 2>/dev/null; }
wait_for 10 restarted
grep -q 'exited (status 9), restarting' "$SERVE_LOG" || fail "no restart message"
wait_for 10 curl -sf -o /dev/null "$(url "i?ad=1&zone=1")"

# SIGTERM to the parent stops everything within 2 s, files closed
t0=$(date +%s%N)
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 2000 ] || fail "stop took $ms ms"
expect_eq "responders left" 0 "$(pgrep -P "$SERVE_PID" | wc -l)"
expect_eq "open files at the end" 0 "$(ls "$T"/spool/*.open 2>/dev/null | wc -l)"
expect_eq "event lines" 42 "$(spool_check | wc -l)"

# node id range
NODE_ID=1023 serve_conf processes=2
rc=0; "$BUILD/adlog-serve" -c "$T/adlog.conf" 2>"$T/err" || rc=$?
expect_eq "node id overflow exit status" 2 "$rc"
grep -q 'above 1023' "$T/err" || fail "message: $(cat "$T/err")"
rc=0; "$BUILD/adlog-serve" -c "$T/adlog.conf" --index 2 2>"$T/err" || rc=$?
expect_eq "index past processes" 2 "$rc"
echo "t1070 ok"
