# ingest.sh - helpers of the adlog-ingest tests (t2xxx): a private config
# with the shipped lists, and segment contents as comparable text.
# Source after common.sh.

ING=$BUILD/adlog-ingest
GEN=$BUILD/adlog-gen

# ingest_conf FILE AFTER: spool, data, archive and quarantine under $T
ingest_conf() {
	mkdir -p "$T/spool" "$T/data"
	cat >"$1" <<CONF
[common]
spool_dir = $T/spool
data_dir = $T/data

[ingest]
after = $2
archive_dir = $T/archive
quarantine_dir = $T/quarantine
bot_patterns = $ROOT/data/bots.txt
bot_local = $ROOT/data/bots-local.txt
datacenter_cidrs = $ROOT/data/datacenters.txt
max_reject_ratio = 0.5
CONF
}

# dump_all DATA: every segment's events as TSV, prefixed by hour/file,
# sorted, so two stores compare with diff
dump_all() {
	local s
	find "$1" -name '*.seg' | sort | while read -r s; do
		"$ING" --dump "$s" | sed "s|^|${s#"$1"/}\t|"
	done
}

# json_num JSON KEY: a top-level number of the --json summary
json_num() {
	printf '%s' "$1" | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2
}
