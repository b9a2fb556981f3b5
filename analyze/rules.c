/* rules.c - analyze's activity rules (rules.h, docs/rules.md): the invalid
 * traffic that only a sequence of events reveals.  Pass 1 learns hour-wide
 * facts (visitors behind each address, addresses and user agents behind each
 * uid) into fixed-size sketches and capped tables; pass 2 judges each event
 * against them and against short sliding windows that expire by rotation.
 *
 * The hash tables are written here rather than taken from uthash because
 * every one needs a hard entry cap, no allocation per entry and O(1) expiry
 * of a whole window (two tables swapped every window); bench/rules.sh
 * measures the whole per-event cost. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "excess.h"
#include "pubscore.h"             /* rules_pubscore */
#include "rules.h"
#include "sketch.h"

#define INGEST_BITS 0xffffu
#define REPEAT_RING 15           /* timestamps kept per (address, ad) */
#define SIZE_UNIT 100            /* addr_size counts visitors in 1/100 */

static const char *const ivt_names[IVT__COUNT] = {
	"dup_click", "repeat_click", "no_impression", "fast_click",
	"stale_click", "imp_flood", "addr_burst", "uid_fanout", "addr_ctr",
	"net_ctr", "imp_stack", "one_shot", "hot_addr",
};

const char *ivt_reason_name(unsigned bit)
{
	if (bit < IVT_FIRST_BIT)
		return seg_reason_name(bit);
	if (bit < IVT_FIRST_BIT + IVT__COUNT)
		return ivt_names[bit - IVT_FIRST_BIT];
	return NULL;
}

void rules_params_default(struct rules_params *p)
{
	*p = (struct rules_params){
		.lookback_ms = 86400000,
		.dup_click_window_ms = 60000,
		.repeat_click_window_ms = 600000,
		.repeat_click_count = 3,
		.repeat_visitors_per_extra = 20,
		.min_click_delay_ms = 1000,
		.imp_flood_window_ms = 1000,
		.burst_clicks_base = 10,
		.burst_clicks_per_visitor = 1.0,
		.burst_imps_base = 2000,
		.burst_imps_per_visitor = 200,
		.fresh_visitor_weight = 0.25,
		.fanout_addrs = 8,
		.fanout_uas = 4,
		.addr_ctr_ratio = 5.0,
		.addr_ctr_alpha = 1e-9,
		.addr_ctr_min_clicks = 5,
		.oneshot_ratio = 2.0,
		.oneshot_alpha = 1e-6,
		.oneshot_min_clicks = 20,
		.oneshot_precision = 0.96,
		.hot_addr_alpha = 0.003,
		.table_max = 1u << 19,
		.sketch_log2 = 27,
	};
}

void rules_params_from_config(struct rules_params *p, const struct config *c)
{
	const struct config_analyze *a = &c->analyze;

	rules_params_default(p);
	p->lookback_ms = a->lookback * 1000;
	p->dup_click_window_ms = a->dup_click_window * 1000;
	p->repeat_click_window_ms = a->repeat_click_window * 1000;
	p->repeat_click_count = (uint32_t)a->repeat_click_count;
	p->repeat_visitors_per_extra = (uint32_t)a->repeat_visitors_per_extra;
	p->min_click_delay_ms = a->min_click_delay_ms;
	p->imp_flood_window_ms = a->imp_flood_window_ms;
	p->burst_clicks_base = a->burst_clicks_base;
	p->burst_clicks_per_visitor = a->burst_clicks_per_visitor;
	p->burst_imps_base = a->burst_imps_base;
	p->burst_imps_per_visitor = a->burst_imps_per_visitor;
	p->fresh_visitor_weight = a->fresh_visitor_weight;
	p->fanout_addrs = (uint32_t)a->fanout_addrs;
	p->fanout_uas = (uint32_t)a->fanout_uas;
	p->addr_ctr_ratio = a->addr_ctr_ratio;
	p->addr_ctr_alpha = a->addr_ctr_alpha;
	p->addr_ctr_min_clicks = (uint32_t)a->addr_ctr_min_clicks;
	p->oneshot_ratio = a->oneshot_ratio;
	p->oneshot_alpha = a->oneshot_alpha;
	p->oneshot_min_clicks = (uint32_t)a->oneshot_min_clicks;
	p->oneshot_precision = a->oneshot_precision;
	p->hot_addr_alpha = a->hot_addr_alpha;
	p->table_max = (uint32_t)a->table_max;
	p->sketch_log2 = (uint32_t)a->sketch_log2;
}

/* ---- capped open-addressing table: 64-bit key (never 0) -> value ---- */

struct rules_table {
	uint8_t *slots;
	size_t cap, n, max;          /* slots, used, entry cap */
	size_t ssize, vsize;         /* slot and value bytes */
	uint64_t *full;              /* counter of refused inserts */
};

static size_t tab_bytes(const struct rules_table *t)
{
	return t->cap * t->ssize;
}

static int tab_alloc(struct rules_table *t, size_t cap)
{
	t->slots = calloc(cap, t->ssize);
	if (!t->slots)
		return -ENOMEM;
	t->cap = cap;
	t->n = 0;
	return 0;
}

static int tab_init(struct rules_table *t, size_t vsize, size_t max,
		    uint64_t *full)
{
	memset(t, 0, sizeof(*t));
	t->vsize = vsize;
	t->ssize = 8 + ((vsize + 7) & ~(size_t)7);
	t->max = max < 16 ? 16 : max;
	t->full = full;
	return tab_alloc(t, 64);
}

static void tab_release(struct rules_table *t)
{
	free(t->slots);
	t->slots = NULL;
}

static void tab_clear(struct rules_table *t)
{
	if (t->n)
		memset(t->slots, 0, tab_bytes(t));
	t->n = 0;
}

static uint64_t *slot_at(const struct rules_table *t, size_t i)
{
	return (uint64_t *)(void *)(t->slots + i * t->ssize);
}

static uint64_t fix_key(uint64_t key)
{
	return key ? key : 1;
}

/* The slot holding key, or the empty slot where it would go. */
static uint64_t *tab_slot(const struct rules_table *t, uint64_t key)
{
	size_t mask = t->cap - 1, i = key & mask;

	for (;;) {
		uint64_t *s = slot_at(t, i);

		if (*s == key || *s == 0)
			return s;
		i = (i + 1) & mask;
	}
}

static void *tab_find(const struct rules_table *t, uint64_t key)
{
	uint64_t *s;

	key = fix_key(key);
	s = tab_slot(t, key);
	return *s ? s + 1 : NULL;
}

static int tab_grow(struct rules_table *t)
{
	struct rules_table old = *t;

	if (tab_alloc(t, old.cap * 2) < 0) {
		*t = old;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old.cap; i++) {
		uint64_t *s = slot_at(&old, i);

		if (*s) {
			memcpy(tab_slot(t, *s), s, t->ssize);
			t->n++;
		}
	}
	free(old.slots);
	return 0;
}

/* Fetch the cache line key's slot starts at (if no other key took it). */
static void tab_prefetch(const struct rules_table *t, uint64_t key)
{
	__builtin_prefetch(slot_at(t, fix_key(key) & (t->cap - 1)));
}

/* The value of key, inserted zeroed (*isnew true) when absent; NULL when
 * the table holds max entries already (counted in *full). */
static void *tab_put(struct rules_table *t, uint64_t key, bool *isnew)
{
	uint64_t *s;

	key = fix_key(key);
	s = tab_slot(t, key);
	*isnew = *s == 0;
	if (!*isnew)
		return s + 1;
	if (t->n >= t->max) {
		(*t->full)++;
		return NULL;
	}
	if (2 * (t->n + 1) > t->cap) {
		if (tab_grow(t) < 0) {
			(*t->full)++;
			return NULL;
		}
		s = tab_slot(t, key);
	}
	*s = key;
	t->n++;
	return s + 1;
}

/* ---- sliding window: two tables, the older dropped every period ---- */

struct rules_window {
	struct rules_table t[2];
	unsigned cur;
	int64_t period, start;
};

static int win_init(struct rules_window *w, size_t vsize, size_t max,
		    int64_t period, uint64_t *full)
{
	memset(w, 0, sizeof(*w));
	w->period = period;
	if (tab_init(&w->t[0], vsize, max, full) < 0)
		return -ENOMEM;
	if (tab_init(&w->t[1], vsize, max, full) < 0) {
		tab_release(&w->t[0]);
		return -ENOMEM;
	}
	return 0;
}

static void win_release(struct rules_window *w)
{
	tab_release(&w->t[0]);
	tab_release(&w->t[1]);
}

static void win_clear(struct rules_window *w, int64_t now)
{
	tab_clear(&w->t[0]);
	tab_clear(&w->t[1]);
	w->start = now;
}

/* Every entry written at or after ts - period survives a rotation. */
static void win_rotate(struct rules_window *w, int64_t ts)
{
	if (ts - w->start < w->period)
		return;
	w->cur ^= 1;
	tab_clear(&w->t[w->cur]);
	w->start = ts;
}

static void *win_find(const struct rules_window *w, uint64_t key)
{
	void *v = tab_find(&w->t[w->cur], key);

	return v ? v : tab_find(&w->t[w->cur ^ 1], key);
}

/* The current-period value of key, carried over from the older table. */
static void *win_put(struct rules_window *w, uint64_t key)
{
	bool isnew;
	void *v = tab_put(&w->t[w->cur], key, &isnew);
	const void *old;

	if (v && isnew && (old = tab_find(&w->t[w->cur ^ 1], key)))
		memcpy(v, old, w->t[w->cur].vsize);
	return v;
}

/* ---- keys ---- */

enum key_tag {
	TAG_ADDR4 = 1, TAG_ADDR6, TAG_UID, TAG_VISITOR, TAG_ADDR_VISITOR,
	TAG_UID_ADDR, TAG_UID_UA, TAG_UID_SEEN, TAG_IMP, TAG_DUP, TAG_REPEAT,
	TAG_FLOOD, TAG_NET4, TAG_NET6, TAG_STACK, TAG_PUB_ADDR, TAG_PUB,
};

static uint64_t hash2(uint64_t a, uint64_t b, enum key_tag tag)
{
	uint64_t v[2] = { a, b };

	return XXH3_64bits_withSeed(v, sizeof(v), tag);
}

static uint64_t hash3(uint64_t a, uint64_t b, uint64_t c, enum key_tag tag)
{
	uint64_t v[3] = { a, b, c };

	return XXH3_64bits_withSeed(v, sizeof(v), tag);
}

uint64_t rules_addr_key(const struct seg_record *rec)
{
	if (rec->ip_family == 4)
		return XXH3_64bits_withSeed(rec->ip + 12, 4, TAG_ADDR4);
	return XXH3_64bits_withSeed(rec->ip, 8, TAG_ADDR6);
}

/* A 64-bit finaliser (SplitMix64): the keys derived on every event from a
 * key already hashed, or from a few bytes, without a call into xxhash. */
static inline uint64_t mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint64_t rules_net_key(const struct seg_record *rec)
{
	uint64_t v = 0;

	if (rec->ip_family == 4) {
		memcpy(&v, rec->ip + 12, 3);
		return mix(v ^ ((uint64_t)TAG_NET4 << 56));
	}
	memcpy(&v, rec->ip, 6);
	return mix(v ^ ((uint64_t)TAG_NET6 << 56));
}

/* Key of a (visitor, zone) pair for imp_stack. */
static inline uint64_t stack_key(uint64_t vkey, uint32_t zone)
{
	return mix(vkey ^ mix(zone ^ ((uint64_t)TAG_STACK << 56)));
}

uint64_t rules_visitor_key(const struct seg_record *rec, uint64_t ua)
{
	if (rec->has_uid && !(rec->flags & EVENT_F_UID_NEW))
		return XXH3_64bits_withSeed(rec->uid, 16, TAG_UID);
	return hash2(rules_addr_key(rec), ua, TAG_VISITOR);
}


/* ---- values ---- */

struct rules_stack_slot {
	uint64_t key;
	int64_t ts;
};

struct uid_multi {
	uint32_t addrs, uas;
};

struct addr_clicks {
	uint32_t n;                  /* clicks in the hour */
	uint32_t distinct;           /* of those, not a double click (after
					pass 1, addresses only) */
};

struct pub_addr {
	uint64_t akey, nkey;
	uint64_t last_imp;           /* impression of its last click */
	uint32_t distinct;           /* clicks on another impression than
					the click before (hot_addr) */
	uint32_t pub;
	uint32_t zone;               /* of its last click */
	uint32_t n;                  /* its clicks on the pub in the hour */
	uint32_t bits;               /* IVT_ONE_SHOT, IVT_HOT_ADDR of its
					events on the pub, after pass 1 */
};

struct pub_oneshot {
	uint32_t pub;
	uint32_t imps, clicks;
	uint32_t single;             /* impressions of addresses with one */
	uint32_t oneshot;            /* clicks of those */
	uint32_t multi;              /* clicks of addresses with two or more */
	uint32_t hot;                /* clicks of addresses hot this hour */
	uint32_t fired;              /* the bits its excess tests flag */
};

/* A zone's share of its publisher's one_shot counts: where in the
 * publisher the excess is (judge_zones). */
struct zone_oneshot {
	uint32_t pub, zone;
	uint32_t imps;
	uint32_t single, oneshot;    /* as the publisher's */
	uint32_t multi;
	bool flag;                   /* its one-shot clicks are flagged */
	double honest;               /* one-shot clicks expected of people */
};

/* An address's first impression this hour, until its second: which
 * publisher counts it as a single-impression address. */
struct rules_first_slot {
	uint32_t tag;                /* high half of the address key, | 1 */
	uint32_t pub, zone;
};

struct repeat_ring {
	uint32_t n;
	uint32_t t[REPEAT_RING];     /* ms since r->epoch_ms, oldest first */
};

/* A record's keys, computed ahead so its cache lines can be prefetched. */
struct keyed {
	uint64_t akey;               /* address */
	uint64_t nkey;               /* its /24 or /48 */
	uint64_t ukey;               /* uid, 0 when none */
	uint64_t alt;                /* address + user agent */
	uint64_t vkey;               /* visitor: ukey if presented, else alt */
	uint64_t block;              /* its Bloom block in pass 1 */
};

/* Pass 1 needs nothing back per record, so records wait in a short queue
 * while their cache lines are prefetched: the misses of OBSERVE_AHEAD
 * records overlap even when the caller hands them over one by one. */
#define OBSERVE_AHEAD 16

struct rules_pending {
	struct keyed k;
	uint64_t ua;
	int64_t ts;
	uint32_t zone, pub;
	uint64_t imp;
	uint8_t type;
	bool has_uid, uid_new;
};

/* ---- life cycle ---- */

static bool params_ok(const struct rules_params *p)
{
	return p->lookback_ms > 0 && p->dup_click_window_ms > 0 &&
	       p->repeat_click_window_ms > 0 && p->repeat_click_count >= 2 &&
	       p->repeat_click_count <= REPEAT_RING + 1 &&
	       p->repeat_visitors_per_extra >= 1 &&
	       p->imp_flood_window_ms > 0 && p->fanout_addrs >= 2 &&
	       p->fanout_uas >= 2 && p->table_max >= 16 &&
	       p->sketch_log2 >= 16 && p->sketch_log2 <= 34 &&
	       p->fresh_visitor_weight >= 0 && p->fresh_visitor_weight <= 1 &&
	       p->oneshot_ratio >= 1 && p->oneshot_min_clicks >= 1 &&
	       p->oneshot_precision >= 0 && p->oneshot_precision <= 1;
}

int rules_init(struct rules *r, const struct rules_params *p,
	       const struct rules_lookback *lb)
{
	size_t max = p->table_max;

	memset(r, 0, sizeof(*r));
	if (!params_ok(p) || !lb->impression || !lb->saw_ad)
		return -EINVAL;
	r->p = *p;
	r->lb = *lb;
	r->seen = calloc(1, sizeof(*r->seen));
	r->addr = calloc(1, sizeof(*r->addr));
	r->fanout = calloc(1, sizeof(*r->fanout));
	r->addr_clicks = calloc(1, sizeof(*r->addr_clicks));
	r->net = calloc(1, sizeof(*r->net));
	r->net_clicks = calloc(1, sizeof(*r->net_clicks));
	r->uid_multi = calloc(1, sizeof(*r->uid_multi));
	r->imp_clicked = calloc(1, sizeof(*r->imp_clicked));
	r->dup = calloc(1, sizeof(*r->dup));
	r->repeat = calloc(1, sizeof(*r->repeat));
	r->flood = calloc(1, sizeof(*r->flood));
	r->pend = calloc(OBSERVE_AHEAD, sizeof(*r->pend));
	r->heavy = calloc(1, sizeof(*r->heavy));
	r->bad = calloc(1, sizeof(*r->bad));
	r->stack1 = calloc(RULES_STACK_SLOTS, sizeof(*r->stack1));
	r->stacked = calloc(1, sizeof(*r->stacked));
	r->pub_addr = calloc(1, sizeof(*r->pub_addr));
	r->pubs = calloc(1, sizeof(*r->pubs));
	r->zones = calloc(1, sizeof(*r->zones));
	r->first_mask = ((size_t)1 << (p->sketch_log2 - 8)) - 1;
	r->first = calloc(r->first_mask + 1, sizeof(*r->first));
	if (!r->first || !r->pubs || !r->zones || !r->pub_addr || !r->pend || !r->heavy || !r->bad || !r->stack1 || !r->stacked || !r->net || !r->net_clicks || !r->seen || !r->addr || !r->fanout || !r->addr_clicks ||
	    !r->uid_multi || !r->imp_clicked || !r->dup || !r->repeat ||
	    !r->flood)
		goto out_release;
	if (sketch_bloom_init(r->seen, p->sketch_log2) < 0 ||
	    sketch_cms_init(r->addr, p->sketch_log2 - 8, 3, 2) < 0 ||
	    sketch_cms_init(r->net, p->sketch_log2 - 12, 3, 1) < 0 ||
	    tab_init(r->net_clicks, sizeof(struct addr_clicks), max,
		     &r->st.table_full) < 0 ||
	    tab_init(r->fanout, 0, max, &r->st.table_full) < 0 ||
	    tab_init(r->heavy, 0, max, &r->st.table_full) < 0 ||
	    tab_init(r->bad, sizeof(uint32_t), max, &r->st.table_full) < 0 ||
	    tab_init(r->stacked, 0, max, &r->st.table_full) < 0 ||
	    tab_init(r->pub_addr, sizeof(struct pub_addr), max,
		     &r->st.table_full) < 0 ||
	    tab_init(r->pubs, sizeof(struct pub_oneshot), max,
		     &r->st.table_full) < 0 ||
	    tab_init(r->zones, sizeof(struct zone_oneshot), max,
		     &r->st.table_full) < 0 ||

	    tab_init(r->addr_clicks, sizeof(struct addr_clicks), max,
		     &r->st.table_full) < 0 ||
	    tab_init(r->uid_multi, sizeof(struct uid_multi), max,
		     &r->st.table_full) < 0 ||
	    tab_init(r->imp_clicked, 0, max, &r->st.table_full) < 0 ||
	    win_init(r->dup, sizeof(int64_t), max / 4,
		     p->dup_click_window_ms, &r->st.table_full) < 0 ||
	    win_init(r->repeat, sizeof(struct repeat_ring), max / 16,
		     p->repeat_click_window_ms, &r->st.table_full) < 0 ||
	    win_init(r->flood, sizeof(int64_t), max / 4,
		     p->imp_flood_window_ms, &r->st.table_full) < 0)
		goto out_release;
	return 0;

out_release:
	rules_release(r);
	return -ENOMEM;
}

void rules_release(struct rules *r)
{
	if (r->seen)
		sketch_bloom_release(r->seen);
	if (r->addr)
		sketch_cms_release(r->addr);
	if (r->net)
		sketch_cms_release(r->net);
	if (r->net_clicks)
		tab_release(r->net_clicks);
	if (r->fanout)
		tab_release(r->fanout);
	if (r->heavy)
		tab_release(r->heavy);
	if (r->bad)
		tab_release(r->bad);
	if (r->stacked)
		tab_release(r->stacked);
	if (r->pub_addr)
		tab_release(r->pub_addr);
	if (r->pubs)
		tab_release(r->pubs);
	if (r->zones)
		tab_release(r->zones);

	if (r->addr_clicks)
		tab_release(r->addr_clicks);
	if (r->uid_multi)
		tab_release(r->uid_multi);
	if (r->imp_clicked)
		tab_release(r->imp_clicked);
	if (r->dup)
		win_release(r->dup);
	if (r->repeat)
		win_release(r->repeat);
	if (r->flood)
		win_release(r->flood);
	free(r->seen);
	free(r->addr);
	free(r->net);
	free(r->net_clicks);
	free(r->fanout);
	free(r->addr_clicks);
	free(r->uid_multi);
	free(r->imp_clicked);
	free(r->dup);
	free(r->repeat);
	free(r->flood);
	free(r->pend);
	free(r->heavy);
	free(r->bad);
	free(r->stacked);
	free(r->pub_addr);
	free(r->pubs);
	free(r->zones);
	free(r->first);
	free(r->stack1);
	memset(r, 0, sizeof(*r));
}

size_t rules_memory(const struct rules *r)
{
	const struct rules_window *w[3] = { r->dup, r->repeat, r->flood };
	size_t sum = sketch_bloom_bytes(r->seen) +
		     sketch_cms_bytes(r->addr) + tab_bytes(r->fanout) +
		     sketch_cms_bytes(r->net) + tab_bytes(r->net_clicks) +
		     tab_bytes(r->heavy) + tab_bytes(r->bad) +
		     tab_bytes(r->addr_clicks) + tab_bytes(r->uid_multi) +
		     tab_bytes(r->imp_clicked);

	for (int i = 0; i < 3; i++)
		sum += tab_bytes(&w[i]->t[0]) + tab_bytes(&w[i]->t[1]);
	sum += tab_bytes(r->stacked) + tab_bytes(r->pub_addr) +
	       tab_bytes(r->pubs) + tab_bytes(r->zones) +
	       (r->first_mask + 1) * sizeof(*r->first) +
	       RULES_STACK_SLOTS * sizeof(*r->stack1);
	return sum;
}

void rules_begin_hour(struct rules *r, int64_t hour_start_ms)
{
	r->hour_start_ms = hour_start_ms;
	r->epoch_ms = hour_start_ms - 86400000;
	sketch_bloom_clear(r->seen);
	sketch_cms_clear(r->addr);
	sketch_cms_clear(r->net);
	tab_clear(r->net_clicks);
	tab_clear(r->fanout);
	tab_clear(r->heavy);
	tab_clear(r->bad);
	tab_clear(r->stacked);
	tab_clear(r->pub_addr);
	r->pub_flagged = 0;
	tab_clear(r->pubs);
	tab_clear(r->zones);
	memset(r->first, 0, (r->first_mask + 1) * sizeof(*r->first));
	memset(r->stack1, 0, RULES_STACK_SLOTS * sizeof(*r->stack1));
	tab_clear(r->addr_clicks);
	tab_clear(r->uid_multi);
	tab_clear(r->imp_clicked);
	win_clear(r->dup, hour_start_ms - rules_warmup_ms(r));
	win_clear(r->repeat, hour_start_ms - rules_warmup_ms(r));
	win_clear(r->flood, hour_start_ms - rules_warmup_ms(r));
	memset(&r->st, 0, sizeof(r->st));
	r->hour_imps = r->hour_clicks = 0;
	r->npend = 0;
	r->pend_head = 0;
}

int64_t rules_warmup_ms(const struct rules *r)
{
	int64_t w = r->p.dup_click_window_ms;

	if (r->p.repeat_click_window_ms > w)
		w = r->p.repeat_click_window_ms;
	if (r->p.imp_flood_window_ms > w)
		w = r->p.imp_flood_window_ms;
	return w;
}

static uint32_t ring_time(const struct rules *r, int64_t ts)
{
	int64_t d = ts - r->epoch_ms;

	return d < 0 ? 0 : d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

static int64_t absdiff(int64_t a, int64_t b)
{
	return a > b ? a - b : b - a;
}

static bool signed_click(const struct seg_record *rec)
{
	return (rec->flags & (EVENT_F_TOKEN_VALID | EVENT_F_TOKEN_EXPIRED)) &&
	       rec->imp != 0;
}

/* Put a record the rules count (not flagged by ingest) into the windows. */
static void remember(struct rules *r, const struct seg_record *rec,
		     uint64_t akey, uint64_t vkey)
{
	if (rec->type == EVENT_CLICK) {
		struct repeat_ring *ring;
		int64_t *last;
		bool isnew;

		if (signed_click(rec))
			tab_put(r->imp_clicked, hash2(rec->imp, 0, TAG_IMP),
				&isnew);
		if ((last = win_put(r->dup, hash2(vkey, rec->ad, TAG_DUP))))
			*last = rec->ts_ms;
		ring = win_put(r->repeat, hash2(akey, rec->ad, TAG_REPEAT));
		if (ring) {
			if (ring->n == REPEAT_RING) {
				memmove(ring->t, ring->t + 1,
					(REPEAT_RING - 1) * sizeof(ring->t[0]));
				ring->n--;
			}
			ring->t[ring->n++] = ring_time(r, rec->ts_ms);
		}
	} else {
		int64_t *last = win_put(r->flood, hash3(vkey, rec->zone,
							 rec->ad, TAG_FLOOD));

		if (last)
			*last = rec->ts_ms;
	}
}

static void rotate_all(struct rules *r, int64_t ts)
{
	win_rotate(r->dup, ts);
	win_rotate(r->repeat, ts);
	win_rotate(r->flood, ts);
}

void rules_warm(struct rules *r, const struct seg_record *rec, uint64_t ua)
{
	r->st.warmed++;
	if (rec->reasons & INGEST_BITS)
		return;
	rotate_all(r, rec->ts_ms);
	remember(r, rec, rules_addr_key(rec), rules_visitor_key(rec, ua));
}

/* The two counts of an address share one count-min line, in two parts. */
enum { Q_IMPS = 0, Q_SIZE = 1 };


/* A uid the browser sent back, rather than one this response issued. */
static bool presented(const struct seg_record *rec)
{
	return rec->has_uid && !(rec->flags & EVENT_F_UID_NEW);
}

static void key_record(const struct seg_record *rec, uint64_t ua,
		       struct keyed *k)
{
	k->akey = rules_addr_key(rec);
	k->nkey = rules_net_key(rec);
	k->alt = hash2(k->akey, ua, TAG_VISITOR);
	k->ukey = rec->has_uid ? XXH3_64bits_withSeed(rec->uid, 16, TAG_UID) : 0;
	k->vkey = presented(rec) ? k->ukey : k->alt;
	k->block = rec->has_uid ? k->ukey :
		   hash2(k->akey, k->alt, TAG_ADDR_VISITOR);
}

/* The keys under which a record is matched for saw_ad: its visitor key,
 * and its uid or its address + user agent, whichever that is not. */
static unsigned saw_keys(const struct seg_record *rec, const struct keyed *k,
			 uint64_t keys[2])
{
	keys[0] = k->vkey;
	if (!rec->has_uid)
		return 1;
	keys[1] = k->vkey == k->ukey ? k->alt : k->ukey;
	return 2;
}

unsigned rules_saw_keys(const struct seg_record *rec, uint64_t ua,
			uint64_t keys[2])
{
	struct keyed k;

	key_record(rec, ua, &k);
	return saw_keys(rec, &k, keys);
}


/* The one_shot counts of publisher pub this hour; NULL when full. */
static struct pub_oneshot *pub_entry(struct rules *r, uint32_t pub)
{
	bool isnew;
	struct pub_oneshot *po = tab_put(r->pubs, (uint64_t)pub + 1, &isnew);

	if (po && isnew)
		*po = (struct pub_oneshot){ .pub = pub };
	return po;
}

static uint64_t zone_key(uint32_t pub, uint32_t z)
{
	return ((uint64_t)pub << 32 | z) + 1;
}

/* The one_shot counts of zone z of publisher pub; NULL when full. */
static struct zone_oneshot *zone_entry(struct rules *r, uint32_t pub,
				       uint32_t z)
{
	bool isnew;
	struct zone_oneshot *zo = tab_put(r->zones, zone_key(pub, z), &isnew);

	if (zo && isnew)
		*zo = (struct zone_oneshot){ .pub = pub, .zone = z };
	return zo;
}

static struct rules_first_slot *first_slot(const struct rules *r,
					   uint64_t akey)
{
	return &r->first[(akey ^ (akey >> 29)) & r->first_mask];
}

/* Keep each publisher's impressions of single-impression addresses: an
 * address's first impression counts for its publisher, its second takes
 * that back.  A slot taken over by another address leaves the first one
 * counted: an over-count, never an under-count, of single impressions. */
static void count_single(struct rules *r, uint64_t akey,
			 struct pub_oneshot *po, struct zone_oneshot *zo,
			 uint32_t zone, uint32_t n)
{
	struct rules_first_slot *f = first_slot(r, akey);
	uint32_t tag = (uint32_t)(akey >> 32) | 1;

	if (n == 1 && po) {
		po->single++;
		if (zo)          /* a zone table full only loses zone detail */
			zo->single++;
		f->tag = tag;
		f->pub = po->pub;
		f->zone = zone;
	} else if (n == 2 && f->tag == tag) {
		struct pub_oneshot *first = pub_entry(r, f->pub);
		struct zone_oneshot *fz = zone_entry(r, f->pub, f->zone);

		if (first && first->single)
			first->single--;
		if (fz && fz->single)
			fz->single--;
		f->tag = 0;
	}
}

static void observe_keyed(struct rules *r, const struct rules_pending *o)
{
	uint64_t akey = o->k.akey, ukey = o->k.ukey;
	bool new_pair, isnew_pair;

	if (o->has_uid) {
		/* every fact of one uid in one Bloom block: one cache miss */
		bool new_ua = !sketch_bloom_add_in(r->seen, ukey,
				hash2(ukey, o->ua, TAG_UID_UA));
		bool seen = sketch_bloom_add_in(r->seen, ukey,
				hash2(ukey, 0, TAG_UID_SEEN));

		new_pair = !sketch_bloom_add_in(r->seen, ukey,
				hash2(ukey, akey, TAG_UID_ADDR));
		if (seen && (new_pair || new_ua)) {
			bool isnew;
			struct uid_multi *m = tab_put(r->uid_multi, ukey,
						      &isnew);

			if (m) {
				if (isnew)
					*m = (struct uid_multi){ 1, 1 };
				m->addrs += new_pair;
				m->uas += new_ua;
			}
		}
	} else {
		new_pair = !sketch_bloom_add(r->seen, o->k.block);
	}
	if (new_pair) {
		uint32_t units = SIZE_UNIT;

		if (o->uid_new)
			units = (uint32_t)lround(SIZE_UNIT *
						 r->p.fresh_visitor_weight);
		if (units)
			sketch_cms_add_in(r->addr, akey, Q_SIZE, units);
	}
	if (o->type == EVENT_CLICK) {
		bool isnew;
		struct addr_clicks *c = tab_put(r->addr_clicks, akey, &isnew);

		if (c)
			c->n++;
		if ((c = tab_put(r->net_clicks, o->k.nkey, &isnew)))
			c->n++;
		struct pub_addr *pa = tab_put(r->pub_addr,
				hash2(akey, o->pub, TAG_PUB_ADDR), &isnew);

		if (pa) {
			if (isnew)
				*pa = (struct pub_addr){ akey, o->k.nkey, 0, 0,
							 o->pub, 0, 0, 0 };
			pa->n++;
			pa->zone = o->zone;
			/* a double click is not a second click of a pool */
			pa->distinct += !o->imp || o->imp != pa->last_imp;
			pa->last_imp = o->imp;
		}
		r->hour_clicks++;
	} else {
		uint64_t sk = stack_key(o->k.vkey, o->zone);
		struct rules_stack_slot *slot =
			&r->stack1[sk & (RULES_STACK_SLOTS - 1)];

		struct pub_oneshot *po = pub_entry(r, o->pub);
		struct zone_oneshot *zo = zone_entry(r, o->pub, o->zone);
		uint32_t n;

		if (po)
			po->imps++;
		if (zo)
			zo->imps++;
		r->hour_imps++;
		sketch_cms_add(r->net, o->k.nkey, 1);
		/* a page shows a zone once: the same visitor given the zone
		 * again within the flood window is a stack of frames.  The
		 * slots are direct-mapped: a pair evicted by another can only
		 * make a stack missed, never one invented */
		if (slot->key == sk &&
		    absdiff(o->ts, slot->ts) < r->p.imp_flood_window_ms)
			tab_put(r->stacked, sk, &isnew_pair);
		slot->key = sk;
		slot->ts = o->ts;
		n = sketch_cms_add_in(r->addr, akey, Q_IMPS, 1);
		if (n <= 2)
			count_single(r, akey, po, zo, o->zone, n);
		if (n > r->p.burst_imps_base) {
			bool isnew;

			tab_put(r->heavy, akey, &isnew);
		}
	}
}

static void observe_drain(struct rules *r)
{
	for (unsigned i = 0; i < r->npend; i++)
		observe_keyed(r, &r->pend[(r->pend_head + i) % OBSERVE_AHEAD]);
	r->npend = 0;
	r->pend_head = 0;
}

void rules_observe(struct rules *r, const struct seg_record *rec, uint64_t ua)
{
	struct rules_pending o;

	r->st.observed++;
	if (rec->reasons & INGEST_BITS)
		return;
	key_record(rec, ua, &o.k);
	o.ua = ua;
	o.type = rec->type;
	o.ts = rec->ts_ms;
	o.zone = rec->zone;
	o.pub = rec->pub;
	o.imp = signed_click(rec) ? rec->imp : 0;
	o.has_uid = rec->has_uid;
	o.uid_new = rec->has_uid && (rec->flags & EVENT_F_UID_NEW);
	sketch_bloom_prefetch(r->seen, o.k.block);
	sketch_cms_prefetch(r->addr, o.k.akey);
	sketch_cms_prefetch(r->net, o.k.nkey);
	if (rec->type != EVENT_CLICK)
		__builtin_prefetch(first_slot(r, o.k.akey));
	tab_prefetch(r->zones, zone_key(rec->pub, rec->zone));
	if (r->npend < OBSERVE_AHEAD) {
		r->pend[r->npend++] = o;
		return;
	}
	observe_keyed(r, &r->pend[r->pend_head]);
	r->pend[r->pend_head] = o;
	r->pend_head = (r->pend_head + 1) % OBSERVE_AHEAD;
}

void rules_observe_batch(struct rules *r, const struct seg_record *const *recs,
			 const uint64_t *ua, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rules_observe(r, recs[i], ua[i]);
}

/* Estimated visitors behind an address this hour (at least 1). */
static double addr_size(const struct rules *r, uint64_t akey)
{
	double v = sketch_cms_get_in(r->addr, akey, Q_SIZE) /
		   (double)SIZE_UNIT;

	return v < 1 ? 1 : v;
}

/* Are clicks improbable for imps impressions at addr_ctr_ratio times the
 * hour's CTR (one-sided binomial p-value under addr_ctr_alpha)? */
static bool ctr_high(const struct rules *r, uint32_t clicks, uint32_t imps)
{
	const struct rules_params *p = &r->p;
	double p0;

	if (clicks < p->addr_ctr_min_clicks || !r->hour_imps)
		return false;
	p0 = p->addr_ctr_ratio * (double)r->hour_clicks / (double)r->hour_imps;
	return p0 < 1 && clicks > imps * p0 &&
	       excess_binom_sf(clicks, imps > clicks ? imps : clicks, p0) <
	       p->addr_ctr_alpha;
}

/* Record bits against key in the table of flagged addresses. */
static void flag_key(struct rules *r, uint64_t key, uint32_t bits)
{
	bool isnew;
	uint32_t *v = tab_put(r->bad, key, &isnew);

	if (v)
		*v |= bits;
}

/* Each slot of t holding a key, with its value. */
#define TAB_EACH(t, i, s) \
	for (size_t i = 0; i < (t)->cap; i++) \
		for (const uint64_t *s = slot_at(t, i); s && *s; s = NULL)

/* The address verdicts, known once pass 1 has seen the whole hour: an
 * address over its click or impression allowance, or clicking far more
 * than people do, is automated as a whole, so every event it made in the
 * hour carries the bit (docs/rules.md). */
static void judge_addresses(struct rules *r)
{
	const struct rules_params *p = &r->p;

	TAB_EACH(r->addr_clicks, i, s) {
		const struct addr_clicks *ac = (const void *)(s + 1);
		uint32_t bits = 0;

		if (ac->n > p->burst_clicks_base +
			    p->burst_clicks_per_visitor * addr_size(r, *s))
			bits |= IVT_ADDR_BURST;
		if (ctr_high(r, ac->n, sketch_cms_get_in(r->addr, *s, Q_IMPS)))
			bits |= IVT_ADDR_CTR;
		if (bits)
			flag_key(r, *s, bits);
	}
	TAB_EACH(r->net_clicks, i, s) {
		const struct addr_clicks *nc = (const void *)(s + 1);

		if (ctr_high(r, nc->n, sketch_cms_get(r->net, *s)))
			flag_key(r, *s, IVT_NET_CTR);
	}
	TAB_EACH(r->heavy, i, s)
		if (sketch_cms_get_in(r->addr, *s, Q_IMPS) >
		    p->burst_imps_base + p->burst_imps_per_visitor *
		    addr_size(r, *s))
			flag_key(r, *s, IVT_ADDR_BURST);
}

/* A one-shot click: its address saw one impression this hour, made one
 * click and nothing else, and was not seen in the look-back's earlier
 * hours (the mark of a fresh address per click; a household is seen). */
static bool one_shot(const struct rules *r, const struct pub_addr *pa)
{
	const struct addr_clicks *ac = tab_find(r->addr_clicks, pa->akey);

	return pa->n == 1 && ac && ac->n == 1 &&
	       sketch_cms_get_in(r->addr, pa->akey, Q_IMPS) == 1 &&
	       !(r->lb.addr_seen_before &&
		 r->lb.addr_seen_before(r->lb.ctx, pa->akey));
}

/* A hot address: two clicks or more this hour, improbable for its
 * impressions at the hour's CTR (p < hot_addr_alpha): alone, a member
 * of a pool that clicks a quarter of what it sees, or a keen person. */
static bool addr_hot(const struct rules *r, const struct pub_addr *pa)
{
	const struct addr_clicks *ac = tab_find(r->addr_clicks, pa->akey);
	uint32_t imps = sketch_cms_get_in(r->addr, pa->akey, Q_IMPS);
	double ctr = r->hour_imps ?
		     (double)r->hour_clicks / (double)r->hour_imps : 1;

	uint32_t k, n, k0 = 0, n0 = 0;

	/* an address the address rules flagged is theirs, not a pool's */
	if (r->bad->n && (tab_find(r->bad, pa->akey) ||
			  tab_find(r->bad, pa->nkey)))
		return false;
	if (!ac || !ac->distinct || ctr >= 1)
		return false;
	/* the hours before and this one: a pool address is improbable
	 * over the day long before it is in any one hour, and clicks in
	 * most hours only once */
	if (r->lb.addr_before)
		r->lb.addr_before(r->lb.ctx, pa->akey, &k0, &n0);
	k = ac->distinct + k0;
	n = imps + n0;
	return k >= 2 &&
	       excess_binom_sf(k, n > k ? n : k, ctr) < r->p.hot_addr_alpha;
}

/* Pass 2, an impression of an address that did not click at its
 * publisher this hour: is the publisher's hot_addr excess flagged, and
 * is the address hot over the look-back hours (it clicked there) with
 * this hour's impressions? */
static bool addr_hot_before(const struct rules *r, uint32_t pub,
			    uint64_t akey, uint64_t nkey)
{
	const struct pub_oneshot *po = tab_find(r->pubs, (uint64_t)pub + 1);
	double ctr = r->hour_imps ?
		     (double)r->hour_clicks / (double)r->hour_imps : 1;
	uint32_t k = 0, n = 0;

	if (!po || !(po->fired & IVT_HOT_ADDR) || !r->lb.addr_before ||
	    ctr >= 1 || (r->bad->n && (tab_find(r->bad, akey) ||
				       tab_find(r->bad, nkey))))
		return false;
	r->lb.addr_before(r->lb.ctx, akey, &k, &n);
	if (k < 2)
		return false;
	n += sketch_cms_get_in(r->addr, akey, Q_IMPS);
	return excess_binom_sf(k, n > k ? n : k, ctr) < r->p.hot_addr_alpha;
}

/* The CTR of the addresses with two impressions or more (those with one
 * make the one-shot clicks), pulled toward prior_ctr by ZONE_PRIOR_IMPS
 * impressions of it. */
#define ZONE_PRIOR_IMPS 200.0

static double ctr_multi(uint32_t imps, uint32_t single, uint32_t clicks,
			double prior_ctr)
{
	double i = imps > single ? imps - single : 0;

	return (clicks + ZONE_PRIOR_IMPS * prior_ctr) / (i + ZONE_PRIOR_IMPS);
}

static int zone_cmp(const void *a, const void *b)
{
	const struct zone_oneshot *x = *(const struct zone_oneshot *const *)a;
	const struct zone_oneshot *y = *(const struct zone_oneshot *const *)b;
	double rx = x->honest / x->oneshot, ry = y->honest / y->oneshot;

	return rx < ry ? -1 : rx > ry;
}

/* Where in publisher po its one-shot excess is.  People's one-shot clicks
 * on a zone are its single-impression addresses' impressions at the
 * zone's CTR of its other addresses, times how much rarer a one-shot
 * click is than such a click on the other publishers (rest).  The zones with
 * the fewest expected per one-shot click are flagged first, as many as
 * keep the expected share of people's clicks among the flagged at most
 * 1 - oneshot_precision.  Returns whether any zone is flagged. */
static bool judge_zones(struct rules *r, const struct pub_oneshot *po,
			const struct pub_oneshot *rest)
{
	double rest_ctr = ctr_multi(rest->imps, rest->single, rest->multi, 0);
	double rarity = rest_ctr > 0 && rest->single ?
			((double)rest->oneshot + 0.5) / rest->single / rest_ctr
			: 1;
	double pub_ctr = ctr_multi(po->imps, po->single, po->multi, rest_ctr);
	double honest = 0, clicks = 0, allow = 1 - r->p.oneshot_precision;
	struct zone_oneshot **z = malloc(po->oneshot * sizeof(*z));
	size_t n = 0;

	if (!z)
		return false;
	TAB_EACH(r->zones, i, s) {
		struct zone_oneshot *zo = (void *)(s + 1);
		uint32_t people = zo->single > zo->oneshot ?
				  zo->single - zo->oneshot : 0;

		if (zo->pub != po->pub || !zo->oneshot || n == po->oneshot)
			continue;
		zo->honest = people * rarity *
			     ctr_multi(zo->imps, zo->single, zo->multi, pub_ctr);
		z[n++] = zo;
	}
	qsort(z, n, sizeof(*z), zone_cmp);
	for (size_t i = 0; i < n; i++) {
		if (honest + z[i]->honest > allow * (clicks + z[i]->oneshot))
			break;
		honest += z[i]->honest;
		clicks += z[i]->oneshot;
		z[i]->flag = true;
	}
	free(z);
	return clicks > 0;
}

/* Count pa's clicks in its zone (the zone of its last click): one-shot,
 * or of an address with two impressions or more. */
static void count_zone(struct rules *r, const struct pub_addr *pa,
		       struct pub_oneshot *po)
{
	struct zone_oneshot *zo = zone_entry(r, pa->pub, pa->zone);
	bool multi = sketch_cms_get_in(r->addr, pa->akey, Q_IMPS) >= 2;

	if (zo) {
		zo->oneshot += !!(pa->bits & IVT_ONE_SHOT);
		zo->multi += multi ? pa->n : 0;
	}
	if (po)
		po->multi += multi ? pa->n : 0;
}

/* The publisher excess rules (docs/rules.md), known after pass 1.
 * one_shot: a publisher whose one-shot clicks are improbable for its
 * single-impression addresses' impressions at the others' CTR of those;
 * its one-shot clicks on the zones judge_zones picks are flagged.
 * hot_addr: a publisher whose share of clicks from hot addresses is
 * improbable for the others' share; its hot clicks are flagged when they
 * are at least oneshot_precision excess.  Either flags the address's
 * impressions on the publisher with its clicks. */
static void judge_publishers(struct rules *r)
{
	const struct rules_params *p = &r->p;
	const struct excess_test t = {
		.ratio = p->oneshot_ratio, .alpha = p->oneshot_alpha,
		.precision = p->oneshot_precision, .min = p->oneshot_min_clicks,
	};
	uint64_t all_single = 0, all_one = 0, all_clicks = 0, all_hot = 0;
	uint64_t all_imps = 0, all_multi = 0;
	uint64_t rest_clicks = 0, rest_hot = 0;
	size_t tested_one = 0, tested_hot = 0;
	bool flag;

	TAB_EACH(r->pub_addr, i, s) {
		const struct pub_addr *pa = (const void *)(s + 1);
		struct addr_clicks *ac = tab_find(r->addr_clicks, pa->akey);

		if (ac)
			ac->distinct += pa->distinct;
	}
	TAB_EACH(r->pub_addr, i, s) {
		struct pub_addr *pa = (void *)(s + 1);
		struct pub_oneshot *po = pub_entry(r, pa->pub);

		pa->bits = (one_shot(r, pa) ? IVT_ONE_SHOT : 0) |
			   (addr_hot(r, pa) ? IVT_HOT_ADDR : 0);
		if (po) {
			po->clicks += pa->n;
			po->oneshot += !!(pa->bits & IVT_ONE_SHOT);
			po->hot += pa->bits & IVT_HOT_ADDR ? pa->n : 0;
		}
		count_zone(r, pa, po);
	}
	TAB_EACH(r->pubs, i, s) {
		const struct pub_oneshot *po = (const void *)(s + 1);

		all_single += po->single;
		all_one += po->oneshot;
		all_clicks += po->clicks;
		all_imps += po->imps;
		all_multi += po->multi;
		all_hot += po->hot;
		tested_one += po->oneshot >= p->oneshot_min_clicks;
		tested_hot += po->hot >= p->oneshot_min_clicks;
	}
	TAB_EACH(r->pubs, i, s) {
		struct pub_oneshot *po = (void *)(s + 1);

		if (excess_fires(&t, po->oneshot, po->single, all_one,
				 all_single, tested_one, &flag)) {
			struct pub_oneshot rest = {
				.imps = (uint32_t)(all_imps - po->imps),
				.clicks = (uint32_t)(all_clicks - po->clicks),
				.single = (uint32_t)(all_single - po->single),
				.oneshot = (uint32_t)(all_one - po->oneshot),
				.multi = (uint32_t)(all_multi - po->multi),
			};

			r->st.oneshot_pubs++;
			po->fired |= judge_zones(r, po, &rest) ?
				     IVT_ONE_SHOT : 0;
		}
		if (excess_fires(&t, po->hot, po->clicks, all_hot, all_clicks,
				 tested_hot, &flag)) {
			r->st.hot_pubs++;
			po->fired |= IVT_HOT_ADDR;
		} else {
			rest_clicks += po->clicks;
			rest_hot += po->hot;
		}
	}
	/* publishers sharing one pool are each other's peers: the excess
	 * is measured against the publishers that did not fire */
	TAB_EACH(r->pubs, i, s) {
		struct pub_oneshot *po = (void *)(s + 1);

		if (!(po->fired & IVT_HOT_ADDR))
			continue;
		excess_fires(&t, po->hot, po->clicks, rest_hot + po->hot,
			     rest_clicks + po->clicks, tested_hot, &flag);
		if (!flag)
			po->fired &= ~(uint32_t)IVT_HOT_ADDR;
	}
	TAB_EACH(r->pub_addr, i, s) {
		struct pub_addr *pa = (void *)(s + 1);
		const struct pub_oneshot *po = tab_find(r->pubs,
						      (uint64_t)pa->pub + 1);

		pa->bits &= po ? po->fired : 0;
		if (pa->bits & IVT_ONE_SHOT) {
			const struct zone_oneshot *zo =
				tab_find(r->zones, zone_key(pa->pub, pa->zone));

			if (!zo || !zo->flag)
				pa->bits &= ~(uint32_t)IVT_ONE_SHOT;
		}
		r->pub_flagged += pa->bits != 0;
	}
}

void rules_end_observe(struct rules *r)
{
	const struct rules_table *t = r->uid_multi;

	observe_drain(r);
	/* pass 2 asks about every uid: keep the few offenders in a table
	 * small enough to stay in cache */
	for (size_t i = 0; i < t->cap; i++) {
		const uint64_t *s = slot_at(t, i);
		const struct uid_multi *m = (const void *)(s + 1);
		bool isnew;

		if (*s && (m->addrs >= r->p.fanout_addrs ||
			   m->uas >= r->p.fanout_uas))
			tab_put(r->fanout, *s, &isnew);
	}
	judge_addresses(r);
	judge_publishers(r);
	r->st.addr_tracked = r->addr_clicks->n;
	r->st.uid_multi = r->uid_multi->n;
}

int rules_pubscore(const struct rules *r, struct pubscore *ps)
{
	TAB_EACH(r->pubs, i, s) {
		const struct pub_oneshot *po = (const void *)(s + 1);

		if ((po->single || po->oneshot) &&
		    pubscore_one_shot(ps, po->pub, po->single, po->oneshot))
			return -ENOMEM;
	}
	return 0;
}

uint32_t rules_addr_imps(const struct rules *r, uint64_t akey)
{
	return sketch_cms_get_in(r->addr, akey, Q_IMPS);
}

double rules_addr_visitors(const struct rules *r, uint64_t akey)
{
	return sketch_cms_get_in(r->addr, akey, Q_SIZE) / (double)SIZE_UNIT;
}

static uint32_t judge_click(struct rules *r, const struct seg_record *rec,
			    const struct keyed *k, double size)
{
	uint64_t akey = k->akey, vkey = k->vkey;
	const struct rules_params *p = &r->p;
	const int64_t *last;
	const struct repeat_ring *ring;
	uint32_t bits = 0;
	int64_t its;

	if (signed_click(rec)) {
		if (!r->lb.impression(r->lb.ctx, rec->imp, &its))
			bits |= IVT_NO_IMPRESSION;
		else if (rec->ts_ms - its < p->min_click_delay_ms)
			bits |= IVT_FAST_CLICK;
		else if (rec->ts_ms - its > p->lookback_ms)
			bits |= IVT_STALE_CLICK;
		if (tab_find(r->imp_clicked, hash2(rec->imp, 0, TAG_IMP)) ||
		    (r->lb.clicked_before &&
		     r->lb.clicked_before(r->lb.ctx, rec->imp)))
			bits |= IVT_DUP_CLICK;
	} else if (rec->flags & EVENT_F_NO_TOKEN) {
		uint64_t keys[2];
		unsigned n = saw_keys(rec, k, keys);
		bool saw = false;

		for (unsigned i = 0; i < n && !saw; i++)
			saw = r->lb.saw_ad(r->lb.ctx, rec, keys[i]);
		if (!saw)
			bits |= IVT_NO_IMPRESSION;
	}

	last = win_find(r->dup, hash2(vkey, rec->ad, TAG_DUP));
	if (last && absdiff(rec->ts_ms, *last) < p->dup_click_window_ms)
		bits |= IVT_DUP_CLICK;

	ring = win_find(r->repeat, hash2(akey, rec->ad, TAG_REPEAT));
	if (ring) {
		uint32_t now = ring_time(r, rec->ts_ms), n = 1;
		double thr = p->repeat_click_count +
			     floor(size / p->repeat_visitors_per_extra);

		for (uint32_t i = 0; i < ring->n; i++)
			if (absdiff(now, ring->t[i]) < p->repeat_click_window_ms)
				n++;
		if (n >= thr)
			bits |= IVT_REPEAT_CLICK;
	}
	return bits;
}

static uint32_t judge_impression(struct rules *r, const struct seg_record *rec,
				 uint64_t vkey)
{
	const struct rules_params *p = &r->p;
	const int64_t *last;
	uint32_t bits = 0;

	last = win_find(r->flood, hash3(vkey, rec->zone, rec->ad, TAG_FLOOD));
	if (last && absdiff(rec->ts_ms, *last) < p->imp_flood_window_ms)
		bits |= IVT_IMP_FLOOD;
	if (r->stacked->n &&
	    tab_find(r->stacked, stack_key(vkey, rec->zone)))
		bits |= IVT_IMP_STACK;
	return bits;
}

static uint32_t event_keyed(struct rules *r, const struct seg_record *rec,
			    const struct keyed *k)
{
	uint64_t akey = k->akey, vkey = k->vkey;
	uint32_t bits;

	r->st.judged++;
	rotate_all(r, rec->ts_ms);
	if (rec->type == EVENT_CLICK)
		bits = judge_click(r, rec, k, addr_size(r, akey));
	else
		bits = judge_impression(r, rec, vkey);
	if (r->bad->n) {
		/* the few flagged addresses: a small table, in cache */
		const uint32_t *v = tab_find(r->bad, akey);

		if (v)
			bits |= *v;
		if ((v = tab_find(r->bad, k->nkey)))
			bits |= *v;
	}
	if (rec->has_uid && r->fanout->n && tab_find(r->fanout, k->ukey))
		bits |= IVT_UID_FANOUT;
	if (r->pub_flagged) {
		const struct pub_addr *pa = tab_find(r->pub_addr,
				hash2(akey, rec->pub, TAG_PUB_ADDR));

		if (pa)
			bits |= pa->bits;
		else if (rec->type != EVENT_CLICK &&
			 addr_hot_before(r, rec->pub, akey, k->nkey))
			bits |= IVT_HOT_ADDR;
	}
	if (!(rec->reasons & INGEST_BITS))
		remember(r, rec, akey, vkey);
	for (unsigned i = 0; i < IVT__COUNT; i++)
		if (bits & (1u << (IVT_FIRST_BIT + i)))
			r->st.flagged[i]++;
	return bits;
}

uint32_t rules_event(struct rules *r, const struct seg_record *rec,
		     uint64_t ua)
{
	struct keyed k;

	key_record(rec, ua, &k);
	return event_keyed(r, rec, &k);
}

void rules_event_batch(struct rules *r, const struct seg_record *const *recs,
		       const uint64_t *ua, size_t n, uint32_t *bits)
{
	struct keyed k[RULES_BATCH];

	for (size_t done = 0; done < n; done += RULES_BATCH) {
		size_t m = n - done < RULES_BATCH ? n - done : RULES_BATCH;

		for (size_t i = 0; i < m; i++) {
			key_record(recs[done + i], ua[done + i], &k[i]);
			if (recs[done + i]->type == EVENT_CLICK)
				sketch_cms_prefetch(r->addr, k[i].akey);
		}
		for (size_t i = 0; i < m; i++)
			bits[done + i] = event_keyed(r, recs[done + i], &k[i]);
	}
}
