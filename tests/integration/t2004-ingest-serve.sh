#!/usr/bin/env bash
# t2004-ingest-serve: real traffic through nginx and adlog-serve, then
# adlog-ingest on serve's closed spool files: the impressions and clicks in
# the segments are exactly what the client was answered (200 with an ad =
# one served, 200 to a render or a pixel = one impression, 302 = one click,
# 204 = nothing), and the
# per-event reasons match the requests (curl's agent, HEAD, bad tokens,
# unknown ads, unsigned clicks on an ad that needs a token).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/nginx.sh"
. "$(dirname "$0")/lib/ingest.sh"
BROWSER='Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36'

serve_conf cookie_secure=false
start_serve
start_nginx "$T/serve.sock"
S=$T/status
: >"$S"
# batch NAME CURL-ARGS... <PATHS: one curl for all paths on stdin; each
# answer's status appended to $S as "NAME CODE", bodies in $T/NAME.N
batch() {
	local name=$1 p i=0; shift
	while read -r p; do
		i=$((i + 1))
		printf 'url = "%s"\noutput = "%s"\n' "$(url "$p")" "$T/$name.$i"
	done >"$T/$name.cfg"
	curl -s -w "$name %{http_code}\n" "$@" --config "$T/$name.cfg" >>"$S"
}
B=(-A "$BROWSER" -H 'Accept-Language: en')

# 1. /ad from a browser (40) and from curl's own agent (15)
seq 1 40 | sed 's/^/ad?zone=1\&n=/' | batch ad "${B[@]}"
seq 1 15 | sed 's/^/ad?zone=3\&n=/' | batch ad-curl
# 2. clicks on 20 of the served ads (valid tokens)
for i in $(seq 1 20); do
	click=$(grep -o '"click":"[^"]*"' "$T/ad.$i" | cut -d'"' -f4)
	[ -n "$click" ] || fail "no click URL in /ad answer $i"
	echo "c?${click#*/c\?}"
done | batch click-valid "${B[@]}"
# 2b. renders of 10 of them (the tag's report)
for i in $(seq 21 30); do
	r=$(grep -o '"render":"[^"]*"' "$T/ad.$i" | cut -d'"' -f4)
	echo "r?${r#*/r\?}"
done | batch render "${B[@]}"
# ... and 3 renders with a forged tag: impressions flagged token_bad.
# The forgery changes a character of the signature, the token's last 12
# bytes, short of its end: each such character carries 6 whole bits (the
# last carries 4 and 2 of padding, so changing it can give back the same
# bytes), and the ad and zone stay readable.
forge() {
	local s=$1 m=$((${#1} - 5)) c
	c=${s:m:1}; [ "$c" = A ] && c=B || c=A
	echo "${s:0:m}$c${s:m+1}"
}
for i in $(seq 31 33); do
	r=$(grep -o '"render":"[^"]*"' "$T/ad.$i" | cut -d'"' -f4)
	r=${r#*/r\?}
	echo "r?$(forge "$r")"
done | batch render-forged "${B[@]}"
# 3. forged tags (8) on a well-formed token of ad 1, zone 1; unsigned
#    clicks on ad 2 (allowed: 5) and on ad 1 (needs a token: 4)
for i in $(seq 1 8); do
	echo "c?t=$( (printf '\001'; head -c 8 /dev/urandom; printf '\0\0\0\001\0\0\0\001';
		head -c 12 /dev/urandom) | base64 | tr '+/' '-_' | tr -d '=\n')"
done | batch click-bad "${B[@]}"
seq 1 5 | sed 's/^/c?ad=2\&zone=1\&n=/' | batch click-unsigned "${B[@]}"
seq 1 4 | sed 's/^/c?ad=1\&zone=1\&n=/' | batch click-deny "${B[@]}"
# 4. pixels: known (10), unknown ad (3), HEAD (4), prefetch (3)
seq 1 10 | sed 's/^/i?ad=1\&zone=1\&n=/' | batch pixel "${B[@]}"
seq 1 3 | sed 's/^/i?ad=999\&zone=1\&n=/' | batch pixel-unknown "${B[@]}"
seq 1 4 | sed 's/^/i?ad=1\&zone=1\&n=/' | batch pixel-head -I "${B[@]}"
seq 1 3 | sed 's/^/i?ad=1\&zone=1\&n=/' | batch pixel-prefetch -H 'Sec-Purpose: prefetch' "${B[@]}"
# 5. requests that are not events: a bad parameter, an unknown path
echo 'ad?zone=abc' | batch bad-request
echo 'nothing' | batch not-found

sort "$S" | uniq -c
answered() { awk -v n="$1" -v c="$2" '$1 == n && $2 == c' "$S" | wc -l; }
served=$(( $(answered ad 200) + $(answered ad-curl 200) ))
imps=$(( $(answered render 200) + $(answered render-forged 200) + $(answered pixel 200) +
	 $(answered pixel-unknown 200) + $(answered pixel-head 200) + $(answered pixel-prefetch 200) ))
clicks=$(awk '$1 ~ /^click/ && $2 == 302' "$S" | wc -l)
[ "$served" -gt 50 ] || fail "too few ads answered: $served"
expect_eq "every render answered" 10 "$(answered render 200)"
expect_eq "every click answered 302" $((20 + 8 + 5 + 4)) "$clicks"
expect_eq "bad request answered 400" 1 "$(answered bad-request 400)"

# close serve's files (TERM closes and renames them), then ingest
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
ls "$T/spool"
ls "$T"/spool/*.open 2>/dev/null && fail "serve left an open file"
ingest_conf "$T/ingest.conf" archive
out=$("$ING" -c "$T/ingest.conf" --json)
echo "$out"
expect_eq "rejected" 0 "$(json_num "$out" rejected)"
expect_eq "spool emptied" "" "$(ls "$T/spool")"
dump_all "$T/data" | grep -v '	#' >"$T/events"
expect_eq "served = answered ads" "$served" "$(awk -F'\t' '$2 == "s"' "$T/events" | wc -l)"
expect_eq "impressions = answered renders and pixels" "$imps" "$(awk -F'\t' '$2 == "i"' "$T/events" | wc -l)"
ids() { awk -F'\t' -v t="$1" '$2 == t { print $4 }' "$T/events" | sort; }
expect_eq "each render under a served id" 10 "$(comm -12 <(ids s) <(ids i) | wc -l)"
expect_eq "clicks = answered 302s" "$clicks" "$(awk -F'\t' '$2 == "c"' "$T/events" | wc -l)"

# reasons (field 9 of dump_all = reasons hex): bits per docs/rules.md
has() { awk -F'\t' -v b="$1" '{ if (and(strtonum("0x" $9), b)) n++ } END { print n + 0 }' "$T/events"; }
if ! awk 'BEGIN { exit !and(1, 1) }' 2>/dev/null; then
	has() { python3 -c "import sys; b=int(sys.argv[1]); print(sum(1 for l in open(sys.argv[2]) if int(l.split('\t')[8], 16) & b))" "$1" "$T/events"; }
fi
expect_eq "non_browser = curl's requests" "$(answered ad-curl 200)" "$(has 2)"
expect_eq "prefetch = HEAD + prefetch" 7 "$(has 8)"
expect_eq "token_bad = forged tokens (clicks and renders)" 11 "$(has 32)"
expect_eq "forged renders: impressions with TOKEN_BAD, flagged token_bad" "3 3" \
	"$(awk -F'\t' '$2 == "i" && ($8 == "20" || $8 == "21")' "$T/events" | wc -l) $(awk -F'\t' '$2 == "i" && ($8 == "20" || $8 == "21") && $9 == "20"' "$T/events" | wc -l)"
expect_eq "unsigned_deny = unsigned clicks on ad 1" 4 "$(has 128)"
expect_eq "unknown_ad_zone = unknown ad" 3 "$(has 256)"
expect_eq "datacenter (127.0.0.1 is not)" 0 "$(has 4)"
valid=$(awk -F'\t' '$2 == "c" && $9 == "0"' "$T/events" | wc -l)
expect_eq "clean clicks = valid + allowed unsigned" $((20 + 5)) "$valid"
echo "t2004 ok"
