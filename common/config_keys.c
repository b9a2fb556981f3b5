/* config_keys.c - every configuration key with its default and one line of
 * documentation.  conf/adlog.conf.example is this table written out
 * (test_config checks); the rule families of analyze/rules_table.c read
 * the [analyze] keys of the rules (test_rules checks). */
#include <float.h>
#include <stddef.h>
#include <string.h>

#include "config.h"

#define STR(sec, field, def, doc) \
	{ #sec, #field, CONF_STR, offsetof(struct config, sec.field), \
	  sizeof(((struct config *)0)->sec.field), def, 0, 0, doc }
#define INT(sec, field, def, lo, hi, doc) \
	{ #sec, #field, CONF_INT, offsetof(struct config, sec.field), 0, \
	  def, lo, hi, doc }
#define BOOL(sec, field, def, doc) \
	{ #sec, #field, CONF_BOOL, offsetof(struct config, sec.field), 0, \
	  def, 0, 1, doc }
#define DBL(sec, field, def, lo, hi, doc) \
	{ #sec, #field, CONF_DOUBLE, offsetof(struct config, sec.field), 0, \
	  def, lo, hi, doc }

static const struct conf_key keys[] = {
	INT(common, node_id, "0", 0, 1023,
	    "10-bit node id in every event id; unique per serve process across hosts"),
	STR(common, host, "",
	    "host name in spool file names; empty means gethostname()"),
	STR(common, spool_dir, "/var/spool/adlog",
	    "where serve appends event files and ingest finds closed ones"),
	STR(common, data_dir, "/var/lib/adlog",
	    "where ingest writes hourly segments and analyze reads them"),

	STR(serve, socket, "/run/adlog/serve.sock",
	    "FastCGI unix socket; with processes > 1, process N listens on SOCKET.N"),
	INT(serve, processes, "2", 1, 64, "responder processes per host"),
	INT(serve, threads, "1", 1, 1024,
	    "request threads per process; each serves any number of kept connections"),
	INT(serve, backlog, "4096", 16, 65535, "listen backlog of the socket"),
	STR(serve, inventory, "/etc/adlog/inventory",
	    "inventory file (docs/inventory-format.md), reloaded when it changes"),
	INT(serve, inventory_check_ms, "1000", 100, 3600000,
	    "how often to look for a changed inventory file, in ms"),
	INT(serve, token_key_id, "1", 0, 255, "id of the current click-token key"),
	STR(serve, token_key, "",
	    "current click-token HMAC key, 64 hex digits; required"),
	INT(serve, token_old_key_id, "0", 0, 255,
	    "id of the previous key still accepted during rotation"),
	STR(serve, token_old_key, "",
	    "previous click-token key, 64 hex digits; empty when not rotating"),
	INT(serve, token_max_age, "86400", 1, 31536000,
	    "seconds after the impression a click token expires"),
	STR(serve, click_base, "",
	    "scheme and host put before /c?t= and /r?t= in /ad and /f answers (https:// or http://); empty means relative (the tag resolves it against its own host)"),
	STR(serve, cookie_name, "uid", "visitor cookie name"),
	INT(serve, cookie_max_age, "31536000", 0, 34560000,
	    "visitor cookie Max-Age in seconds"),
	BOOL(serve, cookie_secure, "true",
	     "mark the visitor cookie Secure; false only for plain-HTTP development"),
	STR(serve, cookie_domain, "", "visitor cookie Domain; empty means host-only"),
	INT(serve, request_max_age_ms, "2500", 0, 60000,
	    "refuse (503, no event) a request nginx passed on longer ago than this, in ms; below nginx's fastcgi_read_timeout; 0 never refuses"),

	STR(ingest, archive_dir, "/var/spool/adlog/archive",
	    "where ingested sources go, gzipped, when after = archive"),
	STR(ingest, quarantine_dir, "/var/lib/adlog/quarantine",
	    "rejected lines, one file per source, with reason and byte offset"),
	INT(ingest, quarantine_max_bytes, "67108864", 4096, 1099511627776,
	    "bytes of one source's quarantine file; the rejects past it are only counted"),
	INT(ingest, quarantine_max_lines, "1000000", 2, 1000000000000,
	    "records of one source's quarantine file; the rejects past it are only counted"),
	STR(ingest, after, "archive", "what to do with a source once ingested: archive, delete or keep"),
	INT(ingest, late_window, "3600", 0, 604800,
	    "seconds before a file's hour that an event may be late and still accepted"),
	DBL(ingest, max_reject_ratio, "0.05", 0, 1,
	    "exit with status 4 when a larger share of lines is rejected"),
	INT(ingest, jobs, "0", 0, 256, "files processed in parallel; 0 means one per core"),
	STR(ingest, bot_patterns, "/usr/share/adlog/bots.txt",
	    "declared bot and crawler user-agent patterns, one per line"),
	STR(ingest, bot_local, "/usr/share/adlog/bots-local.txt",
	    "hand-kept user-agent patterns merged with bot_patterns; [allow] ones are people"),
	STR(ingest, datacenter_cidrs, "/usr/share/adlog/datacenters.txt",
	    "data-centre address ranges, one CIDR per line"),
	INT(ingest, clock_skew, "300", 0, 3600,
	    "seconds after a file's hour that an event may still be stamped"),
	INT(ingest, id_skew, "60", 1, 86400,
	    "seconds an event id's time may differ from the event's timestamp"),

	INT(analyze, lock_wait, "3600", 0, 86400,
	    "seconds a run waits for another analyze run (any box) to finish"),
	INT(analyze, lookback, "86400", 60, 604800,
	    "seconds a click may follow its impression"),
	INT(analyze, dup_click_window, "60", 1, 86400,
	    "seconds in which the same visitor clicking the same ad is a duplicate"),
	INT(analyze, min_click_delay_ms, "100", 0, 3600000,
	    "a click sooner than this after its impression (a human limit) is flagged fast_click"),
	INT(analyze, fast_click_window_ms, "1000", 0, 3600000,
	    "a click sooner than this (or 2 or 4 times it) after its impression is fast: the windows of the fast_click excess test (the first also of the day pass's)"),
	DBL(analyze, fast_click_ratio, "2.0", 1, 1000,
	    "fast_click (and the day pass, a visitor's day) tests a source's fast clicks against this times the others' share"),
	DBL(analyze, fast_click_budget, "0.01", 0, 1,
	    "expected sources (addresses, and publishers) falsely found fast per hour: the Bonferroni budget"),
	DBL(analyze, fast_click_precision, "0.995", 0, 1,
	    "a fast source's fast clicks are flagged (a fast visitor's day marked) when people's expected among them are at most 1 - this share"),
	INT(analyze, imp_flood_window_ms, "1000", 1, 3600000,
	    "one ad call (same visitor, zone and ad) again within this is imp_flood; the day pass takes loads within this of the first as one view"),
	DBL(analyze, imp_stack_alpha, "0.001", 0.000001, 0.5,
	    "imp_stack: a view loading a zone as often as at most this share of peers' views"),
	INT(analyze, refresh_min_interval_s, "30", 1, 3600,
	    "a kept cookie's loads of one zone past 3600 / this in an hour are imp_refresh (the shortest auto-refresh networks allow)"),
	DBL(analyze, refresh_timer_alpha, "0.001", 0.000001, 0.5,
	    "imp_refresh counts a cookieless visitor's loads when their intervals are a timer's at this false-positive rate"),
	INT(analyze, fanout_uas, "5", 2, 1000000,
	    "a uid sent with this many user agents in an hour is flagged uid_fanout (one browser sends at most 4: two versions, each in mobile and desktop mode)"),
	DBL(analyze, addr_ctr_ratio, "10.6", 1, 1000,
	    "addr_ctr tests an address's clicks against this times the hour's CTR (the heaviest clickers' CTR at most: 85% of clicks from 8% of people)"),
	DBL(analyze, addr_ctr_alpha, "0.001", 0, 1,
	    "and flags its clicks when the binomial p-value is below this shared by the addresses (networks) whose clicks could reach it"),
	DBL(analyze, oneshot_ratio, "2.0", 1, 1000,
	    "one_shot (and the day pass, a publisher's one-shot addresses) tests a publisher's one-shot clicks against this times its peers' rate"),
	DBL(analyze, oneshot_alpha, "0.001", 0, 1,
	    "and fires when the binomial p-value is below this shared by the publishers whose clicks could reach it"),
	DBL(analyze, oneshot_precision, "0.995", 0, 1,
	    "one_shot, hot_addr and the day pass's one-shot test flag clicks while the clicks expected of people stay under 1 minus this share of those flagged"),
	DBL(analyze, day_addr_ratio, "10.6", 1, 1000,
	    "the day pass tests an address's or kept uid's day clicks against this times the day's CTR"),
	DBL(analyze, day_addr_alpha, "0.01", 0, 1,
	    "and marks it day_addr when the p-value is below this over the keys tested"),
	INT(analyze, day_addr_min_clicks, "5", 1, 1000000,
	    "distinct clicks over the rolling day before an address or uid is tested (one-shot addresses before a publisher is)"),
	DBL(analyze, hot_addr_alpha, "0.001", 0, 1,
	    "an address is hot (hot_addr) when its clicks have a binomial p-value below this"),
	INT(analyze, table_max, "524288", 1024, 1073741824,
	    "entry cap of each exact rules table (bounds memory; see docs/rules.md)"),
	INT(analyze, sketch_log2, "27", 16, 34,
	    "Bloom filter of 2^N bits, count-min rows of 2^(N-6) counters"),
	INT(analyze, pub_min_imps, "1000", 1, 1000000000,
	    "impressions a publisher needs in a day before CTR and hourly tests speak"),
	INT(analyze, pub_min_clicks, "20", 1, 1000000000,
	    "clicks a publisher needs in a day before click-share tests speak"),
	INT(analyze, pub_hourly_min_clicks, "100", 1, 1000000000,
	    "clicks a publisher needs in a day before the hourly-profile test speaks"),
	DBL(analyze, pub_alpha, "0.000001", 0, 1,
	    "p-value under which a publisher test fires"),
	DBL(analyze, pub_ctr_ratio, "3.0", 1, 1000,
	    "and the publisher CTR must be at least this times its peers'"),
	INT(analyze, pub_top_addrs, "3", 1, 64,
	    "k of the share of clicks from the top k addresses"),
	DBL(analyze, pub_top_share, "0.5", 0, 1,
	    "share of clicks from the top k addresses that flags a publisher"),
	DBL(analyze, pub_cookieless_excess, "0.3", 0, 1,
	    "share of cookieless or fresh-cookie clicks above peers that flags"),
	DBL(analyze, pub_hourly_js, "0.15", 0, 1,
	    "Jensen-Shannon distance of hourly clicks from hourly impressions that flags"),

	STR(mysql, host, "localhost", "MariaDB host; localhost uses the socket"),
	INT(mysql, port, "3306", 1, 65535, "MariaDB TCP port"),
	STR(mysql, socket, "", "MariaDB unix socket; empty means the client default"),
	STR(mysql, user, "adlog", "MariaDB user"),
	STR(mysql, password, "", "MariaDB password; keep this file mode 0600 or 0640"),
	STR(mysql, database, "adlog", "database holding inventory and rollups"),

	STR(cron, status_dir, "/var/lib/adlog/status",
	    "cron/adlog-cron writes JOB.status and JOB.lock here (docs/operations.md)"),
	STR(cron, log, "syslog",
	    "where adlog-cron logs: syslog (tag adlog-cron) or a file path"),
	STR(cron, report_dir, "/var/lib/adlog/reports",
	    "the daily job writes YYYYMMDD.html reports here"),
	INT(cron, archive_days, "14", 0, 36500,
	    "purge archived spool files older than this many days; 0 keeps them"),
	INT(cron, segment_days, "90", 0, 36500,
	    "purge hourly segment folders older than this many days; 0 keeps them"),
	INT(cron, quarantine_days, "30", 0, 36500,
	    "purge quarantine files older than this many days; 0 keeps them"),
	INT(cron, report_days, "400", 0, 36500,
	    "purge daily reports older than this many days; 0 keeps them"),
	STR(cron, datacenter_sources, "/etc/adlog/datacenter-sources",
	    "the feeds the datacenters job builds ingest.datacenter_cidrs from"),

	STR(admin, serve_status_url, "http://127.0.0.1/status",
	    "serve's /status that adlog-admin status reads (plain http); empty skips it"),
	INT(admin, max_lag, "7200", 60, 31536000,
	    "adlog-admin status exits 1 when ingest or analyze lags more seconds"),
};

/* Keys adlog once read and no longer does: a file that still sets one is
 * told so, and why, rather than "unknown key" (docs/rules.md says what
 * replaced each rule). */
static const struct conf_retired retired[] = {
	{ "analyze", "pub_ref_outside_share",
	  "referer_outside_domains tests against the other publishers' share" },
	{ "analyze", "fanout_addrs",
	  "uid_fanout counts user agents only: a uid's addresses are no limit" },
	{ "analyze", "repeat_click_window",
	  "repeat_click is gone: dup_click and addr_ctr judge repeated clicks" },
	{ "analyze", "repeat_click_count",
	  "repeat_click is gone: dup_click and addr_ctr judge repeated clicks" },
	{ "analyze", "repeat_visitors_per_extra",
	  "repeat_click is gone: dup_click and addr_ctr judge repeated clicks" },
	{ "analyze", "burst_clicks_base",
	  "addr_burst is gone: addr_ctr judges an address's clicks" },
	{ "analyze", "burst_clicks_per_visitor",
	  "addr_burst is gone: addr_ctr judges an address's clicks" },
	{ "analyze", "burst_imps_base",
	  "addr_burst is gone: addr_ctr judges an address's clicks" },
	{ "analyze", "burst_imps_per_visitor",
	  "addr_burst is gone: addr_ctr judges an address's clicks" },
	{ "analyze", "fresh_visitor_weight",
	  "no rule counts the visitors behind an address since addr_burst" },
};

const struct conf_retired *config_retired(const char *section,
					  const char *name)
{
	for (size_t i = 0; i < sizeof(retired) / sizeof(retired[0]); i++)
		if (!strcmp(retired[i].section, section) &&
		    !strcmp(retired[i].name, name))
			return &retired[i];
	return NULL;
}

const struct conf_key *config_keys(size_t *n)
{
	*n = sizeof(keys) / sizeof(keys[0]);
	return keys;
}
