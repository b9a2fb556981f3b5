/* hour.c - merge the segments of an hour into one stream in time order
 * for the rules and the rollups, skipping copies of an event. */
#include "hour.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

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

/* (id, type)'s hash: the hash names one (id, type), as mix_u64 is a
 * bijection, so the table keeps no key (ksize 0) and holds 16-byte slots.
 * table.h takes a hash of 0 as 1: those two keys have their own slots in
 * struct hour_merge (seen_low). */
static uint64_t seen_hash(uint64_t id, uint8_t rtype)
{
	/* an impression may carry the id of the served event it renders */
	uint64_t type = rtype == 'c' ? 1 : rtype == 's' ? 2 : 0;

	return mix_u64(id ^ type << 61);
}

/* Ask the cache ahead for what the record SEEN_AHEAD records past cursor
 * i's will need: its slot in the window (when the merge looks it up),
 * and, when the merge was asked to, its referer's text (in two steps, the
 * offsets first, REF_AHEAD records ahead). */
#define SEEN_AHEAD 8
#define REF_AHEAD 16

static void prefetch_ahead(const struct hour_merge *m, size_t i)
{
	const struct hour_merge_cur *c = &m->cur[i];
	const struct segment_reader *sr = &m->h->segs[i].r;
	const struct seg_record *r;

	if (c->i + SEEN_AHEAD >= c->n)
		return;
	r = &c->recs[c->i + SEEN_AHEAD];
	if (!m->replay)
		table_prefetch(&m->seen, seen_hash(r->id, r->type));
	if (!m->refs_ahead)
		return;
	segment_text_prefetch(sr, r->ref, true);
	if (c->i + REF_AHEAD < c->n)
		segment_text_prefetch(sr, c->recs[c->i + REF_AHEAD].ref,
					false);
}

/* The record under cursor i, moving the cursor past it; NULL at the end. */
static const struct seg_record *cur_next(struct hour_merge *m, size_t i)
{
	struct hour_merge_cur *c = &m->cur[i];

	if (c->i == c->n && !cur_enter(m, i, c->block + 1))
		return NULL;
	prefetch_ahead(m, i);
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

/* The window starts with room for SEEN_MIN ids (a small one would purge
 * every few records). */
#define SEEN_MIN 512

static int seen_init(struct hour_merge *m)
{
	m->seen_low[0].ts = m->seen_low[1].ts = INT64_MIN;
	if (table_init(&m->seen, 0, sizeof(struct hour_seen), HOUR_SEEN_MAX,
		       NULL))
		return -ENOMEM;
	return table_reserve(&m->seen, SEEN_MIN);
}

int hour_merge_init(struct hour_merge *m, struct hour_set *h, int64_t from_ts)
{
	memset(m, 0, sizeof(*m));
	m->h = h;
	m->last_ts = INT64_MIN;
	m->max_ts = INT64_MIN / 2;
	m->cur = calloc(h->n ? h->n : 1, sizeof(*m->cur));
	m->heap = calloc(h->n ? h->n : 1, sizeof(*m->heap));
	if (!m->cur || !m->heap || seen_init(m)) {
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

/* Drop ids older than the window, in place, before the table would grow;
 * grow it when the ids still in it fill more than a quarter, so that a
 * purge comes at most every cap/4 new ids.  The memory is kept from one
 * purge to the next (a fresh table each time faulted in megabytes of
 * pages every few thousand events). */
static int seen_purge(struct hour_merge *m)
{
	int64_t lim = m->max_ts - HOUR_COPY_WINDOW_MS;
	struct hour_seen *x;
	uint64_t h;

	for (size_t i = 0; (x = table_next(&m->seen, &i, &h)); ) {
		/* the slot may take an entry shifted back: look again */
		if (x->ts < lim && table_remove(&m->seen, h, NULL))
			i--;
	}
	if (4 * (m->seen.n + 1) > m->seen.cap)
		return table_reserve(&m->seen, 2 * (m->seen.n + 1));
	return 0;
}

/* The window's entry of hash h (a new one ts INT64_MIN), or NULL when out
 * of memory. */
static struct hour_seen *seen_get(struct hour_merge *m, uint64_t h)
{
	struct hour_seen *x;
	bool isnew;

	if (h <= 1)
		return &m->seen_low[h];
	if (2 * (m->seen.n + 1) > m->seen.cap && seen_purge(m))
		return NULL;
	x = table_put(&m->seen, h, NULL, &isnew);
	if (x && isnew)
		x->ts = INT64_MIN;
	return x;
}

/* true when rec's type and id were met within the window; else remember
 * them.  -ENOMEM as a negative. */
static int seen_before(struct hour_merge *m, const struct seg_record *rec)
{
	struct hour_seen *x;

	if (rec->ts_ms > m->max_ts)
		m->max_ts = rec->ts_ms;
	x = seen_get(m, seen_hash(rec->id, rec->type));
	if (!x)
		return -ENOMEM;
	/* an entry past the window is a different event */
	if (x->ts != INT64_MIN && x->ts >= m->max_ts - HOUR_COPY_WINDOW_MS)
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

/* Note the copy at ordinal at in m->keep; a list past HOUR_COPIES_MAX or
 * out of memory is over. */
static void keep_copy(struct hour_merge *m, uint64_t at)
{
	struct hour_copies *c = m->keep;

	if (c->over)
		return;
	if (c->n >= HOUR_COPIES_MAX ||
	    grow_array((void **)&c->at, &c->cap, c->n, sizeof(*c->at))) {
		c->over = true;
		return;
	}
	c->at[c->n++] = at;
}

/* Is the record at ordinal at one of the replayed copies? */
static bool replay_copy(struct hour_merge *m, uint64_t at)
{
	const struct hour_copies *c = m->replay;

	if (m->replay_i == c->n || c->at[m->replay_i] != at)
		return false;
	m->replay_i++;
	return true;
}

const struct seg_record *hour_merge_next(struct hour_merge *m, uint32_t *seg)
{
	const struct seg_record *rec;
	int e;

	while ((rec = merge_pop(m, seg))) {
		uint64_t at = m->popped++;

		if (m->replay) {
			if (!replay_copy(m, at))
				return rec;
			m->copies++;
			continue;
		}
		if (!(e = seen_before(m, rec)))
			return rec;
		if (e < 0) {
			m->nomem = true;
			return NULL;
		}
		m->copies++;
		if (m->keep)
			keep_copy(m, at);
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

void hour_merge_keep(struct hour_merge *m, struct hour_copies *c)
{
	c->n = 0;
	c->over = false;
	m->keep = c;
}

void hour_merge_replay(struct hour_merge *m, const struct hour_copies *c)
{
	if (c->over)
		return;
	m->replay = c;
	m->replay_i = 0;
}

void hour_copies_release(struct hour_copies *c)
{
	free(c->at);
	memset(c, 0, sizeof(*c));
}

void hour_merge_refs_ahead(struct hour_merge *m)
{
	m->refs_ahead = true;
}
