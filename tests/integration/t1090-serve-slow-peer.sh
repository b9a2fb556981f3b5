#!/usr/bin/env bash
# t1090-serve-slow-peer: a peer on the FastCGI socket that sends half a
# record header and then nothing holds the responder's only thread for at
# most serve/loop.c's 1 s I/O timeout: nginx's requests keep being answered,
# and the half-open connection is closed.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/nginx.sh"

serve_conf threads=1
start_serve
start_nginx "$T/serve.sock"
curl -s -o /dev/null "$(url 'i?ad=1&zone=1')"

python3 - "$T/serve.sock" >"$T/peer" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"\x01\x01\x00")           # 3 of a record header's 8 bytes
t0 = time.monotonic()
s.settimeout(8)
try:
    got = s.recv(100)
    print("closed" if got == b"" else "answered", round(time.monotonic() - t0, 2))
except socket.timeout:
    print("open", 8)
PY
PEER=$!
at_exit "kill $PEER 2>/dev/null"
sleep 0.2
slowest=0
for i in $(seq 1 20); do
	out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 "$(url "i?ad=1&zone=1&n=$i")") || true
	[ "${out% *}" = 200 ] || fail "request $i answered '$out'"
	slowest=$(awk -v a="$slowest" -v b="${out#* }" 'BEGIN { print (b > a ? b : a) }')
done
echo "slowest of 20 requests: $slowest s"
awk -v s="$slowest" 'BEGIN { exit !(s < 1.8) }' || fail "a request waited $slowest s"
wait "$PEER"
read -r verdict after <"$T/peer"
echo "half-open connection: $verdict after $after s"
expect_eq "half-open connection" closed "$verdict"
awk -v s="$after" 'BEGIN { exit !(s >= 0.8 && s < 3) }' || fail "closed after $after s"
echo "t1090 ok"
