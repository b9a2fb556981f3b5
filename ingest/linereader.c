/* linereader.c - the first reader of every spool byte: big reads, memchr
 * for line ends, no allocation per line.  Gzip input is inflated member by
 * member (zlib), optionally in a helper thread that hands 1 MiB chunks to
 * the parser through a small queue. */
#include "linereader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GZ_IN_SIZE (256u << 10)
/* Inflated chunks between the helper thread and the parser: few, large
 * hand-offs, because on a busy machine each wake-up of a blocked thread
 * can cost milliseconds (bench/ingest.sh under load: 1 MiB chunks gave
 * 0.59 of gzip -dc's wall time with 1.09 of its CPU time). */
#define GZ_CHUNKS 3
#define GZ_CHUNK_SIZE (4u << 20)

struct gz_chunk {
	char *data;
	size_t len, pos;
};

struct lr_gz {
	z_stream zs;
	uint8_t *in;
	bool in_eof, done, z_init;
	/* threaded mode: a ring of chunks between inflater and parser */
	bool threaded, thread_started, stop;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct gz_chunk chunks[GZ_CHUNKS];
	unsigned head, count;   /* filled chunks: head .. head+count-1 */
	int thread_err;
};

const char *lr_damage_name(enum lr_damage d)
{
	switch (d) {
	case LR_D_NONE: return "none";
	case LR_D_GZ_TRUNCATED: return "gzip_truncated";
	case LR_D_GZ_CORRUPT: return "gzip_corrupt";
	case LR_D_GZ_TRAILING: return "gzip_trailing_garbage";
	}
	return "unknown";
}

/* Raw bytes from the fd or memory: > 0, 0 at end, or -errno. */
static ssize_t raw_read(struct linereader *lr, void *dst, size_t cap)
{
	ssize_t n;

	if (lr->fd < 0) {
		size_t left = lr->mem_len - lr->mem_pos;

		n = (ssize_t)(left < cap ? left : cap);
		memcpy(dst, lr->mem + lr->mem_pos, (size_t)n);
		lr->mem_pos += (size_t)n;
	} else {
		do
			n = read(lr->fd, dst, cap);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return -errno;
	}
	lr->in_bytes += (uint64_t)n;
	return n;
}

/* ---- gzip ---- */

static size_t gz_in_size(const struct linereader *lr)
{
	return lr->fd < 0 ? LR_MEM_BUF_SIZE : GZ_IN_SIZE;
}

static int gz_fill_input(struct linereader *lr)
{
	struct lr_gz *g = lr->gz;
	ssize_t n;

	if (g->zs.avail_in || g->in_eof)
		return 0;
	n = raw_read(lr, g->in, gz_in_size(lr));
	if (n < 0)
		return (int)n;
	if (n == 0)
		g->in_eof = true;
	g->zs.next_in = g->in;
	g->zs.avail_in = (uInt)n;
	return 0;
}

static void gz_damage(struct linereader *lr, enum lr_damage d)
{
	lr->st.damage = d;
	lr->st.damage_offset = lr->in_bytes - lr->gz->zs.avail_in;
	lr->gz->done = true;
}

/* After a member ends: another member, the clean end, or garbage. */
static int gz_next_member(struct linereader *lr)
{
	struct lr_gz *g = lr->gz;
	int e;

	if ((e = gz_fill_input(lr)))
		return e;
	if (!g->zs.avail_in) {
		g->done = true;
		return 0;
	}
	if (g->zs.avail_in == 1 && !g->in_eof) {
		/* the magic straddles a read: keep one byte, read more */
		uint8_t first = g->in[g->zs.next_in - g->in];
		ssize_t n = raw_read(lr, g->in + 1, gz_in_size(lr) - 1);

		if (n < 0)
			return (int)n;
		g->in[0] = first;
		g->zs.next_in = g->in;
		g->zs.avail_in = 1 + (uInt)n;
		if (n == 0)
			g->in_eof = true;
	}
	if (g->zs.avail_in < 2 || g->zs.next_in[0] != 0x1f ||
	    g->zs.next_in[1] != 0x8b) {
		gz_damage(lr, LR_D_GZ_TRAILING);
		return 0;
	}
	inflateReset(&g->zs);
	return 0;
}

/* Inflate into dst; returns bytes (0 at the end) or -errno. */
static ssize_t gz_inflate(struct linereader *lr, char *dst, size_t cap)
{
	struct lr_gz *g = lr->gz;

	g->zs.next_out = (Bytef *)dst;
	g->zs.avail_out = (uInt)cap;
	while (g->zs.avail_out && !g->done) {
		int e = gz_fill_input(lr), z;

		if (e)
			return e;
		if (!g->zs.avail_in && g->in_eof) {
			gz_damage(lr, LR_D_GZ_TRUNCATED);
			break;
		}
		z = inflate(&g->zs, Z_NO_FLUSH);
		if (z == Z_STREAM_END) {
			if ((e = gz_next_member(lr)))
				return e;
		} else if (z == Z_BUF_ERROR) {
			if (g->in_eof && !g->zs.avail_in) {
				gz_damage(lr, LR_D_GZ_TRUNCATED);
				break;
			}
		} else if (z != Z_OK) {
			if (z == Z_MEM_ERROR)
				return -ENOMEM;
			gz_damage(lr, LR_D_GZ_CORRUPT);
			break;
		}
	}
	return (ssize_t)(cap - g->zs.avail_out);
}

static void *gz_thread(void *arg)
{
	struct linereader *lr = arg;
	struct lr_gz *g = lr->gz;

	for (;;) {
		struct gz_chunk *c;
		ssize_t n;

		pthread_mutex_lock(&g->mu);
		while (g->count == GZ_CHUNKS && !g->stop)
			pthread_cond_wait(&g->cv, &g->mu);
		if (g->stop) {
			pthread_mutex_unlock(&g->mu);
			return NULL;
		}
		c = &g->chunks[(g->head + g->count) % GZ_CHUNKS];
		pthread_mutex_unlock(&g->mu);
		n = gz_inflate(lr, c->data, GZ_CHUNK_SIZE);
		pthread_mutex_lock(&g->mu);
		if (n < 0)
			g->thread_err = (int)n;
		c->len = n > 0 ? (size_t)n : 0;
		c->pos = 0;
		g->count++;   /* a chunk of 0 bytes means the end */
		pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
		if (n <= 0)
			return NULL;
	}
}

/* Threaded read: copy from the oldest filled chunk. */
static ssize_t gz_take(struct linereader *lr, char *dst, size_t cap)
{
	struct lr_gz *g = lr->gz;
	struct gz_chunk *c;
	size_t n;

	pthread_mutex_lock(&g->mu);
	while (!g->count)
		pthread_cond_wait(&g->cv, &g->mu);
	c = &g->chunks[g->head];
	if (c->len == 0) {
		int e = g->thread_err;

		pthread_mutex_unlock(&g->mu);
		return e;   /* stays at the end marker */
	}
	pthread_mutex_unlock(&g->mu);
	n = c->len - c->pos < cap ? c->len - c->pos : cap;
	memcpy(dst, c->data + c->pos, n);
	c->pos += n;
	if (c->pos == c->len) {
		pthread_mutex_lock(&g->mu);
		g->head = (g->head + 1) % GZ_CHUNKS;
		g->count--;
		pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
	}
	return (ssize_t)n;
}

static int gz_open(struct linereader *lr, const uint8_t *first, size_t n,
		   bool threaded)
{
	struct lr_gz *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	lr->gz = g;
	g->in = malloc(gz_in_size(lr));
	if (!g->in)
		return -ENOMEM;
	memcpy(g->in, first, n);
	g->zs.next_in = g->in;
	g->zs.avail_in = (uInt)n;
	if (inflateInit2(&g->zs, 15 + 16) != Z_OK)
		return -ENOMEM;
	g->z_init = true;
	if (!threaded)
		return 0;
	for (int i = 0; i < GZ_CHUNKS; i++)
		if (!(g->chunks[i].data = malloc(GZ_CHUNK_SIZE)))
			return -ENOMEM;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->threaded = true;
	if (pthread_create(&g->thread, NULL, gz_thread, lr))
		return -EAGAIN;
	g->thread_started = true;
	return 0;
}

/* ---- open / close ---- */

static int lr_start(struct linereader *lr, bool threaded)
{
	uint8_t magic[2];
	size_t n = 0;
	ssize_t r;

	lr->bufsize = lr->fd < 0 ? LR_MEM_BUF_SIZE : LR_BUF_SIZE;
	lr->buf = malloc(lr->bufsize + LR_LINE_CAP);
	if (!lr->buf)
		return -ENOMEM;
	while (n < 2) {
		r = raw_read(lr, magic + n, 2 - n);
		if (r < 0)
			return (int)r;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
		lr->gzip = true;
		return gz_open(lr, magic, n, threaded);
	}
	memcpy(lr->buf, magic, n);
	lr->end = n;
	lr->st.bytes = n;
	return 0;
}

int lr_open_fd(struct linereader *lr, int fd, bool threaded)
{
	int e;

	memset(lr, 0, sizeof(*lr));
	lr->fd = fd;
	e = lr_start(lr, threaded);
	if (e)
		lr_close(lr);
	return e;
}

int lr_open_mem(struct linereader *lr, const void *buf, size_t len)
{
	int e;

	memset(lr, 0, sizeof(*lr));
	lr->fd = -1;
	lr->mem = buf;
	lr->mem_len = len;
	e = lr_start(lr, false);
	if (e)
		lr_close(lr);
	return e;
}

void lr_close(struct linereader *lr)
{
	struct lr_gz *g = lr->gz;

	if (g) {
		if (g->thread_started) {
			pthread_mutex_lock(&g->mu);
			g->stop = true;
			pthread_cond_broadcast(&g->cv);
			pthread_mutex_unlock(&g->mu);
			pthread_join(g->thread, NULL);
		}
		if (g->threaded) {
			pthread_mutex_destroy(&g->mu);
			pthread_cond_destroy(&g->cv);
		}
		for (int i = 0; i < GZ_CHUNKS; i++)
			free(g->chunks[i].data);
		if (g->z_init)
			inflateEnd(&g->zs);
		free(g->in);
		free(g);
	}
	free(lr->buf);
	lr->buf = NULL;
	lr->gz = NULL;
}

/* ---- lines ---- */

/* Move the unread tail to the front and read more.  0 or -errno. */
static int refill(struct linereader *lr)
{
	size_t keep = lr->end - lr->pos;
	ssize_t n;

	if (lr->eof)
		return 0;
	if (lr->pos) {
		memmove(lr->buf, lr->buf + lr->pos, keep);
		lr->base += lr->pos;
		lr->pos = 0;
		lr->end = keep;
	}
	if (!lr->gzip)
		n = raw_read(lr, lr->buf + keep, lr->bufsize + LR_LINE_CAP - keep);
	else if (lr->gz->threaded)
		n = gz_take(lr, lr->buf + keep, lr->bufsize + LR_LINE_CAP - keep);
	else
		n = gz_inflate(lr, lr->buf + keep, lr->bufsize + LR_LINE_CAP - keep);
	if (n < 0)
		return lr->err = (int)n;
	if (n == 0)
		lr->eof = true;
	lr->end += (size_t)n;
	lr->st.bytes += (uint64_t)n;
	return 0;
}

static int emit(struct linereader *lr, struct lr_line *out, size_t len,
		enum lr_kind kind)
{
	out->ptr = lr->buf + lr->pos;
	out->len = len;
	out->offset = lr->base + lr->pos;
	out->kind = kind;
	return kind;
}

int lr_next(struct linereader *lr, struct lr_line *out)
{
	for (;;) {
		const char *p = lr->buf + lr->pos;
		size_t avail = lr->end - lr->pos;
		const char *lf, *nul;
		size_t lim;

		if (lr->err)
			return lr->err;
		if (lr->skip_nul) {
			while (avail && !*p) {
				p++;
				avail--;
				lr->st.nul_bytes++;
			}
			lr->pos = (size_t)(p - lr->buf);
			if (!avail && !lr->eof) {
				if (refill(lr))
					return lr->err;
				continue;
			}
			lr->skip_nul = false;
		}
		if (lr->skip_long) {
			lf = memchr(p, '\n', avail);
			if (!lf) {
				lr->pos = lr->end;
				if (lr->eof)
					return LR_EOF;
				if (refill(lr))
					return lr->err;
				continue;
			}
			lr->pos = (size_t)(lf + 1 - lr->buf);
			lr->skip_long = false;
			continue;
		}
		lf = memchr(p, '\n', avail);
		lim = lf ? (size_t)(lf - p) : avail;
		nul = memchr(p, '\0', lim);
		if (nul) {
			size_t n = (size_t)(nul - p);

			lr->skip_nul = true;
			lr->st.nul_runs++;
			if (n) {
				emit(lr, out, n, LR_NUL);
				lr->pos += n;
				return LR_NUL;
			}
			continue;
		}
		if (lf && lim >= LR_LINE_CAP) {
			/* the same answer wherever the buffer happens to end */
			emit(lr, out, LR_LINE_CAP, LR_LONG);
			lr->pos += lim + 1;
			return LR_LONG;
		}
		if (lf) {
			emit(lr, out, lim, LR_LINE);
			lr->pos += lim + 1;
			return LR_LINE;
		}
		if (avail >= LR_LINE_CAP) {
			emit(lr, out, LR_LINE_CAP, LR_LONG);
			lr->pos += LR_LINE_CAP;
			lr->skip_long = true;
			return LR_LONG;
		}
		if (lr->eof) {
			if (!avail)
				return LR_EOF;
			emit(lr, out, avail, LR_PARTIAL);
			lr->pos = lr->end;
			return LR_PARTIAL;
		}
		if (refill(lr))
			return lr->err;
	}
}
