/* rule_day.c - rule family day (docs/rules.md, "Judgement over the day"):
 * the reasons the day pass sets and the keys it reads.  It has no hook in
 * the hourly passes: adlog-analyze --day judges the rolling day
 * (daymarks.h) and the hours apply its marks after their own rules. */
#include "daymarks.h"
#include "rule_family.h"

static const struct rule_reason reasons[] = {
	{ IVT_DAY_ADDR, "day_addr" },
	{ 0, NULL },
};

static const struct rule_param params[] = {
	RULE_PARAM(day_addr_ratio, day_addr_ratio, RULE_DBL),
	RULE_PARAM(day_addr_alpha, day_addr_alpha, RULE_DBL),
	RULE_PARAM(day_addr_min_clicks, day_addr_min_clicks, RULE_U32),
	{ NULL, 0, RULE_I64 },
};

const struct rule_family rule_day = {
	.name = "day",
	.doc = "an address, kept uid or network clicking improbably often over a rolling day",
	.reasons = reasons,
	.params = params,
};
