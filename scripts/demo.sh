#!/usr/bin/env bash
# demo.sh - `make demo`: the whole adlog pipeline on this machine, on real
# servers, in var/demo/: a private MariaDB (schema migrated, the sample
# inventory loaded and exported for serve), two adlog-serve processes behind
# nginx on a free local port, real HTTP traffic from people at a reader's
# pace, bots, a click-spamming script and a self-clicking publisher
# (scripts/demo-traffic.sh), a publisher's page with the tag and the iframe
# in headless Chromium over TLS (screenshot: build/demo-publisher.png),
# then the hour's files closed (SIGUSR1), ingest, analyze and the daily
# report run through the cron wrapper (cron/adlog-cron), the report in
# Chromium (screenshot: build/demo-report.png), and the closing tables
# (scripts/demo-table.sh): per publisher, and per actor with each event's
# verdict from `adlog-analyze --events`.  The demo then checks what it
# expects (every fraud actor caught, people at least 99 % valid, the honest
# publishers' billed clicks from people only) and exits 1 if one fails.
# Every server is stopped on exit, whatever happens; running it again starts
# from scratch.  A stage whose program is not built yet is reported and the
# demo stops there.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../tests/integration/lib/common.sh
. tests/integration/lib/common.sh   # at_exit, free_port, wait_for
rm -rf "$T"
CASES=/dev/null                     # the demo checks no cases
T=$ROOT/var/demo
DEMO=$T
# shellcheck source=../tests/integration/lib/nginx.sh
. tests/integration/lib/nginx.sh    # nginx_fastcgi_inc
# shellcheck source=../tests/integration/lib/web.sh
. tests/integration/lib/web.sh      # the browser's sites: web_cert, start_web
WEB_PORT=$(free_port)
KEEP_TMP=1                          # var/demo stays for a look afterwards
STARTED=$SECONDS
trap 'exit 130' INT TERM            # run the EXIT cleanup on ^C too

say() { printf 'demo: [%3d s] %s\n' $((SECONDS - STARTED)) "$*"; }
stop_here() {
	say "$1 not built yet, stopping after $2"
	exit 0
}
need() { [ -x "$BUILD/adlog-$1" ] || stop_here "adlog-$1" "$2"; }
cron() { ADLOG_BINDIR=$BUILD cron/adlog-cron -c "$ADLOG_CONF" "$@"; }

# stop_pid PIDFILE NAME: stop what an earlier, interrupted demo left running
stop_pid() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	[ -n "$pid" ] && ps -p "$pid" -o args= 2>/dev/null | grep -q "$2" || return 0
	say "stopping $2 (pid $pid) left by an earlier demo"
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
}

# ---- 0. a clean var/demo ----
for f in "$DEMO"/serve.*.pid; do stop_pid "$f" adlog-serve; done
stop_pid "$DEMO/nginx/nginx.pid" nginx
stop_pid "$DEMO/mariadb/pid" mariadbd
stop_pid "$DEMO/web/nginx/nginx.pid" nginx
rm -rf "$DEMO"
mkdir -p "$DEMO"/{spool,data,archive,quarantine,status,reports,traffic,nginx/tmp}
say "working folder $DEMO"

# ---- 1. MariaDB, schema, inventory ----
need admin "nothing"
MARIADB_DIR=$DEMO/mariadb
ADLOG_CONF=$DEMO/adlog.conf
# shellcheck source=../tests/integration/lib/mariadb.sh
. tests/integration/lib/mariadb.sh
# shellcheck source=../tests/integration/lib/pipeline.sh
. tests/integration/lib/pipeline.sh
start_mariadb
at_exit 'stop_mariadb && say "MariaDB stopped"'
say "MariaDB $(mariadbd --version | grep -o '[0-9]*\.[0-9]*\.[0-9]*-MariaDB' | head -n 1) up on $MARIADB_SOCK"

# the batch sections, ours, then the [mysql] section start_mariadb wrote
( umask 077
{
	pipeline_conf "$DEMO"
	cat <<CONF
[common]
node_id = 100
host = demo

[serve]
socket = $DEMO/serve.sock
processes = 2
threads = 1
inventory = $DEMO/inventory
inventory_check_ms = 500
token_key = $(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
cookie_secure = false

[analyze]
; a demo day has a few hundred events, not millions: let the publisher
; tests speak from 50 impressions and 15 clicks
pub_min_imps = 50
pub_min_clicks = 15

CONF
	sed -n '/^\[mysql\]/,$p' "$ADLOG_CONF"
} >"$ADLOG_CONF.new"
mv "$ADLOG_CONF.new" "$ADLOG_CONF"
)
"$BUILD/adlog-admin" -c "$ADLOG_CONF" migrate | sed 's/^/  /'
"$BUILD/adlog-admin" -c "$ADLOG_CONF" load-sample | sed 's/^/  /'
# the creatives the browser shows come from the demo's own ads.test, and
# Daily News also owns pub.test, the page the browser opens (step 3b)
sql "UPDATE ads SET image_url = CONCAT('https://ads.test:$WEB_PORT/img/ad', id, '.svg') WHERE width > 1;
     INSERT IGNORE INTO publisher_domains (publisher_id, domain) VALUES (1, 'pub.test')"
cron export || { say "inventory export failed"; exit 1; }
say "inventory exported for serve: $(grep -c '^zone' "$DEMO/inventory") zones, $(grep -c '^ad' "$DEMO/inventory") ads ($DEMO/inventory)"

# ---- 2. two serve processes behind nginx ----
need serve "loading the inventory"
SERVE_PIDS=()
for i in 0 1; do
	"$BUILD/adlog-serve" -c "$ADLOG_CONF" --index "$i" 2>>"$DEMO/serve.$i.log" &
	SERVE_PIDS+=($!)
	echo $! >"$DEMO/serve.$i.pid"
done
at_exit 'kill -TERM ${SERVE_PIDS[*]} 2>/dev/null; wait ${SERVE_PIDS[*]} 2>/dev/null; say "2 serve processes stopped"'
for i in 0 1; do
	wait_for 10 test -S "$DEMO/serve.sock.$i" || { cat "$DEMO/serve.$i.log"; say "serve $i did not start"; exit 1; }
done

PORT=$(free_port)
NGX=$DEMO/nginx
cat >"$NGX/nginx.conf" <<EOT
# var/demo/nginx/nginx.conf - written by scripts/demo.sh
daemon off;
$([ "$(id -u)" = 0 ] && echo "user root;")
worker_processes 2;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 1024; }
http {
    access_log $NGX/access.log combined buffer=64k flush=1s;
    client_body_temp_path $NGX/tmp/body;
    fastcgi_temp_path $NGX/tmp/fastcgi;
    proxy_temp_path $NGX/tmp/proxy;
    uwsgi_temp_path $NGX/tmp/uwsgi;
    scgi_temp_path $NGX/tmp/scgi;
    # the demo's visitors come from many addresses through one local proxy
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    upstream adlog_serve {
        server unix:$DEMO/serve.sock.0 max_fails=1 fail_timeout=2s;
        server unix:$DEMO/serve.sock.1 max_fails=1 fail_timeout=2s;
        keepalive 8;
    }
    server {
        listen 127.0.0.1:$PORT;
        location ~ ^/(ad|r|f|i|c|status)\$ {
            include /etc/nginx/fastcgi_params;
            fastcgi_pass adlog_serve;
            fastcgi_keep_conn on;
            fastcgi_next_upstream error timeout invalid_header;
        }
        location = /nginx_status { stub_status; }
        location / { return 404; }
    }
}
EOT
nginx -c "$NGX/nginx.conf" -p "$NGX" 2>>"$NGX/error.log" &
NGINX_PID=$!
at_exit 'kill -QUIT $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null; say "nginx stopped"'
wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$PORT/nginx_status" ||
	{ cat "$NGX/error.log"; say "nginx did not start"; exit 1; }
say "nginx on http://127.0.0.1:$PORT/ in front of serve pids ${SERVE_PIDS[*]}"
# adlog-admin status reads serve's counters through this nginx
printf '\n[admin]\nserve_status_url = http://127.0.0.1:%s/status\n' "$PORT" >>"$ADLOG_CONF"

# ---- 3. traffic ----
# The demo tells one hour's story (an hour's rules see the self-clicker's
# whole minute); two minutes before an hour ends it waits for the next.
left=$(( 3600 - $(date -u +%s) % 3600 ))
if [ "$left" -lt 150 ]; then
	say "the hour ends in $left s: waiting for the next, so that the traffic falls in one hour"
	sleep "$left"
fi
say "traffic: 200 people at a reader's pace, bots, a click spammer, a self-clicking publisher (about a minute)"
# in the background, so that a signal to this script is handled at once
scripts/demo-traffic.sh "http://127.0.0.1:$PORT" "$DEMO/traffic" 200 &
TRAFFIC_PID=$!
at_exit 'kill -TERM $TRAFFIC_PID 2>/dev/null; wait $TRAFFIC_PID 2>/dev/null'
wait "$TRAFFIC_PID" || { say "traffic failed"; exit 1; }
curl -s "http://127.0.0.1:$PORT/status" >"$DEMO/serve-status.txt" || true
curl -s "http://127.0.0.1:$PORT/nginx_status" |
	awk 'NR == 3 { printf "  nginx: %d requests on %d connections\n", $3, $1 }'

# ---- 3b. a publisher's page in a real browser ----
say "Daily News's page with the tag and the iframe, in headless Chromium over TLS"
web_cert
start_web "$DEMO/serve.sock.0" "$DEMO/serve.sock.1"
at_exit 'say "nginx (TLS) stopped"'
sql "SELECT id, width, height, name FROM ads WHERE width > 1" |
while IFS=$'\t' read -r id w h name; do
	printf '<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s"><rect width="100%%" height="100%%" fill="#%06x"/><text x="50%%" y="55%%" font-family="sans-serif" font-size="%s" fill="#fff" text-anchor="middle">%s</text></svg>\n' \
		"$w" "$h" $((0x2a6f97 + id * 0x151515 & 0x7f7f7f)) $((h < 100 ? 28 : 26)) "$name" >"$WEB/img/ad$id.svg"
done
cat >"$WEB/pub/index.html" <<HTML
<!doctype html><html><head><meta charset="utf-8"><title>Daily News</title>
<style>body{font-family:serif;max-width:760px;margin:16px auto;color:#222}
aside{float:right;margin:0 0 8px 16px}small{color:#888}</style></head><body>
<ins class="adlog" data-zone="2"></ins><br><small>the tag</small>
<h1>Daily News</h1><aside>
<iframe src="https://ads.test:$WEB_PORT/f?zone=1" width="300" height="250" style="border:0"
 scrolling="no" title="Advertisement"></iframe><br><small>the iframe</small></aside>
<h2>Local team wins the cup</h2>
<p>$(printf 'The match was decided in the last minute. %.0s' $(seq 1 30))</p>
<script async src="https://ads.test:$WEB_PORT/tag/1/tag.js"></script>
</body></html>
HTML
mkdir -p "$BUILD"
# the browser is one more reader (127.0.0.1: this nginx sets no address)
BROWSER_UA="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
printf 'browser\tperson\tthe demo'"'"'s headless Chromium reading Daily News'"'"'s page\n' >>"$DEMO/traffic/cast"
printf 'browser\t127.0.0.1\t%s\n' "$BROWSER_UA" >>"$DEMO/traffic/actors"
if python3 tests/integration/lib/browser.py \
	--ua "$BROWSER_UA" \
	--lang en-GB goto "$(web_url pub index.html)" \
	wait 'ins.adlog[data-zone="2"]' data-adlog-state rendered \
	sleep 2 shot "$BUILD/demo-publisher.png" >"$DEMO/browser.out" 2>&1; then
	say "screenshot of the page: $BUILD/demo-publisher.png"
else
	say "the browser could not show the page:"; sed 's/^/  /' "$DEMO/browser.out"
fi
# what the browser's requests logged: ads served, renders, nothing else
browser_events=$(awk '$3 ~ /^\/(ad|f|r)\?/ && $5 == 200' "$WEB/nginx/access.log" | wc -l)

# ---- 4. close the hour's files ----
kill -USR1 "${SERVE_PIDS[@]}"
closed_all() { ! ls "$DEMO"/spool/*.open >/dev/null 2>&1 || [ -z "$(find "$DEMO/spool" -name '*.open' -size +0)" ]; }
wait_for 10 closed_all || { say "serve did not close its files"; ls -l "$DEMO/spool"; exit 1; }
answered=$(( $(awk '$2 != "000" && $2 !~ /^5/' "$DEMO/traffic/requests" | wc -l) + browser_events ))
events=$(cat "$DEMO"/spool/*.log | wc -l)
say "closed spool files (SIGUSR1): $(find "$DEMO/spool" -maxdepth 1 -name '*.log' | wc -l), $events events for $answered answered requests"
[ "$events" = "$answered" ] || say "WARNING: events and answered requests differ"
# the event lines, kept for naming each event's actor (ingest moves the files)
cat "$DEMO"/spool/*.log >"$DEMO/traffic/events"

# ---- 5. ingest ----
need ingest "closing the spool files"
cron ingest || { say "ingest failed (log: $DEMO/cron.log)"; exit 1; }
say "ingest: $(sed -n 's/^count\.\(files\|lines\|accepted\|rejected\|flagged\)=/\1 /p' "$DEMO/status/ingest.status" | tr '\n' ' ')"
tr -d '\n' <"$DEMO/status/ingest.json" | grep -o '"flagged_by":{[^}]*}' | sed 's/^/  /;s/$/\n/' | head -n 1

# ---- 6. analyze, daily scores and report ----
need analyze "ingest"
cron analyze || { say "analyze failed (log: $DEMO/cron.log)"; exit 1; }
say "analyze --pending: $(sed -n 's/^count\.action\.loaded=//p' "$DEMO/status/analyze.status") hour(s) loaded, $(sed -n 's/^count\.events=//p' "$DEMO/status/analyze.status") events"
DAY=$(date -u +%Y%m%d)
cron daily "$DAY" || { say "daily analysis failed (log: $DEMO/cron.log)"; exit 1; }
# each event's verdict: --hour --events judges a loaded hour again without
# loading it (docs/analyze.md)
: >"$DEMO/traffic/verdicts"
for d in "$DEMO"/data/[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]; do
	h=${d##*/}
	"$BUILD/adlog-analyze" -c "$ADLOG_CONF" --hour "$h" --events "$DEMO/traffic/verdicts.$h" 2>>"$DEMO/cron.log" ||
		{ say "adlog-analyze --hour $h --events failed (log: $DEMO/cron.log)"; exit 1; }
	cat "$DEMO/traffic/verdicts.$h" >>"$DEMO/traffic/verdicts"
done
say "verdicts of $(wc -l <"$DEMO/traffic/verdicts") events (adlog-analyze --hour H --events)"

# ---- 6b. the report in the browser ----
REPORT=$DEMO/reports/$DAY.html
if python3 tests/integration/lib/browser.py --ua "$BROWSER_UA" --lang en-GB \
	size 1000 1900 goto "file://$REPORT" count svg console shot "$BUILD/demo-report.png" >"$DEMO/report-browser.out" 2>&1; then
	say "the report in Chromium: $(sed -n 's/^count svg /charts (svg): /p; s/^console \([0-9]* messages, [0-9]* errors\)$/console: \1/p' "$DEMO/report-browser.out" | paste -sd' ' -); screenshot: $BUILD/demo-report.png"
else
	say "the browser could not show the report:"; sed 's/^/  /' "$DEMO/report-browser.out"
fi

# ---- 7. what the analyst sees, and what the demo expects ----
echo
sql "SELECT s.publisher_id, COALESCE(p.name, IF(s.publisher_id = 0, '(no ad known)', '(unknown)')), SUM(s.impressions), SUM(s.valid_impressions),
            SUM(s.clicks), SUM(s.valid_clicks), COALESCE(d.fraud_score, -1), COALESCE(d.flagged, 0),
            COALESCE(NULLIF(d.reasons, ''), '')
     FROM stats_hourly s LEFT JOIN publishers p ON p.id = s.publisher_id
     LEFT JOIN publisher_daily d ON d.publisher_id = s.publisher_id AND d.day = '$DAY'
     GROUP BY s.publisher_id ORDER BY s.publisher_id" >"$DEMO/publishers.tsv"
expected=0
scripts/demo-table.sh "$DEMO/traffic" "$DEMO/publishers.tsv" || expected=$?
echo
echo "ads served and rendered (bots fetch ads, people render them):"
sql "SELECT publisher_id, SUM(served), SUM(rendered) FROM stats_hourly
     GROUP BY publisher_id HAVING SUM(served) > 0 ORDER BY publisher_id" |
	awk -F'\t' '{ printf "  publisher %-3s served %5d rendered %5d never rendered %5d\n", $1, $2, $3, $2 - $3 }'
echo
say "HTML report: $REPORT"
say "adlog-admin status (the operator's page; exit 1 when something needs attention):"
"$BUILD/adlog-admin" -c "$ADLOG_CONF" status | sed 's/^/  /' || true
if [ "$expected" = 0 ]; then
	say "done in $((SECONDS - STARTED)) s, every expectation met; stopping servers"
else
	say "done in $((SECONDS - STARTED)) s, an expectation FAILED (above); stopping servers"
	exit 1
fi
