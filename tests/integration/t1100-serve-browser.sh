#!/usr/bin/env bash
# t1100-serve-browser: the publisher tag in a real browser (headless
# Chromium) over TLS.  A page on pub.test shows the ad of zone 1 from
# ads.test: the browser's own requests leave one served and one rendered
# event under one id, with the user agent and Accept-Language it was given
# and the page as referer; the uid cookie set on the ad request comes back
# with the render and the click; the click follows the signed URL to the
# landing page on shop.test.  The iframe form renders zone 2.  A page on
# evil.test, a domain the inventory does not know, gets no CORS grant
# (the browser refuses the answer) and serve counts the refusal.  Then
# ingest and analyze count that impression and that click valid.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/nginx.sh"
source "$(dirname "$0")/lib/web.sh"
source "$(dirname "$0")/lib/mariadb.sh"
source "$(dirname "$0")/lib/analyze.sh"
UA='Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
LANG_WANT=fr-FR

command -v chromium >/dev/null || fail "chromium is not installed (scripts/deps.sh)"
ADLOG_CONF=$T/batch.conf    # the batch programs'; serve's is $T/adlog.conf
start_mariadb
analyze_setup
WEB_PORT=$(free_port)
web_cert
P=$WEB_PORT
cat >"$T/inventory" <<INV
adlog-inventory	1
version	browser-1
pub	1	Pub Test	pub.test
camp	10	100	1577836800	0	active
zone	1	1	300	250
zone	2	1	728	90
ad	1	10	300	250	1	0	https://ads.test:$P/img/ad1.svg	https://shop.test:$P/landing.html?ad=1
ad	2	10	728	90	1	0	https://ads.test:$P/img/ad2.svg	https://shop.test:$P/landing.html?ad=2
INV
serve_conf "click_base=https://ads.test:$P" cookie_secure=true
start_serve
start_web "$T/serve.sock"

# the creatives, the pages, the landing page
for s in 1:300:250:'#2a6' 2:728:90:'#26a'; do
	IFS=: read -r id w h c <<<"$s"
	printf '<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s"><rect width="100%%" height="100%%" fill="%s"/><text x="12" y="40" font-size="28" fill="#fff">Ad %s</text></svg>\n' \
		"$w" "$h" "$c" "$id" >"$WEB/img/ad$id.svg"
done
page() {  # page TITLE ZONE: a page with one slot of the tag
	cat <<HTML
<!doctype html><html><head><meta charset="utf-8">
<meta name="referrer" content="no-referrer-when-downgrade"><title>$1</title></head>
<body><h1>$1</h1><p>An article with an ad:</p>
<ins class="adlog" data-zone="$2"></ins>
<script async src="https://ads.test:$P/tag/1/tag.js"></script>
</body></html>
HTML
}
page "Pub Test news" 1 >"$WEB/pub/index.html"
page "Not in the inventory" 1 >"$WEB/evil/index.html"
cat >"$WEB/pub/frame.html" <<HTML
<!doctype html><html><head><meta charset="utf-8">
<meta name="referrer" content="no-referrer-when-downgrade"><title>frame</title></head>
<body><iframe src="https://ads.test:$P/f?zone=2" width="728" height="90"
 style="border:0" scrolling="no" title="Advertisement"></iframe></body></html>
HTML
echo '<!doctype html><title>Shop</title><h1>Landing</h1>' >"$WEB/shop/landing.html"

PAGE=$(web_url pub index.html)
B="$ROOT/tests/integration/lib/browser.py"
python3 "$B" --ua "$UA" --lang "$LANG_WANT" \
	goto "$PAGE" \
	wait 'ins.adlog' data-adlog-state rendered \
	prop 'ins.adlog img' naturalWidth \
	attr 'ins.adlog img' alt \
	prop 'ins.adlog img' width \
	shot "$T/page.png" \
	sleep 2 \
	click 'ins.adlog a' \
	url \
	goto "$(web_url pub frame.html)" \
	sleep 1 \
	goto "$(web_url evil index.html)" \
	wait 'ins.adlog' data-adlog-state refused \
	>"$T/browser.out" 2>"$T/browser.err" || { cat "$T/browser.out" "$T/browser.err"; fail "browser"; }
cat "$T/browser.out"
# got STEP: what the browser printed after "STEP "
got() { awk -v k="$1 " 'index($0, k) == 1 { print substr($0, length(k) + 1) }' "$T/browser.out"; }
expect_eq "creative loaded (natural width)" 300 "$(got "prop ins.adlog img naturalWidth")"
expect_eq "creative alt text" Advertisement "$(got "attr ins.adlog img alt")"
expect_eq "click lands on the advertiser's page" "$(web_url shop 'landing.html?ad=1')" "$(got url)"
[ "$(head -c 8 "$T/page.png" | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ] || fail "no screenshot"

# (the click waits 2 s, as a person does: a click within 1 s of its
# impression is fast_click, docs/rules.md)
# the events the browser's requests left (zone 1 from pub.test's page)
wait_for 10 spool_more_than 5 || true
spool_lines | cut -f1-12,14 >"$T/events"
cat "$T/events"
ev() { awk -F'\t' -v t="$1" -v r="$2" '$2 == t && $13 == r' "$T/events"; }
expect_eq "served from the page" 1 "$(ev s "$PAGE" | wc -l)"
id=$(ev s "$PAGE" | cut -f4)
uid=$(ev s "$PAGE" | cut -f7)
expect_eq "served: v2, the browser's agent, new cookie" "2 1 1 1 $UA" \
	"$(spool_lines | awk -F'\t' -v i="$id" '$2 == "s" && $4 == i { print $1, $8, $10, $11, $13 }')"
expect_eq "rendered once, under the served id, from the page" 1 "$(ev i "$PAGE" | wc -l)"
expect_eq "render: id, cookie sent back, TOKEN_VALID" "$id $uid 10 1 $UA" \
	"$(spool_lines | awk -F'\t' -v r="$PAGE" '$2 == "i" && $14 == r { print $4, $7, $8, $10, $13 }')"
expect_eq "click names the impression, same cookie" "$id $uid 10" \
	"$(ev c "$PAGE" | awk -F'\t' '{ print $5, $7, $8 }')"
expect_eq "the iframe's ad served from the page, rendered without referer" \
	"1 1" "$(ev s "$(web_url pub frame.html)" | awk -F'\t' '$10 == 2' | wc -l) $(ev i - | awk -F'\t' '$10 == 2 && $8 == "10"' | wc -l)"
lang=$(awk '/"GET \/ad\?zone=1 / && /origin=https:\/\/pub.test/ { sub(/.*lang=/, ""); print; exit }' "$WEB/nginx/access.log")
expect_eq "Accept-Language of the ad request" "$LANG_WANT" "${lang%%,*}"
# evil.test: asked, answered without a grant, refused by the browser
expect_eq "no render from evil.test" 0 "$(ev i "$(web_url evil index.html)" | wc -l)"
curl -sk --resolve "ads.test:$P:127.0.0.1" -o "$T/status" "$(web_url ads status)"
expect_eq "refused origins counted" "cors_refused 1" "$(grep '^cors_refused ' "$T/status")"

# ingest and analyze: the impression and the click are valid
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
ingest_files "$SPOOL"/*.log
hour=$(date -u +%Y%m%d%H)
ls "$DATA" | grep -q . || fail "no segments"
for h in $(ls "$DATA" | grep '^[0-9]\{10\}$'); do
	"$AN" --hour "$h" --json >>"$T/an.json" || fail "analyze $h"
done
cat "$T/an.json"
expect_eq "zone 1: impressions, valid, clicks, valid, served, rendered" "1	1	1	1	2	1" \
	"$(sql "SELECT SUM(impressions), SUM(valid_impressions), SUM(clicks), SUM(valid_clicks), SUM(served), SUM(rendered) FROM stats_hourly WHERE zone_id = 1")"
expect_eq "nothing of zone 1 invalid" "" \
	"$(sql "SELECT type, reason, events FROM invalid_hourly WHERE zone_id = 1")"
echo "t1100 ok ($hour)"
