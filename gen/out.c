/* out.c - per-hour, per-node spool files (plain or gzip) and stdout for
 * adlog-gen.  The name of a file being written ends in .open, so that a
 * reader of the folder (ingest) never sees a half-written .log. */
#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "diag.h"
#include "fsutil.h"
#include "parse.h"
#include "spool.h"
#include "utchour.h"


#define DICT_MAX 32768     /* deflate's window: what primes the next chunk */
#define LATE_MAX 65536     /* late lines held per node for the next hour */
/* With imperfect, per line (docs/gen.md): */
#define LATE_WINDOW_MS 2000  /* requests in flight at the hour's end ... */
#define LATE_SHARE 20        /* ... of which 20% are written after it */
#define SWAP_PER_MILLE 5     /* written after the next line */
#define MALFORMED_PER_100K 10 /* damaged (a field lost, or cut short) */

/* One output file, from hour_open until a worker has closed it. */
struct ofile {
	int fd;
	bool is_stdout;
	uint32_t crc;            /* gzip: CRC-32 of the data written so far */
	uint64_t isize;
	size_t stem;             /* path length without ".open" */
	char path[PATH_MAX];
};

/* What the generating thread holds per node (or for stdout). */
struct out_stream {
	struct ofile *f;         /* NULL between hours */
	char *buf;               /* the chunk being filled */
	size_t len;
	char *tail;              /* gzip: last DICT_MAX bytes of f's data */
	size_t tail_len;
	char *late;              /* imperfect: lines for the next hour's file */
	size_t late_len;
	char held[EVENT_LINE_MAX]; /* imperfect: a line written after the next */
	size_t held_len;
};

enum job_kind { JOB_DATA, JOB_CLOSE };

struct job {
	enum job_kind kind;
	struct ofile *f;
	char *buf;               /* JOB_DATA: the chunk, owned by the job */
	size_t len;
	char *dict;              /* gzip: the bytes before buf in the file */
	size_t dict_len;
	char *zout;              /* gzip: the chunk deflated */
	size_t zcap, zlen;
	uint32_t crc;
	bool done;               /* processed, ready to be written */
};

/* A ring of jobs: submitted at `tail`, claimed by workers at `claim`,
 * written strictly in order at `wpos` by whichever worker holds the write
 * turn.  Chunk buffers circulate through `freebufs`. */
struct out_pipe {
	pthread_mutex_t mu;
	pthread_cond_t work, space;
	struct job *jobs;
	uint32_t q;
	uint64_t tail, claim, wpos;
	bool writing, stop, abort;
	int err;                 /* first write error, sticky */
	uint64_t bytes, files;   /* touched only by the write turn */
	char **freebufs;
	uint32_t nfree;
	pthread_t *th;
	uint32_t nth;
	z_stream *zs;            /* one per worker (index nth: the caller) */
	uint32_t zlive;
};

/* ---- hours as text ---- */

/* ---- writing: the generating thread fills chunks, workers deflate and
 * write them ---- */

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Deflate one chunk on its own: primed with the 32 KiB before it, ended
 * with a sync flush so that chunks concatenate into one deflate stream. */
static int job_deflate(z_stream *z, struct job *j)
{
	deflateReset(z);
	if (j->dict_len &&
	    deflateSetDictionary(z, (const Bytef *)j->dict, (uInt)j->dict_len) != Z_OK)
		return -EIO;
	z->next_in = (Bytef *)j->buf;
	z->avail_in = (uInt)j->len;
	z->next_out = (Bytef *)j->zout;
	z->avail_out = (uInt)j->zcap;
	if (deflate(z, Z_SYNC_FLUSH) != Z_OK || z->avail_in || !z->avail_out)
		return -EIO;
	j->zlen = j->zcap - z->avail_out;
	j->crc = (uint32_t)crc32(0, (const Bytef *)j->buf, (uInt)j->len);
	return 0;
}

/* Write one processed job; called in ring order only.  After an error or
 * an abort nothing more is written and every file is removed on close. */
static int job_write(struct out *o, struct job *j, int err)
{
	struct ofile *f = j->f;
	bool gz = o->o.gzip;
	int rc = 0;

	if (j->kind == JOB_DATA) {
		if (err)
			return 0;
		if (gz) {
			f->crc = (uint32_t)crc32_combine(f->crc, j->crc, (z_off_t)j->len);
			f->isize += j->len;
			o->p->bytes += j->zlen;
			rc = fs_write_all(f->fd, j->zout, j->zlen);
		} else {
			o->p->bytes += j->len;
			rc = fs_write_all(f->fd, j->buf, j->len);
		}
		if (rc)
			diag_err("cannot write '%s': %s",
				 f->is_stdout ? "stdout" : f->path, strerror(-rc));
		return rc;
	}
	if (!err && gz) {
		/* an empty final block, then CRC-32 and ISIZE */
		unsigned char end[10] = { 3, 0 };

		put_le32(end + 2, f->crc);
		put_le32(end + 6, (uint32_t)f->isize);
		rc = fs_write_all(f->fd, (const char *)end, sizeof(end));
		o->p->bytes += sizeof(end);
	}
	if (f->is_stdout) {
		free(f);
		return rc;
	}
	if (close(f->fd) && !rc)
		rc = -errno;
	if (!err && !rc) {
		char final[PATH_MAX];

		memcpy(final, f->path, f->stem);
		memcpy(final + f->stem, gz ? ".log.gz" : ".log", gz ? 8 : 5);
		if (rename(f->path, final))
			rc = -errno;
		else
			o->p->files++;
	}
	if (err || rc) {
		if (rc)
			diag_err("cannot write '%s': %s", f->path, strerror(-rc));
		unlink(f->path);
	}
	free(f);
	return rc;
}

static void release_job_buffer(struct out_pipe *p, struct job *j)
{
	if (j->kind == JOB_DATA)
		p->freebufs[p->nfree++] = j->buf;
	j->buf = NULL;
	j->done = false;
}

/* Holding p->mu: if nobody is writing, write every finished job at the
 * head of the ring, dropping the lock around each write. */
static void write_turn(struct out *o)
{
	struct out_pipe *p = o->p;

	if (p->writing)
		return;
	p->writing = true;
	while (p->wpos < p->claim && p->jobs[p->wpos % p->q].done) {
		struct job *j = &p->jobs[p->wpos % p->q];
		int err = p->err ? p->err : p->abort ? -ECANCELED : 0;

		pthread_mutex_unlock(&p->mu);
		int rc = job_write(o, j, err);
		pthread_mutex_lock(&p->mu);
		if (rc && !p->err)
			p->err = rc;
		release_job_buffer(p, j);
		p->wpos++;
		pthread_cond_broadcast(&p->space);
	}
	p->writing = false;
}

static int job_process(struct out *o, z_stream *z, struct job *j)
{
	if (j->kind == JOB_DATA && o->o.gzip)
		return job_deflate(z, j);
	return 0;
}

static void *worker(void *arg)
{
	struct out *o = arg;
	struct out_pipe *p = o->p;
	z_stream *z = NULL;

	pthread_mutex_lock(&p->mu);
	for (uint32_t i = 0; i < p->nth; i++)
		if (pthread_equal(p->th[i], pthread_self()))
			z = &p->zs[i];
	for (;;) {
		while (!p->stop && p->claim == p->tail)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->claim == p->tail)
			break;
		struct job *j = &p->jobs[p->claim++ % p->q];

		pthread_mutex_unlock(&p->mu);
		int rc = job_process(o, z, j);
		pthread_mutex_lock(&p->mu);
		if (rc && !p->err)
			p->err = rc;
		j->done = true;
		write_turn(o);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Queue a job (taking the next ring slot, waiting for one if need be); with
 * no workers, do it at once.  Returns the pipe's first error so far. */
static int submit(struct out *o, const struct job *tmpl)
{
	struct out_pipe *p = o->p;
	int err;

	pthread_mutex_lock(&p->mu);
	while (p->tail - p->wpos >= p->q)
		pthread_cond_wait(&p->space, &p->mu);
	struct job *j = &p->jobs[p->tail % p->q];
	j->kind = tmpl->kind;
	j->f = tmpl->f;
	j->buf = tmpl->buf;
	j->len = tmpl->len;
	j->dict_len = tmpl->dict_len;
	if (tmpl->dict_len)
		memcpy(j->dict, tmpl->dict, tmpl->dict_len);
	j->done = false;
	p->tail++;
	if (p->nth) {
		pthread_cond_signal(&p->work);
	} else {
		p->claim++;
		pthread_mutex_unlock(&p->mu);
		int rc = job_process(o, &p->zs[0], j);
		pthread_mutex_lock(&p->mu);
		if (rc && !p->err)
			p->err = rc;
		j->done = true;
		write_turn(o);
	}
	err = p->err;
	pthread_mutex_unlock(&p->mu);
	return err;
}

/* A free chunk buffer; one always comes back once a job is written. */
static char *take_buffer(struct out_pipe *p)
{
	char *b;

	pthread_mutex_lock(&p->mu);
	while (!p->nfree)
		pthread_cond_wait(&p->space, &p->mu);
	b = p->freebufs[--p->nfree];
	pthread_mutex_unlock(&p->mu);
	return b;
}

/* Hand the filled chunk of s to the workers and start a new one. */
static int stream_push(struct out *o, struct out_stream *s)
{
	struct job j = { .kind = JOB_DATA, .f = s->f, .buf = s->buf,
			 .len = s->len };

	if (s->len == 0)
		return 0;
	if (o->o.gzip) {
		j.dict = s->tail;
		j.dict_len = s->tail_len;
	}
	int rc = submit(o, &j);
	if (o->o.gzip) {
		/* the tail for the next chunk: the last DICT_MAX bytes so far */
		if (s->len >= DICT_MAX) {
			memcpy(s->tail, s->buf + s->len - DICT_MAX, DICT_MAX);
			s->tail_len = DICT_MAX;
		} else {
			size_t keep = s->tail_len + s->len > DICT_MAX ?
				      DICT_MAX - s->len : s->tail_len;
			memmove(s->tail, s->tail + s->tail_len - keep, keep);
			memcpy(s->tail + keep, s->buf, s->len);
			s->tail_len = keep + s->len;
		}
	}
	/* the job owns the chunk now, even when it will not be written */
	s->buf = take_buffer(o->p);
	s->len = 0;
	return rc;
}

static int stream_begin(struct out *o, struct out_stream *s, struct ofile *f)
{
	s->f = f;
	s->len = 0;
	s->tail_len = 0;
	if (!o->o.gzip)
		return 0;
	/* gzip header: deflate, no name, mtime 0 (reproducible), Unix */
	static const unsigned char hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
	o->bytes += sizeof(hdr);
	return fs_write_all(f->fd, (const char *)hdr, sizeof(hdr));
}

static int stream_end(struct out *o, struct out_stream *s)
{
	int rc = stream_push(o, s);
	struct job j = { .kind = JOB_CLOSE, .f = s->f };

	s->f = NULL;
	int rc2 = submit(o, &j);
	return rc ? rc : rc2;
}

static int file_open(struct out *o, int64_t hour_ms, uint32_t node,
		     struct ofile **out)
{
	struct ofile *f = calloc(1, sizeof(*f));
	int n;

	if (!f)
		return -ENOMEM;
	n = spool_name_format(f->path, sizeof(f->path), o->o.dir,
			      hour_of_ms(hour_ms), o->host,
			      o->o.node_base + node, hour_ms, "");
	if (n < 0 || (size_t)n + 8 >= sizeof(f->path)) {
		free(f);
		return -ENAMETOOLONG;
	}
	f->stem = (size_t)n;
	memcpy(f->path + n, ".open", 6);
	f->fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		int rc = -errno;

		diag_err("cannot create '%s': %s", f->path, strerror(errno));
		free(f);
		return rc;
	}
	*out = f;
	return 0;
}

/* Append n bytes to node stream s, pushing a full chunk first. */
static int put(struct out *o, struct out_stream *s, const char *line,
	       size_t n)
{
	int rc;

	if (s->len + EVENT_LINE_MAX > o->bufcap && (rc = stream_push(o, s)))
		return rc;
	memcpy(s->buf + s->len, line, n);
	s->len += n;
	return 0;
}

static uint64_t line_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* The flaws of real spool files, drawn from the event id (so the bytes do
 * not depend on threads): a request in flight at the hour's end written
 * after the file was rotated, two workers' lines out of order, a line
 * damaged on its way (a tab lost, or cut short). */
static int imperfect_event(struct out *o, struct out_stream *s,
			   const struct event *ev)
{
	char line[EVENT_LINE_MAX];
	size_t n = event_render(ev, line, sizeof(line));
	uint64_t h = line_mix(ev->id ^ 0x696d70657266ull);
	int rc;

	if (h % 100000 < MALFORMED_PER_100K) {
		char *tab = memchr(line + 2, '\t', n - 2);

		if ((h >> 20) & 1 && tab) {
			*tab = ' ';                   /* a field lost */
		} else {
			n /= 2;                       /* cut short */
			line[n++] = '\n';
		}
		o->malformed++;
	}
	if (ev->ts_ms >= o->hour_ms + 3600000 - LATE_WINDOW_MS &&
	    o->hour_ms + 3600000 < o->o.end_ms && !o->o.to_stdout &&
	    (h >> 24) % 100 < LATE_SHARE && s->late_len + n <= LATE_MAX) {
		memcpy(s->late + s->late_len, line, n);
		s->late_len += n;
		o->late++;
		return 0;
	}
	if (!s->held_len && (h >> 40) % 1000 < SWAP_PER_MILLE) {
		memcpy(s->held, line, n);
		s->held_len = n;
		o->swapped++;
		return 0;
	}
	if ((rc = put(o, s, line, n)))
		return rc;
	if (s->held_len) {
		rc = put(o, s, s->held, s->held_len);
		s->held_len = 0;
	}
	return rc;
}

static int sink_event(void *ctx, const struct event *ev, uint32_t node,
		      uint32_t label)
{
	struct out *o = ctx;
	struct out_stream *s = &o->s[o->o.to_stdout ? 0 : node];
	int rc;

	(void)label;
	if (o->o.imperfect)
		return imperfect_event(o, s, ev);
	if (s->len + EVENT_LINE_MAX > o->bufcap && (rc = stream_push(o, s)))
		return rc;
	s->len += event_render(ev, s->buf + s->len, o->bufcap - s->len);
	return 0;
}

static int sink_hour_open(void *ctx, int64_t hour_ms)
{
	struct out *o = ctx;
	int rc;

	o->hour_ms = hour_ms;
	if (o->o.to_stdout)
		return 0;
	for (uint32_t i = 0; i < o->ns; i++) {
		struct ofile *f = NULL;
		struct out_stream *s = &o->s[i];

		if ((rc = file_open(o, hour_ms, i, &f)))
			return rc;
		if ((rc = stream_begin(o, s, f)))
			return rc;
		/* the last hour's late lines come first in this file */
		for (size_t at = 0, n; at < s->late_len; at += n) {
			n = (size_t)((char *)memchr(s->late + at, '\n',
						    s->late_len - at) -
				     (s->late + at)) + 1;
			if ((rc = put(o, s, s->late + at, n)))
				return rc;
		}
		s->late_len = 0;
	}
	return 0;
}

static int sink_hour_close(void *ctx, int64_t hour_ms)
{
	struct out *o = ctx;
	int rc;

	(void)hour_ms;
	for (uint32_t i = 0; i < o->ns; i++) {
		struct out_stream *s = &o->s[i];

		if (s->held_len) {
			if ((rc = put(o, s, s->held, s->held_len)))
				return rc;
			s->held_len = 0;
		}
		if (!o->o.to_stdout && (rc = stream_end(o, s)))
			return rc;
	}
	return 0;
}

struct gen_sink out_sink(struct out *o)
{
	return (struct gen_sink){
		.ctx = o,
		.hour_open = sink_hour_open,
		.event = sink_event,
		.hour_close = sink_hour_close,
	};
}

uint32_t out_default_threads(bool gzip)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (!gzip)
		return 1;
	return n < 1 ? 1 : n > 8 ? 8 : (uint32_t)n;
}

static int pipe_init(struct out *o)
{
	struct out_pipe *p = calloc(1, sizeof(*p));
	uint32_t nbuf;

	if (!p)
		return -ENOMEM;
	o->p = p;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->space, NULL);
	p->nth = o->o.threads;
	p->q = 4 * (p->nth ? p->nth : 1) + 4;
	nbuf = o->ns + p->q;
	p->jobs = calloc(p->q, sizeof(*p->jobs));
	p->freebufs = calloc(nbuf, sizeof(*p->freebufs));
	p->th = calloc(p->nth ? p->nth : 1, sizeof(*p->th));
	p->zs = calloc(p->nth + 1, sizeof(*p->zs));
	if (!p->jobs || !p->freebufs || !p->th || !p->zs)
		return -ENOMEM;
	for (uint32_t i = 0; i < o->ns + p->q; i++) {
		char *b = malloc(o->bufcap);

		if (!b)
			return -ENOMEM;
		p->freebufs[p->nfree++] = b;
	}
	if (o->o.gzip) {
		for (uint32_t i = 0; i < p->q; i++) {
			struct job *j = &p->jobs[i];

			j->zcap = deflateBound(NULL, (uLong)o->bufcap) + 64;
			j->zout = malloc(j->zcap);
			j->dict = malloc(DICT_MAX);
			if (!j->zout || !j->dict)
				return -ENOMEM;
		}
		for (uint32_t i = 0; i <= p->nth; i++) {
			if (deflateInit2(&p->zs[i], o->o.level, Z_DEFLATED, -15, 8,
					 Z_DEFAULT_STRATEGY) != Z_OK)
				return -ENOMEM;
			p->zlive++;
		}
	}
	pthread_mutex_lock(&p->mu);
	for (uint32_t i = 0; i < p->nth; i++) {
		if (pthread_create(&p->th[i], NULL, worker, o)) {
			p->nth = i;
			pthread_mutex_unlock(&p->mu);
			return -EAGAIN;
		}
	}
	pthread_mutex_unlock(&p->mu);
	return 0;
}

/* Let the workers finish what is queued, then stop them. */
static void pipe_stop(struct out_pipe *p, bool abort)
{
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	p->abort |= abort;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (uint32_t i = 0; i < p->nth; i++)
		pthread_join(p->th[i], NULL);
	p->nth = 0;
}

static void pipe_release(struct out_pipe *p)
{
	for (uint32_t i = 0; i < p->nfree; i++)
		free(p->freebufs[i]);
	for (uint32_t i = 0; p->jobs && i < p->q; i++) {
		free(p->jobs[i].zout);
		free(p->jobs[i].dict);
	}
	for (uint32_t i = 0; i < p->zlive; i++)
		deflateEnd(&p->zs[i]);
	free(p->jobs);
	free(p->freebufs);
	free(p->th);
	free(p->zs);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->space);
	free(p);
}

int out_init(struct out *o, const struct out_opts *opts, char *err,
	     size_t errlen)
{
	size_t hl = 0;
	int rc = -ENOMEM;

	memset(o, 0, sizeof(*o));
	o->o = *opts;
	for (const char *h = opts->host; *h && hl < sizeof(o->host) - 1; h++) {
		char c = *h;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-';
		o->host[hl++] = ok ? c : '-';
	}
	if (hl == 0)
		o->host[hl++] = '-';
	o->ns = opts->to_stdout ? 1 : opts->nodes;
	/* 256 KiB per chunk (copies into the page cache ran faster than from
	 * 1 MiB ones), less with many nodes: about 64 MiB at most */
	o->bufcap = (64u << 20) / (o->ns + 4 * o->o.threads + 4);
	if (o->bufcap > (1u << 18))
		o->bufcap = 1u << 18;
	if (o->bufcap < 4 * EVENT_LINE_MAX)
		o->bufcap = 4 * EVENT_LINE_MAX;
	o->s = calloc(o->ns, sizeof(*o->s));
	if (!o->s || (rc = pipe_init(o)))
		goto fail;
	for (uint32_t i = 0; i < o->ns; i++) {
		struct out_stream *s = &o->s[i];

		s->buf = take_buffer(o->p);
		if (opts->gzip && !(s->tail = malloc(DICT_MAX)))
			goto fail;
		if (opts->imperfect && !(s->late = malloc(LATE_MAX)))
			goto fail;
	}
	if (opts->to_stdout) {
		struct ofile *f = calloc(1, sizeof(*f));

		if (!f)
			goto fail;
		f->fd = STDOUT_FILENO;
		f->is_stdout = true;
		if ((rc = stream_begin(o, &o->s[0], f))) {
			snprintf(err, errlen, "cannot write stdout: %s",
				 strerror(-rc));
			out_release(o);
			return rc;
		}
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot set up output: %s", strerror(-rc));
	out_release(o);
	return rc;
}

int out_finish(struct out *o)
{
	int rc = 0;

	if (o->o.to_stdout && o->s[0].f)
		rc = stream_end(o, &o->s[0]);
	pipe_stop(o->p, false);
	o->bytes += o->p->bytes;
	o->files = o->p->files;
	return rc ? rc : o->p->err;
}

void out_release(struct out *o)
{
	if (o->p)
		pipe_stop(o->p, true);
	for (uint32_t i = 0; o->s && i < o->ns; i++) {
		struct out_stream *s = &o->s[i];

		if (s->f && !s->f->is_stdout) {
			close(s->f->fd);
			unlink(s->f->path);
		}
		free(s->f);
		if (o->p && s->buf)
			o->p->freebufs[o->p->nfree++] = s->buf;
		free(s->tail);
		free(s->late);
	}
	if (o->p)
		pipe_release(o->p);
	free(o->s);
	memset(o, 0, sizeof(*o));
}
