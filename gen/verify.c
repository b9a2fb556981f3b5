/* verify.c - parse back spool files line by line with event_parse(). */
#include "verify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "out.h"
#include "spool.h"
#include "utchour.h"

#define HOUR_MS 3600000LL
#define READ_CAP (1u << 20)

struct vstate {
	struct verify_counts *c;
	int64_t hour_ms;         /* -1 when the name has no hour */
	int64_t last_ts;
};

static void check_line(struct vstate *v, const char *line, size_t len)
{
	struct event ev;
	size_t off;
	enum event_err e;

	v->c->lines++;
	e = len >= EVENT_LINE_MAX ? EVENT_E_LONG
				  : event_parse(line, len, &ev, &off);
	if (e != EVENT_OK) {
		v->c->rejects++;
		v->c->by_reason[e]++;
		return;
	}
	if (ev.type == EVENT_CLICK)
		v->c->clicks++;
	else
		v->c->impressions++;
	if (v->hour_ms >= 0 &&
	    (ev.ts_ms < v->hour_ms || ev.ts_ms >= v->hour_ms + HOUR_MS))
		v->c->out_of_hour++;
	if (ev.ts_ms < v->last_ts)
		v->c->out_of_order++;
	v->last_ts = ev.ts_ms;
}

static int64_t name_hour(const char *path)
{
	const char *base = strrchr(path, '/');
	uint32_t hour;

	base = base ? base + 1 : path;
	if (!spool_hour(base, &hour))
		return -1;
	return hour_start_ms(hour);
}

int verify_file(const char *path, struct verify_counts *c, char *err,
		size_t errlen)
{
	struct vstate v = { c, name_hour(path), INT64_MIN };
	char *buf = malloc(READ_CAP);
	size_t have = 0;
	bool skipping = false;   /* inside an overlong line */
	int rc = 0;
	gzFile f;

	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	f = gzopen(path, "rb");
	if (!f) {
		rc = errno ? -errno : -ENOMEM;
		snprintf(err, errlen, "cannot open '%s': %s", path,
			 strerror(-rc));
		goto out_free;
	}
	gzbuffer(f, 256u << 10);
	for (;;) {
		int n = gzread(f, buf + have, (unsigned)(READ_CAP - have));

		if (n < 0) {
			int zerr;
			snprintf(err, errlen, "cannot read '%s': %s", path,
				 gzerror(f, &zerr));
			rc = -EIO;
			break;
		}
		if (n == 0) {
			if (have && !skipping)
				check_line(&v, buf, have);
			break;
		}
		have += (size_t)n;
		char *p = buf, *end = buf + have, *lf;
		while ((lf = memchr(p, '\n', (size_t)(end - p)))) {
			if (!skipping)
				check_line(&v, p, (size_t)(lf - p));
			skipping = false;
			p = lf + 1;
		}
		have = (size_t)(end - p);
		if (have >= EVENT_LINE_MAX) {
			/* no LF in sight: an overlong line, count it once */
			if (!skipping) {
				c->lines++;
				c->rejects++;
				c->by_reason[EVENT_E_LONG]++;
			}
			skipping = true;
			have = 0;
		} else {
			memmove(buf, p, have);
		}
	}
	gzclose(f);
out_free:
	free(buf);
	return rc;
}
