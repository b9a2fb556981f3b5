#!/usr/bin/env bash
# eval.sh - make eval: labelled traffic (adlog-gen --scenarios all, and
# the red-team generator adlog-redteam when built) through adlog-ingest,
# judged by adlog-eval with analyze's rules and Revive Adserver's floor.
# Prints the markdown report (per seed, per family detection against
# intensity, false positives, publisher ranking), writes it and a small
# HTML copy under $EVAL_DIR, and replaces the figures between the markers
# of docs/rules.md.
#
#   EVAL_EVENTS (12000000)  EVAL_HOURS (24: a day, the span of the
#   look-back and of the publisher scores; the first hours have no
#   history, as after a fresh install)  EVAL_SEEDS ("1 2 3 4": the
#   development seeds, the first is the default seed)  EVAL_GENS ("gen";
#   "gen redteam" for both generators)  EVAL_DIR (build/eval)  EVAL_DOC
#   (docs/rules.md; "-" leaves the doc alone)  EVAL_MARK ("eval"; the doc
#   section's marker: "eval-heldout" for the held-out report, which runs
#   only on committed rules and thresholds)  EVAL_REJUDGE (1: judge the
#   segments and labels a previous run kept under EVAL_DIR again, without
#   generating and ingesting: minutes instead of half an hour after a
#   change to the rules or to adlog-eval)  EVAL_PREPARE (1: generate and
#   ingest the seeds' segments and labels for a later EVAL_REJUDGE=1 run,
#   judge nothing and print no figures)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
EVENTS=${EVAL_EVENTS:-12000000}
HOURS=${EVAL_HOURS:-24}
SEEDS=${EVAL_SEEDS:-1 2 3 4}
GENS=${EVAL_GENS:-gen}
DIR=${EVAL_DIR:-$BUILD/eval}
DOC=${EVAL_DOC:-docs/rules.md}
MARK=${EVAL_MARK:-eval}
ROOT=$PWD

# the held-out figures are read on frozen thresholds: never on rules,
# thresholds or lists that are not committed
rules_paths="analyze ingest conf data common/config.c"
if [ "$MARK" = eval-heldout ] && ! git diff --quiet HEAD -- $rules_paths; then
	echo "eval: uncommitted changes under $rules_paths: commit the rules" \
		"before the held-out run (a threshold may not change in the" \
		"commit that reads its figures)" >&2
	exit 1
fi

REJUDGE=${EVAL_REJUDGE:-0}
PREPARE=${EVAL_PREPARE:-0}
[ "$PREPARE" = 1 ] && [ "$REJUDGE" = 1 ] &&
	{ echo "eval: EVAL_PREPARE and EVAL_REJUDGE exclude each other" >&2; exit 2; }
[ "$REJUDGE" = 1 ] || rm -rf "$DIR"
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
# make_segments: generate seed $seed of $gen into $d, ingest it (the
# segments and labels stay for a second look, the spool goes) and write
# the run's line counts into $d/lines.md
make_segments() {
	rm -rf "$d"
	mkdir -p "$d"
	if [ "$gen" = gen ]; then
		# --imperfect: late, out-of-order and malformed lines, as in
		# real spool files; the numbers must still balance
		"$BUILD/adlog-gen" --seed "$seed" --events "$EVENTS" --hours "$HOURS" \
			--scenarios all --labels "$d/labels" --imperfect \
			--write-inventory "$d/inventory" --out "$d/spool" 2>"$d/gen.log"
	else
		"$BUILD/adlog-redteam" --seed "$seed" --events "$EVENTS" \
			--hours "$HOURS" --labels "$d/labels" \
			--write-inventory "$d/inventory" --out "$d/spool" 2>"$d/gen.log"
	fi
	"$BUILD/adlog-ingest" -c "$DIR/adlog.conf" --spool "$d/spool" \
		--data "$d/data" >"$d/ingest.log"
	read -r accepted rejected < <(awk '$1 == "accepted" { a = $2 }
		$1 == "rejected" { r = $2 } END { print a, r }' "$d/ingest.log")
	if [ "$gen" = gen ]; then
		lines=$(sed -n 's/^adlog-gen: \([0-9]*\) lines.*/\1/p' "$d/gen.log")
		imperfect=$(sed -n 's/^adlog-gen: imperfect: //p' "$d/gen.log")
		malformed=${imperfect##*, }; malformed=${malformed%% *}
		if [ "$lines" != $((accepted + rejected)) ] ||
		   [ "$rejected" != "$malformed" ]; then
			echo "eval: seed $seed does not balance: $lines lines generated," \
				"$accepted accepted + $rejected rejected by ingest," \
				"$malformed malformed on purpose" >&2
			exit 1
		fi
	fi
	if [ "$gen" = gen ]; then
		printf 'Lines: %s generated (%s), %s accepted by ingest + %s rejected (the malformed ones).\n\n' \
			"$lines" "$imperfect" "$accepted" "$rejected" >"$d/lines.md"
	else
		printf 'Lines: %s accepted by ingest + %s rejected.\n\n' \
			"$accepted" "$rejected" >"$d/lines.md"
	fi
	rm -rf "$d/spool"
}

: >"$DIR/summary.md"
: >"$DIR/report.md"
: >"$DIR/curve.tsv"
: >"$DIR/ranks.tsv"
skipped=
for gen in $GENS; do
if [ "$gen" = redteam ] && [ ! -x "$BUILD/adlog-redteam" ]; then
	skipped="$BUILD/adlog-redteam is not built (the red-team generator is not on this branch yet): its seeds were skipped."
	echo "eval: $skipped" >&2
	continue
fi
for seed in $SEEDS; do
	if [ "$gen" = gen ]; then d=$DIR/seed$seed name="seed $seed"
	else d=$DIR/$gen$seed name="$gen seed $seed"; fi
	if [ "$REJUDGE" = 1 ] && [ -f "$d/lines.md" ]; then
		:       # the segments and labels of the last run
	else
		make_segments
	fi
	[ "$PREPARE" = 1 ] && continue
	"$BUILD/adlog-eval" -c "$DIR/adlog.conf" --data "$d/data" \
		--labels "$d/labels" --inventory "$d/inventory" \
		--datacenters data/datacenters.txt --name "$name" \
		--summary "$DIR/summary.md" --curve "$DIR/curve.tsv" \
		--ranks "$DIR/ranks.tsv" \
		--html "$d/eval.html" >"$d/report.md"
	cat "$d/lines.md" >>"$d/report.md"
	cat "$d/report.md" >>"$DIR/report.md"
done
done
if [ "$PREPARE" = 1 ]; then
	echo "eval: segments and labels ready under $DIR (EVAL_REJUDGE=1 judges them)" >&2
	exit 0
fi

# detection against intensity: each family's events of all runs pooled
# by the run's events a day, caught % (runs)
curve() {
	awk -F'\t' '
	function bucket(x) { return x < 10 ? 1 : x < 100 ? 2 : x < 1000 ? 3 :
		x < 10000 ? 4 : x < 100000 ? 5 : 6 }
	$5 > 0 { k = $2 SUBSEP bucket($4); n[k] += $5; c[k] += $6; r[k]++ }
	!($2 in cls) { cls[$2] = $3; order[++nf] = $2 }
	END {
		print "| family | class | < 10 | 10-100 | 100-1k | 1k-10k | 10k-100k | >= 100k |"
		print "|---|---|---|---|---|---|---|---|"
		for (i = 1; i <= nf; i++) {
			f = order[i]; line = "| " f " | " cls[f] " |"
			for (b = 1; b <= 6; b++) {
				k = f SUBSEP b
				line = line (k in n ? sprintf(" %.*f (%d) |",
					cls[f] == "trap" ? 2 : 1, 100 * c[k] / n[k], r[k]) : " - |")
			}
			print line
		}
	}' "$DIR/curve.tsv"
}

# publisher ranking against intensity: per family, the fraudulent
# publishers of all runs whose fraudulent events a day fall in a bucket,
# and of them those above every honest one of their run
rank_curve() {
	awk -F'\t' '
	function bucket(x) { return x < 10 ? 1 : x < 100 ? 2 : x < 1000 ? 3 :
		x < 10000 ? 4 : x < 100000 ? 5 : 6 }
	{ k = $2 SUBSEP bucket($3); n[k]++; ok[k] += $4 }
	!($2 in seen) { seen[$2] = 1; order[++nf] = $2 }
	END {
		print "| family | < 10 | 10-100 | 100-1k | 1k-10k | 10k-100k | >= 100k |"
		print "|---|---|---|---|---|---|---|"
		for (i = 1; i <= nf; i++) {
			f = order[i]; line = "| " f " |"
			for (b = 1; b <= 6; b++) {
				k = f SUBSEP b
				line = line (k in n ? sprintf(" %d of %d |", ok[k], n[k]) : " - |")
			}
			print line
		}
	}' "$DIR/ranks.tsv"
}

first=${SEEDS%% *}
# the first run's folder: seedN for adlog-gen, redteamN for the red team
case ${GENS%% *} in gen) firstdir=seed$first ;; *) firstdir=${GENS%% *}$first ;; esac
target="make $MARK"
{
	echo "Run by \`$target\` with the default thresholds: generators $GENS,"
	echo "seeds $SEEDS, $EVENTS valid events over $HOURS hours per seed, ingest"
	echo "with data/bots.txt, bots-local.txt and datacenters.txt."
	[ -z "$skipped" ] || echo "$skipped"
	echo "Each cell: adlog (Revive Adserver's floor in brackets).  Budgets:"
	echo "GIVT >= 99, SIVT >= 85, valid clicks <= 0.5, valid impressions and"
	echo "each trap <= 0.1 (two decimals), every fraudulent publisher above"
	echo "every honest one, publisher ROC AUC >= 0.99."
	echo
	echo "| run | GIVT worst family caught % | SIVT worst family caught % | valid clicks filtered % | valid impressions filtered % | worst trap filtered % | fraudulent publishers above every honest one | publisher ROC AUC |"
	echo "|---|---|---|---|---|---|---|---|"
	cat "$DIR/summary.md"
	echo
	echo "Detection against intensity: per family, the events caught (%) of"
	echo "the runs whose family wrote that many events a day, pooled (number"
	echo "of runs in brackets; a family's intensity is drawn per seed):"
	echo
	curve
	echo
	echo "Publisher ranking against intensity: per family, the fraudulent"
	echo "publishers above every honest one of their run, of those whose"
	echo "fraudulent events a day fall in the bucket, pooled over the runs:"
	echo
	rank_curve
	echo
	echo "Default seed in detail (the other seeds: \`$DIR/report.md\` after"
	echo "\`$target\`; HTML copies \`$DIR/seed*/eval.html\`):"
	echo
	cat "$DIR/$firstdir/report.md"
} >"$DIR/doc.md"
cat "$DIR/doc.md"
if [ "$DOC" != - ]; then
	begin="<!-- $MARK:begin ($target rewrites this section) -->"
	end="<!-- $MARK:end -->"
	if ! grep -qF "$begin" "$DOC"; then
		title="Measured on labelled traffic"
		[ "$MARK" = eval ] || title="Measured on the held-out block"
		printf '\n## %s\n\n%s\n%s\n' "$title" "$begin" "$end" >>"$DOC"
	fi
	awk -v b="$begin" -v e="$end" -v f="$DIR/doc.md" '
		$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
		$0 == e { skip = 0 }
		!skip' "$DOC" >"$DOC.tmp"
	mv "$DOC.tmp" "$DOC"
	echo "eval: figures written into $DOC" >&2
fi
