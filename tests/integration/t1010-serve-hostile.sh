#!/usr/bin/env bash
# t1010-serve-hostile: open-redirect and header-injection attempts never
# leave the inventory's URL or add a header; forged, tampered and expired
# click tokens are still redirected but flagged in the event line.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/nginx.sh"

serve_conf token_max_age=2
start_serve
start_nginx "$T/serve.sock"
code() { head -1 "$1" | cut -d' ' -f2; }
loc() { tr -d '\r' <"$1" | sed -n 's/^Location: //p'; }

# every response header must be one we write; nothing from the request
check_headers() {
	local bad
	bad=$(tr -d '\r' <"$1" | sed 1d | grep -v -E '^(Server|Date|Content-Type|Content-Length|Connection|Transfer-Encoding|Cache-Control|Set-Cookie|Location|Allow|Vary): |^$' || true)
	[ -z "$bad" ] || fail "unexpected header(s) for $2: $bad"
	! grep -qi 'evil' "$1" || fail "request text echoed in headers for $2"
}

LANDING2="https://shop.example.com/landing?ad=2"
for q in 'ad=2&url=http://evil.example' 'ad=2&dest=http://evil.example' \
	 'ad=2&zone=1&redirect=%2F%2Fevil.example' 'ad=2&zone=1&to=http:%2F%2Fevil.example' \
	 'ad=2&zone=1&l=https%3A%2F%2Fevil.example%2F' 'url=http://evil.example&ad=2'; do
	curl -s -D "$T/h" -o "$T/b" "$(url "c?$q")"
	expect_eq "/c?$q status" 302 "$(code "$T/h")"
	expect_eq "/c?$q Location" "$LANDING2" "$(loc "$T/h")"
	check_headers "$T/h" "/c?$q"
done

# %0d%0a (and raw-ish variants) in every parameter of every endpoint
inj='%0d%0aSet-Cookie:%20evil=1%0d%0aLocation:%20http://evil.example'
for path in "ad?zone=$inj" "ad?zone=1$inj" "ad?zone=1&x=$inj" \
	    "i?ad=$inj&zone=1" "i?ad=1&zone=$inj" "i?ad=1&zone=1&r=$inj" \
	    "c?t=$inj" "c?t=AQyvO6e1AKAAAAAAAQAAAAEOJ6v-fKk-r8jGjvU$inj" \
	    "c?ad=$inj" "c?ad=2&zone=$inj" "c?ad=2&zone=1&url=$inj" \
	    "r?t=$inj" "f?zone=1$inj" "f?zone=1&x=$inj" \
	    "status?format=$inj" "i?ad=1&zone=1&%0d%0aX-Evil:1=1"; do
	curl -s -D "$T/h" -o "$T/b" -H 'Accept-Language: en' "$(url "$path")"
	check_headers "$T/h" "$path"
	c=$(code "$T/h")
	case "$c" in 200|204|302|400|404) ;; *) fail "$path answered $c" ;; esac
	if [ "$c" = 302 ]; then expect_eq "$path Location" "$LANDING2" "$(loc "$T/h")"; fi
	pass "$path -> $c"
done
# header injection through request headers: cookie, UA, referer
curl -s -D "$T/h" -o "$T/b" -b $'uid=AAAA\r\nX-Evil: 1' -A $'evil\x01agent' \
	-e 'http://evil.example/%0d%0aX-Evil:%201' "$(url 'c?ad=2&zone=1')"
check_headers "$T/h" "hostile request headers"
expect_eq "hostile headers Location" "$LANDING2" "$(loc "$T/h")"
expect_eq "ua is escaped in the event" 'evil\x01agent' "$(spool_lines | tail -1 | cut -f13)"
# NUL and overlong input
curl -s -D "$T/h" -o "$T/b" "$(url "i?ad=1%00&zone=1")"
expect_eq "NUL in id" 400 "$(code "$T/h")"
long=$(head -c 5000 /dev/zero | tr '\0' 'a')
curl -s -D "$T/h" -o "$T/b" "$(url "i?ad=1&zone=1&r=$long")"
expect_eq "overlong query" 400 "$(code "$T/h")"
curl -s -D "$T/h" -o "$T/b" -A "$long" -b "uid=$long" -H "Accept-Language: en" "$(url "i?ad=1&zone=1")"
expect_eq "overlong headers" 200 "$(code "$T/h")"
expect_eq "overlong ua cut to 512" 512 "$(spool_lines | tail -1 | cut -f13 | tr -d '\n' | wc -c)"

# tokens: a real one is valid; tampered, foreign-key and expired are flagged
curl -s -o "$T/b" "$(url 'ad?zone=1')"
tok=$(grep -o 'c?t=[A-Za-z0-9_-]*' "$T/b" | cut -c5-)
imp=$(grep -o '"id":"[0-9a-f]*"' "$T/b" | cut -d'"' -f4)
flags_of() { spool_lines | tail -1 | cut -f8; }
curl -s -D "$T/h" -o /dev/null -H 'Accept-Language: en' -b 'uid=AAAAAAAAAAAAAAAAAAAAAA' "$(url "c?t=$tok")"
expect_eq "valid token" "302 10 $imp" "$(code "$T/h") $(flags_of) $(spool_lines | tail -1 | cut -f5)"
last=${tok: -2:1}; [ "$last" = A ] && sub=B || sub=A
forged="${tok:0:37}$sub${tok: -1}"
curl -s -D "$T/h" -o /dev/null -H 'Accept-Language: en' -b 'uid=AAAAAAAAAAAAAAAAAAAAAA' "$(url "c?t=$forged")"
expect_eq "forged token: redirect, TOKEN_BAD" "302 20" "$(code "$T/h") $(flags_of)"
# a token for ad 1 signed with another key (what an attacker can make)
other=$(printf 'AQ%s' "${tok:2}" | sed 's/^AQ/Ag/')
curl -s -D "$T/h" -o /dev/null -H 'Accept-Language: en' -b 'uid=AAAAAAAAAAAAAAAAAAAAAA' "$(url "c?t=$other")"
expect_eq "unknown key id: TOKEN_BAD" 20 "$(flags_of)"
curl -s -D "$T/h" -o "$T/b" -H 'Accept-Language: en' -b 'uid=AAAAAAAAAAAAAAAAAAAAAA' "$(url "c?t=garbage")"
expect_eq "garbage token" "400 a0" "$(code "$T/h") $(flags_of)"
sleep 2.2   # token_max_age = 2 s
curl -s -D "$T/h" -o /dev/null -H 'Accept-Language: en' -b 'uid=AAAAAAAAAAAAAAAAAAAAAA' "$(url "c?t=$tok")"
expect_eq "expired token: redirect, TOKEN_EXPIRED, imp kept" "302 40 $imp" \
	"$(code "$T/h") $(flags_of) $(spool_lines | tail -1 | cut -f5)"
# Origin: only a domain of the zone's publisher comes back, byte for byte;
# look-alikes and junk get no grant (example.com is publisher 1's, zone 1)
for o in 'https://example.com.evil.example' 'https://evilexample.com' \
	 'https://www.example.com:8443/x' 'https://www.example.com evil' \
	 'https://www.example.com,https://evil.example' 'javascript://example.com' \
	 'https://WWW.EXAMPLE.COM' 'null'; do
	curl -s -D "$T/h" -o /dev/null -H "Origin: $o" "$(url 'ad?zone=1')"
	check_headers "$T/h" "Origin $o"
done
curl -s -D "$T/h" -o /dev/null -H 'Origin: https://www.example.com:8443' "$(url 'ad?zone=1')"
expect_eq "granted origin, echoed exactly" "https://www.example.com:8443 true" \
	"$(tr -d '\r' <"$T/h" | sed -n 's/^Access-Control-Allow-Origin: //p') $(tr -d '\r' <"$T/h" | sed -n 's/^Access-Control-Allow-Credentials: //p')"
spool_check >/dev/null
grep -q . "$NGX/error.log" && grep -i 'crit\|emerg\|alert' "$NGX/error.log" && fail "nginx errors"
echo "t1010 ok"
