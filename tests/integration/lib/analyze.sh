# analyze.sh - helpers of the adlog-analyze tests (t35xx): segments made the
# way production makes them (adlog-gen -> adlog-ingest), the generated
# network loaded into MySQL with prices, and a checksum of analyze's tables.
# Source after common.sh and mariadb.sh (start_mariadb first: it writes
# $ADLOG_CONF, to which analyze_setup adds [common] and [ingest]).

AN=$BUILD/adlog-analyze
DATA=$T/data
SPOOL=$T/spool

# analyze_setup: config sections for ingest, the schema, no segments yet
analyze_setup() {
	local lists=$ROOT/data empty=$T/empty
	: >"$empty"
	mkdir -p "$SPOOL" "$DATA"
	if [ -f "$lists/bots.txt" ]; then
		bots=$lists/bots.txt allow=$lists/bots-local.txt dc=$lists/datacenters.txt
	else
		bots=$empty allow=$empty dc=$empty
	fi
	cat >>"$ADLOG_CONF" <<CONF

[common]
data_dir = $DATA
spool_dir = $SPOOL

[ingest]
after = keep
archive_dir = $T/archive
quarantine_dir = $T/quarantine
bot_patterns = $bots
bot_local = $allow
datacenter_cidrs = $dc

; small tables: the tests' hours are small, and each hour clears them
[analyze]
table_max = 65536
sketch_log2 = 22
CONF
	"$BUILD/adlog-admin" migrate >/dev/null
}

# gen_logs OUTDIR EVENTS HOURS [more adlog-gen options]: v1 logs of a small
# network (20 publishers), and its inventory in OUTDIR/inventory
gen_logs() {
	local out=$1 events=$2 hours=$3
	shift 3
	"$BUILD/adlog-gen" --seed 7 --events "$events" --hours "$hours" \
		--start 2026010100 --pubs 20 --zones 120 --camps 12 --ads 60 \
		--out "$out" --write-inventory "$out/inventory" --quiet "$@"
}

# ingest_files FILE...: turn closed log files into segments under $DATA
ingest_files() {
	"$BUILD/adlog-ingest" --data "$DATA" --json "$@" >/dev/null
}

# load_prices INVENTORY: advertisers, campaigns (odd ids CPC 0.20 a click,
# even ids CPM 1.50 per 1000), publishers (share 70 %) and their domains
load_prices() {
	awk -F'\t' '
	$1 == "pub" {
		printf "INSERT INTO publishers (id, name, revenue_share_bp) VALUES (%s, \"%s\", 7000);\n", $2, $3
		if ($4 != "-") { n = split($4, d, ","); for (i = 1; i <= n; i++)
			printf "INSERT INTO publisher_domains (publisher_id, domain) VALUES (%s, \"%s\");\n", $2, d[i] }
	}
	$1 == "camp" {
		if (!adv[$3]++) printf "INSERT INTO advertisers (id, name) VALUES (%s, \"adv %s\");\n", $3, $3
		printf "INSERT INTO campaigns (id, advertiser_id, name, pricing, price_micros, start_at) VALUES (%s, %s, \"c%s\", \"%s\", %s, \"2020-01-01\");\n",
			$2, $3, $2, $2 % 2 ? "CPC" : "CPM", $2 % 2 ? 200000 : 1500000
	}' "$1" | sql
}

# segment_events: events in every segment under $DATA (the segment reader)
segment_events() {
	local n=0 f
	for f in "$DATA"/*/*.seg; do
		[ -f "$f" ] || continue
		n=$((n + $("$BUILD/adlog-ingest" --dump "$f" | grep -vc '^#')))
	done
	echo "$n"
}

# tables_digest: sha256 of analyze's tables, sorted, without the columns
# that only say when and how fast a run was (analysed_at, duration_ms)
tables_digest() {
	{
		sql "SELECT * FROM stats_hourly ORDER BY hour, publisher_id, zone_id, campaign_id, ad_id"
		sql "SELECT * FROM invalid_hourly ORDER BY hour, publisher_id, zone_id, campaign_id, ad_id, type, reason"
		sql "SELECT hour, segments_checksum, segments, events, invalid_events, analyzer_version FROM analysed_hours ORDER BY hour"
		sql "SELECT * FROM stats_daily ORDER BY day, publisher_id, zone_id, campaign_id, ad_id"
		sql "SELECT day, publisher_id, impressions, clicks, valid_impressions, valid_clicks, fraud_score, flagged, reasons, details FROM publisher_daily ORDER BY day, publisher_id"
	} | sha256sum | cut -c1-64
}
