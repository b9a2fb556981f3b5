#!/usr/bin/env bash
# t0150-eval-report: a small make eval (scripts/eval.sh on two seeds)
# prints a report with a row for every scenario and trap, every percentage
# within [0,100], and writes the figures between the markers of the doc it
# is given, twice over without growing it.
. "$(dirname "$0")/lib/common.sh"

printf '# rules\n\nkept text\n' >"$T/rules.md"
run() {
	EVAL_EVENTS=60000 EVAL_HOURS=2 EVAL_SEEDS="3 4" EVAL_DIR="$T/eval" \
		EVAL_DOC="$T/rules.md" BUILD="$BUILD" "$ROOT/scripts/eval.sh" \
		>"$T/out" 2>"$T/err" || { cat "$T/err"; fail "eval.sh failed"; }
}
run
for s in crawler script_dc spoof_dc double_click botnet click_farm \
	self_click hit_inflation pub_pool cookie_replay trap_nat trap_inapp \
	trap_viral; do
	grep -q "^| $s | " "$T/out" || fail "no row for $s"
done
expect_eq "summary rows" 2 "$(grep -c '^| seed ' "$T/eval/summary.md")"
grep -q 'valid clicks wrongly filtered' "$T/out" || fail "no valid-click row"
grep -q '^| fraudulent publisher' "$T/out" || fail "no publisher table"
test -s "$T/eval/seed3/eval.html" || fail "no HTML report"
# caught / filtered percentages: columns 4 and 5 of the scenario rows
bad=$(awk -F' \\| ' '/^\| [a-z_]+ \| (GIVT|SIVT|trap) \|/ {
	for (i = 4; i <= 5; i++) if ($i + 0 < 0 || $i + 0 > 100) print }' "$T/out")
[ -z "$bad" ] || fail "percentages outside [0,100]: $bad"
bad=$(tr -d '()|' <"$T/eval/summary.md" | awk '{
	for (i = 3; i <= NF - 3; i++) if ($i + 0 < 0 || $i + 0 > 100) print }')
[ -z "$bad" ] || fail "summary outside [0,100]: $bad"
expect_eq "kept text" 1 "$(grep -c '^kept text$' "$T/rules.md")"
n1=$(wc -l <"$T/rules.md")
run
expect_eq "doc lines after a second run" "$n1" "$(wc -l <"$T/rules.md")"
expect_eq "markers" 1 "$(grep -c 'eval:begin' "$T/rules.md")"
