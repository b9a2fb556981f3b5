/* rule_addr_burst.c - rule family addr_burst (docs/rules.md): an address
 * over its allowance of clicks or impressions in the hour, the allowance
 * growing with the visitors behind it, is automated as a whole: every
 * event it made in the hour carries the bit. */
#include <errno.h>

#include "rule_family.h"

static void release(void *state)
{
	table_free(state);
}

/* The state: the addresses past burst_imps_base impressions. */
static int init(struct rules *r, void **state)
{
	*state = table_new(0, 0, r->p.table_max, &r->st.table_full);
	return *state ? 0 : -ENOMEM;
}

static size_t memory(const void *state)
{
	return table_bytes(state);
}

static void begin_hour(struct rules *r, void *state)
{
	(void)r;
	table_clear(state);
}

static void observe(struct rules *r, void *state,
		    const struct rules_pending *o, size_t n)
{
	bool isnew;

	for (size_t i = 0; i < n; i++)
		if (o[i].type != EVENT_CLICK &&
		    o[i].addr_imps > r->p.burst_imps_base)
			table_put(state, o[i].k.akey, NULL, &isnew);
}

static void end_observe(struct rules *r, void *state)
{
	const struct rules_params *p = &r->p;
	const struct table *heavy = state;
	const void *v;
	uint64_t key;

	for (size_t i = 0; (v = table_next(r->addr_clicks, &i, &key)); ) {
		const struct addr_clicks *ac = v;

		if (ac->n > p->burst_clicks_base +
			    p->burst_clicks_per_visitor * addr_size(r, key))
			rules_flag_key(r, key, IVT_ADDR_BURST);
	}
	for (size_t i = 0; (v = table_next(heavy, &i, &key)); )
		if (addr_imps(r, key) > p->burst_imps_base +
		    p->burst_imps_per_visitor * addr_size(r, key))
			rules_flag_key(r, key, IVT_ADDR_BURST);
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
