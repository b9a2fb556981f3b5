/* rule_imp_flood.c - rule family imp_flood (docs/rules.md): one visitor
 * given the same zone and ad again within imp_flood_window (imp_flood),
 * or the same zone with any ad (imp_stack: stacked frames, all its
 * impressions in that zone this hour). */
#include <errno.h>
#include <stdlib.h>

#include "rule_family.h"

#define STACK_SLOTS (1u << 12)

/* Pass 1's last impression of a (visitor, zone) pair: direct-mapped. */
struct stack_slot {
	uint64_t key;
	int64_t ts;
};

struct imp_flood {
	struct rules_window *flood;  /* (visitor, zone, ad) -> last impression */
	struct stack_slot *stack1;   /* (visitor, zone) -> last impression */
	struct table *stacked;       /* (visitor, zone) pairs stacked */
};

/* Key of a (visitor, zone) pair for imp_stack. */
static inline uint64_t stack_key(uint64_t vkey, uint32_t zone)
{
	return mix_u64(vkey ^ mix_u64(zone ^ ((uint64_t)TAG_STACK << 56)));
}

static bool params_ok(const struct rules_params *p)
{
	return p->imp_flood_window_ms > 0;
}

static void release(void *state)
{
	struct imp_flood *f = state;

	win_free(f->flood);
	table_free(f->stacked);
	free(f->stack1);
	free(f);
}

static int init(struct rules *r, void **state)
{
	struct imp_flood *f = calloc(1, sizeof(*f));

	*state = f;
	if (!f)
		return -ENOMEM;
	f->flood = win_new(sizeof(int64_t), r->p.table_max / 4,
			   r->p.imp_flood_window_ms, &r->st.table_full);
	f->stack1 = calloc(STACK_SLOTS, sizeof(*f->stack1));
	f->stacked = table_new(0, 0, r->p.table_max, &r->st.table_full);
	return f->flood && f->stack1 && f->stacked ?
	       rules_add_window(r, f->flood) : -ENOMEM;
}

static size_t memory(const void *state)
{
	const struct imp_flood *f = state;

	return win_bytes(f->flood) + table_bytes(f->stacked) +
	       STACK_SLOTS * sizeof(*f->stack1);
}

static void begin_hour(struct rules *r, void *state)
{
	struct imp_flood *f = state;

	table_clear(f->stacked);
	(void)r;
	memset(f->stack1, 0, STACK_SLOTS * sizeof(*f->stack1));
}

/* A page shows a zone once: the same visitor given the zone again within
 * the flood window is a stack of frames.  The slots are direct-mapped: a
 * pair evicted by another can only make a stack missed, never one
 * invented. */
static void observe(struct rules *r, void *state,
		    const struct rules_pending *o, size_t n)
{
	struct imp_flood *f = state;
	bool isnew;

	for (size_t i = 0; i < n; i++) {
		uint64_t sk = stack_key(o[i].k.vkey, o[i].zone);
		struct stack_slot *slot = &f->stack1[sk & (STACK_SLOTS - 1)];

		if (o[i].type == EVENT_CLICK)
			continue;
		if (slot->key == sk &&
		    absdiff(o[i].ts, slot->ts) < r->p.imp_flood_window_ms)
			table_put(f->stacked, sk, NULL, &isnew);
		slot->key = sk;
		slot->ts = o[i].ts;
	}
}

static uint32_t judge(struct rules *r, void *state,
		      const struct seg_record *rec, const struct rules_keys *k)
{
	struct imp_flood *f = state;
	const int64_t *last;
	uint32_t bits = 0;

	last = win_find(f->flood, hash3(k->vkey, rec->zone, rec->ad,
					TAG_FLOOD));
	if (last && absdiff(rec->ts_ms, *last) < r->p.imp_flood_window_ms)
		bits |= IVT_IMP_FLOOD;
	if (f->stacked->n &&
	    table_find(f->stacked, stack_key(k->vkey, rec->zone), NULL))
		bits |= IVT_IMP_STACK;
	return bits;
}

static void remember(struct rules *r, void *state,
		     const struct seg_record *rec, const struct rules_keys *k)
{
	struct imp_flood *f = state;
	int64_t *last;

	(void)r;
	last = win_put(f->flood, hash3(k->vkey, rec->zone, rec->ad,
				       TAG_FLOOD));
	if (last)
		*last = rec->ts_ms;
}

static int64_t warmup_ms(const struct rules_params *p)
{
	return p->imp_flood_window_ms;
}

static const struct rule_reason reasons[] = {
	{ IVT_IMP_FLOOD, "imp_flood" },
	{ IVT_IMP_STACK, "imp_stack" },
	{ 0, NULL },
};

static const struct rule_param params[] = {
	RULE_PARAM(imp_flood_window_ms, imp_flood_window_ms, RULE_I64),
	{ NULL, 0, RULE_I64 },
};

const struct rule_family rule_imp_flood = {
	.name = "imp_flood",
	.doc = "one visitor given the same zone again at once: the same ad, or stacked frames",
	.reasons = reasons,
	.params = params,
	.params_ok = params_ok,
	.init = init,
	.release = release,
	.memory = memory,
	.begin_hour = begin_hour,
	.observe = observe,
	.judges = RULE_IMPS,
	.judge = judge,
	.remembers = RULE_IMPS,
	.remember = remember,
	.warmup_ms = warmup_ms,
};
