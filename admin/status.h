/* status.h - adlog-admin status: the pipeline's lag at a glance, gathered
 * read-only from the spool, the segments, the quarantine, the cron status
 * files, serve's /status and MySQL's bookkeeping, with a verdict (ok, or
 * what needs attention) and exit status 0 / 1 (docs/operations.md).
 *
 * Ownership: the caller owns struct status; status_release() frees what
 * status_collect() allocated inside it. */
#ifndef ADLOG_STATUS_H
#define ADLOG_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

#define STATUS_MAX_JOBS 16
#define STATUS_MAX_COUNTS 24
#define STATUS_MAX_REASONS 48
#define STATUS_MAX_ATTENTION 16
#define STATUS_DIGEST_MAX 64
#define STATUS_SERVE_TIMEOUT_MS 2000
#define STATUS_QUARANTINE_READ (64u << 20)  /* bytes read for reasons */

struct status_count {
	char name[48];
	uint64_t value;
};

/* One STATUS_DIR/JOB.status of cron/adlog-cron. */
struct status_job {
	char job[32], state[16], start[32], end[32], last_ok[32];
	char host[64], message[256];
	bool pid_gone;              /* running, but its pid no longer exists
				     * on this host: the run was killed */
	int exit_code;              /* -1 while running or when absent */
	int64_t start_unix, end_unix, pid;  /* 0 when absent */
	struct status_count counts[STATUS_MAX_COUNTS];
	unsigned ncounts;
};

/* One list of ingest's per-event rules, from its header (status_lists.c). */
#define STATUS_LIST_SOURCES 16
struct status_list {
	char name[16], path[4096];
	int err;                    /* errno reading it, 0 if read or unset */
	unsigned long entries;      /* patterns or ranges */
	int64_t as_of_ms;           /* "# as-of:", else the file's mtime */
	bool age_from_mtime;
	int64_t age_s;
	char sources[STATUS_LIST_SOURCES][160];
	unsigned nsources;
};

/* Where the hours waiting for analyze come from. */
enum status_source {
	STATUS_SRC_NONE,            /* nothing to compare with: unknown */
	STATUS_SRC_MYSQL,           /* analysed_hours, as --pending decides */
	STATUS_SRC_CRON,            /* MySQL down: the last good analyze run */
};

struct status {
	int64_t now_ms, max_lag_s;
	/* spool: closed files not yet ingested, serve's open files */
	int spool_err;              /* 0, or errno reading the folder */
	unsigned long closed_waiting, closed_ingested, open_files;
	char oldest[4096];          /* oldest waiting file, "" if none */
	uint32_t oldest_hour;       /* YYYYMMDDHH, 0 if its name tells none */
	int64_t ingest_lag_s;       /* the oldest waiting file's age */
	/* segments */
	int data_err;
	char data_errmsg[512];
	unsigned long seg_hours;
	uint32_t first_hour, newest_hour;
	/* analyze */
	enum status_source waiting_from;
	uint32_t last_analysed;     /* newest hour analysed, 0 if unknown */
	char last_analysed_at[32];
	uint32_t *waiting;          /* hours --pending would analyse */
	size_t nwaiting;
	int64_t analyze_lag_s;      /* since the oldest waiting hour ended */
	uint64_t copies_24h;        /* events met twice and counted once in
				     * the hours of the last 24 h (MySQL) */
	uint32_t *provisional;      /* hours analysed without their day's
				     * marks: the day pass has not judged
				     * them (MySQL), ascending */
	size_t nprovisional;
	/* MySQL */
	bool mysql_ok;              /* connected and read analysed_hours */
	bool mysql_connected;
	char mysql_err[512];
	/* quarantine */
	int quar_err;
	unsigned long quar_files;
	uint64_t quar_bytes, quar_lines;
	bool quar_partial;          /* stopped reading at STATUS_QUARANTINE_READ */
	struct status_count reasons[STATUS_MAX_REASONS];
	unsigned nreasons;
	/* serve */
	bool serve_asked, serve_ok;
	int serve_code;
	char serve_err[256];
	char *serve_body;
	/* cron */
	int cron_err;
	struct status_job jobs[STATUS_MAX_JOBS];
	unsigned njobs;
	/* ingest's lists: bots, bots_local, datacenters */
	struct status_list lists[3];
	/* verdict */
	char attention[STATUS_MAX_ATTENTION][256];
	unsigned nattention;
};

/* Gather every fact above for cfg at clock_now_ms().  Never fails: what
 * cannot be read is reported inside s.  Ends with status_verdict(). */
void status_collect(struct status *s, const struct config *cfg);
void status_release(struct status *s);

/* ---- pure parts (tests/unit/test_status.c) ---- */

/* Parse a JOB.status file (key=value lines, unknown keys ignored).
 * Returns 0, or -1 when it names no job. */
int status_job_parse(const char *text, size_t len, struct status_job *j);

/* Seconds since hour (YYYYMMDDHH) ended at now_ms; 0 while it has not. */
int64_t status_hour_lag(uint32_t hour, int64_t now_ms);

/* One JSON line of adlog-analyze --json: *hour and its digest (cap bytes)
 * when action is "loaded", "unchanged" or "marks-applied" (the day pass
 * set its marks' digest, rows unchanged).  false for any other line. */
bool status_analyze_line(const char *line, size_t len, uint32_t *hour,
			 char *digest, size_t cap);

/* Fill s->attention from the facts; true when all is well. */
bool status_verdict(struct status *s);

/* The facts of a list's text (its header's as-of and sources, its number
 * of entries) into l; as_of_ms -1 when the header has none. */
void status_list_parse(const char *text, size_t len, struct status_list *l);

/* Read the three lists the config names into s->lists. */
void status_lists_collect(struct status *s, const struct config *cfg);

/* Add n to the count called name (len bytes) in v (at most max). */
void status_count_add(struct status_count *v, unsigned *n, unsigned max,
		      const char *name, size_t len, uint64_t add);

/* "3h05m", "42s", "2d04h" into buf. */
const char *status_duration(int64_t s, char *buf, size_t cap);

/* ---- output (status_out.c) ---- */

/* s as JSON string text: quotes, backslash, control bytes and bytes that
 * are not UTF-8 escaped (the latter as U+FFFD). */
void status_json_str(FILE *f, const char *s);

void status_print_text(const struct status *s, const struct config *cfg,
		       FILE *f);
void status_print_json(const struct status *s, const struct config *cfg,
		       FILE *f);

#endif
