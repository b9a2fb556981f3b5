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

int hour_merge_init(struct hour_merge *m, struct hour_set *h, int64_t from_ts)
{
	memset(m, 0, sizeof(*m));
	m->h = h;
	m->last_ts = INT64_MIN;
	m->max_ts = INT64_MIN / 2;
	m->cur = calloc(h->n ? h->n : 1, sizeof(*m->cur));
	m->heap = calloc(h->n ? h->n : 1, sizeof(*m->heap));
	if (!m->cur || !m->heap) {
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

static size_t seen_slot(const struct hour_seen *v, size_t cap, uint64_t id,
			int64_t type)
{
	uint64_t x = (id ^ (uint64_t)type << 61) * 0x9e3779b97f4a7c15ull;
	size_t j = (size_t)(x ^ x >> 29) & (cap - 1);

	while (v[j].tk && (v[j].id != id || (v[j].tk & 3) != type))
		j = (j + 1) & (cap - 1);
	return j;
}

/* Drop ids older than the window; make the table at most a quarter full. */
static int seen_rebuild(struct hour_merge *m)
{
	int64_t lim = m->max_ts - HOUR_COPY_WINDOW_MS;
	size_t keep = 0, nc = 1024;
	struct hour_seen *n;

	for (size_t i = 0; i < m->seencap; i++)
		keep += m->seen[i].tk && (m->seen[i].tk >> 2) >= lim;
	while ((keep + 1) * 4 > nc)
		nc *= 2;
	if (!(n = calloc(nc, sizeof(*n))))
		return -ENOMEM;
	for (size_t i = 0; i < m->seencap; i++) {
		const struct hour_seen *x = &m->seen[i];

		if (x->tk && (x->tk >> 2) >= lim)
			n[seen_slot(n, nc, x->id, x->tk & 3)] = *x;
	}
	free(m->seen);
	m->seen = n;
	m->seencap = nc;
	m->nseen = keep;
	return 0;
}

/* true when rec's type and id were met within the window; else remember
 * them.  -ENOMEM as a negative. */
static int seen_before(struct hour_merge *m, const struct seg_record *rec)
{
	/* an impression may carry the id of the served event it renders */
	int64_t type = rec->type == 'c' ? 1 : rec->type == 's' ? 2 : 0;
	size_t j;

	if (rec->ts_ms > m->max_ts)
		m->max_ts = rec->ts_ms;
	if ((m->nseen + 1) * 2 > m->seencap && seen_rebuild(m))
		return -ENOMEM;
	j = seen_slot(m->seen, m->seencap, rec->id, type);
	if (m->seen[j].tk) {
		/* an entry past the window is a different event */
		if ((m->seen[j].tk >> 2) >= m->max_ts - HOUR_COPY_WINDOW_MS)
			return 1;
		m->seen[j].tk = rec->ts_ms << 2 | type;
		return 0;
	}
	m->seen[j] = (struct hour_seen){ rec->id, rec->ts_ms << 2 | type };
	m->nseen++;
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
	free(m->seen);
	m->cur = NULL;
	m->heap = NULL;
	m->seen = NULL;
	m->seencap = m->nseen = 0;
	m->nheap = 0;
}
