/* writer.h - the event writer: whole lines appended with one write(2) to one
 * open file per process and hour, closed (fdatasync + rename from .open to
 * .log) at the hour's end, on request and at shutdown.  The file names are
 * the spool contract of /work/notes/CONTEXT.md and docs/serve.md.
 *
 * Ownership: the caller owns struct writer (writer_init/writer_release);
 * the writer owns its files.  writer_append is safe from any of the
 * nthreads slots at once (the appends to one file take turns, so a short
 * write can be cut off before anyone appends after it); the other calls
 * come from one control thread. */
#ifndef ADLOG_SERVE_WRITER_H
#define ADLOG_SERVE_WRITER_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "hazard.h"

#define WRITER_DIR_MAX 768
#define WRITER_PATH_MAX 1100
#define WRITER_RETRY_MS 1000   /* wait between attempts to open a file */

struct writer_file {
	int fd;
	uint64_t id;              /* this process's files counted from 1 */
	pthread_mutex_t append;   /* a write and its cut-back, as one */
	int64_t size;             /* bytes in it (append held); -1 unknown */
	int64_t hour;             /* Unix hours (UTC) the file is for */
	_Atomic bool broken;      /* I/O error: reopen on the next append */
	char open_path[WRITER_PATH_MAX], log_path[WRITER_PATH_MAX];
};

struct writer {
	char dir[WRITER_DIR_MAX];
	char host[64];
	unsigned node;
	_Atomic(void *) cur;      /* struct writer_file *, NULL when closed */
	_Atomic(void *) retired;  /* replaced file the control thread closes */
	void (*on_retire)(void);  /* tells the control thread; may be NULL */
	pthread_mutex_t roll;     /* one thread opens/closes at a time */
	struct hazard_set hz;
	_Atomic int64_t retry_ms; /* mono ms before which no open is tried */
	_Atomic uint64_t write_errors, files_closed, files_opened;
	struct ratelimit rl;
};

/* Host part of file names: name, or gethostname() when name is empty, with
 * every byte outside [A-Za-z0-9-] made '-'. */
void writer_host(const char *name, char *out, size_t cap);

/* Set up a writer for node in dir with nthreads slots; opens nothing yet.
 * Returns 0 or a negative errno. */
int writer_init(struct writer *w, const char *dir, const char *host,
		unsigned node, size_t nthreads);

/* Close (fdatasync + rename) every *.open file of this host and node left by
 * a crash.  Returns the number closed, or a negative errno. */
int writer_recover(struct writer *w);

/* Where an append landed: the file (struct writer_file id) and the offset
 * of its first byte. */
struct writer_at {
	uint64_t file;            /* 0: nowhere */
	int64_t off;
};

/* Append whole lines (each ending in LF) for events at ts_ms (the lines
 * of one hour), from slot.  Returns 0 when the lines are in the file, or a
 * negative errno when they were dropped (no file could be opened, disk
 * full, I/O error); never leaves a part of a line in the file.  When at is
 * not NULL it gets where the lines landed (file 0 when dropped). */
int writer_append(struct writer *w, size_t slot, const char *line, size_t len,
		  int64_t ts_ms, struct writer_at *at);

/* Retract the line that starts at.off of file at.file: its type byte
 * (EVENT_TYPE_OFF) goes upper case, so readers skip it (docs/log-format.md).
 * Only while the file is still open in this process (current, or retired
 * and not yet closed).  Returns 0, -ESTALE when the file was closed
 * already, or a negative errno. */
int writer_retract(struct writer *w, size_t slot, struct writer_at at);

/* Close the current file now (SIGUSR1, shutdown), and a retired one.
 * 0 or negative errno. */
int writer_close(struct writer *w);

/* Close a file replaced at the start of a new hour.  The request that
 * replaced it only hands it over (and calls on_retire), so no request
 * waits for the fdatasync of an hour's file. */
void writer_reap(struct writer *w);

/* writer_reap, and close the current file if its hour ended before now_ms. */
void writer_tick(struct writer *w, int64_t now_ms);

/* Is a file open now? */
bool writer_is_open(struct writer *w);

/* Close the current file and free everything. */
void writer_release(struct writer *w);

#endif
