/* linereader.h - lines out of a closed spool file, plain or gzip (several
 * members too), with damage counted instead of fatal: a last line without
 * LF, runs of NUL bytes, over-long lines, a truncated or corrupt gzip tail.
 *
 * Ownership: the caller owns struct linereader; lr_close() frees its buffers
 * (never the fd).  A line returned by lr_next() lives until the next call. */
#ifndef ADLOG_LINEREADER_H
#define ADLOG_LINEREADER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#define LR_BUF_SIZE (1u << 20)     /* bytes read or inflated at a time */
#define LR_LINE_CAP (8u << 10)     /* longer lines are cut and skipped */
#define LR_MEM_BUF_SIZE (16u << 10) /* for memory input: small, so that
				     fuzzing runs fast and refills often */

enum lr_kind {
	LR_EOF = 0,
	LR_LINE,        /* a whole line; ptr/len exclude the LF */
	LR_PARTIAL,     /* the input ended without LF after these bytes */
	LR_NUL,         /* bytes cut short by a run of NUL bytes */
	LR_LONG,        /* the first LR_LINE_CAP bytes of a longer line */
};

enum lr_damage {
	LR_D_NONE = 0,
	LR_D_GZ_TRUNCATED,  /* gzip stream ends inside a member */
	LR_D_GZ_CORRUPT,    /* bad deflate data or header */
	LR_D_GZ_TRAILING,   /* bytes after the last member that are not gzip */
};

struct lr_line {
	const char *ptr;
	size_t len;
	uint64_t offset;    /* of ptr[0] in the decompressed stream */
	enum lr_kind kind;
};

struct lr_stats {
	uint64_t bytes;         /* decompressed bytes delivered */
	uint64_t nul_runs, nul_bytes;
	enum lr_damage damage;
	uint64_t damage_offset; /* compressed input offset of the damage */
};

struct lr_gz;

struct linereader {
	int fd;                 /* -1 when reading memory */
	const uint8_t *mem;
	size_t mem_len, mem_pos;
	uint64_t in_bytes;      /* raw bytes consumed from fd or mem */
	bool gzip;
	struct lr_gz *gz;
	char *buf;
	size_t bufsize;         /* LR_BUF_SIZE, or LR_MEM_BUF_SIZE */
	size_t pos, end;
	uint64_t base;          /* stream offset of buf[0] */
	bool eof, skip_long, skip_nul;
	int err;                /* negative errno of a read error */
	struct lr_stats st;
};

/* Read from fd (a file, pipe or stdin).  Gzip is recognised by its magic
 * bytes, not the name; threaded = inflate in a helper thread so that
 * inflating and parsing use two cores.  Returns 0 or a negative errno. */
int lr_open_fd(struct linereader *lr, int fd, bool threaded);

/* Read from bytes in memory (for fuzzing and tests). */
int lr_open_mem(struct linereader *lr, const void *buf, size_t len);

/* The next line.  Returns its kind (LR_EOF at the end), or a negative errno
 * on a read error, after which only lr_close() is valid. */
int lr_next(struct linereader *lr, struct lr_line *out);

/* Stop the helper thread, if any, and free the buffers. */
void lr_close(struct linereader *lr);

const char *lr_damage_name(enum lr_damage d);

#endif
