/* rule_repeat_click.c - rule family repeat_click (docs/rules.md): the Nth
 * click or more of one address on one ad within repeat_click_window, N
 * growing with the visitors behind the address (a carrier NAT is many
 * people). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "rule_family.h"

#define REPEAT_RING 15           /* timestamps kept per (address, ad) */

struct repeat_ring {
	uint32_t n;
	uint32_t t[REPEAT_RING];     /* ms since r->epoch_ms, oldest first */
};

static bool params_ok(const struct rules_params *p)
{
	return p->repeat_click_window_ms > 0 && p->repeat_click_count >= 2 &&
	       p->repeat_click_count <= REPEAT_RING + 1 &&
	       p->repeat_visitors_per_extra >= 1;
}

static void release(void *state)
{
	win_free(state);
}

static int init(struct rules *r, void **state)
{
	*state = win_new(sizeof(struct repeat_ring), r->p.table_max / 16,
			 r->p.repeat_click_window_ms, &r->st.table_full);
	return *state ? rules_add_window(r, *state) : -ENOMEM;
}

static size_t memory(const void *state)
{
	return win_bytes(state);
}

static uint32_t judge(struct rules *r, void *state,
		      const struct seg_record *rec, const struct rules_keys *k)
{
	const struct rules_params *p = &r->p;
	const struct repeat_ring *ring;
	uint32_t now, n = 1;
	double thr;

	ring = win_find(state, hash2(k->akey, rec->ad, TAG_REPEAT));
	if (!ring)
		return 0;
	now = ring_time(r, rec->ts_ms);
	thr = p->repeat_click_count +
	      floor(addr_size(r, k->akey) / p->repeat_visitors_per_extra);
	for (uint32_t i = 0; i < ring->n; i++)
		if (absdiff(now, ring->t[i]) < p->repeat_click_window_ms)
			n++;
	return n >= thr ? IVT_REPEAT_CLICK : 0;
}

static void remember(struct rules *r, void *state,
		     const struct seg_record *rec, const struct rules_keys *k)
{
	struct repeat_ring *ring;

	ring = win_put(state, hash2(k->akey, rec->ad, TAG_REPEAT));
	if (!ring)
		return;
	if (ring->n == REPEAT_RING) {
		memmove(ring->t, ring->t + 1,
			(REPEAT_RING - 1) * sizeof(ring->t[0]));
		ring->n--;
	}
	ring->t[ring->n++] = ring_time(r, rec->ts_ms);
}

static int64_t warmup_ms(const struct rules_params *p)
{
	return p->repeat_click_window_ms;
}

static const struct rule_reason reasons[] = {
	{ IVT_REPEAT_CLICK, "repeat_click" },
	{ 0, NULL },
};

static const struct rule_param params[] = {
	RULE_PARAM(repeat_click_window, repeat_click_window_ms, RULE_SEC_MS),
	RULE_PARAM(repeat_click_count, repeat_click_count, RULE_U32),
	RULE_PARAM(repeat_visitors_per_extra, repeat_visitors_per_extra,
		   RULE_U32),
	{ NULL, 0, RULE_I64 },
};

const struct rule_family rule_repeat_click = {
	.name = "repeat_click",
	.doc = "one address clicking one ad again and again, allowed more per visitor behind it",
	.reasons = reasons,
	.params = params,
	.params_ok = params_ok,
	.init = init,
	.release = release,
	.memory = memory,
	.judges = RULE_CLICKS,
	.judge = judge,
	.remembers = RULE_CLICKS,
	.remember = remember,
	.warmup_ms = warmup_ms,
};
