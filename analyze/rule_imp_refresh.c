/* rule_imp_refresh.c - rule family imp_refresh (docs/rules.md): one
 * browser's loads of one zone beyond one per refresh_min_interval_s over
 * the hour, the shortest auto-refresh an ad network allows: the loads past
 * 3600 / interval in the hour are not billed.
 *
 * Only a kept cookie (a presented uid) is one browser for sure; people
 * without cookies behind one NAT address with one user agent share a
 * visitor key, so their loads are not counted.  Pass 1 counts each
 * (uid, zone) pair's loads in a count-min sketch (never under) and lists
 * the pairs whose estimate passes the allowance; pass 2 counts the listed
 * pairs exactly, in time order, and flags their loads past it: a pair the
 * sketch over-counted is listed but never flagged. */
#include <errno.h>
#include <stdlib.h>

#include "rule_family.h"

struct imp_refresh {
	struct sketch_cms loads;     /* (uid, zone) -> loads this hour */
	struct table *over;          /* pairs past the allowance in pass 1 ->
					their loads so far in pass 2 */
};

static uint32_t allowance(const struct rules_params *p)
{
	return (uint32_t)(3600 / p->refresh_min_interval_s);
}

static bool params_ok(const struct rules_params *p)
{
	return p->refresh_min_interval_s >= 1 &&
	       p->refresh_min_interval_s <= 3600;
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
	f->over = table_new(0, sizeof(uint32_t), r->p.table_max,
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

/* One browser's load: an impression with a kept cookie. */
static bool counted(uint8_t type, bool has_uid, const struct rules_keys *k)
{
	return type != EVENT_CLICK && has_uid && k->vkey == k->ukey;
}

static uint64_t pair_key(const struct rules_keys *k, uint32_t zone)
{
	return hash2(k->ukey, zone, TAG_REFRESH);
}

static void prefetch(const struct rules *r, const void *state,
		     const struct rules_pending *o, size_t n)
{
	const struct imp_refresh *f = state;

	(void)r;
	for (size_t i = 0; i < n; i++)
		if (counted(o[i].type, o[i].has_uid, &o[i].k))
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
		uint64_t key;

		if (!counted(o[i].type, o[i].has_uid, &o[i].k))
			continue;
		key = pair_key(&o[i].k, o[i].zone);
		/* other keys may lift the estimate past limit + 1 between
		 * two loads of this one: any estimate past the limit lists
		 * it (a pair listed twice is one entry) */
		if (sketch_cms_add(&f->loads, key, 1) > limit)
			table_put(f->over, key, NULL, &isnew);
	}
	r->st.refresh_listed = f->over->n;
}

/* The listed pair's loads so far, this one included: past the
 * allowance, not billed. */
static uint32_t judge(struct rules *r, void *state,
		      const struct seg_record *rec, const struct rules_keys *k)
{
	struct imp_refresh *f = state;
	uint32_t *seen;

	if (!f->over->n || (rec->reasons & INGEST_BITS) ||
	    !counted(rec->type, rec->has_uid, k) ||
	    !(seen = table_find(f->over, pair_key(k, rec->zone), NULL)))
		return 0;
	return ++*seen > allowance(&r->p) ? IVT_IMP_REFRESH : 0;
}

static const struct rule_reason reasons[] = {
	{ IVT_IMP_REFRESH, "imp_refresh" },
	{ 0, NULL },
};

static const struct rule_param params[] = {
	RULE_PARAM(refresh_min_interval_s, refresh_min_interval_s, RULE_U32),
	{ NULL, 0, RULE_I64 },
};

const struct rule_family rule_imp_refresh = {
	.name = "imp_refresh",
	.doc = "one browser's loads of a zone past the shortest auto-refresh over the hour",
	.reasons = reasons,
	.params = params,
	.params_ok = params_ok,
	.init = init,
	.release = release,
	.memory = memory,
	.begin_hour = begin_hour,
	.prefetch = prefetch,
	.observe = observe,
	.judges = RULE_IMPS,
	.judge = judge,
};
