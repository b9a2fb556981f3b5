#!/usr/bin/env bash
# t1060-serve-disk-full: when the event file cannot grow (a file-size limit
# set on the running responder stands in for a full disk), requests are
# still answered, dropped events and write errors show on /status, the
# message is rate-limited, no partial line is left, and writing resumes by
# itself once there is room again.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/nginx.sh"

serve_conf
start_serve
start_nginx "$T/serve.sock"
hit() { curl -s -o /dev/null -w '%{http_code}\n' -b 'uid=AAAAAAAAAAAAAAAAAAAAAA' "$(url "i?ad=1&zone=1&n=$1")"; }
stat_of() { curl -s "$(url status)" | sed -n "s/^$1 //p"; }

for i in 1 2 3; do hit $i >/dev/null; done
f=$(ls "$T"/spool/*.open)
size=$(stat -c %s "$f")
# room for one more line and a half
prlimit --pid "$SERVE_PID" --fsize=$((size + 150)):unlimited
codes=$(for i in $(seq 10 29); do hit $i; done | sort | uniq -c | tr -s ' ')
expect_eq "answers while the disk is full" " 20 200" "$codes"
written=$(stat_of events_written)
dropped=$(stat_of events_dropped)
echo "written $written dropped $dropped write_errors $(stat_of write_errors)"
expect_eq "events written + dropped" 23 $((written + dropped))
[ "$dropped" -ge 18 ] || fail "dropped $dropped"
[ "$(stat_of write_errors)" -ge 18 ] || fail "write errors not counted"
msgs=$(grep -c 'cannot write' "$SERVE_LOG")
[ "$msgs" -le 2 ] || fail "$msgs error messages: not rate-limited"
spool_check >/dev/null
expect_eq "lines in the file" "$written" "$(spool_lines | wc -l)"

# room again: the next events are written without any signal
prlimit --pid "$SERVE_PID" --fsize=unlimited:unlimited
for i in $(seq 40 44); do hit $i >/dev/null; done
expect_eq "written after space returns" $((written + 5)) "$(stat_of events_written)"
expect_eq "lines after space returns" $((written + 5)) "$(spool_lines | wc -l)"
spool_check >/dev/null
echo "t1060 ok"
