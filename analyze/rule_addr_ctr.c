/* rule_addr_ctr.c - rule family addr_ctr (docs/rules.md): an address
 * (addr_ctr), or its IPv4 /24 or IPv6 /48 (net_ctr), clicking far more of
 * its impressions than people do this hour: every event of the address's
 * or network's visitors who clicked this hour carries the bit (rules.c
 * asks the hour's clickers). */
#include <errno.h>
#include <stdlib.h>

#include "excess.h"
#include "rule_family.h"

struct addr_ctr {
	struct sketch_cms *net;          /* /24 (/48) -> impressions */
	struct table *net_clicks;        /* clicking /24 (/48) -> clicks */
};

static void release(void *state)
{
	struct addr_ctr *a = state;

	if (a->net)
		sketch_cms_release(a->net);
	free(a->net);
	table_free(a->net_clicks);
	free(a);
}

static int init(struct rules *r, void **state)
{
	struct addr_ctr *a = calloc(1, sizeof(*a));

	*state = a;
	if (!a || !(a->net = calloc(1, sizeof(*a->net))) ||
	    sketch_cms_init(a->net, r->p.sketch_log2 - 12, 3, 1) < 0)
		return -ENOMEM;
	a->net_clicks = table_new(0, sizeof(struct addr_clicks), r->p.table_max,
				&r->st.table_full);
	return a->net_clicks ? 0 : -ENOMEM;
}

static size_t memory(const void *state)
{
	const struct addr_ctr *a = state;

	return sketch_cms_bytes(a->net) + table_bytes(a->net_clicks);
}

static void begin_hour(struct rules *r, void *state)
{
	struct addr_ctr *a = state;

	(void)r;
	sketch_cms_clear(a->net);
	table_clear(a->net_clicks);
}

static void prefetch(const struct rules *r, const void *state,
		     const struct rules_pending *o, size_t n)
{
	const struct addr_ctr *a = state;

	(void)r;
	for (size_t i = 0; i < n; i++)
		sketch_cms_prefetch(a->net, o[i].k.nkey);
}

static void observe(struct rules *r, void *state,
		    const struct rules_pending *o, size_t n)
{
	struct addr_ctr *a = state;
	struct addr_clicks *c;
	bool isnew;

	(void)r;
	for (size_t i = 0; i < n; i++)
		if (o[i].type != EVENT_CLICK)
			sketch_cms_add(a->net, o[i].k.nkey, 1);
		else if ((c = table_put(a->net_clicks, o[i].k.nkey, NULL,
					&isnew)))
			c->n++;
}

/* The test of one kind of source (addresses or networks) this hour: the
 * rate every source is tested at, the smallest count of clicks that can
 * fire at all and the per-source alpha (Tarone, excess.h). */
struct ctr_test {
	double p0;
	uint32_t min;
	double alpha;
};

#define CTR_BINS 256

/* The hour's test for the sources of t, each (its key then struct
 * addr_clicks) with its clicks: addr_ctr_alpha shared by the sources
 * whose clicks could reach it. */
static struct ctr_test ctr_test(const struct rules *r,
				const struct table *t)
{
	const struct rules_params *p = &r->p;
	struct ctr_test c = { 0, UINT32_MAX, 0 };
	uint32_t hist[CTR_BINS] = { 0 };
	const struct addr_clicks *ac;
	size_t k, cur = 0;

	if (!r->hour_imps)
		return c;
	c.p0 = p->addr_ctr_ratio * (double)r->hour_clicks /
	       (double)r->hour_imps;
	while ((ac = table_next(t, &cur, NULL)))
		hist[ac->n < CTR_BINS ? ac->n : CTR_BINS - 1]++;
	k = excess_tarone(hist, CTR_BINS, c.p0, p->addr_ctr_alpha, &c.min);
	c.alpha = p->addr_ctr_alpha / (double)k;
	return c;
}

/* Are clicks improbable for imps impressions at c's rate (one-sided
 * binomial p-value under c's alpha)? */
static bool ctr_high(const struct ctr_test *c, uint32_t clicks, uint32_t imps)
{
	return clicks >= c->min && c->p0 > 0 && c->p0 < 1 &&
	       clicks > imps * c->p0 &&
	       excess_binom_sf(clicks, imps > clicks ? imps : clicks, c->p0) <
	       c->alpha;
}

static void end_observe(struct rules *r, void *state)
{
	const struct addr_ctr *a = state;
	struct ctr_test c = ctr_test(r, r->addr_clicks);
	const void *v;
	uint64_t key;

	for (size_t i = 0; (v = table_next(r->addr_clicks, &i, &key)); ) {
		const struct addr_clicks *ac = v;

		if (ctr_high(&c, ac->n, addr_imps(r, key)))
			rules_flag_key(r, key, IVT_ADDR_CTR);
	}
	c = ctr_test(r, a->net_clicks);
	for (size_t i = 0; (v = table_next(a->net_clicks, &i, &key)); ) {
		const struct addr_clicks *nc = v;

		if (ctr_high(&c, nc->n, sketch_cms_get(a->net, key)))
			rules_flag_key(r, key, IVT_NET_CTR);
	}
}

static const struct rule_reason reasons[] = {
	{ IVT_ADDR_CTR, "addr_ctr" },
	{ IVT_NET_CTR, "net_ctr" },
	{ 0, NULL },
};

static const struct rule_param params[] = {
	RULE_PARAM(addr_ctr_ratio, addr_ctr_ratio, RULE_DBL),
	RULE_PARAM(addr_ctr_alpha, addr_ctr_alpha, RULE_DBL),
	{ NULL, 0, RULE_I64 },
};

const struct rule_family rule_addr_ctr = {
	.name = "addr_ctr",
	.doc = "an address or its network clicking far more of its impressions than people do",
	.reasons = reasons,
	.params = params,
	.init = init,
	.release = release,
	.memory = memory,
	.begin_hour = begin_hour,
	.prefetch = prefetch,
	.observe = observe,
	.end_observe = end_observe,
};
