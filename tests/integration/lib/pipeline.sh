# pipeline.sh - sourced by operations tests and scripts/demo.sh after
# common.sh: the config sections every batch run needs, under one folder.
#
#   pipeline_conf DIR   print [common] spool_dir and data_dir, [ingest]
#                       archive and quarantine folders and the data files of
#                       the source tree, [cron] status_dir, log file and
#                       report_dir, all under DIR.  Callers append their own
#                       sections (a section may appear twice) and [mysql].
#   pipeline_bin        (tests) copy adlog-{gen,ingest,analyze,admin} to
#                       $T/bin, since other work may relink build/ meanwhile;
#                       sets BUILD and exports ADLOG_BINDIR for adlog-cron
#   pipeline_test_conf [DIR]  (tests, after start_mariadb) replace
#                       $ADLOG_CONF, mode 0600, with pipeline_conf DIR
#                       (default $T), then the sections
#                       on stdin, then the [mysql] section start_mariadb wrote
pipeline_conf() {
	cat <<CONF
[common]
spool_dir = $1/spool
data_dir = $1/data

[ingest]
archive_dir = $1/archive
quarantine_dir = $1/quarantine
bot_patterns = $ROOT/data/bots.txt
bot_local = $ROOT/data/bots-local.txt
datacenter_cidrs = $ROOT/data/datacenters.txt

[cron]
status_dir = $1/status
log = $1/cron.log
report_dir = $1/reports

CONF
}

# pipeline_bin: copy the programs into $T/bin (fails when one is not built)
pipeline_bin() {
	mkdir -p "$T/bin" && cp "$BUILD"/adlog-{gen,ingest,analyze,admin} "$T/bin/"
	BUILD=$T/bin
	export ADLOG_BINDIR=$T/bin
}

pipeline_test_conf() {
	( umask 077
	{
		pipeline_conf "${1:-$T}"
		cat
		sed -n '/^\[mysql\]/,$p' "$ADLOG_CONF"
	} >"$T/conf.new"
	mv "$T/conf.new" "$ADLOG_CONF"
	)
}
