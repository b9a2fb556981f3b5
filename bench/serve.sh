#!/usr/bin/env bash
# serve.sh - adlog-serve against nginx's own empty_gif, same nginx, same wrk
# client, one run: requests/s, p99 latency and errors for each, the ratio to
# empty_gif, and the resident memory of the responders.  Targets: the pixel
# /i, the tag's render report /r (one signed token, checked each time) and
# /ad.
#   bench/serve.sh [SECONDS]   (default 10 s per target and round)
# Knobs: PROCS (2) THREADS (1) NGINX_KEEPALIVE (64) CONNS (64) ROUNDS (3)
# PROFILE=1 also counts system calls per request (perf stat).
# The targets run in turn, ROUNDS times (A B C A B C ...), so load from
# anything else on the box hits all three alike; ratios use the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
PROCS=${PROCS:-2}
THREADS=${THREADS:-1}
CONNS=${CONNS:-64}
ROUNDS=${ROUNDS:-3}
export NGINX_KEEPALIVE=${NGINX_KEEPALIVE:-64}
make -s build/adlog-serve >/dev/null
source tests/integration/lib/common.sh
source tests/integration/lib/nginx.sh

serve_conf processes="$PROCS" threads="$THREADS" cookie_secure=false
start_serve
socks=()
for ((i = 0; i < PROCS; i++)); do socks+=("$(serve_socket $i)"); done
start_nginx "${socks[@]}"
pids=$(pgrep -P "$SERVE_PID" | tr '\n' ' ' || true)
[ -n "$pids" ] || pids=$SERVE_PID

ngx_pids=$(pgrep -P "$NGINX_PID" | tr '\n' ' ')
# ticks PID...: CPU time (user + system, all threads) in clock ticks
ticks() { local p s=0; for p in "$@"; do s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$s"; }
# per_req TICKS REQUESTS: microseconds of CPU per request
per_req() { awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }'; }
# syscalls PID...: count the system calls of the processes for the rest of
# a wrk run (PROFILE=1, needs perf); prints the count, or nothing
syscalls() {
	[ "${PROFILE:-0}" = 1 ] || return 0
	perf stat -x, -e raw_syscalls:sys_enter -p "$(echo "$@" | tr -s ' ' ',')" -- sleep $((DUR - 2)) 2>&1 |
		awk -F, '/raw_syscalls/ { print $1 }'
}

# run NAME PATH: wrk once; prints "NAME req/s p99 errors" and the CPU time
# per request of nginx's workers and the responders, appends to $T/NAME.rps,
# .p99 (ms) and .err
run() {
	local out rps p99 p99ms non2xx sockerr err n0 s0 n1 s1 reqs sc="" prof=()
	n0=$(ticks $ngx_pids) s0=$(ticks $pids)
	if [ "${PROFILE:-0}" = 1 ]; then
		(sleep 1; syscalls $ngx_pids >"$T/sc.ngx") & prof+=($!)
		(sleep 1; syscalls $pids >"$T/sc.srv") & prof+=($!)
	fi
	out=$(wrk -t2 -c"$CONNS" -d"${DUR}s" --latency "$(url "$2")")
	n1=$(ticks $ngx_pids) s1=$(ticks $pids)
	[ ${#prof[@]} = 0 ] || wait "${prof[@]}"
	reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
	rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	p99ms=$(awk -v v="$p99" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; print n }')
	non2xx=$(awk '/Non-2xx or 3xx/ {print $NF}' <<<"$out")
	sockerr=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
	err=$(( ${non2xx:-0} + ${sockerr:-0} ))
	echo "$rps" >>"$T/$1.rps"; echo "$p99ms" >>"$T/$1.p99"; echo "$err" >>"$T/$1.err"
	if [ "${PROFILE:-0}" = 1 ]; then
		sc=$(awk -v a="$(cat "$T/sc.ngx")" -v b="$(cat "$T/sc.srv")" -v r="$rps" -v d=$((DUR - 2)) \
			'BEGIN { printf "  syscalls/req nginx %.2f serve %.2f", a / r / d, b / r / d }')
	fi
	printf '  %-10s %10s req/s  p99 %8s  errors %s  CPU us/req nginx %s serve %s%s\n' \
		"$1" "$rps" "$p99" "$err" "$(per_req $((n1 - n0)) "$reqs")" \
		"$(per_req $((s1 - s0)) "$reqs")" "$sc"
}
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
total()  { awk '{ s += $1 } END { print s + 0 }' "$1"; }

echo "wrk -t2 -c$CONNS -d${DUR}s x $ROUNDS rounds; nginx workers ${NGINX_WORKERS:-2}," \
     "upstream keepalive $NGINX_KEEPALIVE; adlog-serve $PROCS processes x $THREADS threads;" \
     "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
render=$(curl -s "$(url 'ad?zone=1')" | grep -o 'r?t=[A-Za-z0-9_-]*')
[ -n "$render" ] || fail "no render URL in the /ad answer"
for ((r = 1; r <= ROUNDS; r++)); do
	echo "round $r"
	run empty_gif "empty.gif"
	run serve_i "i?ad=1&zone=1"
	run serve_r "$render"
	run serve_ad "ad?zone=1"
done
echo "medians over $ROUNDS rounds:"
for n in empty_gif serve_i serve_r serve_ad; do
	printf '%-10s %10s req/s  p99 %6s ms  errors %s\n' "$n" "$(median "$T/$n.rps")" \
		"$(median "$T/$n.p99")" "$(total "$T/$n.err")"
done
awk -v g="$(median "$T/empty_gif.rps")" -v i="$(median "$T/serve_i.rps")" \
    -v a="$(median "$T/serve_ad.rps")" -v r="$(median "$T/serve_r.rps")" 'BEGIN {
	printf "ratio /i : empty_gif  = %.2f  (goal >= 0.5)\n", i / g
	printf "ratio /r : empty_gif  = %.2f  (goal >= 0.45)\n", r / g
	printf "ratio /ad: empty_gif  = %.2f  (goal >= 0.4)\n", a / g }'
for p in $pids; do
	printf 'adlog-serve pid %s: VmRSS %s kB, threads %s\n' "$p" \
		"$(awk '/^VmRSS/ {print $2}' /proc/$p/status)" \
		"$(awk '/^Threads/ {print $2}' /proc/$p/status)"
done
printf 'inventory file: %s bytes\n' "$(stat -c %s "$T/inventory")"
lines=$(spool_lines | wc -l)
echo "event lines written: $lines"
curl -s "$(url status)" | grep -E 'events_dropped|write_errors'
