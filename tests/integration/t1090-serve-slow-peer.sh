#!/usr/bin/env bash
# t1090-serve-slow-peer: peers on the FastCGI socket that misbehave.
#  - "stall": half a record header, then nothing, and the connection kept
#    open even after serve closes its end.  The responder's only thread is
#    held for one 1 s read timeout (serve/loop.c), not more: nginx's
#    requests keep being answered, the connection is closed.
#  - "cut": a request whose parameters stop without their end record, then
#    EOF.  libfcgi hands over what it read; serve must neither answer nor
#    log an event for it.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/nginx.sh"

serve_conf threads=1
start_serve
start_nginx "$T/serve.sock"
curl -s -o /dev/null "$(url 'i?ad=1&zone=1')"

cat >"$T/peer.py" <<'PY'
import socket, struct, sys, time
mode, path = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
def rec(typ, body):
    return struct.pack(">BBHHBB", 1, typ, 1, len(body), 0, 0) + body
def pair(k, v):
    return bytes([len(k), len(v)]) + k + v
if mode == "stall":
    s.sendall(b"\x01\x01\x00")           # 3 of a record header's 8 bytes
else:
    params = pair(b"REQUEST_METHOD", b"GET") + pair(b"DOCUMENT_URI", b"/i")
    s.sendall(rec(1, b"\x00\x01\x01\x00\x00\x00\x00\x00") + rec(4, params))
    s.shutdown(socket.SHUT_WR)           # no empty PARAMS record, no STDIN
t0 = time.monotonic()
s.settimeout(8)
try:
    got = s.recv(100)
    print("closed" if got == b"" else "answered", round(time.monotonic() - t0, 2))
except ConnectionResetError:
    # serve closed with our unread bytes in its buffer (a request nginx
    # gave up on is dropped unread): closed all the same
    print("closed", round(time.monotonic() - t0, 2))
except socket.timeout:
    print("open", 8)
if mode == "stall":
    time.sleep(3)                        # keep our end open after serve's FIN
PY

# stall
before=$(spool_lines | wc -l)
python3 "$T/peer.py" stall "$T/serve.sock" >"$T/peer" &
PEER=$!
at_exit "kill $PEER 2>/dev/null"
sleep 0.2
slowest=0
for i in $(seq 1 40); do
	out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 \
		"$(url "i?ad=1&zone=1&n=$i")") || true
	[ "${out% *}" = 200 ] || fail "request $i answered '$out'"
	slowest=$(awk -v a="$slowest" -v b="${out#* }" 'BEGIN { print (b > a ? b : a) }')
	sleep 0.05
done
echo "slowest of 40 requests over 3 s: $slowest s"
awk -v s="$slowest" 'BEGIN { exit !(s < 1.5) }' || fail "a request waited $slowest s"
wait "$PEER"
read -r verdict after <"$T/peer"
echo "stalled connection: $verdict after $after s"
expect_eq "stalled connection" closed "$verdict"
awk -v s="$after" 'BEGIN { exit !(s >= 0.8 && s < 2) }' || fail "closed after $after s"
expect_eq "events logged (nginx's only)" 40 "$(( $(spool_lines | wc -l) - before ))"

# cut
before=$(spool_lines | wc -l)
python3 "$T/peer.py" cut "$T/serve.sock" >"$T/peer"
read -r verdict after <"$T/peer"
echo "cut request: $verdict after $after s"
expect_eq "cut request" closed "$verdict"
curl -s -o /dev/null "$(url 'i?ad=1&zone=1')"
expect_eq "events logged for the cut request" 0 "$(( $(spool_lines | wc -l) - before - 1 ))"
echo "t1090 ok"
