#!/usr/bin/env bash
# t1110-serve-retry-once: a request counts once however nginx retries it
# (shipped conf/nginx.conf, two responders, docs/serve.md "Stalls and
# retries").
#  - abandoned: responder 0 stopped past fastcgi_read_timeout while
#    requests wait on it; nginx answers them through responder 1, and
#    responder 0, once resumed, logs none of them (nginx closed those
#    connections: requests_abandoned).
#  - late: responder 0 stopped for less than fastcgi_read_timeout (5 s) but
#    more than request_max_age_ms (2.5 s); once resumed it refuses what waited too long
#    (503, no event) and nginx passes it on afresh.
#  - a FastCGI peer sending REQUEST_START: older than request_max_age_ms
#    gets 503 "late" and no event; a fresh one an answer and an event.
# Every request carries its own User-Agent: each must be answered 200 and
# logged exactly once.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/nginx.sh"

serve_conf processes=2 threads=1 cookie_secure=false
start_serve
start_nginx_prod
r0=$(curl -s "$(url status/0)" | sed -n 's/^adlog-serve node 10 pid //p')
[ -n "$r0" ] || fail "no pid from /status/0"
at_exit "kill -CONT $r0 2>/dev/null"
counter() { curl -s "$(url status/0)" | sed -n "s/^$1 //p"; }

# burst NAME N: N requests at once, User-Agent NAME-k; statuses into $T/NAME
burst() {
	local k
	for ((k = 0; k < $2; k++)); do
		[ "$k" = 0 ] || echo next
		printf 'url = "%s"\nuser-agent = "%s-%d"\noutput = "/dev/null"\nsilent\nwrite-out = "%%{http_code}\\n"\n' \
			"$(url "i?ad=1&zone=1")" "$1" "$k"
	done >"$T/$1.cfg"
	curl -s -Z --parallel-max "$2" --config "$T/$1.cfg" >"$T/$1" 2>/dev/null || true
}
# logged_once NAME N: all N answered 200, each logged exactly once
logged_once() {
	expect_eq "$1: 200 answers" "$2" "$(grep -c '^200$' "$T/$1" || true)"
	expect_eq "$1: requests logged" "$2" \
		"$(spool_events | cut -f13 | grep "^$1-" | sort -u | wc -l)"
	expect_eq "$1: requests logged twice" 0 \
		"$(spool_events | cut -f13 | grep "^$1-" | sort | uniq -d | wc -l)"
}

# abandoned
kill -STOP "$r0"
burst abandoned 40
sleep 0.5
kill -CONT "$r0"
sleep 1
logged_once abandoned 40
n=$(counter requests_abandoned)
echo "responder 0: $n requests abandoned"
[ "$n" -ge 1 ] || fail "no request waited on the stopped responder"

# late: once a request waits on the stopped responder 0 (a connection or
# data queued on its socket), resume it 3.5 s later
queued_at_0() { ss -xan | awk -v p="$(serve_socket 0)" '$5 == p && $3 > 0 { f = 1 } END { exit !f }'; }
# nginx tries responder 0 again once its fail_timeout (5 s) has run out
w0=$(counter events_written)
took_one() { curl -s -o /dev/null -A probe "$(url "i?ad=1&zone=1")"; [ "$(counter events_written)" -gt "$w0" ]; }
wait_for 20 took_one || fail "responder 0 not used again after the stop"
kill -STOP "$r0"
burst late 40 &
B=$!
wait_for 10 queued_at_0 || fail "no request reached the stopped responder"
sleep 3.5
kill -CONT "$r0"
wait "$B"
sleep 1
logged_once late 40
late=$(counter requests_late) ab=$(counter requests_abandoned)
echo "responder 0: $late requests late, $ab abandoned in all"
[ $((late + ab)) -ge 2 ] || fail "no request refused or dropped after the second stop"
# a FastCGI peer (it stamps REQUEST_START itself: starting python can take
# seconds on a busy box)
cat >"$T/peer.py" <<'PY'
import socket, struct, sys, time
path, age_ms, ua = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
start = "%.3f" % (time.time() - age_ms / 1000)
def rec(typ, body):
    return struct.pack(">BBHHBB", 1, typ, 1, len(body), 0, 0) + body
def pair(k, v):
    return bytes([len(k), len(v)]) + k + v
params = (pair(b"REQUEST_METHOD", b"GET") + pair(b"DOCUMENT_URI", b"/i") +
          pair(b"QUERY_STRING", b"ad=1&zone=1") + pair(b"REMOTE_ADDR", b"192.0.2.1") +
          pair(b"HTTP_USER_AGENT", ua) + pair(b"REQUEST_START", start.encode()))
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
s.sendall(rec(1, b"\x00\x01\x00\x00\x00\x00\x00\x00") + rec(4, params) + rec(4, b"") + rec(5, b""))
s.settimeout(5)
out = b""
while True:
    got = s.recv(4096)
    if not got:
        break
    out += got
print(out.split(b"\r\n")[0][8:].decode())
PY
expect_eq "peer, started 4 s ago" "Status: 503 Service Unavailable" \
	"$(python3 "$T/peer.py" "$(serve_socket 1)" 4000 peer-old)"
expect_eq "peer, started now" "Status: 200 OK" \
	"$(python3 "$T/peer.py" "$(serve_socket 1)" 0 peer-new)"
expect_eq "peer events" "peer-new" "$(spool_events | cut -f13 | grep '^peer-' | sort | tr '\n' ' ' | sed 's/ $//')"
echo "t1110 ok"
