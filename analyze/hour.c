/* hour.c - merge the segments of an hour into one stream in time order
 * for the rules and the rollups, skipping copies of an event. */
#include "hour.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
