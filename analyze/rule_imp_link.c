/* rule_imp_link.c - rule family imp_link (docs/rules.md): a click and the
 * impression it claims.  A signed click whose impression is not logged
 * (no_impression), came less than min_click_delay_ms before it
 * (fast_click) or more than lookback after it (stale_click); an unsigned
 * click whose visitor was shown no impression of the ad in the look-back
 * (no_impression).  Asks the look-back; keeps no state. */
#include "rule_family.h"

static bool params_ok(const struct rules_params *p)
{
	return p->lookback_ms > 0;
}

static uint32_t judge(struct rules *r, void *state,
		      const struct seg_record *rec, const struct rules_keys *k)
{
	const struct rules_params *p = &r->p;
	int64_t its;

	(void)state;
	if (signed_click(rec)) {
		if (!r->lb.impression(r->lb.ctx, rec->imp, &its))
			return IVT_NO_IMPRESSION;
		if (rec->ts_ms - its < p->min_click_delay_ms)
			return IVT_FAST_CLICK;
		if (rec->ts_ms - its > p->lookback_ms)
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
	{ NULL, 0, RULE_I64 },
};

const struct rule_family rule_imp_link = {
	.name = "imp_link",
	.doc = "a click without its impression, too soon or too late after it",
	.reasons = reasons,
	.params = params,
	.params_ok = params_ok,
	.judges = RULE_CLICKS,
	.judge = judge,
};
