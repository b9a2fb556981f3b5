/* out.h - where adlog-gen's lines go: one file per hour per node in a
 * spool folder, named as serve names its closed files
 * (adlog.YYYYMMDDHH.HOST.NODE.START.log, or .log.gz compressed), or one
 * stream on stdout.  Lines are rendered by event_render() into a 256 KiB
 * chunk per node; full chunks go to worker threads that write them in
 * order, and with gzip first deflate them in parallel (as pigz does: each
 * chunk primed with the 32 KiB before it and ended on a byte boundary, so
 * a file is still one ordinary gzip member).
 *
 * Ownership: out_init() allocates buffers and starts the workers; files
 * are opened by the sink's hour_open and, after hour_close, closed and
 * renamed from .open to .log by a worker once their data is written.
 * out_finish() waits for that; out_release() frees everything, removing
 * every file not completely written. */
#ifndef ADLOG_GEN_OUT_H
#define ADLOG_GEN_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include "gen.h"

#define OUT_GZIP_LEVEL 1   /* default deflate level; see docs/gen.md */

struct out_opts {
	const char *dir;         /* ignored with to_stdout */
	const char *host;        /* sanitised to [A-Za-z0-9-] */
	uint32_t nodes;
	uint32_t node_base;      /* added to the node in file names */
	bool gzip;
	int level;               /* 1..9 with gzip */
	bool to_stdout;
	uint32_t threads;        /* workers; 0 writes from the caller's thread */
	/* real spool files' flaws (docs/gen.md): late lines in the next
	 * hour's file, lines out of order, malformed lines */
	bool imperfect;
	int64_t end_ms;          /* with imperfect: the span's end (no file
				    after it to be late in) */
};

struct out_stream;
struct out_pipe;

struct out {
	struct out_opts o;
	char host[64];
	struct out_stream *s;    /* one per node, or one for stdout */
	uint32_t ns;
	size_t bufcap;
	struct out_pipe *p;      /* chunks on their way to the files */
	uint64_t files, bytes;   /* closed files, bytes written: after
				    out_finish() */
	int64_t hour_ms;         /* the hour open */
	uint64_t late, swapped, malformed;   /* with imperfect */
};

/* Workers worth running here: 1 for plain (writing is one stream of
 * syscalls), the online CPUs (at most 8) for gzip. */
uint32_t out_default_threads(bool gzip);

int out_init(struct out *o, const struct out_opts *opts, char *err,
	     size_t errlen);
/* Write out everything still held (the stdout stream, chunks in flight)
 * and stop the workers.  Returns 0 or the first write error. */
int out_finish(struct out *o);
/* Free everything; files not yet closed are removed. */
void out_release(struct out *o);

/* The out as a sink for gen_run(). */
struct gen_sink out_sink(struct out *o);

#endif
