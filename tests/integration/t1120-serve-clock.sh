#!/usr/bin/env bash
# t1120-serve-clock: a responder whose clock reads before 2020 or from 2100
# (years the event line cannot hold; ingest would refuse such lines) still
# answers, writes no line, and counts the events as dropped for the clock.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/nginx.sh"

for now in 1000000000000 4102444800000; do        # 2001-09-09, 2100-01-01
	serve_conf cookie_secure=false
	ADLOG_FAKE_NOW_MS=$now start_serve
	start_nginx "$T/serve.sock"
	expect_eq "/i at $now" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$(url 'i?ad=1&zone=1')")"
	expect_eq "/c at $now" 302 "$(curl -s -o /dev/null -w '%{http_code}' "$(url 'c?ad=1&zone=1')")"
	expect_eq "lines written at $now" 0 "$(spool_lines | wc -l)"
	expect_eq "events_dropped_clock at $now" 2 "$(curl -s "$(url status)" | sed -n 's/^events_dropped_clock //p')"
	grep -q "outside 2020..2099: events dropped" "$SERVE_LOG" || fail "no message about the clock"
	kill -TERM "$SERVE_PID"; wait "$SERVE_PID" || true
	kill -QUIT "$NGINX_PID"; wait "$NGINX_PID" || true
done
echo "t1120 ok"
