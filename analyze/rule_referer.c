/* rule_referer.c - rule family referer (docs/rules.md): an impression or
 * click whose referer names a host that is not one of its publisher's
 * registered domains or a name under one (foreign_referer), when the
 * publisher registered domains.  The ad was shown on a page the publisher
 * did not declare: domain spoofing, or its zones loaded on another site.
 * An empty referer (Referrer-Policy no-referrer, an https page's ads
 * asked over http, adlog's iframe) or one that is no URL says nothing and
 * never fires.  The driver classes the referer (rules_set_referer,
 * domains.h); the family keeps no state. */
#include "domains.h"
#include "rule_family.h"

static uint32_t judge(struct rules *r, void *state,
		      const struct seg_record *rec, const struct rules_keys *k)
{
	(void)state;
	(void)k;
	if (!r->ref.classify || rec->ref == SEG_NO_STRING)
		return 0;
	return r->ref.classify(r->ref.ctx, rec) == PUB_REF_OUTSIDE ?
	       IVT_FOREIGN_REFERER : 0;
}

static const struct rule_reason reasons[] = {
	{ IVT_FOREIGN_REFERER, "foreign_referer" },
	{ 0, NULL },
};

static const struct rule_param params[] = {
	{ NULL, 0, RULE_I64 },
};

const struct rule_family rule_referer = {
	.name = "referer",
	.doc = "an event whose referer is not its publisher's registered domain",
	.reasons = reasons,
	.params = params,
	.judges = RULE_IMPS | RULE_CLICKS,
	.judge = judge,
};
