#!/usr/bin/env bash
# t1050-serve-inventory-reload: the inventory is reloaded when the file
# changes and on SIGHUP; a broken file is refused naming file:line and the
# old table keeps serving; reloads under load break no request.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/nginx.sh"

serve_conf
start_serve
start_nginx "$T/serve.sock"
status() { curl -s "$(url status)"; }
version() { status | sed -n 's/^inventory_version //p'; }
landing() { curl -s -o /dev/null -w '%{redirect_url}' "$(url 'c?ad=2&zone=1')"; }
# new_inv VERSION LANDING: the example with another version and ad 2 URL
new_inv() {
	sed -e "s/^version\t.*/version\t$1/" \
	    -e "s|^\(ad\t2\t.*\t\)https://shop.example.com/landing?ad=2\$|\1$2|" \
	    "$ROOT/conf/inventory.example"
}
version_is() { [ "$(version)" = "$1" ]; }

expect_eq "first version" example-1 "$(version)"
# a changed file is noticed without a signal (checked every 200 ms)
new_inv v2 https://two.example.com/ >"$T/inv.tmp" && mv "$T/inv.tmp" "$T/inventory"
wait_for 5 version_is v2
expect_eq "landing after reload" https://two.example.com/ "$(landing)"

# a broken file: refused with file:line, the old table stays
{ new_inv v3 https://three.example.com/; printf 'zone\t9\t77\t1\t1\n'; } >"$T/inv.tmp"
mv "$T/inv.tmp" "$T/inventory"
line=$(wc -l <"$T/inventory")
wait_for 5 grep -q "inventory refused" "$SERVE_LOG"
grep "inventory refused" "$SERVE_LOG"
grep -q "inventory refused, keeping the old one: $T/inventory:$line: zone 9: unknown pub 77" "$SERVE_LOG" ||
	fail "message does not name file:line"
expect_eq "version kept" v2 "$(version)"
expect_eq "landing kept" https://two.example.com/ "$(landing)"
status | grep -q '^inventory_errors 1$' || fail "error not counted"

# SIGHUP reloads even when the file looks unchanged to the poller
new_inv v4 https://four.example.com/ >"$T/inventory"
kill -HUP "$SERVE_PID"
wait_for 5 version_is v4
expect_eq "landing after SIGHUP" https://four.example.com/ "$(landing)"

# reloads under load: every click answered 302, to one of the two URLs
load_ad 4000 8 "$T/load" 'c?ad=2&zone=1' &
LOAD=$!
at_exit "kill $LOAD 2>/dev/null"
for i in 1 2 3 4 5 6; do
	new_inv "v5-$i" "https://five$((i % 2)).example.com/" >"$T/inv.tmp"
	mv "$T/inv.tmp" "$T/inventory"
	kill -HUP "$SERVE_PID"
	sleep 0.2
done
wait "$LOAD"
expect_eq "clicks answered 302 during reloads" 4000 "$(load_count "$T/load" 302)"
status | grep -q '^inventory_reloads [1-9][0-9]*$' || fail "reloads not counted"
echo "t1050 ok"
