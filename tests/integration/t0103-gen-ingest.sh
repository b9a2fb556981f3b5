#!/usr/bin/env bash
# t0103-gen-ingest: adlog-ingest takes adlog-gen's files (plain and gzip,
# several nodes) as serve's own: every line accepted, and valid traffic
# never on a data-centre address of ingest's sample list.
. "$(dirname "$0")/lib/common.sh"
GEN=$BUILD/adlog-gen

"$GEN" --seed 11 --events 60000 --hours 2 --nodes 2 --out "$T/spool" --quiet
"$GEN" --seed 12 --events 60000 --hours 2 --nodes 2 --gzip --host other \
	--out "$T/spool" --quiet
cat >"$T/adlog.conf" <<X
[common]
host = ingest
[ingest]
archive_dir = $T/archive
quarantine_dir = $T/quarantine
bot_patterns = $ROOT/data/bots.txt
bot_local = $ROOT/data/bots-local.txt
datacenter_cidrs = $ROOT/data/datacenters.txt
X
"$BUILD/adlog-ingest" -c "$T/adlog.conf" --spool "$T/spool" --data "$T/data" \
	--json >"$T/summary"
cat "$T/summary"
field() { grep -o "\"$1\": *[0-9]*" "$T/summary" | head -n 1 | grep -o '[0-9]*$'; }
expect_eq "lines read" 120000 "$(field lines)"
expect_eq "lines rejected" 0 "$(field rejected)"
expect_eq "sources archived under the test's folder" 8 "$(ls "$T/archive" | wc -l)"
expect_eq "datacenter flags" 0 "$(field datacenter || echo 0)"
