/* rule_addr_burst.c - rule family addr_burst (docs/rules.md): an address
 * over its allowance of clicks or impressions in the hour, the allowance
 * growing with the visitors behind it, is automated as a whole: every
 * event it made in the hour carries the bit. */
#include <errno.h>

#include "rule_family.h"

static void release(void *state)
{
	tab_free(state);
}

/* The state: the addresses past burst_imps_base impressions. */
static int init(struct rules *r, void **state)
{
	*state = tab_new(0, r->p.table_max, &r->st.table_full);
	return *state ? 0 : -ENOMEM;
}

static size_t memory(const void *state)
{
	return tab_bytes(state);
}

static void begin_hour(struct rules *r, void *state)
{
	(void)r;
	tab_clear(state);
}

static void observe(struct rules *r, void *state,
		    const struct rules_pending *o, size_t n)
{
	bool isnew;

	for (size_t i = 0; i < n; i++)
		if (o[i].type != EVENT_CLICK &&
		    o[i].addr_imps > r->p.burst_imps_base)
			tab_put(state, o[i].k.akey, &isnew);
}

static void end_observe(struct rules *r, void *state)
{
	const struct rules_params *p = &r->p;
	const struct rules_table *heavy = state;

	TAB_EACH(r->addr_clicks, i, s) {
		const struct addr_clicks *ac = (const void *)(s + 1);

		if (ac->n > p->burst_clicks_base +
			    p->burst_clicks_per_visitor * addr_size(r, *s))
			rules_flag_key(r, *s, IVT_ADDR_BURST);
	}
	TAB_EACH(heavy, i, s)
		if (addr_imps(r, *s) > p->burst_imps_base +
		    p->burst_imps_per_visitor * addr_size(r, *s))
			rules_flag_key(r, *s, IVT_ADDR_BURST);
}

static const struct rule_reason reasons[] = {
	{ IVT_ADDR_BURST, "addr_burst" },
	{ 0, NULL },
};

static const struct rule_param params[] = {
	RULE_PARAM(burst_clicks_base, burst_clicks_base, RULE_DBL),
	RULE_PARAM(burst_clicks_per_visitor, burst_clicks_per_visitor,
		   RULE_DBL),
	RULE_PARAM(burst_imps_base, burst_imps_base, RULE_DBL),
	RULE_PARAM(burst_imps_per_visitor, burst_imps_per_visitor, RULE_DBL),
	{ NULL, 0, RULE_I64 },
};

const struct rule_family rule_addr_burst = {
	.name = "addr_burst",
	.doc = "an address over its size-scaled allowance of clicks or impressions in the hour",
	.reasons = reasons,
	.params = params,
	.init = init,
	.release = release,
	.memory = memory,
	.begin_hour = begin_hour,
	.observe = observe,
	.end_observe = end_observe,
};
