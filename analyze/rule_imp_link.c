/* rule_imp_link.c - rule family imp_link (docs/rules.md): a click and the
 * impression it claims.  A signed click whose impression is not logged
 * (no_impression), came before it or sooner after it than any person can
 * react (min_click_delay_ms: fast_click) or more than lookback after it
 * (stale_click); an unsigned click whose visitor was shown no impression
 * of the ad in the look-back (no_impression).  Besides the hard cut,
 * fast_click flags the fast clicks (within fast_click_window_ms, or
 * twice or four times it) of an address or a publisher whose share of
 * such clicks is an improbable excess over the others' share this hour:
 * people click fast now and then, a script clicks at its delay every
 * time.  The impression of a click
 * flagged fast_click is flagged too: no person clicked it, so no person
 * was shown it (a frame that loads an ad and clicks it stuffs a cookie). */
#include <errno.h>
#include <stdlib.h>

#include "excess.h"
#include "mix.h"
#include "rule_family.h"

/* The windows a time to click is judged in: fast_click_window_ms and
 * each double of it, FAST_WINDOWS in all (1, 2 and 4 s at the default). */
#define FAST_WINDOWS 3

/* A source's clicks with a known time to click, and those within each
 * window. */
struct fast_count {
	uint32_t n, fast[FAST_WINDOWS];
	uint8_t flag;                /* its clicks within the first flag
					windows are flagged */
};

/* A click within the widest window of its impression, by the
 * impression's id (mixed: a bijection, so ids never collide): its
 * impression is flagged with it. */
struct fast_imp {
	uint64_t akey;               /* the click's address */
	uint32_t pub;
	bool hard;                   /* under min_click_delay_ms */
	uint8_t w;                   /* the first window it is within */
};

/* The first window a time to click d is within; FAST_WINDOWS: none. */
static unsigned fast_window(const struct rules_params *p, int64_t d)
{
	unsigned w = 0;

	while (w < FAST_WINDOWS && d >= p->fast_click_window_ms << w)
		w++;
	return w;
}

struct imp_link {
	struct table *addr;    /* address -> fast_count */
	struct table *pub;     /* publisher + 1 -> fast_count */
	struct table *cand;    /* impression id -> fast_imp, pass 1 */
	struct table *imps;    /* the flagged of cand, pass 2: a few an hour,
				  so each impression's lookup stays in cache */
};

static bool params_ok(const struct rules_params *p)
{
	return p->lookback_ms > 0 &&
	       p->fast_click_window_ms >= p->min_click_delay_ms;
}

static void release(void *state)
{
	struct imp_link *l = state;

	if (!l)
		return;
	table_free(l->addr);
	table_free(l->pub);
	table_free(l->cand);
	table_free(l->imps);
	free(l);
}

static int init(struct rules *r, void **state)
{
	struct imp_link *l = calloc(1, sizeof(*l));

	*state = l;
	if (!l)
		return -ENOMEM;
	l->addr = table_new(0, sizeof(struct fast_count), r->p.table_max,
			  &r->st.table_full);
	l->pub = table_new(0, sizeof(struct fast_count), r->p.table_max,
			 &r->st.table_full);
	l->cand = table_new(0, sizeof(struct fast_imp), r->p.table_max,
			    &r->st.table_full);
	l->imps = table_new(0, 0, r->p.table_max, &r->st.table_full);
	return l->addr && l->pub && l->cand && l->imps ? 0 : -ENOMEM;
}

static size_t memory(const void *state)
{
	const struct imp_link *l = state;

	return table_bytes(l->addr) + table_bytes(l->pub) +
	       table_bytes(l->cand) + table_bytes(l->imps);
}

static void begin_hour(struct rules *r, void *state)
{
	struct imp_link *l = state;

	(void)r;
	table_clear(l->addr);
	table_clear(l->pub);
	table_clear(l->cand);
	table_clear(l->imps);
}

static void count(struct table *t, uint64_t key, unsigned w)
{
	bool isnew;
	struct fast_count *c = table_put(t, key, NULL, &isnew);

	if (c) {
		c->n++;
		for (unsigned j = w; j < FAST_WINDOWS; j++)
			c->fast[j]++;
	}
}

/* Keep click o's impression (logged at its), o within window w: the
 * first such click of an impression, or a hard one (under
 * min_click_delay_ms) over an earlier one of the same impression. */
static void remember_imp(const struct rules *r, struct imp_link *l,
			 const struct rules_pending *o, int64_t its,
			 unsigned w)
{
	bool isnew;
	struct fast_imp *f = table_put(l->cand, mix_u64(o->imp), NULL,
				       &isnew);

	if (f && (isnew || o->ts - its < r->p.min_click_delay_ms))
		*f = (struct fast_imp){ o->k.akey, o->pub,
			o->ts - its < r->p.min_click_delay_ms, (uint8_t)w };
}

/* Pass 1: every signed click whose impression the look-back already
 * knows (an impression of this hour is given to it before its clicks). */
static void observe(struct rules *r, void *state,
		    const struct rules_pending *o, size_t n)
{
	struct imp_link *l = state;
	int64_t its;

	for (size_t i = 0; i < n; i++) {
		unsigned w;

		if (o[i].type != EVENT_CLICK || !o[i].imp ||
		    !r->lb.impression(r->lb.ctx, o[i].imp, &its))
			continue;
		w = fast_window(&r->p, o[i].ts - its);
		count(l->addr, o[i].k.akey, w);
		if (o[i].pub)
			count(l->pub, (uint64_t)o[i].pub + 1, w);
		if (w < FAST_WINDOWS)
			remember_imp(r, l, &o[i], its, w);
	}
}

/* Flag the sources of t whose clicks within a window are an improbable
 * excess over the others' share (Bonferroni over every source with a
 * timed click and every window), people's clicks within it expected
 * among them at most 1 - fast_click_precision: the source's clicks
 * outside it are at most people's, who click within it p0 per 1 - p0
 * outside (excess_fires' by_rest).  The widest window that is flagged
 * is the source's. */
static void judge_sources(const struct rules_params *p, struct table *t)
{
	const struct excess_test x = {
		.ratio = p->fast_click_ratio, .alpha = p->fast_click_budget,
		.precision = p->fast_click_precision, .min = 2,
		.by_rest = true,
	};
	uint64_t all_n = 0, all_fast[FAST_WINDOWS] = { 0 };
	size_t cur = 0;
	struct fast_count *c;

	while ((c = table_next(t, &cur, NULL))) {
		all_n += c->n;
		for (unsigned j = 0; j < FAST_WINDOWS; j++)
			all_fast[j] += c->fast[j];
	}
	cur = 0;
	while ((c = table_next(t, &cur, NULL))) {
		for (unsigned j = FAST_WINDOWS; j > 0 && !c->flag; j--) {
			bool flag;

			if (excess_fires(&x, c->fast[j - 1], c->n,
					 all_fast[j - 1], all_n,
					 t->n * FAST_WINDOWS, &flag) && flag)
				c->flag = (uint8_t)j;
		}
	}
}

/* The windows within which a click of address akey on publisher pub is
 * from a flagged source: the wider of the two's. */
static unsigned fast_source(const struct imp_link *l, uint64_t akey,
			    uint32_t pub)
{
	const struct fast_count *a = table_find(l->addr, akey, NULL);
	const struct fast_count *c = pub ? table_find(l->pub,
						      (uint64_t)pub + 1,
						      NULL) : NULL;
	unsigned w = a ? a->flag : 0;

	return c && c->flag > w ? c->flag : w;
}

static void end_observe(struct rules *r, void *state)
{
	struct imp_link *l = state;
	const struct fast_imp *f;
	uint64_t h;
	bool isnew;

	judge_sources(&r->p, l->addr);
	judge_sources(&r->p, l->pub);
	for (size_t i = 0; (f = table_next(l->cand, &i, &h)); )
		if (f->hard || f->w < fast_source(l, f->akey, f->pub))
			table_put(l->imps, h, NULL, &isnew);
}

/* An impression whose click is flagged fast_click. */
static uint32_t judge_imp(const struct imp_link *l,
			  const struct seg_record *rec)
{
	return l->imps->n && table_find(l->imps, mix_u64(rec->id), NULL) ?
	       IVT_FAST_CLICK : 0;
}

static uint32_t judge(struct rules *r, void *state,
		      const struct seg_record *rec, const struct rules_keys *k)
{
	const struct rules_params *p = &r->p;
	int64_t its, d;
	unsigned w;

	if (rec->type == EVENT_IMPRESSION)
		return judge_imp(state, rec);
	if (signed_click(rec)) {
		if (!r->lb.impression(r->lb.ctx, rec->imp, &its))
			return IVT_NO_IMPRESSION;
		d = rec->ts_ms - its;
		if (d < p->min_click_delay_ms)
			return IVT_FAST_CLICK;
		w = fast_window(p, d);
		if (w < FAST_WINDOWS && w < fast_source(state, k->akey,
							rec->pub))
			return IVT_FAST_CLICK;
		if (d > p->lookback_ms)
			return IVT_STALE_CLICK;
		return 0;
	}
	if ((rec->flags & EVENT_F_NO_TOKEN) && !rules_saw_ad(r, rec, k))
		return IVT_NO_IMPRESSION;
	return 0;
}

static const struct rule_reason reasons[] = {
	{ IVT_NO_IMPRESSION, "no_impression" },
	{ IVT_FAST_CLICK, "fast_click" },
	{ IVT_STALE_CLICK, "stale_click" },
	{ 0, NULL },
};

static const struct rule_param params[] = {
	RULE_PARAM(lookback, lookback_ms, RULE_SEC_MS),
	RULE_PARAM(min_click_delay_ms, min_click_delay_ms, RULE_I64),
	RULE_PARAM(fast_click_window_ms, fast_click_window_ms, RULE_I64),
	RULE_PARAM(fast_click_ratio, fast_click_ratio, RULE_DBL),
	RULE_PARAM(fast_click_budget, fast_click_budget, RULE_DBL),
	RULE_PARAM(fast_click_precision, fast_click_precision, RULE_DBL),
	{ NULL, 0, RULE_I64 },
};

const struct rule_family rule_imp_link = {
	.name = "imp_link",
	.doc = "a click without its impression, too soon or too late after it",
	.reasons = reasons,
	.params = params,
	.params_ok = params_ok,
	.init = init,
	.release = release,
	.memory = memory,
	.begin_hour = begin_hour,
	.observe = observe,
	.end_observe = end_observe,
	.judges = RULE_IMPS | RULE_CLICKS,
	.judge = judge,
};
