#!/usr/bin/env bash
# t1130-serve-stall: one of the two responders stopped (kill -STOP) for 5 s
# and then for 12 s under wrk load through the shipped conf/nginx.conf.
# The other keeps answering: over the whole seconds of each stop after the
# first, its events per second are at least half of what it wrote per
# second just before the stop, and at least a fifth in every one of them
# (the box is shared; the rate before the fix was 0).  Every 200 answer has
# exactly one event, no request has two (a stop between a batch's lines and
# its answers leaves lines the responder retracts: t1140), and every event
# belongs to a request nginx answered (200) or whose client hung up when
# wrk stopped (499).  Each request carries its own
# User-Agent, so events and access-log lines can be matched.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/nginx.sh"

CONNS=${CONNS:-200}
serve_conf processes=2 threads=1 cookie_secure=false
start_serve
start_nginx_prod
stalled=$(curl -s "$(url status/0)" | sed -n 's/^adlog-serve node 10 pid //p')
[ -n "$stalled" ] || fail "no pid from /status/0"

cat >"$T/ua.lua" <<'LUA'
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
local n = 0
function request()
	n = n + 1
	return wrk.format("GET", "/i?ad=1&zone=1",
		{ ["User-Agent"] = "w" .. tid .. "-" .. n })
end
LUA
now_ms() { date +%s%3N; }
wrk -t2 -c"$CONNS" -d29s -s "$T/ua.lua" "$(url '')" >"$T/wrk.out" 2>&1 &
WRK=$!
at_exit "kill $WRK 2>/dev/null; kill -CONT $stalled 2>/dev/null"
sleep 4
t_stop1=$(now_ms); kill -STOP "$stalled"; sleep 5
t_cont1=$(now_ms); kill -CONT "$stalled"; sleep 4
t_stop2=$(now_ms); kill -STOP "$stalled"; sleep 12
t_cont2=$(now_ms); kill -CONT "$stalled"
wait "$WRK" || fail "wrk failed: $(cat "$T/wrk.out")"
sed -n '/requests in/p; /Non-2xx/p; /Socket errors/p' "$T/wrk.out"
kill -QUIT "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true   # flushes the access log

# the healthy responder (node 11): events per second around each stop
ts11() { cat "$T"/spool/adlog.*.test-host.0011.* | cut -f3; }
ts11 | sort -n >"$T/ts11"
count() { awk -v a="$1" -v b="$2" '$1 >= a && $1 < b { n++ } END { print n + 0 }' "$T/ts11"; }
check_stop() {
	local name=$1 t0=$2 t1=$3 before s n sum=0 secs=0
	before=$(( $(count $((t0 - 3000)) "$t0") / 3 ))
	echo "$name: healthy responder before the stop: $before events/s"
	[ "$before" -gt 0 ] || fail "$name: no events before the stop"
	for ((s = t0 + 1000; s + 1000 <= t1; s += 1000)); do
		n=$(count "$s" $((s + 1000)))
		echo "  second $(( (s - t0) / 1000 )) of the stop: $n events"
		[ $((5 * n)) -ge "$before" ] || fail "$name: $n events in second $(( (s - t0) / 1000 )), under a fifth of $before"
		sum=$((sum + n)) secs=$((secs + 1))
	done
	[ $((2 * sum)) -ge $((before * secs)) ] ||
		fail "$name: $((sum / secs)) events/s during the stop, under half of $before"
}
check_stop "5 s stop" "$t_stop1" "$t_cont1"
check_stop "12 s stop" "$t_stop2" "$t_cont2"

# answers and events, matched by User-Agent
awk -F'"' '$2 ~ /^GET \/i\?/ { split($3, a, " "); print a[1], $6 }' "$NGX/access.log" >"$T/answers"
awk '$1 == 200 { print $2 }' "$T/answers" | sort >"$T/ua.200"
awk '$1 == 499 { print $2 }' "$T/answers" | sort >"$T/ua.499"
spool_events | cut -f13 | sort >"$T/ua.events"
echo "answers: $(wc -l <"$T/ua.200") 200, $(wc -l <"$T/ua.499") 499," \
     "other $(awk '$1 != 200 && $1 != 499' "$T/answers" | wc -l); events: $(wc -l <"$T/ua.events")," \
     "lines retracted: $(spool_retracted | wc -l)"
expect_eq "answers other than 200 (and 499 at the end)" 0 \
	"$(awk '$1 != 200 && $1 != 499' "$T/answers" | wc -l)"
expect_eq "requests logged twice" 0 "$(uniq -d "$T/ua.events" | wc -l)"
expect_eq "200 answers without an event" 0 "$(comm -23 "$T/ua.200" "$T/ua.events" | wc -l)"
expect_eq "events without a 200 or 499 answer" 0 \
	"$(sort -m "$T/ua.200" "$T/ua.499" | comm -13 - "$T/ua.events" | wc -l)"
echo "t1130 ok"
