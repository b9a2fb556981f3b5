#!/usr/bin/env bash
# t1000-serve-endpoints: /ad, /r, /f, /i, /c, /status through a real nginx:
# status, headers, body, cookie, and the event line each one leaves in the
# spool.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/nginx.sh"

"$BUILD/adlog-serve" --version | grep -q '^adlog-serve ' || fail "--version"
"$BUILD/adlog-serve" --help | grep -q -- '--index' || fail "--help"
serve_conf
start_serve
start_nginx "$T/serve.sock"

# hdr FILE NAME: value of a response header
hdr() { tr -d '\r' <"$1" | awk -v h="$2" 'BEGIN{IGNORECASE=1} index(tolower($0), tolower(h) ": ") == 1 { sub(/^[^:]*: /, ""); print; exit }'; }
code() { head -1 "$1" | cut -d' ' -f2; }
last_event() { spool_lines | tail -1; }
field() { last_event | cut -f"$1"; }

# /ad: JSON with a signed click URL, a new uid cookie
curl -s -D "$T/h" -o "$T/b" -H 'Accept-Language: en' -A 'Mozilla/5.0 test' \
	-e 'https://news.example.com/page' "$(url 'ad?zone=1')"
expect_eq "/ad status" 200 "$(code "$T/h")"
expect_eq "/ad type" application/json "$(hdr "$T/h" Content-Type)"
expect_eq "/ad cache" no-store "$(hdr "$T/h" Cache-Control)"
cookie=$(hdr "$T/h" Set-Cookie)
[[ "$cookie" =~ ^uid=[A-Za-z0-9_-]{22}\;\ Max-Age=31536000\;\ Path=/\;\ SameSite=None\;\ Secure$ ]] ||
	fail "cookie: $cookie"
uid=${cookie#uid=}; uid=${uid%%;*}
grep -Eq '^\{"id":"[0-9a-f]{16}","ad":[12],"width":300,"height":250,"image":"https://cdn.example.com/ads/[12].png","alt":"Advertisement","click":"/c\?t=[A-Za-z0-9_-]{39}","render":"/r\?t=[A-Za-z0-9_-]{39}"\}$' "$T/b" ||
	fail "/ad body: $(cat "$T/b")"
id=$(grep -o '"id":"[0-9a-f]*"' "$T/b" | cut -d'"' -f4)
tok=$(grep -o 'c?t=[A-Za-z0-9_-]*' "$T/b" | cut -c5-)
expect_eq "/ad event version, type (served)" "2 s" "$(field 1) $(field 2)"
expect_eq "/ad event id" "$id" "$(field 4)"
expect_eq "/ad event uid" "$uid" "$(field 7)"
expect_eq "/ad event flags (UID_NEW)" 1 "$(field 8)"
expect_eq "/ad event zone,pub,camp" "1 1 10" "$(field 10) $(field 11) $(field 12)"
expect_eq "/ad event ua" "Mozilla/5.0 test" "$(field 13)"
expect_eq "/ad event ref" "https://news.example.com/page" "$(field 14)"

# /r: the render of that ad, an impression under the served id; with the
# cookie set by /ad sent back
curl -s -D "$T/h" -o "$T/b" -b "uid=$uid" -H 'Accept-Language: en' -A 'Mozilla/5.0 test' \
	-e 'https://news.example.com/page' "$(url "r?t=$tok")"
expect_eq "/r status" 200 "$(code "$T/h")"
expect_eq "/r gif" "image/gif 43" "$(hdr "$T/h" Content-Type) $(wc -c <"$T/b")"
expect_eq "/r no new cookie" "" "$(hdr "$T/h" Set-Cookie)"
expect_eq "/r event" "2 i $id - $uid 10 1 1 10" "$(last_event | cut -f1,2,4,5,7,8,10-12 | tr '\t' ' ')"
# (a signature character short of the end: the last carries 2 bits of
# padding, and changing it can give back the same token)
c=${tok: -2:1}; [ "$c" = A ] && c=B || c=A
curl -s -o /dev/null "$(url "r?t=${tok:0:${#tok}-2}$c${tok: -1}")"
expect_eq "/r forged token: its own id, TOKEN_BAD" "no 29" \
	"$([ "$(field 4)" = "$id" ] && echo same || echo no) $(field 8)"
# /f: the iframe page of zone 2 (728x90), a served event
curl -s -D "$T/h" -o "$T/b" "$(url 'f?zone=2')"
expect_eq "/f status" 200 "$(code "$T/h")"
expect_eq "/f type" "text/html; charset=utf-8" "$(hdr "$T/h" Content-Type)"
grep -q 'width="728" height="90" alt="Advertisement"' "$T/b" || fail "/f body: $(cat "$T/b")"
expect_eq "/f event" "s 2" "$(field 2) $(field 10)"
curl -s -D "$T/h" -o "$T/b" "$(url 'f?zone=99')"
expect_eq "/f unknown zone" 404 "$(code "$T/h")"

# /ad edge cases: no eligible ad (ended campaign), unknown zone, bad zone
curl -s -D "$T/h" -o "$T/b" "$(url 'ad?zone=4')"
expect_eq "/ad no fill" 204 "$(code "$T/h")"
curl -s -D "$T/h" -o "$T/b" "$(url 'ad?zone=99')"
expect_eq "/ad unknown zone" 404 "$(code "$T/h")"
for q in 'zone=abc' 'zone=0' 'zone=1&zone=2' 'zone=%zz' 'x=1' 'zone=99999999999'; do
	curl -s -D "$T/h" -o "$T/b" "$(url "ad?$q")"
	expect_eq "/ad?$q" 400 "$(code "$T/h")"
done
lines_before=$(spool_lines | wc -l)

# /i: the 43-byte GIF; a valid uid cookie is kept and not set again
curl -s -D "$T/h" -o "$T/b" -b "uid=$uid" -H 'Accept-Language: de' "$(url 'i?ad=2&zone=3')"
expect_eq "/i status" 200 "$(code "$T/h")"
expect_eq "/i type" image/gif "$(hdr "$T/h" Content-Type)"
expect_eq "/i cache" no-store "$(hdr "$T/h" Cache-Control)"
expect_eq "/i size" 43 "$(wc -c <"$T/b")"
expect_eq "/i gif" "GIF89a" "$(head -c6 "$T/b")"
expect_eq "/i no new cookie" "" "$(hdr "$T/h" Set-Cookie)"
expect_eq "/i event" "i - $uid 0 2 3 2 10" "$(last_event | cut -f2,5,7-12 | tr '\t' ' ')"
expect_eq "lines for 204/404/400 answers" $((lines_before + 1)) "$(spool_lines | wc -l)"
# malformed uid counts as absent; prefetch and HEAD are flagged
curl -s -D "$T/h" -o "$T/b" -b 'uid=not-a-uid' -H 'Sec-Purpose: prefetch' "$(url 'i?ad=1&zone=1')"
[ -n "$(hdr "$T/h" Set-Cookie)" ] || fail "malformed uid: no new cookie"
expect_eq "/i flags UID_NEW|PREFETCH|NO_ACCEPT_LANG" d "$(field 8)"
curl -s -I -o "$T/h" -b "uid=$uid" -H 'Accept-Language: en' "$(url 'i?ad=1&zone=1')"
expect_eq "HEAD /i" 200 "$(code "$T/h")"
expect_eq "HEAD flag" 2 "$(field 8)"
curl -s -D "$T/h" -o "$T/b" -b "uid=$uid" -H 'Accept-Language: en' "$(url 'i?ad=77&zone=1')"
expect_eq "/i unknown ad still a GIF" 200 "$(code "$T/h")"
expect_eq "/i unknown ad flag" 80 "$(field 8)"
curl -s -D "$T/h" -o "$T/b" -X POST "$(url 'i?ad=1&zone=1')"
expect_eq "POST /i" 405 "$(code "$T/h")"
expect_eq "405 Allow" "GET, HEAD" "$(hdr "$T/h" Allow)"

# /c signed: 302 to the inventory's landing URL, token valid, imp = /ad id
curl -s -D "$T/h" -o "$T/b" -b "uid=$uid" -H 'Accept-Language: en' "$(url "c?t=$tok")"
expect_eq "/c status" 302 "$(code "$T/h")"
loc=$(hdr "$T/h" Location)
[[ "$loc" == https://shop.example.com/landing\?ad=[12] ]] || fail "Location $loc"
expect_eq "/c event" "c $id $uid 10" "$(last_event | cut -f2,5,7,8 | tr '\t' ' ')"
# /c unsigned: allowed for ad 2, flagged UNSIGNED_DENY for ad 1, 404 unknown
curl -s -D "$T/h" -o "$T/b" -b "uid=$uid" -H 'Accept-Language: en' "$(url 'c?ad=2&zone=1')"
expect_eq "/c unsigned status" 302 "$(code "$T/h")"
expect_eq "/c unsigned Location" "https://shop.example.com/landing?ad=2" "$(hdr "$T/h" Location)"
expect_eq "/c unsigned flags (NO_TOKEN)" "- 100" "$(last_event | cut -f5,8 | tr '\t' ' ')"
curl -s -D "$T/h" -o "$T/b" -b "uid=$uid" -H 'Accept-Language: en' "$(url 'c?ad=1&zone=1')"
expect_eq "/c unsigned deny status" 302 "$(code "$T/h")"
expect_eq "/c unsigned deny flags" 300 "$(field 8)"
curl -s -D "$T/h" -o "$T/b" "$(url 'c?ad=999&zone=1')"
expect_eq "/c unknown ad" 404 "$(code "$T/h")"
expect_eq "/c unknown ad body" "unknown ad" "$(cat "$T/b")"
curl -s -D "$T/h" -o "$T/b" "$(url 'c')"
expect_eq "/c nothing" 400 "$(code "$T/h")"

# /status: plain and Prometheus, counting what happened above
curl -s -D "$T/h" -o "$T/b" "$(url status)"
expect_eq "/status" 200 "$(code "$T/h")"
grep -q '^requests ad 9 200=1 204=1 400=6 404=1$' "$T/b" || { cat "$T/b"; fail "/status ad counts"; }
grep -q '^requests r 2 200=2$' "$T/b" || { cat "$T/b"; fail "/status r counts"; }
grep -q '^requests f 2 200=1 404=1$' "$T/b" || { cat "$T/b"; fail "/status f counts"; }
grep -q '^inventory_version example-1$' "$T/b" || fail "/status version"
grep -q "^events_written $(spool_lines | wc -l)\$" "$T/b" || fail "/status events"
grep -q '^events_dropped 0$' "$T/b" || fail "/status dropped"
grep -q '^open_log_files 1$' "$T/b" || fail "/status open files"
curl -s -o "$T/b" "$(url 'status?format=prometheus')"
grep -q '^adlog_serve_requests_total{endpoint="c",status="302"} 3$' "$T/b" || { cat "$T/b"; fail "prometheus"; }
grep -q '^# TYPE adlog_serve_events_written_total counter$' "$T/b" || fail "prometheus type"
curl -s -D "$T/h" -o "$T/b" "$(url nowhere)"
expect_eq "unknown path" 404 "$(code "$T/h")"
spool_check >/dev/null
echo "t1000 ok"
