/* out.h - where adlog-gen's lines go: one file per hour per node in a
 * spool folder, named as serve names its closed files
 * (adlog.YYYYMMDDHH.HOST.NODE.START.log, or .log.gz compressed), or one
 * stream on stdout.  Lines are rendered by event_render() into a large
 * buffer per node and written in big chunks; gzip uses zlib's deflate.
 *
 * Ownership: out_init() allocates buffers and opens nothing; files are
 * opened by the sink's hour_open and closed (renamed from .open to .log)
 * by hour_close.  out_release() frees everything, removing an unfinished
 * .open file. */
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
	bool gzip;
	int level;               /* 1..9 with gzip */
	bool to_stdout;
};

struct out_stream;

struct out {
	struct out_opts o;
	char host[64];
	struct out_stream *s;    /* one per node, or one for stdout */
	uint32_t ns;
	size_t bufcap;
	uint64_t files, bytes;   /* closed files, bytes written */
};

int out_init(struct out *o, const struct out_opts *opts, char *err,
	     size_t errlen);
/* Flush what stdout mode still holds.  Returns 0 or a negative errno. */
int out_finish(struct out *o);
void out_release(struct out *o);

/* The out as a sink for gen_run(). */
struct gen_sink out_sink(struct out *o);

/* "YYYYMMDDHH" of the UTC hour holding ms, into buf (11 bytes, NUL). */
void out_hour_format(int64_t ms, char buf[11]);
/* Parse "YYYYMMDDHH" (exactly 10 digits, a real date).  Returns 0 or
 * -EINVAL. */
int out_hour_parse(const char *s, size_t len, int64_t *ms);

#endif
