/* out.c - per-hour, per-node spool files (plain or gzip) and stdout for
 * adlog-gen.  The name of a file being written ends in .open, so that a
 * reader of the folder (ingest) never sees a half-written .log. */
#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "diag.h"

#define HOUR_MS 3600000LL

struct out_stream {
	int fd;                  /* -1 when closed */
	char *buf;               /* rendered lines */
	size_t len;
	char *zbuf;              /* deflate output, with gzip */
	z_stream z;
	bool z_live;
	char path[PATH_MAX];     /* the .open name */
	size_t path_stem;        /* length without ".open" */
};

/* ---- hours as text ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void out_hour_format(int64_t ms, char buf[11])
{
	int64_t z = ms / 86400000 + 719468;
	unsigned hour = (unsigned)(ms % 86400000 / HOUR_MS);
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	unsigned y = (unsigned)((int64_t)yoe + era * 400 + (m <= 2));
	unsigned v[5] = { y / 100, y % 100, m, d, hour };

	for (int i = 0; i < 5; i++) {
		buf[2 * i] = (char)('0' + v[i] / 10);
		buf[2 * i + 1] = (char)('0' + v[i] % 10);
	}
	buf[10] = '\0';
}

int out_hour_parse(const char *s, size_t len, int64_t *ms)
{
	unsigned v[5] = { 0 };
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31,
					    30, 31, 30, 31 };

	if (len != 10)
		return -EINVAL;
	for (int i = 0; i < 10; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v[i / 2] = v[i / 2] * 10 + (unsigned)(s[i] - '0');
	}
	unsigned y = v[0] * 100 + v[1];
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (v[2] < 1 || v[2] > 12 || v[3] < 1 || v[3] > mdays[v[2] - 1] ||
	    (v[2] == 2 && v[3] == 29 && !leap) || v[4] > 23)
		return -EINVAL;
	*ms = (days_from_civil(y, v[2], v[3]) * 24 + v[4]) * HOUR_MS;
	return 0;
}

/* ---- writing ---- */

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Push the buffered lines to the fd, through deflate with gzip. */
static int stream_flush(struct out *o, struct out_stream *s, int zflush)
{
	int rc = 0;

	if (!o->o.gzip) {
		rc = write_all(s->fd, s->buf, s->len);
		o->bytes += s->len;
		s->len = 0;
		return rc;
	}
	s->z.next_in = (Bytef *)s->buf;
	s->z.avail_in = (uInt)s->len;
	for (;;) {
		s->z.next_out = (Bytef *)s->zbuf;
		s->z.avail_out = (uInt)o->bufcap;
		int zr = deflate(&s->z, zflush);
		size_t have = o->bufcap - s->z.avail_out;

		if (zr == Z_STREAM_ERROR)
			return -EIO;
		if (have && (rc = write_all(s->fd, s->zbuf, have)))
			return rc;
		o->bytes += have;
		if (zflush == Z_FINISH ? zr == Z_STREAM_END
				       : s->z.avail_out != 0)
			break;
	}
	s->len = 0;
	return 0;
}

static int stream_open(struct out *o, struct out_stream *s, int64_t hour_ms,
		       uint32_t node)
{
	char hour[11];
	int n;

	out_hour_format(hour_ms, hour);
	n = snprintf(s->path, sizeof(s->path), "%s/adlog.%s.%s.%04u.%lld",
		     o->o.dir, hour, o->host, node, (long long)hour_ms);
	if (n < 0 || (size_t)n + 8 >= sizeof(s->path))
		return -ENAMETOOLONG;
	s->path_stem = (size_t)n;
	memcpy(s->path + n, ".open", 6);
	s->fd = open(s->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s->fd < 0)
		return -errno;
	if (o->o.gzip)
		deflateReset(&s->z);
	return 0;
}

static int stream_close(struct out *o, struct out_stream *s)
{
	char final[PATH_MAX];
	int rc = stream_flush(o, s, o->o.gzip ? Z_FINISH : Z_NO_FLUSH);

	if (close(s->fd) && !rc)
		rc = -errno;
	s->fd = -1;
	if (rc)
		return rc;
	memcpy(final, s->path, s->path_stem);
	memcpy(final + s->path_stem, o->o.gzip ? ".log.gz" : ".log",
	       o->o.gzip ? 8 : 5);
	if (rename(s->path, final))
		return -errno;
	o->files++;
	return 0;
}

static int sink_hour_open(void *ctx, int64_t hour_ms)
{
	struct out *o = ctx;
	int rc;

	if (o->o.to_stdout)
		return 0;
	for (uint32_t i = 0; i < o->ns; i++) {
		if ((rc = stream_open(o, &o->s[i], hour_ms, i))) {
			diag_err("cannot create '%s': %s", o->s[i].path,
				 strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int sink_event(void *ctx, const struct event *ev, uint32_t node,
		      uint32_t label)
{
	struct out *o = ctx;
	struct out_stream *s = &o->s[o->o.to_stdout ? 0 : node];
	int rc;

	(void)label;
	if (s->len + EVENT_LINE_MAX > o->bufcap &&
	    (rc = stream_flush(o, s, Z_NO_FLUSH)))
		return rc;
	s->len += event_render(ev, s->buf + s->len, o->bufcap - s->len);
	return 0;
}

static int sink_hour_close(void *ctx, int64_t hour_ms)
{
	struct out *o = ctx;
	int rc;

	(void)hour_ms;
	if (o->o.to_stdout)
		return 0;
	for (uint32_t i = 0; i < o->ns; i++) {
		if ((rc = stream_close(o, &o->s[i]))) {
			diag_err("cannot close '%s': %s", o->s[i].path,
				 strerror(-rc));
			return rc;
		}
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

int out_init(struct out *o, const struct out_opts *opts, char *err,
	     size_t errlen)
{
	size_t hl = 0;

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
	/* 256 KiB per stream (fits in L2: the copy into the page cache is
	 * faster than from 1 MiB), less with many nodes: 64 MiB at most */
	o->bufcap = (64u << 20) / o->ns;
	if (o->bufcap > (1u << 18))
		o->bufcap = 1u << 18;
	if (o->bufcap < 4 * EVENT_LINE_MAX)
		o->bufcap = 4 * EVENT_LINE_MAX;
	o->s = calloc(o->ns, sizeof(*o->s));
	if (!o->s)
		goto fail;
	for (uint32_t i = 0; i < o->ns; i++)
		o->s[i].fd = opts->to_stdout ? STDOUT_FILENO : -1;
	for (uint32_t i = 0; i < o->ns; i++) {
		struct out_stream *s = &o->s[i];

		s->buf = malloc(o->bufcap);
		if (!s->buf)
			goto fail;
		if (!opts->gzip)
			continue;
		s->zbuf = malloc(o->bufcap);
		if (!s->zbuf)
			goto fail;
		if (deflateInit2(&s->z, opts->level, Z_DEFLATED, 15 + 16, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			goto fail;
		s->z_live = true;
	}
	return 0;
fail:
	snprintf(err, errlen, "out of memory for output buffers");
	out_release(o);
	return -ENOMEM;
}

int out_finish(struct out *o)
{
	if (!o->o.to_stdout)
		return 0;
	return stream_flush(o, &o->s[0], o->o.gzip ? Z_FINISH : Z_NO_FLUSH);
}

void out_release(struct out *o)
{
	for (uint32_t i = 0; o->s && i < o->ns; i++) {
		struct out_stream *s = &o->s[i];

		if (!o->o.to_stdout && s->fd >= 0) {
			close(s->fd);
			unlink(s->path);
		}
		if (s->z_live)
			deflateEnd(&s->z);
		free(s->buf);
		free(s->zbuf);
	}
	free(o->s);
	memset(o, 0, sizeof(*o));
}
