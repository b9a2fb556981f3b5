#!/usr/bin/env bash
# demo.sh - `make demo`: show the pipeline working on this machine.
# Runs what exists so far: generate an hour of traffic and read it back.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
DEMO=var/demo
rm -rf "$DEMO" && mkdir -p "$DEMO/spool"
echo "demo: generating 200,000 events over 2 hours into $DEMO/spool"
"$BUILD/adlog-gen" --seed 1 --events 200000 --hours 2 --out "$DEMO/spool"
ls -l "$DEMO/spool"
echo "demo: parsing every line back"
"$BUILD/adlog-gen" --verify "$DEMO"/spool/*.log
