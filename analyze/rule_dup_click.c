/* rule_dup_click.c - rule family dup_click (docs/rules.md): a second click
 * on one impression (this hour or, through the look-back, an hour before),
 * or the same visitor clicking the same ad again within
 * dup_click_window. */
#include <errno.h>
#include <stdlib.h>

#include "rule_family.h"

struct dup_click {
	struct table *imp_clicked;       /* impression ids clicked this hour */
	struct rules_window *dup;        /* (visitor, ad) -> last click */
};

static bool params_ok(const struct rules_params *p)
{
	return p->dup_click_window_ms > 0;
}

static void release(void *state)
{
	struct dup_click *d = state;

	table_free(d->imp_clicked);
	win_free(d->dup);
	free(d);
}

static int init(struct rules *r, void **state)
{
	struct dup_click *d = calloc(1, sizeof(*d));

	*state = d;
	if (!d)
		return -ENOMEM;
	d->imp_clicked = table_new(0, 0, r->p.table_max, &r->st.table_full);
	d->dup = win_new(sizeof(int64_t), r->p.table_max / 4,
			 r->p.dup_click_window_ms, &r->st.table_full);
	return d->imp_clicked && d->dup ? rules_add_window(r, d->dup) : -ENOMEM;
}

static size_t memory(const void *state)
{
	const struct dup_click *d = state;

	return table_bytes(d->imp_clicked) + win_bytes(d->dup);
}

static void begin_hour(struct rules *r, void *state)
{
	struct dup_click *d = state;

	(void)r;
	table_clear(d->imp_clicked);
}

static uint32_t judge(struct rules *r, void *state,
		      const struct seg_record *rec, const struct rules_keys *k)
{
	struct dup_click *d = state;
	const int64_t *last;
	uint32_t bits = 0;

	if (signed_click(rec) &&
	    (table_find(d->imp_clicked, hash2(rec->imp, 0, TAG_IMP), NULL) ||
	     (r->lb.clicked_before &&
	      r->lb.clicked_before(r->lb.ctx, rec->imp))))
		bits |= IVT_DUP_CLICK;
	last = win_find(d->dup, hash2(k->vkey, rec->ad, TAG_DUP));
	if (last && absdiff(rec->ts_ms, *last) < r->p.dup_click_window_ms)
		bits |= IVT_DUP_CLICK;
	return bits;
}

static void remember(struct rules *r, void *state,
		     const struct seg_record *rec, const struct rules_keys *k)
{
	struct dup_click *d = state;
	int64_t *last;
	bool isnew;

	(void)r;
	if (signed_click(rec))
		table_put(d->imp_clicked, hash2(rec->imp, 0, TAG_IMP), NULL,
			  &isnew);
	if ((last = win_put(d->dup, hash2(k->vkey, rec->ad, TAG_DUP))))
		*last = rec->ts_ms;
}

static int64_t warmup_ms(const struct rules_params *p)
{
	return p->dup_click_window_ms;
}

static const struct rule_reason reasons[] = {
	{ IVT_DUP_CLICK, "dup_click" },
	{ 0, NULL },
};

static const struct rule_param params[] = {
	RULE_PARAM(dup_click_window, dup_click_window_ms, RULE_SEC_MS),
	{ NULL, 0, RULE_I64 },
};

const struct rule_family rule_dup_click = {
	.name = "dup_click",
	.doc = "a second click on one impression, or on one ad by one visitor soon after",
	.reasons = reasons,
	.params = params,
	.params_ok = params_ok,
	.init = init,
	.release = release,
	.memory = memory,
	.begin_hour = begin_hour,
	.judges = RULE_CLICKS,
	.judge = judge,
	.remembers = RULE_CLICKS,
	.remember = remember,
	.warmup_ms = warmup_ms,
};
