/* rules_table.c - the table of analyze's rule families: one line each, in
 * the order their hooks run.  A family is one file, analyze/rule_NAME.c,
 * defining `const struct rule_family rule_NAME` (rule_family.h): its
 * reasons and their names, the [analyze] keys it reads, its hooks and a
 * line of doc.  The names of the reasons (ivt_reason_name), the defaults
 * of struct rules_params and the check of conf/adlog.conf.example all come
 * from here and from the keys' table (config_keys()).
 *
 * Order matters once: between the passes, publisher reads the addresses
 * that addr_ctr flagged. */
#include "rule_family.h"

#define RULES_TABLE(F) \
	F(imp_link)      /* no_impression, fast_click, stale_click */ \
	F(dup_click)     /* dup_click */ \
	F(imp_flood)     /* imp_flood, imp_stack */ \
	F(imp_refresh)   /* imp_refresh */ \
	F(uid_fanout)    /* uid_fanout */ \
	F(addr_ctr)      /* addr_ctr, net_ctr */ \
	F(publisher)     /* one_shot, hot_addr */ \
	F(referer)       /* foreign_referer */ \
	F(day)           /* day_addr: set by the day pass, no hourly hook */

#define DECLARE(name) extern const struct rule_family rule_##name;
#define ENTRY(name) &rule_##name,

RULES_TABLE(DECLARE)

static const struct rule_family *const families[] = { RULES_TABLE(ENTRY) };

const struct rule_family *const *rules_families(size_t *n)
{
	*n = sizeof(families) / sizeof(families[0]);
	return families;
}

void *rules_state(const struct rules *r, const struct rule_family *f)
{
	size_t n;
	const struct rule_family *const *all = rules_families(&n);

	for (size_t i = 0; i < n; i++)
		if (all[i] == f)
			return r->fam[i];
	return NULL;
}
