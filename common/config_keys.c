/* config_keys.c - every configuration key with its default and one line of
 * documentation.  conf/adlog.conf.example must list each (a unit test checks). */
#include <float.h>
#include <stddef.h>

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
	INT(serve, threads, "32", 1, 1024,
	    "threads per process; at least nginx workers x upstream keepalive"),
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
	    "scheme and host put before /c?t= in /ad answers; empty means relative"),
	STR(serve, cookie_name, "uid", "visitor cookie name"),
	INT(serve, cookie_max_age, "31536000", 0, 34560000,
	    "visitor cookie Max-Age in seconds"),
	BOOL(serve, cookie_secure, "true",
	     "mark the visitor cookie Secure; false only for plain-HTTP development"),
	STR(serve, cookie_domain, "", "visitor cookie Domain; empty means host-only"),

	STR(ingest, archive_dir, "/var/spool/adlog/archive",
	    "where ingested sources go, gzipped, when after = archive"),
	STR(ingest, quarantine_dir, "/var/lib/adlog/quarantine",
	    "rejected lines, one file per source, with reason and byte offset"),
	STR(ingest, after, "archive", "what to do with a source once ingested: archive, delete or keep"),
	INT(ingest, late_window, "3600", 0, 604800,
	    "seconds before a file's hour that an event may be late and still accepted"),
	DBL(ingest, max_reject_ratio, "0.05", 0, 1,
	    "exit with status 4 when a larger share of lines is rejected"),
	INT(ingest, jobs, "0", 0, 256, "files processed in parallel; 0 means one per core"),
	STR(ingest, bot_patterns, "/usr/share/adlog/bots.txt",
	    "declared bot and crawler user-agent patterns, one per line"),
	STR(ingest, bot_allow, "/usr/share/adlog/bots-allow.txt",
	    "user-agent patterns that are people even when a bot pattern matches"),
	STR(ingest, datacenter_cidrs, "/usr/share/adlog/datacenters.txt",
	    "data-centre address ranges, one CIDR per line"),
	STR(ingest, inventory, "/etc/adlog/inventory",
	    "inventory file, to know which ads may be clicked unsigned"),

	INT(analyze, lookback, "86400", 60, 604800,
	    "seconds a click may follow its impression"),
	INT(analyze, dup_click_window, "60", 1, 86400,
	    "seconds in which the same visitor clicking the same ad is a duplicate"),

	STR(mysql, host, "localhost", "MariaDB host; localhost uses the socket"),
	INT(mysql, port, "3306", 1, 65535, "MariaDB TCP port"),
	STR(mysql, socket, "", "MariaDB unix socket; empty means the client default"),
	STR(mysql, user, "adlog", "MariaDB user"),
	STR(mysql, password, "", "MariaDB password; keep this file mode 0600 or 0640"),
	STR(mysql, database, "adlog", "database holding inventory and rollups"),
};

const struct conf_key *config_keys(size_t *n)
{
	*n = sizeof(keys) / sizeof(keys[0]);
	return keys;
}
