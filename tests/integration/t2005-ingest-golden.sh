#!/usr/bin/env bash
# t2005-ingest-golden: a hand-made spool file with one line per rule and per
# reject reason, and a line serve retracted, gives exactly the golden
# segment dump, quarantine and manifest (tests/golden/ingest-*).
# Regenerate with GOLDEN_UPDATE=1 after a deliberate change, and read the
# diff.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/ingest.sh"
G=$ROOT/tests/golden
SRC=$G/adlog.2026112704.gold.0000.1795752000000.log
ingest_conf "$T/adlog.conf" keep
cp "$SRC" "$T/spool/"
"$ING" -c "$T/adlog.conf" >"$T/summary"
cat "$T/summary"
dump_all "$T/data" >"$T/dump"
cp "$T"/quarantine/*.rej "$T/quarantine.rej"
cat "$T"/data/*/manifest.tsv >"$T/manifest"
if [ -n "${GOLDEN_UPDATE:-}" ]; then
	cp "$T/dump" "$G/ingest-dump.tsv"
	cp "$T/quarantine.rej" "$G/ingest-quarantine.rej"
	cp "$T/manifest" "$G/ingest-manifest.tsv"
fi
expect_file_eq "$G/ingest-dump.tsv" "$T/dump"
expect_file_eq "$G/ingest-quarantine.rej" "$T/quarantine.rej"
expect_file_eq "$G/ingest-manifest.tsv" "$T/manifest"
echo "t2005 ok"
