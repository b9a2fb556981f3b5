/* rule_imp_flood.c - rule family imp_flood (docs/rules.md): one ad call
 * counted twice (imp_flood, a billing dedup), and publishers whose views
 * load a zone more often than all but imp_stack_alpha of the other
 * publishers' views do, improbably often (imp_stack: stacked frames, an
 * excess test against peers).
 *
 * A view is a visitor's loads of one zone, each within
 * imp_flood_window_ms of the one before: the slots of that zone on one
 * page, or a stack of frames.  Pass 1 counts each publisher's views by
 * their loads; between the passes each publisher gets its cut from the
 * others' views and is tested; pass 2 flags, on the publishers that
 * stack, the loads of a view but its last (the frame painted on top) of
 * the (visitor, zone) pairs that had a view at the cut. */
#include <errno.h>
#include <stdlib.h>

#include "excess.h"
#include "rule_family.h"

#define VIEW_SLOTS (1u << 12)
#define VIEW_MAX 32              /* views of 32 loads or more share a bin */
#define NO_CUT UINT32_MAX

#define NO_END INT64_MIN

/* A (visitor, zone) pair's last load and its view so far: direct-mapped. */
struct view_slot {
	uint64_t key;
	int64_t ts;
	int64_t mark;  /* pass 1: the view's first load; pass 2: its last */
	uint32_t pub, n;
};

/* A publisher's views of the hour by their loads, and its cut. */
struct pub_views {
	uint32_t hist[VIEW_MAX + 1]; /* hist[n]: views of n loads, n >= 1 */
	uint32_t cut;                /* loads from which a view is a stack */
	uint32_t stacks;             /* its views reach the cut in excess */
};

struct imp_flood {
	struct rules_window *flood;  /* ad call -> last impression */
	struct view_slot *view1;     /* pass 1: views being counted */
	struct view_slot *view2;     /* pass 2: the pair's last load */
	struct table *pairs;   /* (visitor, zone) -> its largest view */
	struct table *ends;    /* (pair, a view's first load) -> its last,
				* views of 2 loads or more */
	struct table *pubs;    /* publisher -> struct pub_views */
};

/* Key of a (visitor, zone) pair for imp_stack. */
static inline uint64_t stack_key(uint64_t vkey, uint32_t zone)
{
	return mix_u64(vkey ^ mix_u64(zone ^ ((uint64_t)TAG_STACK << 56)));
}

/* Key of the view of pair sk whose first load was at t0. */
static inline uint64_t view_key(uint64_t sk, int64_t t0)
{
	return hash2(sk, (uint64_t)t0, TAG_STACK);
}

static inline uint64_t pub_key(uint32_t pub)
{
	return mix_u64(pub ^ ((uint64_t)TAG_STACK << 48)) | 1;
}

/* Key of the ad call an impression reports.  A render carries the id of
 * the ad served (docs/log-format.md, v2): the same id twice is the same
 * ad call, and two slots are two calls whatever their ads.  A pixel names
 * no call: the same visitor, zone and ad stand for it. */
static uint64_t call_key(const struct seg_record *rec,
			 const struct rules_keys *k)
{
	if (rec->flags & (EVENT_F_TOKEN_VALID | EVENT_F_TOKEN_EXPIRED))
		return hash2(rec->id, 0, TAG_FLOOD);
	return hash3(k->vkey, rec->zone, rec->ad, TAG_FLOOD);
}

static bool params_ok(const struct rules_params *p)
{
	return p->imp_flood_window_ms > 0 && p->imp_stack_alpha > 0 &&
	       p->imp_stack_alpha < 1;
}

static void release(void *state)
{
	struct imp_flood *f = state;

	win_free(f->flood);
	table_free(f->pairs);
	table_free(f->ends);
	table_free(f->pubs);
	free(f->view1);
	free(f->view2);
	free(f);
}

static int init(struct rules *r, void **state)
{
	struct imp_flood *f = calloc(1, sizeof(*f));

	*state = f;
	if (!f)
		return -ENOMEM;
	f->flood = win_new(sizeof(int64_t), r->p.table_max / 4,
			   r->p.imp_flood_window_ms, &r->st.table_full);
	f->view1 = calloc(VIEW_SLOTS, sizeof(*f->view1));
	f->view2 = calloc(VIEW_SLOTS, sizeof(*f->view2));
	f->pairs = table_new(0, sizeof(uint32_t), r->p.table_max,
			   &r->st.table_full);
	f->ends = table_new(0, sizeof(int64_t), r->p.table_max,
			    &r->st.table_full);
	f->pubs = table_new(0, sizeof(struct pub_views), r->p.table_max,
			  &r->st.table_full);
	return f->flood && f->view1 && f->view2 && f->pairs && f->ends &&
	       f->pubs ?
	       rules_add_window(r, f->flood) : -ENOMEM;
}

static size_t memory(const void *state)
{
	const struct imp_flood *f = state;

	return win_bytes(f->flood) + table_bytes(f->pairs) +
	       table_bytes(f->ends) + table_bytes(f->pubs) +
	       2 * VIEW_SLOTS * sizeof(*f->view1);
}

static void begin_hour(struct rules *r, void *state)
{
	struct imp_flood *f = state;

	(void)r;
	table_clear(f->pairs);
	table_clear(f->ends);
	table_clear(f->pubs);
	memset(f->view1, 0, VIEW_SLOTS * sizeof(*f->view1));
	memset(f->view2, 0, VIEW_SLOTS * sizeof(*f->view2));
}

/* A view of slot s ended: count it for its publisher, and keep when a
 * view of repeats ends for pass 2. */
static void view_end(struct imp_flood *f, const struct view_slot *s)
{
	struct pub_views *pv;
	int64_t *end;
	bool isnew;

	if (!s->key)
		return;
	if (s->n >= 2 &&
	    (end = table_put(f->ends, view_key(s->key, s->mark), NULL, &isnew)))
		*end = s->ts;
	if ((pv = table_put(f->pubs, pub_key(s->pub), NULL, &isnew)))
		pv->hist[s->n < VIEW_MAX ? s->n : VIEW_MAX]++;
}

/* The slots are direct-mapped: a pair evicted by another in the middle
 * of a view splits it in two, which can only make a stack missed, never
 * one invented. */
static void observe(struct rules *r, void *state,
		    const struct rules_pending *o, size_t n)
{
	struct imp_flood *f = state;
	bool isnew;

	for (size_t i = 0; i < n; i++) {
		uint64_t sk = stack_key(o[i].k.vkey, o[i].zone);
		struct view_slot *s = &f->view1[sk & (VIEW_SLOTS - 1)];
		uint32_t *max;

		if (o[i].type == EVENT_CLICK)
			continue;
		if (s->key == sk &&
		    absdiff(o[i].ts, s->ts) < r->p.imp_flood_window_ms) {
			s->ts = o[i].ts;
			if (s->n < UINT32_MAX)
				s->n++;
			if ((max = table_put(f->pairs, sk, NULL, &isnew)) &&
			    *max < s->n)
				*max = s->n;
			continue;
		}
		view_end(f, s);
		*s = (struct view_slot){ sk, o[i].ts, o[i].ts, o[i].pub, 1 };
	}
}

/* The smallest number of loads that at most alpha of the views in h
 * reach (at least 2); NO_CUT when h has too few views to measure a
 * share that small, or when even the top bin holds more. */
static uint32_t cut_of(const uint64_t *h, double alpha)
{
	uint64_t views = 0, tail;

	for (unsigned i = 1; i <= VIEW_MAX; i++)
		views += h[i];
	if ((double)views * alpha < 1)
		return NO_CUT;
	tail = views - h[1];
	for (unsigned t = 2; t <= VIEW_MAX; t++) {
		if ((double)tail <= alpha * (double)views)
			return t;
		tail -= h[t];
	}
	return NO_CUT;
}

static uint64_t views_from(const uint32_t *h, uint32_t t)
{
	uint64_t n = 0;

	for (uint32_t b = t; b <= VIEW_MAX; b++)
		n += h[b];
	return n;
}

/* Give each publisher its cut from the views of every other publisher;
 * a publisher stacks when the share of its views at its cut is
 * improbable at alpha (binomial, p under alpha over the publishers
 * tested).  Returns how many stack. */
static size_t judge_pubs(struct imp_flood *f, double alpha)
{
	uint64_t all[VIEW_MAX + 1] = { 0 }, peers[VIEW_MAX + 1];
	size_t tested = f->pubs->n, stacking = 0, cur = 0;
	struct pub_views *pv;

	while ((pv = table_next(f->pubs, &cur, NULL)))
		for (unsigned b = 1; b <= VIEW_MAX; b++)
			all[b] += pv->hist[b];
	cur = 0;
	while ((pv = table_next(f->pubs, &cur, NULL))) {
		for (unsigned b = 1; b <= VIEW_MAX; b++)
			peers[b] = all[b] - pv->hist[b];
		pv->cut = cut_of(peers, alpha);
		pv->stacks = pv->cut != NO_CUT &&
			     excess_binom_sf(views_from(pv->hist, pv->cut),
					     views_from(pv->hist, 1), alpha) <
			     alpha / (double)tested;
		stacking += pv->stacks;
	}
	return stacking;
}

static void end_observe(struct rules *r, void *state)
{
	struct imp_flood *f = state;

	for (unsigned i = 0; i < VIEW_SLOTS; i++)
		view_end(f, &f->view1[i]);
	if (f->pairs->n && !judge_pubs(f, r->p.imp_stack_alpha)) {
		table_clear(f->pairs);
		table_clear(f->ends);
	}
}

/* The last load of the view a load at ts is in (slot s as remember left
 * it), *cont when the load continues the slot's view: NO_END when its view
 * has one load, or is not known. */
static int64_t view_last(const struct imp_flood *f, const struct view_slot *s,
			 uint64_t sk, int64_t ts, int64_t window, bool *cont)
{
	const int64_t *end;

	if ((*cont = s->key == sk && absdiff(ts, s->ts) < window))
		return s->mark;
	end = table_find(f->ends, view_key(sk, ts), NULL);
	return end ? *end : NO_END;
}

/* A load at ts in a view of repeats: a repeat (all loads of the view
 * but its last are: one load of the view's last millisecond stays, the
 * first), or the view's kept load; NOT_REPEATED when its view has one
 * load or is not known. */
enum view_part { NOT_REPEATED, REPEAT, KEPT };

static enum view_part view_part(const struct imp_flood *f,
				const struct view_slot *s, uint64_t sk,
				int64_t ts, int64_t window)
{
	bool cont;
	int64_t end = view_last(f, s, sk, ts, window, &cont);

	if (end == NO_END)
		return NOT_REPEATED;
	return ts < end || (cont && s->ts == end) ? REPEAT : KEPT;
}

/* The views of pub when it stacks, else NULL. */
static const struct pub_views *stacking(const struct imp_flood *f,
					uint32_t pub)
{
	const struct pub_views *pv = table_find(f->pubs, pub_key(pub), NULL);

	return pv && pv->stacks ? pv : NULL;
}

/* A stacking publisher's view at its cut keeps its last load: the loads
 * before it are imp_stack's, and an imp_flood repeat that is the kept
 * load stays, since the load it repeats (the same call in the same view)
 * is a stack repeat. */
static uint32_t judge(struct rules *r, void *state,
		      const struct seg_record *rec, const struct rules_keys *k)
{
	struct imp_flood *f = state;
	const int64_t *last;
	const uint32_t *max;
	const struct pub_views *pv;
	const struct view_slot *s;
	uint64_t sk;
	uint32_t bits = 0;

	last = win_find(f->flood, call_key(rec, k));
	if (last && absdiff(rec->ts_ms, *last) < r->p.imp_flood_window_ms)
		bits |= IVT_IMP_FLOOD;
	if (!f->pairs->n)
		return bits;
	sk = stack_key(k->vkey, rec->zone);
	s = &f->view2[sk & (VIEW_SLOTS - 1)];
	if (!(pv = stacking(f, rec->pub)) ||
	    !(max = table_find(f->pairs, sk, NULL)) || *max < pv->cut)
		return bits;
	switch (view_part(f, s, sk, rec->ts_ms, r->p.imp_flood_window_ms)) {
	case REPEAT:
		return bits | IVT_IMP_STACK;
	case KEPT:
		return bits & ~(uint32_t)IVT_IMP_FLOOD;
	default:
		return bits;
	}
}

static void remember(struct rules *r, void *state,
		     const struct seg_record *rec, const struct rules_keys *k)
{
	struct imp_flood *f = state;
	int64_t *last;

	(void)r;
	last = win_put(f->flood, call_key(rec, k));
	if (last)
		*last = rec->ts_ms;
	if (f->pairs->n) {
		uint64_t sk = stack_key(k->vkey, rec->zone);
		struct view_slot *s = &f->view2[sk & (VIEW_SLOTS - 1)];
		bool cont;

		/* only a stacking publisher's views are judged */
		s->mark = stacking(f, rec->pub) ?
			  view_last(f, s, sk, rec->ts_ms,
				    r->p.imp_flood_window_ms, &cont) : NO_END;
		s->key = sk;
		s->ts = rec->ts_ms;
	}
}

static int64_t warmup_ms(const struct rules_params *p)
{
	return p->imp_flood_window_ms;
}

static const struct rule_reason reasons[] = {
	{ IVT_IMP_FLOOD, "imp_flood" },
	{ IVT_IMP_STACK, "imp_stack" },
	{ 0, NULL },
};

static const struct rule_param params[] = {
	RULE_PARAM(imp_flood_window_ms, imp_flood_window_ms, RULE_I64),
	RULE_PARAM(imp_stack_alpha, imp_stack_alpha, RULE_DBL),
	{ NULL, 0, RULE_I64 },
};

const struct rule_family rule_imp_flood = {
	.name = "imp_flood",
	.doc = "one ad call counted twice; a view loading a zone more often than the other publishers' views",
	.reasons = reasons,
	.params = params,
	.params_ok = params_ok,
	.init = init,
	.release = release,
	.memory = memory,
	.begin_hour = begin_hour,
	.observe = observe,
	.end_observe = end_observe,
	.judges = RULE_IMPS,
	.judge = judge,
	.remembers = RULE_IMPS,
	.remember = remember,
	.warmup_ms = warmup_ms,
};
