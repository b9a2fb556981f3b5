#!/usr/bin/env bash
# demo-table.sh - the closing tables of `make demo` and the expectations it
# checks: every event of the demo's traffic named by its actor (from its
# address and user agent) and by the verdict analyze gave it.
#
#   scripts/demo-table.sh TRAFFIC_DIR PUBLISHERS_TSV
#
# TRAFFIC_DIR holds what scripts/demo-traffic.sh and scripts/demo.sh wrote:
#   actors      ACTOR<TAB>IP<TAB>USER-AGENT
#   cast        ACTOR<TAB>KIND<TAB>WHAT (KIND: person, bot, fraud)
#   publishers  PUBLISHER<TAB>ACTOR<TAB>owner|target: the publishers a
#               fraud actor owns or aims at
#   events      the spool's event lines (docs/log-format.md)
#   verdicts    `adlog-analyze --events` lines: ID TYPE REASONS_HEX NAMES
# PUBLISHERS_TSV: id, name, impressions, valid, clicks, valid, fraud score,
# flagged, publisher rules fired (MySQL, publisher_daily and stats_hourly).
#
# Prints a table per publisher (whose it is), a table per actor (served
# ads, impressions and clicks, valid, invalid by first reason), then one
# line per expectation, "expect: ... ok" or "expect: ... FAILED"; an event
# of a person that is not valid is listed with its id and reasons.  Exit
# status 1 when an expectation failed.
set -euo pipefail
D=${1:?usage: demo-table.sh TRAFFIC_DIR PUBLISHERS_TSV}
PUBS=${2:?usage: demo-table.sh TRAFFIC_DIR PUBLISHERS_TSV}

awk -F'\t' -v D="$D" -v PUBS="$PUBS" '
function pct(a, b) { return b ? sprintf("%.1f %%", 100 * a / b) : "-" }
function expect(ok, text) {
	printf "expect: %s ... %s\n", text, ok ? "ok" : "FAILED"
	failed += !ok
}
BEGIN {
	while ((getline l < (D "/cast")) > 0) {
		split(l, f, "\t"); kind[f[1]] = f[2]; what[f[1]] = f[3]; order[++nact] = f[1]
	}
	while ((getline l < (D "/actors")) > 0) {
		split(l, f, "\t"); k = f[2] "\t" f[3]
		if (k in who && who[k] != f[1]) { print "demo-table: " f[2] " " f[3] " is both " who[k] " and " f[1] > "/dev/stderr"; bad = 1 }
		who[k] = f[1]
	}
	while ((getline l < (D "/publishers")) > 0) {
		split(l, f, "\t")
		if (f[3] == "owner") owner[f[1]] = f[2]; else target[f[1]] = f[2]
	}
	# verdicts: a served ad and its render share an id; the served line
	# has no reason (served ads are not judged), so the id keeps the
	# reasons of whichever line has some
	while ((getline l < (D "/verdicts")) > 0) {
		split(l, f, "\t"); k = f[1] "\t" f[2]
		if (!(k in names) || f[4] != "-") names[k] = f[4]
	}
	if (bad) exit 1
}
$2 == "s" { served[actor_of()]++; next }
{
	a = actor_of(); t = $2; pub = $11
	k = $4 "\t" t
	if (!(k in names)) { unjudged++; next }
	n[a, t]++; pn[pub, t]++
	if (names[k] == "-") {
		v[a, t]++
		if (t == "c") billed[pub, a]++
		next
	}
	split(names[k], r, ","); why[a, r[1]]++
	if (!(a SUBSEP r[1] in seenwhy)) { seenwhy[a, r[1]] = 1; reasons[a] = reasons[a] " " r[1] }
	if (kind[a] == "person") wrong[++nwrong] = sprintf("  %s %s %s pub %s zone %s ad %s ip %s: %s", a, t == "c" ? "click" : "impression", $4, pub, $10, $9, $6, names[k])
}
function actor_of(  k) {
	k = $6 "\t" $13
	if (k in who) return who[k]
	unknown++
	if (!("unknown" in kind)) { kind["unknown"] = "?"; what["unknown"] = "events of no named actor"; order[++nact] = "unknown" }
	return "unknown"
}
END {
	if (bad) exit 1
	# publishers
	printf "%-24s %-26s %5s %5s %6s %5s  %-6s %s\n", "publisher", "whose", "imps", "valid", "clicks", "valid", "score", "publisher rules fired"
	while ((getline l < PUBS) > 0) {
		split(l, f, "\t"); id = f[1]
		whose = id == 0 ? "-" : id in owner ? "fraud: " owner[id] "'"'"'s own" : id in target ? "honest, " target[id] "'"'"'s target" : "honest"
		score = f[7] < 0 ? "-" : sprintf("%.2f%s", f[7], f[8] ? "*" : "")
		printf "%-24s %-26s %5d %5d %6d %5d  %-6s %s\n", id " " substr(f[2], 1, 21), whose, f[3], f[4], f[5], f[6], score, f[9]
		pname[id] = f[2]; flagged[id] = f[8]; rules[id] = f[9]; pscore[id] = f[7]
	}
	print "(score: the day'"'"'s publisher_daily.fraud_score, * = flagged)"
	print ""
	# actors
	printf "%-10s %-6s %6s %5s %5s %6s %5s  %s\n", "actor", "kind", "served", "imps", "valid", "clicks", "valid", "invalid events by first reason"
	for (i = 1; i <= nact; i++) {
		a = order[i]; line = ""
		nr = split(reasons[a], rs, " ")
		for (j = 1; j <= nr; j++) line = line sprintf("%s%s=%d", j > 1 ? " " : "", rs[j], why[a, rs[j]])
		printf "%-10s %-6s %6d %5d %5d %6d %5d  %s\n", a, kind[a], served[a], n[a, "i"], v[a, "i"], n[a, "c"], v[a, "c"], line
	}
	for (i = 1; i <= nact; i++) printf "  %-9s %s\n", order[i] ":", what[order[i]]
	print ""
	# expectations
	expect(!unknown && !unjudged, sprintf("every event has a named actor and a verdict (%d without an actor, %d without a verdict)", unknown, unjudged))
	pi = pvi = pc = pvc = 0
	for (i = 1; i <= nact; i++) {
		a = order[i]
		if (kind[a] == "person") { pi += n[a, "i"]; pvi += v[a, "i"]; pc += n[a, "c"]; pvc += v[a, "c"] }
		if (kind[a] == "bot")
			expect(v[a, "i"] + v[a, "c"] == 0,
			       sprintf("%s bills nothing (a declared bot, a data-centre address, a preview or a prefetch): %d ads served, %d of %d impressions and %d of %d clicks valid",
				       a, served[a], v[a, "i"], n[a, "i"], v[a, "c"], n[a, "c"]))
	}
	a = "clickspam"
	expect(n[a, "c"] > 0 && v[a, "c"] == 0,
	       sprintf("clickspam caught: every click invalid, none follows an ad shown to a person (%d of %d valid)", v[a, "c"], n[a, "c"]))
	a = "selfclick"
	expect(n[a, "c"] > 0 && v[a, "c"] == 0 && n[a, "i"] + n[a, "c"] - v[a, "i"] - v[a, "c"] >= 0.9 * (n[a, "i"] + n[a, "c"]),
	       sprintf("selfclick caught: every click invalid and at least 90 %% of its events, each of its addresses clicking far beyond one reader (%d of %d clicks, %d of %d impressions valid)",
		       v[a, "c"], n[a, "c"], v[a, "i"], n[a, "i"]))
	# a fraud actor owning a publisher: it ranks above every honest one;
	# flagged only on evidence of profit, which the clicks of three
	# addresses are not: the scores count a few sources as a burst a
	# publisher may suffer (docs/rules.md, one_address_burst)
	for (p in owner) {
		best = -1
		for (q in pname)
			if (q != 0 && !(q in owner) && pscore[q] > best) best = pscore[q]
		expect(pscore[p] > best, sprintf("%s, %s'"'"'s, scored above every honest publisher (%.2f against at most %.2f; %s)",
			pname[p], owner[p], pscore[p], best, rules[p] == "" ? "none fired" : rules[p]))
	}
	for (p in pname)
		if (p != 0 && !(p in owner))
			expect(!flagged[p], sprintf("%s, honest, not flagged by the publisher scores (%s)", pname[p], rules[p] == "" ? "none fired" : rules[p]))
	expect(pi && pvi >= 0.99 * pi, sprintf("people'"'"'s impressions at least 99 %% valid: %d of %d (%s)", pvi, pi, pct(pvi, pi)))
	expect(pc && pvc >= 0.99 * pc, sprintf("people'"'"'s clicks at least 99 %% valid: %d of %d (%s)", pvc, pc, pct(pvc, pc)))
	for (i = 1; i <= nwrong; i++) print wrong[i]
	other = 0; hb = 0
	for (k in billed) {
		split(k, f, SUBSEP)
		if (f[1] in owner || f[1] == 0) continue
		hb += billed[k]
		if (kind[f[2]] != "person") { other += billed[k]; print "  billed click of " f[2] " on publisher " f[1] }
	}
	expect(hb && !other, sprintf("the honest publishers'"'"' billed clicks come from people only: %d of %d", hb - other, hb))
	exit failed ? 1 : 0
}' "$D/events"
