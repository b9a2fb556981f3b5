/* config.h - the one INI file of every adlog program (libinih), sections per
 * program.  Keys, defaults and docs live in one table (config_keys.c) that
 * also checks conf/adlog.conf.example.  The caller owns struct config. */
#ifndef ADLOG_CONFIG_H
#define ADLOG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_PATH_DEFAULT "/etc/adlog/adlog.conf"
#define CONF_STR_MAX 512

struct config_common {
	int64_t node_id;
	char host[64];
	char spool_dir[CONF_STR_MAX];
	char data_dir[CONF_STR_MAX];
};

struct config_serve {
	char socket[CONF_STR_MAX];
	int64_t processes;
	int64_t threads;
	int64_t backlog;
	char inventory[CONF_STR_MAX];
	int64_t inventory_check_ms;
	int64_t token_key_id;
	char token_key[CONF_STR_MAX];
	int64_t token_old_key_id;
	char token_old_key[CONF_STR_MAX];
	int64_t token_max_age;
	char click_base[CONF_STR_MAX];
	char cookie_name[64];
	int64_t cookie_max_age;
	bool cookie_secure;
	char cookie_domain[256];
	int64_t request_max_age_ms;
};

struct config_ingest {
	char archive_dir[CONF_STR_MAX];
	char quarantine_dir[CONF_STR_MAX];
	char after[16];            /* archive | delete | keep */
	int64_t quarantine_max_bytes;
	int64_t quarantine_max_lines;
	int64_t late_window;
	double max_reject_ratio;
	int64_t jobs;
	char bot_patterns[CONF_STR_MAX];
	char bot_local[CONF_STR_MAX];
	char datacenter_cidrs[CONF_STR_MAX];
	int64_t clock_skew;
	int64_t id_skew;
};

struct config_analyze {
	int64_t lock_wait;
	int64_t lookback;
	int64_t dup_click_window;
	/* activity rules: read by the rule families of analyze/rules_table.c */
	int64_t min_click_delay_ms;
	int64_t fast_click_window_ms;
	double fast_click_ratio;
	double fast_click_budget;
	double fast_click_precision;
	int64_t imp_flood_window_ms;
	double imp_stack_alpha;
	double refresh_timer_alpha;
	int64_t refresh_min_interval_s;
	int64_t fanout_uas;
	double addr_ctr_ratio;
	double addr_ctr_alpha;
	double oneshot_ratio;
	double oneshot_alpha;
	double oneshot_precision;
	double day_addr_ratio;
	double day_addr_alpha;
	int64_t day_addr_min_clicks;
	double hot_addr_alpha;
	int64_t table_max;
	int64_t sketch_log2;
	/* publisher scoring (analyze/pubscore.h) */
	int64_t pub_min_imps;
	int64_t pub_min_clicks;
	int64_t pub_hourly_min_clicks;
	double pub_alpha;
	double pub_ctr_ratio;
	int64_t pub_top_addrs;
	double pub_top_share;
	double pub_cookieless_excess;
	double pub_hourly_js;
};

struct config_mysql {
	char host[256];
	int64_t port;
	char socket[CONF_STR_MAX];
	char user[64];
	char password[256];
	char database[64];
};

struct config_cron {
	char status_dir[CONF_STR_MAX];
	char log[CONF_STR_MAX];    /* "syslog" or a file path */
	char report_dir[CONF_STR_MAX];
	int64_t archive_days;
	int64_t segment_days;
	int64_t quarantine_days;
	int64_t report_days;
	char datacenter_sources[CONF_STR_MAX];
};

struct config_admin {
	char serve_status_url[CONF_STR_MAX];  /* "" = do not ask serve */
	int64_t max_lag;           /* seconds; adlog-admin status exits 1 above */
};

struct config {
	char path[CONF_STR_MAX];   /* file the values came from, "" if none */
	struct config_common common;
	struct config_serve serve;
	struct config_ingest ingest;
	struct config_analyze analyze;
	struct config_mysql mysql;
	struct config_cron cron;
	struct config_admin admin;
};

enum conf_type { CONF_INT, CONF_BOOL, CONF_STR, CONF_DOUBLE };

struct conf_key {
	const char *section;
	const char *name;
	enum conf_type type;
	size_t off;                /* offsetof(struct config, ...) */
	size_t size;               /* CONF_STR: buffer size */
	const char *def;           /* default, as it would be written */
	double min, max;           /* CONF_INT, CONF_DOUBLE */
	const char *doc;           /* one line for the example file */
};

/* The table of every key, in file order. */
const struct conf_key *config_keys(size_t *n);

/* A key adlog no longer reads, and what took its place. */
struct conf_retired {
	const char *section, *name, *why;
};

/* The retired key section.name, or NULL. */
const struct conf_retired *config_retired(const char *section,
					  const char *name);

/* The path to read: opt if given, else $ADLOG_CONF, else the default. */
const char *config_path(const char *opt);

/* Fill c with every default. */
void config_defaults(struct config *c);

/* Defaults, then the file at path.  A missing file is an error unless
 * missing_ok.  On error returns -1 with a message naming file, line and key
 * in err ("adlog.conf:12: unknown key 'foo' in [serve]"). */
int config_load(struct config *c, const char *path, bool missing_ok,
		char *err, size_t errlen);

/* Set one key from text, as if read from a file (for tests and flags). */
int config_set(struct config *c, const char *section, const char *name,
	       const char *value, char *err, size_t errlen);

#endif
