/* rule_imp_refresh.c - rule family imp_refresh (docs/rules.md): one
 * browser's loads of one zone beyond one per refresh_min_interval_s over
 * the hour, the shortest auto-refresh an ad network allows: the loads past
 * 3600 / interval in the hour are not billed.
 *
 * A kept cookie (a presented uid) is one browser for sure.  People
 * without cookies behind one NAT address with one user agent share a
 * visitor key: their loads of a zone are many people's, and come as
 * people's page views do, at independent times (a Poisson stream, the
 * Palm-Khintchine theorem), so such a key is counted only when its loads
 * keep a timer's beat: past the allowance, consecutive intervals (above
 * the page's own slots, imp_flood_window_ms) of about the same length,
 * improbably often for a Poisson stream at refresh_timer_alpha.
 *
 * Pass 1 counts each (visitor, zone) pair's loads in a count-min sketch
 * (never under) and lists the pairs whose estimate passes the allowance,
 * timing a cookieless pair's loads from then on; pass 2 counts the listed
 * pairs exactly, in time order, and flags their loads past it: a pair the
 * sketch over-counted is listed but never flagged. */
#include <errno.h>
#include <stdlib.h>

#include "excess.h"
#include "rule_family.h"

/* For intervals of a Poisson stream above a floor w, d - w is exponential
 * (memoryless) whatever the rate; of two such, the larger is at most 5/4
 * of the smaller with probability F(5/4) - F(4/5), F(x) = x / (1 + x),
 * exactly 1/9. */
#define BEAT_NUM 5
#define BEAT_DEN 4
#define BEAT_P0 (1.0 / 9.0)

/* A listed pair: pass 1 times a cookieless one, pass 2 counts its loads. */
struct refresh_pair {
	int64_t last;                /* pass 1: its last load */
	int64_t gap;                 /* the first interval of a pair less
					the floor, or -1 */
	uint32_t trials, beats;      /* interval pairs, and those alike */
	uint32_t seen;               /* pass 2: its loads so far */
	bool cookieless, counted;    /* counted: its loads past are flagged */
};

struct imp_refresh {
	struct sketch_cms loads;     /* (visitor, zone) -> loads this hour */
	struct table *over;          /* pairs past the allowance in pass 1 */
};

static uint32_t allowance(const struct rules_params *p)
{
	return (uint32_t)(3600 / p->refresh_min_interval_s);
}

static bool params_ok(const struct rules_params *p)
{
	return p->refresh_min_interval_s >= 1 &&
	       p->refresh_min_interval_s <= 3600 &&
	       p->refresh_timer_alpha > 0 && p->refresh_timer_alpha < 1 &&
	       p->imp_flood_window_ms > 0;
}

static void release(void *state)
{
	struct imp_refresh *f = state;

	sketch_cms_release(&f->loads);
	table_free(f->over);
	free(f);
}

static int init(struct rules *r, void **state)
{
	struct imp_refresh *f = calloc(1, sizeof(*f));

	*state = f;
	if (!f)
		return -ENOMEM;
	f->over = table_new(0, sizeof(struct refresh_pair), r->p.table_max,
			    &r->st.table_full);
	if (!f->over || sketch_cms_init(&f->loads, r->p.sketch_log2 - 9, 3,
					1) < 0)
		return -ENOMEM;
	return 0;
}

static size_t memory(const void *state)
{
	const struct imp_refresh *f = state;

	return sketch_cms_bytes(&f->loads) + table_bytes(f->over);
}

static void begin_hour(struct rules *r, void *state)
{
	struct imp_refresh *f = state;

	(void)r;
	sketch_cms_clear(&f->loads);
	table_clear(f->over);
}

/* A visitor's (a kept uid's, else an address and user agent's) load. */
static bool counted(uint8_t type)
{
	return type != EVENT_CLICK;
}

static bool cookieless(const struct rules_keys *k)
{
	return k->vkey != k->ukey;
}

static uint64_t pair_key(const struct rules_keys *k, uint32_t zone)
{
	return hash2(k->vkey, zone, TAG_REFRESH);
}

/* A cookieless pair's load at ts: its intervals of w or more (from a
 * page's last slot to the next page), two at a time, are a trial; alike
 * when, less w, the larger is at most 5/4 of the smaller. */
static void time_load(struct refresh_pair *v, int64_t ts, int64_t w)
{
	int64_t d = ts - v->last - w;

	v->last = ts;
	if (d < 0)              /* a slot of the same page: no interval */
		return;
	if (v->gap < 0) {
		v->gap = d;
		return;
	}
	v->trials++;
	v->beats += BEAT_DEN * (d > v->gap ? d : v->gap) <=
		    BEAT_NUM * (d < v->gap ? d : v->gap);
	v->gap = -1;
}

static void prefetch(const struct rules *r, const void *state,
		     const struct rules_pending *o, size_t n)
{
	const struct imp_refresh *f = state;

	(void)r;
	for (size_t i = 0; i < n; i++)
		if (counted(o[i].type))
			sketch_cms_prefetch(&f->loads,
					    pair_key(&o[i].k, o[i].zone));
}

static void observe(struct rules *r, void *state,
		    const struct rules_pending *o, size_t n)
{
	struct imp_refresh *f = state;
	uint32_t limit = allowance(&r->p);
	bool isnew;

	for (size_t i = 0; i < n; i++) {
		struct refresh_pair *v;
		uint64_t key;

		if (!counted(o[i].type))
			continue;
		key = pair_key(&o[i].k, o[i].zone);
		/* other keys may lift the estimate past limit + 1 between
		 * two loads of this one: any estimate past the limit lists
		 * it (a pair listed twice is one entry) */
		if (sketch_cms_add(&f->loads, key, 1) <= limit ||
		    !(v = table_put(f->over, key, NULL, &isnew)))
			continue;
		if (isnew)
			*v = (struct refresh_pair){ .last = o[i].ts, .gap = -1,
				.cookieless = cookieless(&o[i].k) };
		else if (v->cookieless)
			time_load(v, o[i].ts, r->p.imp_flood_window_ms);
	}
	r->st.refresh_listed = f->over->n;
}

/* Count a kept cookie's listed pairs; a cookieless one when its
 * intervals beat alike improbably often for people (binomial, p under
 * refresh_timer_alpha over the cookieless pairs tested). */
static void end_observe(struct rules *r, void *state)
{
	struct imp_refresh *f = state;
	struct refresh_pair *v;
	size_t cur = 0, tested = 0;

	while ((v = table_next(f->over, &cur, NULL)))
		tested += v->cookieless && v->trials;
	cur = 0;
	while ((v = table_next(f->over, &cur, NULL)))
		v->counted = !v->cookieless ||
			     (v->trials &&
			      excess_binom_sf(v->beats, v->trials, BEAT_P0) <
			      r->p.refresh_timer_alpha / (double)tested);
}

/* The listed pair's loads so far, this one included: past the
 * allowance, not billed. */
static uint32_t judge(struct rules *r, void *state,
		      const struct seg_record *rec, const struct rules_keys *k)
{
	struct imp_refresh *f = state;
	struct refresh_pair *v;

	if (!f->over->n || (rec->reasons & INGEST_BITS) ||
	    !counted(rec->type) ||
	    !(v = table_find(f->over, pair_key(k, rec->zone), NULL)) ||
	    !v->counted)
		return 0;
	return ++v->seen > allowance(&r->p) ? IVT_IMP_REFRESH : 0;
}

static const struct rule_reason reasons[] = {
	{ IVT_IMP_REFRESH, "imp_refresh" },
	{ 0, NULL },
};

static const struct rule_param params[] = {
	RULE_PARAM(refresh_min_interval_s, refresh_min_interval_s, RULE_U32),
	RULE_PARAM(refresh_timer_alpha, refresh_timer_alpha, RULE_DBL),
	{ NULL, 0, RULE_I64 },
};

const struct rule_family rule_imp_refresh = {
	.name = "imp_refresh",
	.doc = "one browser's loads of a zone past the shortest auto-refresh over the hour (a cookieless visitor's when they keep a timer's beat)",
	.reasons = reasons,
	.params = params,
	.params_ok = params_ok,
	.init = init,
	.release = release,
	.memory = memory,
	.begin_hour = begin_hour,
	.prefetch = prefetch,
	.observe = observe,
	.end_observe = end_observe,
	.judges = RULE_IMPS,
	.judge = judge,
};
