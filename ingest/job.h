/* job.h - ingest one source file end to end: read, parse, validate, apply
 * the rules, write one segment per hour, quarantine rejects, then commit in
 * the exactly-once order (docs/segment-format.md, "Commit order").
 *
 * Ownership: struct ingest_opts is the caller's and read-only here; each
 * worker thread owns its struct givt_ctx and struct ingest_stats. */
#ifndef ADLOG_JOB_H
#define ADLOG_JOB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "givt.h"
#include "stats.h"

enum after_action { AFTER_ARCHIVE, AFTER_DELETE, AFTER_KEEP };

#define JOB_MAX_HOURS 16   /* segments one source may open */
#define QUARANTINE_TMP_SUFFIX ".rej.tmp"   /* after "." + the stem */

struct ingest_opts {
	const char *data_dir, *quarantine_dir, *archive_dir;
	enum after_action after;
	int64_t late_ms, skew_ms, id_skew_ms;
	uint64_t quar_max_bytes, quar_max_lines;  /* per source's .rej */
	pthread_mutex_t *manifest_mu;       /* serialises manifest updates */
	_Atomic uint64_t *progress;         /* raw bytes read, all jobs */
};

struct job_file {
	const char *path;       /* "-" for stdin */
	char stem[256];
	bool spool;             /* apply opts->after once committed */
};

/* Ingest one file, adding its counts to *st.  Returns 0, or a negative
 * errno after printing why (the source is then left where it was and no
 * segment or manifest of it changed). */
int job_run(const struct ingest_opts *o, struct givt_ctx *rc,
	    const struct job_file *f, struct ingest_stats *st);

#endif
