#!/usr/bin/env bash
# demo-traffic.sh - the load client of `make demo`: real HTTP requests through
# nginx to adlog-serve, from four kinds of visitor, each bounded in count.
#
#   scripts/demo-traffic.sh BASE_URL WORKDIR [PEOPLE]
#
#   people       PEOPLE visitors (default 40) with their own cookie jar,
#                browser user agent, Accept-Language, a residential address
#                (documentation ranges 192.0.2.0/24, 203.0.113.0/24) and the
#                publisher's page as referer; 3-7 page views each, each ad
#                rendered (its render report, as the tag sends it), about 1
#                in 12 clicked 1.2-2.5 s after it was shown
#   crawler      Googlebot from a cloud address fetching every zone, no
#                cookies, plus link prefetches: ads served, never rendered
#   clickspam    a script with a browser user agent, aimed at publisher 1
#                (Daily News): one click token replayed 40 times, unsigned
#                clicks on an ad that needs a token, and forged tokens
#   selfclick    publisher 3 (Game Forum) and two friends on three addresses
#                viewing its own zones (rendering the ads) and clicking
#                nearly every ad
#
# Addresses reach serve through nginx's realip module (X-Forwarded-For from
# 127.0.0.1).  The sample inventory of schema/sample/inventory.sql is assumed
# (zones 1-6 on publishers 1-3, zone 7 the newsletter pixel of ad 5).  Each
# actor writes one line per request ("ACTOR CODE PATH") to WORKDIR/requests;
# the summary by actor and status goes to stdout.
set -euo pipefail
BASE=${1:?usage: demo-traffic.sh BASE_URL WORKDIR [PEOPLE]}
W=${2:?usage: demo-traffic.sh BASE_URL WORKDIR [PEOPLE]}
PEOPLE=${3:-40}
mkdir -p "$W/jars" "$W/tmp"
: >"$W/requests"
rm -f "$W/stop"
# on INT/TERM every actor stops before its next request
trap 'touch "$W/stop"; kill $(jobs -p) 2>/dev/null; exit 130' INT TERM
stopped() { [ -e "$W/stop" ]; }

BROWSERS=(
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"
	"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"
	"Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Mobile Safari/537.36"
)
DOMAINS=(dailynews.example recipes.example gameforum.example)

# get ACTOR IP UA REFERER JAR PATH [CURL ARGS...]: one request; prints the
# body of an /ad answer.  Few forks: the machine may be busy.
get() {
	local actor=$1 ip=$2 ua=$3 ref=$4 jar=$5 path=$6 code f=$W/tmp/$BASHPID
	shift 6
	local args=(-s -m 10 -o "$f.body" -w '%{http_code}' -A "$ua" -H "X-Forwarded-For: $ip")
	[ -z "$ref" ] || args+=(-e "$ref")
	[ -z "$jar" ] || args+=(-b "$jar" -c "$jar")
	curl "${args[@]}" "$@" "$BASE$path" >"$f.code" 2>/dev/null || true
	code=$(<"$f.code")
	printf '%s %s %s\n' "$actor" "${code:-000}" "${path%%\?*}" >>"$W/requests"
	if [[ $path == /ad* ]] && [ -s "$f.body" ]; then printf '%s' "$(<"$f.body")"; fi
}

# get_many ACTOR IP UA HEADER PATH...: the PATHs in order on one connection,
# no cookies (one curl process: a crawler or a script, not a browser); HEADER
# is an extra request header or ""
get_many() {
	local actor=$1 ip=$2 ua=$3 p args=()
	[ -z "$4" ] || args+=(-H "$4")
	shift 4
	for p in "$@"; do args+=(-o /dev/null "$BASE$p"); done
	curl -s -m 30 -w '%{http_code} %{url_effective}\n' -A "$ua" -H "X-Forwarded-For: $ip" \
		"${args[@]}" 2>/dev/null |
		awk -v a="$actor" -v base="$BASE" '{ u = substr($2, length(base) + 1); sub(/\?.*/, "", u); print a, $1, u }' \
			>>"$W/requests"
}

click_of() { [[ $1 =~ \"click\":\"([^\"]+)\" ]] && printf '%s' "${BASH_REMATCH[1]//\\\//\/}"; }
render_of() { [[ $1 =~ \"render\":\"([^\"]+)\" ]] && printf '%s' "${BASH_REMATCH[1]//\\\//\/}"; }

# sleep_ms MS: MS below 1000
sleep_ms() { sleep "0.$(printf '%03d' "$1")"; }

person() {
	local n=$1 pub ua ip jar ref page zone body click render pages
	RANDOM=$((n * 7919 + 17))
	pub=$((n % 3 + 1))
	ua=${BROWSERS[n % ${#BROWSERS[@]}]}
	if ((n % 2)); then ip=192.0.2.$((n % 250 + 1)); else ip=203.0.113.$((n % 250 + 1)); fi
	jar=$W/jars/person.$n
	pages=$((3 + RANDOM % 5))
	for ((page = 1; page <= pages; page++)); do
		stopped && return
		zone=$((pub * 2 - 1 + RANDOM % 2))
		ref="https://${DOMAINS[pub - 1]}/article/$((RANDOM % 500))"
		body=$(get people "$ip" "$ua" "$ref" "$jar" "/ad?zone=$zone" -H "Accept-Language: en-GB,en;q=0.8")
		render=$(render_of "$body") || render=
		[ -z "$render" ] || get people "$ip" "$ua" "$ref" "$jar" "$render" -H "Accept-Language: en-GB,en;q=0.8" >/dev/null
		click=$(click_of "$body") || click=
		if [ -n "$click" ] && ((RANDOM % 12 == 0)); then
			sleep "1.$((2 + RANDOM % 9))"
			get people "$ip" "$ua" "$ref" "$jar" "$click" -H "Accept-Language: en-GB,en;q=0.8" >/dev/null
		fi
		# some read the newsletter too: its pixel, rarely its unsigned link
		if ((RANDOM % 10 == 0)); then
			get people "$ip" "$ua" "https://mail.initech.example/" "$jar" "/i?ad=5&zone=7" >/dev/null
			((RANDOM % 4)) || get people "$ip" "$ua" "" "$jar" "/c?ad=5&zone=7" >/dev/null
		fi
		sleep_ms $((100 + RANDOM % 400))
	done
}

people() {
	local n batch=40
	for ((n = 1; n <= PEOPLE; n++)); do
		stopped && break
		person "$n" &
		((n % batch)) || wait
	done
	wait
}

crawler() {
	local ua="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	local round zone paths=()
	for ((round = 1; round <= 10; round++)); do
		for zone in 1 2 3 4 5 6; do paths+=("/ad?zone=$zone"); done
	done
	get_many crawler 34.200.10.20 "$ua" "" "${paths[@]}"
	stopped && return
	# a browser prefetching the ads a page links to, and a link-preview bot
	get_many crawler 203.0.113.200 "${BROWSERS[0]}" "Sec-Purpose: prefetch" \
		"/ad?zone=1" "/ad?zone=3" "/ad?zone=5" "/ad?zone=1" "/ad?zone=3" "/ad?zone=5"
	get_many crawler 35.190.1.7 "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" "" \
		"/ad?zone=2" "/ad?zone=4" "/ad?zone=6"
}

clickspam() {
	local ua=${BROWSERS[0]} ip=198.51.100.66 body click i replay=() unsigned=() forged=()
	body=$(get clickspam "$ip" "$ua" "https://dailynews.example/" "" "/ad?zone=1")
	click=$(click_of "$body") || click=
	sleep 1.1
	stopped && return
	for ((i = 1; i <= 40; i++)); do
		[ -z "$click" ] || replay+=("$click")
		unsigned+=("/c?ad=1&zone=1")
		forged+=("/c?t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$i")
	done
	get_many clickspam "$ip" "$ua" "" "${replay[@]}"
	get_many clickspam "$ip" "$ua" "" "${unsigned[@]:0:20}"
	get_many clickspam "$ip" "$ua" "" "${forged[@]:0:10}"
}

selfclick() {
	local who=$1 ip=198.51.100.$((10 + $1)) ua=${BROWSERS[$1 + 3]} jar=$W/jars/self.$1 page zone body click render
	RANDOM=$((who * 31 + 5))
	for ((page = 1; page <= 14; page++)); do
		stopped && return
		zone=$((5 + RANDOM % 2))
		body=$(get selfclick "$ip" "$ua" "https://gameforum.example/thread/$page" "$jar" "/ad?zone=$zone" -H "Accept-Language: de-DE,de;q=0.9")
		render=$(render_of "$body") || render=
		[ -z "$render" ] || get selfclick "$ip" "$ua" "https://gameforum.example/thread/$page" "$jar" "$render" -H "Accept-Language: de-DE,de;q=0.9" >/dev/null
		click=$(click_of "$body") || click=
		if [ -n "$click" ] && ((RANDOM % 10 < 8)); then
			sleep "1.$((1 + RANDOM % 5))"
			get selfclick "$ip" "$ua" "https://gameforum.example/thread/$page" "$jar" "$click" -H "Accept-Language: de-DE,de;q=0.9" >/dev/null
		fi
	done
}

people & crawler & clickspam &
for who in 0 1 2; do selfclick "$who" & done
wait
rm -rf "$W/tmp"

awk '{ n[$1 " " $2]++; t[$1]++ } END { for (k in n) print k, n[k] }' "$W/requests" | sort |
	awk 'BEGIN { printf "  %-10s %s\n", "actor", "requests by HTTP status" }
	     $1 != a { if (a != "") print line; a = $1; line = sprintf("  %-10s", a) }
	     { line = line sprintf(" %s:%d", $2, $3) } END { print line }'
