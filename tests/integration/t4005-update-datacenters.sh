#!/usr/bin/env bash
# t4005 - cron/adlog-update-datacenters on recorded feeds of every format
# (tests/lists/feeds): the list is the smallest CIDR set of them all, less
# documentation space; ingest flags addresses inside every provider's
# ranges and not outside; a broken feed is named with its reason, its last
# good ranges stand in and the exit status is 1; a broken feed with no
# last good ranges leaves the old list in place; the list is replaced
# atomically; adlog-cron runs it as the datacenters job.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/ingest.sh"
UPD=$ROOT/cron/adlog-update-datacenters
F=$ROOT/tests/lists/feeds
export ADLOG_BINDIR=$BUILD

sources() {   # sources AZURE_FILE: every format, Azure's file as given
	cat <<SRC
# name format location
aws aws $F/aws-ip-ranges.json
google google file://$F/google-cloud.json
azure azure $1
oracle oracle $F/oracle-public_ip_ranges.json
digitalocean digitalocean $F/digitalocean-geo.csv
linode linode $F/linode-geofeed.csv
vultr vultr $F/vultr-geofeed.json
hosters cidr $F/hosters.txt
SRC
}
body() { grep -v '^#' "$1" | grep -v '^$'; }

# --- every format, good ---
sources "$F/azure-servicetags.json" >"$T/sources"
mkdir -p "$T/lists"
"$UPD" --sources "$T/sources" --out "$T/lists/dc.txt" >"$T/out" 2>"$T/err" ||
	fail "update failed: $(cat "$T/err")"
expect_eq "no complaint" "" "$(cat "$T/err")"
body "$T/lists/dc.txt" >"$T/actual"
expect_file_eq "$F/expect-merged.txt" "$T/actual"
pass "the list is the smallest CIDR set of the 8 feeds"
expect_eq "a source line per feed" 8 "$(grep -c '^# source: ' "$T/lists/dc.txt")"
expect_eq "summary" '{"sources":8,"sources_failed":0,"ranges":31,"replaced":1}' "$(cat "$T/out")"
expect_eq "documentation range of vultr's feed left out" "" "$(grep '^203\.0\.113\.' "$T/lists/dc.txt" || true)"
expect_eq "one state file per feed" 8 "$(ls "$T/lists/dc.txt.d" | wc -l)"
expect_eq "no temp files left" "dc.txt dc.txt.d" "$(ls -A "$T/lists" | tr '\n' ' ' | sed 's/ $//')"

# --- ingest reads it: inside each provider's ranges flagged, outside not ---
ingest_conf "$T/adlog.conf" keep
sed -i "s|^datacenter_cidrs = .*|datacenter_cidrs = $T/lists/dc.txt|" "$T/adlog.conf"
"$GEN" --quiet --seed 3 --events 60 --hours 1 --start 2026010100 --out "$T/gen"
# generated events, their addresses (field 6) replaced: one inside each
# feed, then three outside (documentation, residential v4 and v6)
inside="3.104.0.1 2a05:d03a:b000::1 34.2.0.9 20.33.1.1 2001:df0:7::9 130.61.8.1
68.183.0.1 69.164.201.1 64.176.0.1 5.9.1.1 2a01:4f8::1"
outside="203.0.113.9 24.1.2.3 2a02:8100::1"
cat "$T"/gen/*.log | awk -F'\t' -v OFS='\t' -v ips="$(echo $inside $outside)" \
	'BEGIN { k = split(ips, ip, " ") } !/^#/ && ++n <= k { $6 = ip[n]; print }' >"$T/probe.log"
"$ING" -c "$T/adlog.conf" --data "$T/data" "$T/probe.log" >/dev/null || fail "ingest failed"
dump_all "$T/data" | grep -v '	#' >"$T/events"
dc() {   # the datacenter bit (4) of the reasons (field 9) of IP's event
	local r
	r=$(awk -F'\t' -v ip="$1" '$6 == ip { print $9 }' "$T/events")
	[ -n "$r" ] || { echo missing; return; }
	if (( 0x$r & 4 )); then echo datacenter; else echo clean; fi
}
for ip in $inside; do expect_eq "$ip (inside a feed)" datacenter "$(dc "$ip")"; done
for ip in $outside; do expect_eq "$ip (outside)" clean "$(dc "$ip")"; done

# --- a broken feed: named, its last good ranges stand in, exit 1 ---
sources "$F/azure-servicetags-broken.json" >"$T/sources"
rc=0
"$UPD" --sources "$T/sources" --out "$T/lists/dc.txt" >"$T/out" 2>"$T/err" || rc=$?
expect_eq "exit status with a broken feed" 1 "$rc"
grep -q "^adlog-update-datacenters: azure: cannot read '$F/azure-servicetags-broken.json' as a azure feed: parse error: .*; keeping its last good ranges of " "$T/err" ||
	fail "no clear error for the broken feed: $(cat "$T/err")"
pass "broken feed named: $(cat "$T/err")"
body "$T/lists/dc.txt" >"$T/actual"
expect_file_eq "$F/expect-merged.txt" "$T/actual"
pass "the broken feed's last good ranges kept"
grep -q '^# source: azure azure .* stale-since=' "$T/lists/dc.txt" || fail "header does not say azure is stale"
expect_eq "summary" '{"sources":8,"sources_failed":1,"ranges":31,"replaced":1}' "$(cat "$T/out")"

# --- a broken feed never seen good: the list stays as it was ---
cp "$T/lists/dc.txt" "$T/before"
rm -rf "$T/lists/dc.txt.d"
rc=0
"$UPD" --sources "$T/sources" --out "$T/lists/dc.txt" >/dev/null 2>"$T/err" || rc=$?
expect_eq "exit status, no last good" 1 "$rc"
grep -q "azure: .*; no earlier ranges of it" "$T/err" || fail "no message: $(cat "$T/err")"
grep -q "the list '$T/lists/dc.txt' is left as it was" "$T/err" || fail "no message: $(cat "$T/err")"
cmp -s "$T/before" "$T/lists/dc.txt" || fail "the list changed"
pass "the list left as it was"

# --- unreadable source and bad line of a hand-kept list ---
printf 'x cidr %s\n' "$T/nonexistent" >"$T/bad-sources"
rc=0; "$UPD" --sources "$T/bad-sources" --out "$T/lists/x.txt" --state - >/dev/null 2>"$T/err" || rc=$?
expect_eq "missing file" 1 "$rc"
grep -q "x: cannot fetch '$T/nonexistent'" "$T/err" || fail "no message: $(cat "$T/err")"
printf '10.0.0.0/8\n1.2.3.0/33\n' >"$T/bad.txt"
printf 'bad cidr %s\n' "$T/bad.txt" >"$T/bad-sources"
rc=0; "$UPD" --sources "$T/bad-sources" --out "$T/lists/x.txt" --state - >/dev/null 2>"$T/err" || rc=$?
expect_eq "bad range" 1 "$rc"
grep -q "bad: '$T/bad.txt': .*:2: bad range '1.2.3.0/33'" "$T/err" || fail "no message: $(cat "$T/err")"
[ ! -e "$T/lists/x.txt" ] || fail "a list was written"
# --- the daily job of adlog-cron ---
cat >"$T/cron.conf" <<CONF
[ingest]
datacenter_cidrs = $T/lists/cron-dc.txt
[cron]
status_dir = $T/status
log = $T/cron.log
datacenter_sources = $T/no-such-file
CONF
"$ROOT/cron/adlog-cron" -c "$T/cron.conf" datacenters || fail "job without sources failed"
[ ! -e "$T/status/datacenters.status" ] || fail "a skipped job wrote a status"
grep -q "datacenters: no sources file '$T/no-such-file', skipped" "$T/cron.log" || fail "skip not logged"
sources "$F/azure-servicetags.json" >"$T/sources"
sed -i "s|^datacenter_sources = .*|datacenter_sources = $T/sources|" "$T/cron.conf"
"$ROOT/cron/adlog-cron" -c "$T/cron.conf" datacenters || fail "datacenters job failed"
st() { sed -n "s/^$1=//p" "$T/status/datacenters.status"; }
expect_eq "job state" ok "$(st state)"
expect_eq "job count.ranges" 31 "$(st count.ranges)"
body "$T/lists/cron-dc.txt" >"$T/actual"
expect_file_eq "$F/expect-merged.txt" "$T/actual"
sources "$F/azure-servicetags-broken.json" >"$T/sources"
rc=0; "$ROOT/cron/adlog-cron" -c "$T/cron.conf" datacenters 2>/dev/null || rc=$?
expect_eq "job exit with a broken feed" 1 "$rc"
expect_eq "job state" failed "$(st state)"
case "$(st message)" in *"the list"*|*"azure:"*) ;; *) fail "message: $(st message)" ;; esac
pass "job message: $(st message)"

# --- adlog-admin status shows the list's age and sources ---
printf '[admin]\nserve_status_url =\n' >>"$T/cron.conf"
"$BUILD/adlog-admin" -c "$T/cron.conf" status >"$T/status.txt" 2>&1 || true
grep -q "^ *datacenters $T/lists/cron-dc.txt: 31 entries, as of .* old)$" "$T/status.txt" ||
	fail "status does not show the list: $(cat "$T/status.txt")"
grep -q '^ *source azure ranges=[0-9]* stale-since=' "$T/status.txt" ||
	fail "status does not show the stale feed"
grep -q "cron job datacenters failed" "$T/status.txt" || fail "status does not flag the failed job"
pass "status shows the list's age and its stale feed"

