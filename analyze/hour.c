/* hour.c - find an hour's segments under DATA/YYYYMMDDHH/, name the set by
 * a digest (so a late or changed segment is noticed), and merge the
 * segments into one stream in time order for the rules and the rollups.
 * Resident memory stays bounded: pages already read are handed back. */
#define _DEFAULT_SOURCE  /* madvise(MADV_DONTNEED): posix_madvise's is a no-op */
#include "hour.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xxhash.h>

#include "parse.h"
#include "utchour.h"

#define DROP_EVERY 32          /* block reads between hand-backs of strings */

/* ---- hours as numbers (ingest's hour_of_ms / hour_start_ms) ---- */

int hour_parse(const char *s, size_t len, uint32_t *hour)
{
	uint64_t v;

	if (len != 10 || s[0] == '0' || parse_u64(s, len, &v) ||
	    v < 1970010100 || hour_start_ms((uint32_t)v) < 0)
		return -EINVAL;
	*hour = (uint32_t)v;
	return 0;
}

uint32_t hour_add(uint32_t hour, int delta)
{
	return hour_of_ms(hour_start_ms(hour) + (int64_t)delta * 3600000);
}

void hour_sql(uint32_t hour, char *buf, size_t cap)
{
	snprintf(buf, cap, "%04u-%02u-%02u %02u:00:00", hour / 1000000,
		 hour / 10000 % 100, hour / 100 % 100, hour % 100);
}

/* ---- the segment set ---- */

static int cmp_seg(const void *a, const void *b)
{
	return strcmp(((const struct hour_seg *)a)->name,
		      ((const struct hour_seg *)b)->name);
}

static bool is_segment_name(const char *n)
{
	size_t len = strlen(n), sl = strlen(HOUR_SEG_SUFFIX);

	return n[0] != '.' && len > sl && len <= HOUR_NAME_MAX &&
	       !strcmp(n + len - sl, HOUR_SEG_SUFFIX);
}

int hour_scan(struct hour_set *h, const char *data_dir, uint32_t hour,
	      char *err, size_t errlen)
{
	XXH3_state_t *st;
	XXH128_hash_t dg;
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int rc = -1;

	memset(h, 0, sizeof(*h));
	h->hour = hour;
	if ((size_t)snprintf(h->dir, sizeof(h->dir), "%s/%010u", data_dir,
			     hour) >= sizeof(h->dir)) {
		snprintf(err, errlen, "data folder name too long '%s'", data_dir);
		return -1;
	}
	st = XXH3_createState();
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	XXH3_128bits_reset(st);
	d = opendir(h->dir);
	if (!d) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "cannot read '%s': %s", h->dir,
				 strerror(errno));
			goto out_state;
		}
		goto out_digest;
	}
	while ((de = readdir(d))) {
		struct hour_seg *s;

		if (!is_segment_name(de->d_name))
			continue;
		if (h->n == cap) {
			size_t c = cap ? cap * 2 : 16;
			void *p = realloc(h->segs, c * sizeof(*h->segs));

			if (!p) {
				snprintf(err, errlen, "out of memory");
				goto out_dir;
			}
			h->segs = p;
			cap = c;
		}
		s = &h->segs[h->n];
		memset(s, 0, sizeof(*s));
		memcpy(s->name, de->d_name, strlen(de->d_name) + 1);
		if (segment_peek(dirfd(d), s->name, &s->size, &s->checksum)) {
			if (errno == ENOENT)
				continue;   /* removed while we looked */
			snprintf(err, errlen, "cannot read '%s/%s': %s", h->dir,
				 s->name, strerror(errno));
			goto out_dir;
		}
		h->n++;
	}
	if (h->n)
		qsort(h->segs, h->n, sizeof(*h->segs), cmp_seg);
	for (size_t i = 0; i < h->n; i++) {
		XXH3_128bits_update(st, h->segs[i].name,
				    strlen(h->segs[i].name) + 1);
		XXH3_128bits_update(st, &h->segs[i].size, 8);
		XXH3_128bits_update(st, &h->segs[i].checksum, 8);
	}
out_digest:
	dg = XXH3_128bits_digest(st);
	snprintf(h->digest, sizeof(h->digest), "%016llx%016llx",
		 (unsigned long long)dg.high64, (unsigned long long)dg.low64);
	rc = 0;
out_dir:
	if (d)
		closedir(d);
out_state:
	XXH3_freeState(st);
	if (rc)
		hour_release(h);
	return rc;
}

int hour_context(struct hour_set *h, const char *data_dir, char *err,
		 size_t errlen)
{
	struct hour_set p;
	char both[2 * HOUR_DIGEST_HEX];
	XXH128_hash_t dg;

	if (hour_scan(&p, data_dir, hour_add(h->hour, -1), err, errlen))
		return -1;
	memcpy(both, h->digest, HOUR_DIGEST_HEX);
	memcpy(both + HOUR_DIGEST_HEX, p.digest, HOUR_DIGEST_HEX);
	hour_release(&p);
	dg = XXH3_128bits(both, sizeof(both));
	snprintf(h->context, sizeof(h->context), "%016llx%016llx",
		 (unsigned long long)dg.high64, (unsigned long long)dg.low64);
	return 0;
}

int hour_open(struct hour_set *h, char *err, size_t errlen)
{
	char path[4096 + HOUR_NAME_MAX + 2];

	h->events = 0;
	h->read_err = 0;
	for (size_t i = 0; i < h->n; i++) {
		struct hour_seg *s = &h->segs[i];
		int e;

		if (s->open) {
			h->events += s->r.events;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", h->dir, s->name);
		errno = 0;
		e = segment_open(&s->r, path);
		if (e) {
			snprintf(err, errlen, "bad segment '%s': %s%s%s", path,
				 segment_strerror(e), e == SEG_E_IO ? ": " : "",
				 e == SEG_E_IO ? strerror(errno) : "");
			return -1;
		}
		s->open = true;
		/* only strings are read through the mapping, at random */
		posix_madvise((void *)s->r.map, s->r.size, POSIX_MADV_RANDOM);
		s->ua = calloc(HOUR_UA_CACHE, sizeof(*s->ua));
		s->buf[0] = malloc(SEG_BLOCK_EVENTS * sizeof(struct seg_record));
		s->buf[1] = malloc(SEG_BLOCK_EVENTS * sizeof(struct seg_record));
		if (!s->ua || !s->buf[0] || !s->buf[1]) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (s->r.hour != h->hour) {
			snprintf(err, errlen, "segment '%s' is of hour %u, not %u",
				 path, s->r.hour, h->hour);
			return -1;
		}
		if (s->r.checksum != s->checksum || s->r.size != s->size) {
			snprintf(err, errlen, "segment '%s' changed while read",
				 path);
			return -1;
		}
		h->events += s->r.events;
	}
	return 0;
}

char *hour_segment_list(const struct hour_set *h)
{
	size_t cap = 1, off = 0;
	char *out;

	for (size_t i = 0; i < h->n; i++)
		cap += strlen(h->segs[i].name) + 18;
	out = malloc(cap);
	if (!out)
		return NULL;
	out[0] = 0;
	for (size_t i = 0; i < h->n; i++)
		off += (size_t)snprintf(out + off, cap - off, "%s%s:%016llx",
					i ? "," : "", h->segs[i].name,
					(unsigned long long)h->segs[i].checksum);
	return out;
}

uint64_t hour_ua_hash(struct hour_seg *s, uint32_t idx)
{
	struct hour_ua_slot *x;

	if (idx == SEG_NO_STRING)
		return 0;
	x = &s->ua[(idx * 0x9e3779b1u) >> (32 - 12)];
	if (x->idx != idx + 1) {
		x->idx = idx + 1;
		x->hash = segment_string_hash(&s->r, idx);
	}
	return x->hash;
}

const struct seg_record *hour_seg_block(struct hour_set *h, size_t i,
					size_t b, uint32_t *n)
{
	struct hour_seg *s = &h->segs[i];
	unsigned k = b & 1;
	long got;

	if (s->bufb[k] == b + 1) {
		*n = s->nbuf[k];
		return s->buf[k];
	}
	s->bufb[k] = 0;
	got = segment_read_events(&s->r, b, s->buf[k]);
	if (got < 0) {
		if (!h->read_err)
			h->read_err = got == SEG_E_IO && errno ? errno : EIO;
		*n = 0;
		return s->buf[k];
	}
	s->bufb[k] = b + 1;
	s->nbuf[k] = (uint32_t)got;
	/* string pages looked up meanwhile go back now and then */
	if (++s->reads % DROP_EVERY == 0)
		madvise((void *)s->r.map, s->r.size, MADV_DONTNEED);
	*n = (uint32_t)got;
	return s->buf[k];
}

int hour_read_error(const struct hour_set *h, char *err, size_t errlen)
{
	if (!h->read_err)
		return 0;
	snprintf(err, errlen, "cannot read a segment of '%s': %s", h->dir,
		 strerror(h->read_err));
	return -1;
}

void hour_release(struct hour_set *h)
{
	for (size_t i = 0; i < h->n; i++) {
		struct hour_seg *s = &h->segs[i];

		if (!s->open)
			continue;
		segment_close(&s->r);
		free(s->ua);
		free(s->buf[0]);
		free(s->buf[1]);
		s->ua = NULL;
		s->buf[0] = s->buf[1] = NULL;
		s->open = false;
	}
	free(h->segs);
	h->segs = NULL;
	h->n = 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

long hour_list(const char *data_dir, uint32_t **out, char *err,
	       size_t errlen)
{
	struct dirent *de;
	uint32_t *v = NULL;
	size_t n = 0, cap = 0;
	DIR *d = opendir(data_dir);

	*out = NULL;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read '%s': %s", data_dir,
			 strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		uint32_t hr;

		if (hour_parse(de->d_name, strlen(de->d_name), &hr))
			continue;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 64;
			void *p = realloc(v, c * sizeof(*v));

			if (!p) {
				free(v);
				closedir(d);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			v = p;
			cap = c;
		}
		v[n++] = hr;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_u32);
	*out = v;
	return (long)n;
}

/* ---- the merged stream: a binary heap of segment heads ---- */

static bool head_less(const struct hour_merge_head *a,
		      const struct hour_merge_head *b)
{
	if (a->rec->ts_ms != b->rec->ts_ms)
		return a->rec->ts_ms < b->rec->ts_ms;
	if (a->rec->id != b->rec->id)
		return a->rec->id < b->rec->id;
	return a->seg < b->seg;
}

static void sift_down(struct hour_merge *m, size_t i)
{
	struct hour_merge_head *hp = m->heap;
	size_t n = m->nheap;

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, s = i;
		struct hour_merge_head t;

		if (l < n && head_less(&hp[l], &hp[s]))
			s = l;
		if (r < n && head_less(&hp[r], &hp[s]))
			s = r;
		if (s == i)
			return;
		t = hp[i];
		hp[i] = hp[s];
		hp[s] = t;
		i = s;
	}
}

/* Cursor c of segment i into block b (its first record); false past the
 * last block or when the read failed. */
static bool cur_enter(struct hour_merge *m, size_t i, size_t b)
{
	struct hour_merge_cur *c = &m->cur[i];

	c->block = b;
	c->i = 0;
	c->n = 0;
	if (b >= m->h->segs[i].r.neblocks)
		return false;
	c->recs = hour_seg_block(m->h, i, b, &c->n);
	return c->n != 0;
}

/* The record under cursor i, moving the cursor past it; NULL at the end. */
static const struct seg_record *cur_next(struct hour_merge *m, size_t i)
{
	struct hour_merge_cur *c = &m->cur[i];

	if (c->i == c->n && !cur_enter(m, i, c->block + 1))
		return NULL;
	return &c->recs[c->i++];
}

/* Put cursor i at the first record with ts >= from: skip whole blocks
 * whose last record is older (known without reading them), then records
 * (a segment in time order needs only this; one that is not is still read
 * from the first such record on). */
static void seek(struct hour_merge *m, size_t i, int64_t from)
{
	const struct segment_reader *r = &m->h->segs[i].r;
	struct hour_merge_cur *c = &m->cur[i];
	size_t b = 0;

	if (from != INT64_MIN)
		while (b < r->neblocks && r->eblocks[b].last_ts < from)
			b++;
	if (!cur_enter(m, i, b))
		return;
	if (from != INT64_MIN)
		while (c->i < c->n && c->recs[c->i].ts_ms < from)
			c->i++;
}

/* (id, type)'s hash: id and hash name one (id, type), as mix_u64 is a
 * bijection. */
static uint64_t seen_hash(uint64_t id, int64_t type)
{
	return mix_u64(id ^ (uint64_t)type << 61);
}

static int seen_init(struct table *t)
{
	return table_init(t, sizeof(uint64_t), sizeof(struct hour_seen),
			  HOUR_SEEN_MAX, NULL);
}

int hour_merge_init(struct hour_merge *m, struct hour_set *h, int64_t from_ts)
{
	memset(m, 0, sizeof(*m));
	m->h = h;
	m->last_ts = INT64_MIN;
	m->max_ts = INT64_MIN / 2;
	m->cur = calloc(h->n ? h->n : 1, sizeof(*m->cur));
	m->heap = calloc(h->n ? h->n : 1, sizeof(*m->heap));
	if (!m->cur || !m->heap || seen_init(&m->seen)) {
		hour_merge_release(m);
		return -ENOMEM;
	}
	for (size_t i = 0; i < h->n; i++) {
		const struct seg_record *r;

		seek(m, i, from_ts);
		r = cur_next(m, i);
		if (r)
			m->heap[m->nheap++] = (struct hour_merge_head){
				r, (uint32_t)i };
	}
	for (size_t i = m->nheap / 2; i-- > 0;)
		sift_down(m, i);
	return 0;
}

/* ---- copies ---- */

/* Drop ids older than the window, before the table would grow: a table at
 * most a quarter full of the ids still in it, and of room for SEEN_MIN
 * ids at least (a small window would rebuild every few records). */
#define SEEN_MIN 512

static int seen_rebuild(struct hour_merge *m)
{
	int64_t lim = m->max_ts - HOUR_COPY_WINDOW_MS;
	const struct hour_seen *x;
	struct table n;
	uint64_t h;
	size_t keep = 0;

	for (size_t i = 0; (x = table_next(&m->seen, &i, NULL)); )
		keep += x->ts >= lim;
	if (seen_init(&n) ||
	    table_reserve(&n, 2 * (keep + 1) > SEEN_MIN ? 2 * (keep + 1) :
			  SEEN_MIN)) {
		table_release(&n);
		return -ENOMEM;
	}
	for (size_t i = 0; (x = table_next(&m->seen, &i, &h)); ) {
		bool isnew;

		struct hour_seen *y;

		if (x->ts >= lim && (y = table_put(&n, h, &x->id, &isnew)))
			*y = *x;
	}
	table_release(&m->seen);
	m->seen = n;
	return 0;
}

/* true when rec's type and id were met within the window; else remember
 * them.  -ENOMEM as a negative. */
static int seen_before(struct hour_merge *m, const struct seg_record *rec)
{
	/* an impression may carry the id of the served event it renders */
	int64_t type = rec->type == 'c' ? 1 : rec->type == 's' ? 2 : 0;
	struct hour_seen *x;
	bool isnew;

	if (rec->ts_ms > m->max_ts)
		m->max_ts = rec->ts_ms;
	if (2 * (m->seen.n + 1) > m->seen.cap && seen_rebuild(m))
		return -ENOMEM;
	x = table_put(&m->seen, seen_hash(rec->id, type), &rec->id, &isnew);
	if (!x)
		return -ENOMEM;
	/* an entry past the window is a different event */
	if (!isnew && x->ts >= m->max_ts - HOUR_COPY_WINDOW_MS)
		return 1;
	x->ts = rec->ts_ms;
	return 0;
}

/* The next record of the heap, copies included. */
static const struct seg_record *merge_pop(struct hour_merge *m, uint32_t *seg)
{
	const struct seg_record *out, *nx;
	uint32_t s;

	if (!m->nheap)
		return NULL;
	out = m->heap[0].rec;
	s = m->heap[0].seg;
	nx = cur_next(m, s);
	if (nx) {
		m->heap[0].rec = nx;
	} else {
		m->heap[0] = m->heap[--m->nheap];
	}
	if (m->nheap > 1)
		sift_down(m, 0);
	if (out->ts_ms < m->last_ts)
		m->out_of_order++;
	m->last_ts = out->ts_ms;
	*seg = s;
	return out;
}

const struct seg_record *hour_merge_next(struct hour_merge *m, uint32_t *seg)
{
	const struct seg_record *rec;
	int e;

	while ((rec = merge_pop(m, seg))) {
		if (!(e = seen_before(m, rec)))
			return rec;
		if (e < 0) {
			m->nomem = true;
			return NULL;
		}
		m->copies++;
	}
	return NULL;
}

void hour_merge_release(struct hour_merge *m)
{
	free(m->cur);
	free(m->heap);
	table_release(&m->seen);
	m->cur = NULL;
	m->heap = NULL;
	m->nheap = 0;
}
