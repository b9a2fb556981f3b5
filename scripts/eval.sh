#!/usr/bin/env bash
# eval.sh - make eval: labelled traffic (adlog-gen --scenarios all) through
# adlog-ingest, judged by adlog-eval with analyze's rules and Revive
# Adserver's floor, on the default seed and three others.  Prints the
# markdown report, writes it and a small HTML copy under $EVAL_DIR, and
# replaces the figures between the eval markers of docs/rules.md.
#
#   EVAL_EVENTS (12000000)  EVAL_HOURS (24: a day, the span of the
#   look-back and of the publisher scores; the first hours have no
#   history, as after a fresh install)  EVAL_SEEDS ("1 2 3 4", the first
#   is the default seed)  EVAL_DIR (build/eval)  EVAL_DOC (docs/rules.md;
#   "-" leaves the doc alone)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
EVENTS=${EVAL_EVENTS:-12000000}
HOURS=${EVAL_HOURS:-24}
SEEDS=${EVAL_SEEDS:-1 2 3 4}
DIR=${EVAL_DIR:-$BUILD/eval}
DOC=${EVAL_DOC:-docs/rules.md}
ROOT=$PWD

rm -rf "$DIR"
mkdir -p "$DIR"
cat >"$DIR/adlog.conf" <<X
[common]
host = eval
[ingest]
; the spool is generated and removed here: nothing into the machine's
; archive and quarantine (runs side by side would overwrite each other's)
after = delete
archive_dir = $DIR/archive
quarantine_dir = $DIR/quarantine
bot_patterns = $ROOT/data/bots.txt
bot_local = $ROOT/data/bots-local.txt
datacenter_cidrs = $ROOT/data/datacenters.txt
X
: >"$DIR/summary.md"
: >"$DIR/report.md"
for seed in $SEEDS; do
	d=$DIR/seed$seed
	mkdir -p "$d"
	# --imperfect: late, out-of-order and malformed lines, as in real
	# spool files; the numbers must still balance
	"$BUILD/adlog-gen" --seed "$seed" --events "$EVENTS" --hours "$HOURS" \
		--scenarios all --labels "$d/labels" --imperfect \
		--write-inventory "$d/inventory" --out "$d/spool" 2>"$d/gen.log"
	"$BUILD/adlog-ingest" -c "$DIR/adlog.conf" --spool "$d/spool" \
		--data "$d/data" >"$d/ingest.log"
	lines=$(sed -n 's/^adlog-gen: \([0-9]*\) lines.*/\1/p' "$d/gen.log")
	imperfect=$(sed -n 's/^adlog-gen: imperfect: //p' "$d/gen.log")
	malformed=${imperfect##*, }; malformed=${malformed%% *}
	read -r accepted rejected < <(awk '$1 == "accepted" { a = $2 }
		$1 == "rejected" { r = $2 } END { print a, r }' "$d/ingest.log")
	if [ "$lines" != $((accepted + rejected)) ] ||
	   [ "$rejected" != "$malformed" ]; then
		echo "eval: seed $seed does not balance: $lines lines generated," \
			"$accepted accepted + $rejected rejected by ingest," \
			"$malformed malformed on purpose" >&2
		exit 1
	fi
	"$BUILD/adlog-eval" -c "$DIR/adlog.conf" --data "$d/data" \
		--labels "$d/labels" --inventory "$d/inventory" \
		--datacenters data/datacenters.txt --name "seed $seed" \
		--summary "$DIR/summary.md" --html "$d/eval.html" >"$d/report.md"
	printf 'Lines: %s generated (%s), %s accepted by ingest + %s rejected (the malformed ones).\n\n' \
		"$lines" "$imperfect" "$accepted" "$rejected" >>"$d/report.md"
	cat "$d/report.md" >>"$DIR/report.md"
	rm -rf "$d/spool"       # the segments stay for a second look
done

first=${SEEDS%% *}
{
	echo "Run by \`make eval\` ($(date -u +%Y-%m-%d)): adlog-gen --scenarios all,"
	echo "$EVENTS events over $HOURS hours per seed, default rule thresholds,"
	echo "ingest with data/bots.txt, bots-local.txt and datacenters.txt."
	echo "Each cell: adlog (Revive Adserver's floor in brackets).  Targets of"
	echo "issue 6: GIVT >= 99, SIVT >= 85, valid clicks <= 0.5, traps <= 0.1,"
	echo "every fraudulent publisher above every honest one."
	echo
	echo "| run | GIVT worst scenario caught % | SIVT worst scenario caught % | valid clicks filtered % | valid impressions filtered % | worst trap filtered % | fraudulent publishers above every honest one |"
	echo "|---|---|---|---|---|---|---|"
	cat "$DIR/summary.md"
	echo
	echo "Default seed in detail (the other seeds: \`$DIR/report.md\` after"
	echo "\`make eval\`; HTML copies \`$DIR/seed*/eval.html\`):"
	echo
	cat "$DIR/seed$first/report.md"
} >"$DIR/doc.md"
cat "$DIR/doc.md"
if [ "$DOC" != - ]; then
	begin='<!-- eval:begin (make eval rewrites this section) -->'
	end='<!-- eval:end -->'
	if ! grep -qF "$begin" "$DOC"; then
		printf '\n## Measured on labelled traffic\n\n%s\n%s\n' \
			"$begin" "$end" >>"$DOC"
	fi
	awk -v b="$begin" -v e="$end" -v f="$DIR/doc.md" '
		$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
		$0 == e { skip = 0 }
		!skip' "$DOC" >"$DOC.tmp"
	mv "$DOC.tmp" "$DOC"
	echo "eval: figures written into $DOC" >&2
fi
