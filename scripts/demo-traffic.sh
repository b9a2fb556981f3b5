#!/usr/bin/env bash
# demo-traffic.sh - the load client of `make demo`: real HTTP requests through
# nginx to adlog-serve from the demo's actors, each bounded in count, each
# with addresses and user agents of its own (WORKDIR/actors names them).
#
#   scripts/demo-traffic.sh BASE_URL WORKDIR [PEOPLE]
#
#   people     PEOPLE readers (default 200), each with a cookie jar, a browser
#              user agent, Accept-Language and an address of their own
#              (documentation ranges 192.0.2.0/24, 203.0.113.1-199),
#              arriving over the first 15 s.  A reader reads one
#              publisher: 2-4 pages, each page loading both of its zones
#              through the tag (the ad, then its render report), a think
#              time between pages, and on 1 page in 8 a click on one of
#              the page's two ads, 1.5-15 s after it rendered; the click
#              takes them to the advertiser, which ends their visit.  1 in
#              4 also opens the newsletter (its pixel) and 1 in 3 of those
#              follow its link (an unsigned click) seconds later.
#   crawler    Googlebot from a cloud address reading 8 pages of each
#              publisher; its renderer runs the tag, so the ads render
#   preview    a link-preview bot (Slackbot) fetching ads, never rendering
#   prefetch   a browser prefetching the ads of linked pages
#   clickspam  a script with a browser user agent and no cookies, aimed at
#              publisher 1 (Daily News): one click token replayed 30
#              times, 10 ads fetched and clicked at once without showing
#              them, unsigned clicks on an ad that needs a token, forged
#              tokens
#   selfclick  publisher 3's owner (Game Forum) and two friends on three
#              addresses, reading 8 of the forum's own pages at a person's
#              pace and clicking an ad on every page, 1.5-3 s after it shows
#
# Pace (people): the think time between pages is Weibull with shape 0.8 and
# scale 8 s, cut to 3-20 s.  Liu, White and Dumais, "Understanding web
# browsing behaviors through Weibull analysis of dwell time" (SIGIR 2010),
# found page dwell times Weibull with shape below 1 ("negative aging": a
# reader who stays past the first seconds tends to stay on); their pages'
# dwell times run to minutes, shortened here to keep the demo near a
# minute.  The time from a render to a click is log-normal with a median of
# 4 s (sigma 0.7), cut to 1.5-15 s: docs/redteam.md's people click with a
# median of 3-15 s.  People click on 1 page in 50, more often than the
# 0.1-0.5 % of real display ads so that a demo of about 1,200 impressions
# has clicks to bill, and few enough that the hour's CTR is the people's:
# the self-clickers' 48 impressions are a twenty-fifth of theirs, as fraud
# is a small share of a real network's traffic.
#
# Addresses reach serve through nginx's realip module (X-Forwarded-For from
# 127.0.0.1).  The sample inventory of schema/sample/inventory.sql is assumed
# (zones 1-6 on publishers 1-3, two per publisher, zone 7 the newsletter
# pixel of ad 5).  WORKDIR gets:
#   requests    one line per request: ACTOR CODE PATH
#   actors      ACTOR<TAB>IP<TAB>USER-AGENT, each pair an actor used
#   cast        ACTOR<TAB>KIND<TAB>WHAT: KIND is person, bot or fraud
#   publishers  PUBLISHER<TAB>ACTOR<TAB>owner|target: the publishers a
#               fraud actor owns or aims at
# The summary by actor and status goes to stdout.
set -euo pipefail
BASE=${1:?usage: demo-traffic.sh BASE_URL WORKDIR [PEOPLE]}
W=${2:?usage: demo-traffic.sh BASE_URL WORKDIR [PEOPLE]}
PEOPLE=${3:-200}
mkdir -p "$W/jars" "$W/tmp"
: >"$W/requests"
: >"$W/actors"
rm -f "$W/stop"
# on INT/TERM every actor stops before its next request
trap 'touch "$W/stop"; kill $(jobs -p) 2>/dev/null; exit 130' INT TERM
stopped() { [ -e "$W/stop" ]; }

cat >"$W/cast" <<'CAST'
people	person	readers of the publishers' pages, at a reader's pace
crawler	bot	Googlebot from a cloud address, rendering the ads as its renderer runs the tag
preview	bot	a link-preview bot (Slackbot) fetching ads
prefetch	bot	a browser prefetching the ads of linked pages
clickspam	fraud	a click-spamming script aimed at Daily News: replayed, unshown, unsigned and forged clicks
selfclick	fraud	Game Forum's owner and two friends clicking the forum's ads on every page
CAST
printf '3\tselfclick\towner\n1\tclickspam\ttarget\n' >"$W/publishers"

BROWSERS=(
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"
	"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"
	"Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Mobile Safari/537.36"
)
DOMAINS=(dailynews.example recipes.example gameforum.example)

# actor ACTOR IP UA: name the (address, user agent) pair as the actor's
actor() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$W/actors"; }

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

# plan SEED: a reader's visit, drawn once (one awk, not a fork per draw):
# "arrive S", then per page "page THINK CLICK DELAY" (THINK: seconds before
# the next page; CLICK: 0 none, 1 the box, 2 the banner; DELAY: seconds
# from the render to the click), then "mail OPEN DELAY"
plan() {
	awk -v seed="$1" '
	function weibull(k, scale) { return scale * exp(log(-log(1 - rand())) / k) }
	function lognormal(median, sigma,  u, v) {   # Box-Muller
		u = rand(); v = rand()
		return median * exp(sigma * sqrt(-2 * log(1 - u)) * cos(6.283185307 * v))
	}
	function cut(x, lo, hi) { return x < lo ? lo : x > hi ? hi : x }
	BEGIN {
		srand(seed)
		printf "arrive %.1f\n", 15 * rand()
		pages = 2 + int(3 * rand())
		for (p = 1; p <= pages; p++) {
			click = rand() < 1 / 50 ? 1 + int(2 * rand()) : 0
			# no think time after the last page: the reader leaves
			printf "page %.1f %d %.1f\n", p < pages ? cut(weibull(0.8, 8), 3, 20) : 0, click,
				cut(lognormal(4, 0.7), 1.5, 15)
			if (click) break                # off to the advertiser
		}
		open = rand() < 1 / 4
		printf "mail %d %d %.1f\n", open, open && rand() < 1 / 3, cut(lognormal(4, 0.7), 1.5, 15)
	}'
}

person() {
	local n=$1 pub ua ip jar lang="Accept-Language: en-GB,en;q=0.8" what a b c ref zone
	local bodies=() body render click
	pub=$((n % 3 + 1))
	ua=${BROWSERS[n % ${#BROWSERS[@]}]}
	if ((n % 2)); then ip=192.0.2.$((n % 250 + 1)); else ip=203.0.113.$((n % 199 + 1)); fi
	actor people "$ip" "$ua"
	jar=$W/jars/person.$n
	while read -r what a b c; do
		stopped && return
		case $what in
		arrive) sleep "$a" ;;
		page)
			ref="https://${DOMAINS[pub - 1]}/article/$((n * 37 % 500 + RANDOM % 20))"
			# the tag asks both of the page's slots, then each creative
			# loads and reports its render
			bodies=()
			for zone in $((pub * 2 - 1)) $((pub * 2)); do
				bodies+=("$(get people "$ip" "$ua" "$ref" "$jar" "/ad?zone=$zone" -H "$lang")")
			done
			for body in "${bodies[@]}"; do
				render=$(render_of "$body") || continue
				get people "$ip" "$ua" "$ref" "$jar" "$render" -H "$lang" >/dev/null
			done
			if ((b)); then
				sleep "$c"
				click=$(click_of "${bodies[b - 1]}") || continue
				get people "$ip" "$ua" "$ref" "$jar" "$click" -H "$lang" >/dev/null
			else
				sleep "$a"
			fi
			;;
		mail)
			((a)) || continue
			# the newsletter's pixel, and maybe its (unsigned) link
			get people "$ip" "$ua" "https://mail.initech.example/" "$jar" "/i?ad=5&zone=7" -H "$lang" >/dev/null
			((b)) || continue
			sleep "$c"
			get people "$ip" "$ua" "" "$jar" "/c?ad=5&zone=7" -H "$lang" >/dev/null
			;;
		esac
	done < <(plan "$((n * 7919 + 17))")
}

people() {
	local n
	for ((n = 1; n <= PEOPLE; n++)); do
		stopped && break
		person "$n" &
	done
	wait
}

crawler() {
	local ua="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	local ip=34.200.10.20 page pub zone body render
	actor crawler "$ip" "$ua"
	for ((page = 1; page <= 8; page++)); do
		for pub in 1 2 3; do
			stopped && return
			for zone in $((pub * 2 - 1)) $((pub * 2)); do
				body=$(get crawler "$ip" "$ua" "https://${DOMAINS[pub - 1]}/article/$page" "" "/ad?zone=$zone")
				render=$(render_of "$body") || continue
				get crawler "$ip" "$ua" "https://${DOMAINS[pub - 1]}/article/$page" "" "$render" >/dev/null
			done
		done
		sleep 0.5
	done
}

preview() {
	local ua="Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"
	actor preview 35.190.1.7 "$ua"
	get_many preview 35.190.1.7 "$ua" "" "/ad?zone=2" "/ad?zone=4" "/ad?zone=6"
}

prefetch() {
	actor prefetch 203.0.113.200 "${BROWSERS[0]}"
	get_many prefetch 203.0.113.200 "${BROWSERS[0]}" "Sec-Purpose: prefetch" \
		"/ad?zone=1" "/ad?zone=3" "/ad?zone=5" "/ad?zone=1" "/ad?zone=3" "/ad?zone=5"
}

clickspam() {
	local ua=${BROWSERS[0]} ip=198.51.100.66 body click i replay=() unsigned=() forged=() fresh=()
	actor clickspam "$ip" "$ua"
	body=$(get clickspam "$ip" "$ua" "https://dailynews.example/" "" "/ad?zone=1")
	click=$(click_of "$body") || click=
	sleep 1.1
	stopped && return
	for ((i = 1; i <= 30; i++)); do
		[ -z "$click" ] || replay+=("$click")
		unsigned+=("/c?ad=1&zone=1")
		forged+=("/c?t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$i")
	done
	# a click macro replaying the token it got
	get_many clickspam "$ip" "$ua" "" "${replay[@]}"
	# fresh ads, each clicked at once: the ad never shows (no render)
	for ((i = 1; i <= 10; i++)); do
		stopped && return
		body=$(get clickspam "$ip" "$ua" "https://dailynews.example/" "" "/ad?zone=$((1 + i % 2))")
		click=$(click_of "$body") && fresh+=("$click")
	done
	get_many clickspam "$ip" "$ua" "" "${fresh[@]}"
	get_many clickspam "$ip" "$ua" "" "${unsigned[@]:0:20}"
	get_many clickspam "$ip" "$ua" "" "${forged[@]:0:10}"
}

# selfclick WHO: one of the three; every page of the forum they load, they
# click one of its ads, as a person does (after it shows), and reload
selfclick() {
	local who=$1 ip=198.51.100.$((11 + $1)) ua=${BROWSERS[$1 + 3]} jar=$W/jars/self.$1
	local lang="Accept-Language: de-DE,de;q=0.9" page ref zone body bodies render click d
	actor selfclick "$ip" "$ua"
	RANDOM=$((who * 31 + 5))
	for ((page = 1; page <= 8; page++)); do
		stopped && return
		ref="https://gameforum.example/thread/$((100 + RANDOM % 50))"
		bodies=()
		for zone in 5 6; do
			bodies+=("$(get selfclick "$ip" "$ua" "$ref" "$jar" "/ad?zone=$zone" -H "$lang")")
		done
		for body in "${bodies[@]}"; do
			render=$(render_of "$body") || continue
			get selfclick "$ip" "$ua" "$ref" "$jar" "$render" -H "$lang" >/dev/null
		done
		d=$((15 + RANDOM % 16))
		sleep "$((d / 10)).$((d % 10))"
		click=$(click_of "${bodies[RANDOM % 2]}") || continue
		get selfclick "$ip" "$ua" "$ref" "$jar" "$click" -H "$lang" >/dev/null
		sleep "1.$((RANDOM % 10))"
	done
}

people & crawler & preview & prefetch & clickspam &
for who in 0 1 2; do selfclick "$who" & done
wait
rm -rf "$W/tmp"

awk '{ n[$1 " " $2]++; t[$1]++ } END { for (k in n) print k, n[k] }' "$W/requests" | sort |
	awk 'BEGIN { printf "  %-10s %s\n", "actor", "requests by HTTP status" }
	     $1 != a { if (a != "") print line; a = $1; line = sprintf("  %-10s", a) }
	     { line = line sprintf(" %s:%d", $2, $3) } END { print line }'
