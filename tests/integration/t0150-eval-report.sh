#!/usr/bin/env bash
# t0150-eval-report: a small make eval (scripts/eval.sh on two seeds)
# prints a report with a row for every scenario and trap, every percentage
# within [0,100], the detection-against-intensity table, the publisher
# ranking against intensity and the publisher ROC AUC, and writes the
# figures between the markers of the doc it is given, twice over without
# growing it.  adlog-eval reads another generator's label names with
# their declared class, and the held-out run refuses uncommitted rule
# changes.
. "$(dirname "$0")/lib/common.sh"

printf '# rules\n\nkept text\n' >"$T/rules.md"
run() {
	EVAL_REJUDGE=${EVAL_REJUDGE:-0} EVAL_EVENTS=60000 EVAL_HOURS=2 EVAL_SEEDS="3 4" EVAL_DIR="$T/eval" \
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
# caught / filtered percentages: columns 5 and 6 of the scenario rows
bad=$(awk -F' \\| ' '/^\| [a-z_]+ \| (GIVT|SIVT|trap) \| [0-9]+ \(/ {
	for (i = 5; i <= 6; i++) if ($i + 0 < 0 || $i + 0 > 100) print }' "$T/out")
[ -z "$bad" ] || fail "percentages outside [0,100]: $bad"
bad=$(tr -d '()|' <"$T/eval/summary.md" | awk '{
	for (i = 3; i <= NF - 3; i++) if ($i + 0 < 0 || $i + 0 > 100) print }')
[ -z "$bad" ] || fail "summary outside [0,100]: $bad"
grep -q '^| family | class | < 10 | 10-100 |' "$T/out" || fail "no intensity table"
expect_eq "families in the intensity table" 13 \
	"$(sed -n '/^| family | class/,/^$/p' "$T/out" | grep -c '^| [a-z_]* | \(GIVT\|SIVT\|trap\) |')"
# the ranking against intensity counts every fraudulent publisher of the
# summary rows once, and those above every honest one as they do
grep -q '^| family | < 10 | 10-100 |' "$T/out" || fail "no ranking table"
expect_eq "ranking table: above of all" \
	"$(awk -F'|' '{ split($(NF-2), a, " of "); o += a[1]; n += a[2] }
		END { print o + 0, n + 0 }' "$T/eval/summary.md")" \
	"$(sed -n '/^| family | < 10/,/^$/p' "$T/out" | grep -o '[0-9]* of [0-9]*' |
		awk '{ o += $1; n += $3 } END { print o + 0, n + 0 }')"
auc=$(awk -F'|' '/^\| seed 3 /{ print $(NF-1) }' "$T/eval/summary.md" | tr -d ' ')
case $auc in -|0.*|1.000) ;; *) fail "publisher AUC '$auc'" ;; esac

# another generator's labels: a declared class is used, an undeclared
# name is SIVT with a warning
d=$T/eval/seed3
{ printf 'class\tnat_people\ttrap\n'
  sed 's/\ttrap_nat$/\tnat_people/; s/\tcookie_replay$/\treplayed/' "$d/labels"; } >"$T/labels2"
"$BUILD/adlog-eval" -c "$T/eval/adlog.conf" --data "$d/data" --labels "$T/labels2" \
	--name other >"$T/other.md" 2>"$T/other.err" || fail "adlog-eval on renamed labels"
expect_eq "declared class" "$(grep '^| trap_nat | trap |' "$d/report.md" | cut -d'|' -f4)" \
	"$(grep '^| nat_people | trap |' "$T/other.md" | cut -d'|' -f4)"
grep -q '^| replayed | SIVT |' "$T/other.md" || fail "undeclared label not SIVT"
grep -q "label 'replayed' has no class line" "$T/other.err" || fail "no warning"
# a file of its own names only: no rows for adlog-gen's families
grep -v $'\tbotnet$' "$T/labels2" | grep -E $'^class|\tnat_people$' >"$T/labels3"
"$BUILD/adlog-eval" -c "$T/eval/adlog.conf" --data "$d/data" --labels "$T/labels3" \
	--name own >"$T/own.md" 2>/dev/null || fail "adlog-eval on its own names"
expect_eq "rows of a file with its own names" 1 \
	"$(grep -c '^| [a-z_]* | \(GIVT\|SIVT\|trap\) |' "$T/own.md")"

# the held-out run reads figures only on committed rules: a tree whose
# threshold file differs from its commit is refused before any work
mkdir -p "$T/tree/scripts" "$T/tree/conf"
cp "$ROOT/scripts/eval.sh" "$T/tree/scripts/"
echo "[analyze]" >"$T/tree/conf/adlog.conf.example"
git -C "$T/tree" init -q && git -C "$T/tree" add -A &&
	git -C "$T/tree" -c user.name=t -c user.email=t@t commit -qm t ||
	fail "cannot make a git tree"
echo "fast_click = 100" >>"$T/tree/conf/adlog.conf.example"
rc=0
EVAL_MARK=eval-heldout EVAL_DOC=- EVAL_DIR="$T/held" BUILD="$BUILD" \
	"$T/tree/scripts/eval.sh" >/dev/null 2>"$T/held.err" || rc=$?
expect_eq "held-out run on a changed threshold file" 1 "$rc"
grep -q "commit the rules" "$T/held.err" || fail "message: $(cat "$T/held.err")"
test ! -e "$T/held" || fail "the refused run did work"

expect_eq "kept text" 1 "$(grep -c '^kept text$' "$T/rules.md")"
n1=$(wc -l <"$T/rules.md")
cp "$T/rules.md" "$T/rules.first"
# judging the kept segments again gives the same figures, without a
# generator: its spool and gen.log are not looked at
rm -f "$T"/eval/seed*/gen.log
EVAL_REJUDGE=1 run
expect_eq "doc lines after a second run" "$n1" "$(wc -l <"$T/rules.md")"
expect_file_eq "$T/rules.first" "$T/rules.md"
expect_eq "markers" 1 "$(grep -c 'eval:begin' "$T/rules.md")"
