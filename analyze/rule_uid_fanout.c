/* rule_uid_fanout.c - rule family uid_fanout (docs/rules.md): one uid sent
 * with fanout_uas user agents or more in the hour, more than one browser
 * sends (a cookie copied between machines): all its events. */
#include <errno.h>
#include <stdlib.h>

#include "rule_family.h"

struct uid_fanout {
	struct table *uid_multi;         /* uid -> distinct user agents */
	struct table *fanout;            /* the uids over a threshold */
};

static bool params_ok(const struct rules_params *p)
{
	return p->fanout_uas >= 2;
}

static void release(void *state)
{
	struct uid_fanout *u = state;

	table_free(u->uid_multi);
	table_free(u->fanout);
	free(u);
}

static int init(struct rules *r, void **state)
{
	struct uid_fanout *u = calloc(1, sizeof(*u));

	*state = u;
	if (!u)
		return -ENOMEM;
	u->uid_multi = table_new(0, sizeof(uint32_t), r->p.table_max,
			       &r->st.table_full);
	u->fanout = table_new(0, 0, r->p.table_max, &r->st.table_full);
	return u->uid_multi && u->fanout ? 0 : -ENOMEM;
}

static size_t memory(const void *state)
{
	const struct uid_fanout *u = state;

	return table_bytes(u->uid_multi) + table_bytes(u->fanout);
}

static void begin_hour(struct rules *r, void *state)
{
	struct uid_fanout *u = state;

	(void)r;
	table_clear(u->uid_multi);
	table_clear(u->fanout);
}

/* A uid seen before with a new user agent (the core's Bloom facts):
 * count it. */
static void observe(struct rules *r, void *state,
		    const struct rules_pending *o, size_t n)
{
	struct uid_fanout *u = state;
	uint32_t *uas;
	bool isnew;

	(void)r;
	for (size_t i = 0; i < n; i++) {
		if (!o[i].has_uid || !o[i].uid_seen || !o[i].new_ua)
			continue;
		uas = table_put(u->uid_multi, o[i].k.ukey, NULL, &isnew);
		if (uas)
			*uas = isnew ? 2 : *uas + 1;
	}
}

/* Pass 2 asks about every uid: keep the few offenders in a table small
 * enough to stay in cache. */
static void end_observe(struct rules *r, void *state)
{
	struct uid_fanout *u = state;
	const void *v;
	uint64_t key;

	for (size_t i = 0; (v = table_next(u->uid_multi, &i, &key)); ) {
		bool isnew;

		if (*(const uint32_t *)v >= r->p.fanout_uas)
			table_put(u->fanout, key, NULL, &isnew);
	}
	r->st.uid_multi = u->uid_multi->n;
}

static uint32_t judge(struct rules *r, void *state,
		      const struct seg_record *rec, const struct rules_keys *k)
{
	const struct uid_fanout *u = state;

	(void)r;
	return rec->has_uid && u->fanout->n &&
	       table_find(u->fanout, k->ukey, NULL) ? IVT_UID_FANOUT : 0;
}

static const struct rule_reason reasons[] = {
	{ IVT_UID_FANOUT, "uid_fanout" },
	{ 0, NULL },
};

static const struct rule_param params[] = {
	RULE_PARAM(fanout_uas, fanout_uas, RULE_U32),
	{ NULL, 0, RULE_I64 },
};

const struct rule_family rule_uid_fanout = {
	.name = "uid_fanout",
	.doc = "one uid with more user agents in the hour than one browser sends",
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
