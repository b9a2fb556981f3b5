#!/usr/bin/env bash
# t1140-serve-retract: a responder frozen between writing a batch's lines
# and sending their answers, longer than nginx's fastcgi_read_timeout
# (ADLOG_TEST_STALL, docs/serve.md "Stalls and retries").  nginx gives up
# on it and passes the request on; whoever answers it logs it afresh.  The
# frozen responder, once it resumes, cannot deliver its answer and retracts
# its line.  Each request is answered 200 once and is one event; ingest
# counts the retracted line apart; /status counts it.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/nginx.sh"
source "$(dirname "$0")/lib/ingest.sh"

serve_conf processes=2 threads=1 cookie_secure=false
export ADLOG_TEST_STALL=10:7000     # node 10: responder 0
start_serve
unset ADLOG_TEST_STALL
start_nginx_prod

# one request at a time until responder 0 has had one (it stalls on it)
for k in 1 2 3 4 5 6; do
	curl -s -o /dev/null -w '%{http_code}\n' -A "u-$k" \
		"$(url "i?ad=1&zone=1")" >>"$T/codes"
done
counter() { curl -s "$(url "status/$1")" | sed -n "s/^$2 //p"; }
expect_eq "every request answered 200" "6" "$(grep -c '^200$' "$T/codes")"
expect_eq "responder 0: one line retracted" 1 "$(counter 0 events_retracted)"
expect_eq "responder 1: none" 0 "$(counter 1 events_retracted)"
expect_eq "each request one event" "u-1 u-2 u-3 u-4 u-5 u-6" \
	"$(spool_events | cut -f13 | sort | tr '\n' ' ' | sed 's/ $//')"
retracted=$(spool_retracted | cut -f13)
echo "retracted: $retracted"
expect_eq "the retracted line is one of them, from responder 0" "1 1" \
	"$(spool_retracted | wc -l) $(cat "$T"/spool/*.0010.* | awk -F'\t' '$2 == "I"' | grep -c "	$retracted	")"

# closed files: ingest keeps the events and counts the retracted line
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
ingest_conf "$T/ingest.conf" archive
out=$("$ING" -c "$T/ingest.conf" --json)
echo "$out"
expect_eq "ingest: accepted, retracted, rejected" "6 1 0" \
	"$(json_num "$out" accepted) $(json_num "$out" retracted) $(json_num "$out" rejected)"
expect_eq "ingest: one impression a request" 6 \
	"$(dump_all "$T/data" | grep -v '	#' | awk -F'\t' '$2 == "i"' | wc -l)"
echo "t1140 ok"
