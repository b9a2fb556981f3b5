/* rules.c - the two passes of analyze's activity rules (rules.h,
 * docs/rules.md) over the families of the table (rules_table.c).  The core
 * keeps the hour-wide facts several families read - the impressions of
 * each address, the user agents of each uid, clicks of each clicking
 * address, the addresses flagged as a whole - and runs each family's hooks: pass 1
 * learns the hour, pass 2 judges each event against it and against short
 * sliding windows. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "rule_family.h"

/* Pass 1 needs nothing back per record, so records wait in a queue of two
 * runs while their cache lines are prefetched: the misses of a run
 * overlap even when the caller hands records over one by one, and each
 * family is called once a run. */
#define OBSERVE_AHEAD (2 * RULES_OBSERVE_RUN)

/* Pass 2's hooks, by the kind of record they want ([0] impressions, [1]
 * clicks), and the windows the core rotates. */
struct rules_hooks {
	struct {
		uint32_t (*fn)(struct rules *, void *,
			       const struct seg_record *,
			       const struct rules_keys *);
		void *state;
	} judge[2][RULES_FAMILY_MAX];
	struct {
		void (*fn)(struct rules *, void *, const struct seg_record *,
			   const struct rules_keys *);
		void *state;
	} remember[2][RULES_FAMILY_MAX];
	unsigned njudge[2], nremember[2];
	struct rules_window *win[RULES_FAMILY_MAX];
	unsigned nwin;
};

/* The keys the core reads: the memory bound. */
const struct rule_param rules_core_params[] = {
	RULE_PARAM(table_max, table_max, RULE_U32),
	RULE_PARAM(sketch_log2, sketch_log2, RULE_U32),
	{ NULL, 0, RULE_I64 },
};

const char *ivt_reason_name(unsigned bit)
{
	size_t n;
	const struct rule_family *const *f = rules_families(&n);

	if (bit < IVT_FIRST_BIT)
		return seg_reason_name(bit);
	for (size_t i = 0; i < n; i++)
		for (const struct rule_reason *x = f[i]->reasons; x->bit; x++)
			if (x->bit == 1u << bit)
				return x->name;
	return NULL;
}

/* ---- parameters, from the [analyze] keys ---- */

static const struct conf_key *analyze_key(const char *name)
{
	size_t n;
	const struct conf_key *k = config_keys(&n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(k[i].section, "analyze") && !strcmp(k[i].name, name))
			return &k[i];
	return NULL;
}

/* Store v (the key's value) into p's field as x asks. */
static void param_store(struct rules_params *p, const struct rule_param *x,
			double d, int64_t i)
{
	char *dst = (char *)p + x->off;

	switch (x->kind) {
	case RULE_SEC_MS:
		*(int64_t *)(void *)dst = i * 1000;
		break;
	case RULE_I64:
		*(int64_t *)(void *)dst = i;
		break;
	case RULE_U32:
		*(uint32_t *)(void *)dst = (uint32_t)i;
		break;
	case RULE_DBL:
		*(double *)(void *)dst = d;
		break;
	}
}

/* Each parameter of the core and of every family, with its key. */
static void params_each(struct rules_params *p, const struct config *c)
{
	size_t n;
	const struct rule_family *const *f = rules_families(&n);

	for (size_t i = 0; i <= n; i++) {
		const struct rule_param *x = i < n ? f[i]->params :
					     rules_core_params;

		for (; x->key; x++) {
			const struct conf_key *k = analyze_key(x->key);
			uint64_t u = 0;
			double d = 0;

			if (!k)
				abort();   /* a key the table names must exist */
			if (c && k->type == CONF_INT)
				u = (uint64_t)*(const int64_t *)(const void *)
				    ((const char *)c + k->off);
			else if (c)
				d = *(const double *)(const void *)
				    ((const char *)c + k->off);
			else if (k->type == CONF_INT ?
				 parse_u64(k->def, strlen(k->def), &u) :
				 parse_double(k->def, strlen(k->def), &d))
				abort();   /* a bad default, as config_defaults */
			param_store(p, x, k->type == CONF_INT ? (double)u : d,
				    (int64_t)u);
		}
	}
}

void rules_params_default(struct rules_params *p)
{
	memset(p, 0, sizeof(*p));
	params_each(p, NULL);
}

void rules_params_from_config(struct rules_params *p, const struct config *c)
{
	memset(p, 0, sizeof(*p));
	params_each(p, c);
}

/* ---- the windows families keep ---- */

struct rules_window *win_new(size_t vsize, size_t max, int64_t period,
			     uint64_t *full)
{
	struct rules_window *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->period = period;
	if (table_init(&w->t[0], 0, vsize, max, full) < 0) {
		free(w);
		return NULL;
	}
	if (table_init(&w->t[1], 0, vsize, max, full) < 0) {
		table_release(&w->t[0]);
		free(w);
		return NULL;
	}
	return w;
}

void win_free(struct rules_window *w)
{
	if (!w)
		return;
	table_release(&w->t[0]);
	table_release(&w->t[1]);
	free(w);
}

int rules_add_window(struct rules *r, struct rules_window *w)
{
	struct rules_hooks *h = r->hooks;

	if (h->nwin == RULES_FAMILY_MAX)
		return -ENOMEM;
	h->win[h->nwin++] = w;
	return 0;
}

/* Sort each family's pass-2 hooks by the records they want. */
static void hooks_build(struct rules *r)
{
	size_t nf;
	const struct rule_family *const *f = rules_families(&nf);
	struct rules_hooks *h = r->hooks;

	for (size_t i = 0; i < nf; i++)
		for (unsigned t = 0; t < 2; t++) {
			unsigned kind = t ? RULE_CLICKS : RULE_IMPS;

			if (f[i]->judge && (f[i]->judges & kind)) {
				h->judge[t][h->njudge[t]].fn = f[i]->judge;
				h->judge[t][h->njudge[t]++].state = r->fam[i];
			}
			if (f[i]->remember && (f[i]->remembers & kind)) {
				h->remember[t][h->nremember[t]].fn =
					f[i]->remember;
				h->remember[t][h->nremember[t]++].state =
					r->fam[i];
			}
		}
}

void rules_flag_key(struct rules *r, uint64_t key, uint32_t bits)
{
	bool isnew;
	uint32_t *v = table_put(r->bad, key, NULL, &isnew);

	if (v)
		*v |= bits;
}

/* ---- keys ---- */

uint64_t rules_addr_key(const struct seg_record *rec)
{
	if (rec->ip_family == 4)
		return XXH3_64bits_withSeed(rec->ip + 12, 4, TAG_ADDR4);
	return XXH3_64bits_withSeed(rec->ip, 8, TAG_ADDR6);
}

uint64_t rules_net_key(const struct seg_record *rec)
{
	uint64_t v = 0;

	if (rec->ip_family == 4) {
		memcpy(&v, rec->ip + 12, 3);
		return mix_u64(v ^ ((uint64_t)TAG_NET4 << 56));
	}
	memcpy(&v, rec->ip, 6);
	return mix_u64(v ^ ((uint64_t)TAG_NET6 << 56));
}

uint64_t rules_visitor_key(const struct seg_record *rec, uint64_t ua)
{
	if (rec->has_uid && !(rec->flags & EVENT_F_UID_NEW))
		return XXH3_64bits_withSeed(rec->uid, 16, TAG_UID);
	return hash2(rules_addr_key(rec), ua, TAG_VISITOR);
}

/* A uid the browser sent back, rather than one this response issued. */
static bool presented(const struct seg_record *rec)
{
	return rec->has_uid && !(rec->flags & EVENT_F_UID_NEW);
}

static void key_record(const struct seg_record *rec, uint64_t ua,
		       struct rules_keys *k)
{
	k->akey = rules_addr_key(rec);
	k->nkey = rules_net_key(rec);
	k->alt = hash2(k->akey, ua, TAG_VISITOR);
	k->ukey = rec->has_uid ? XXH3_64bits_withSeed(rec->uid, 16, TAG_UID) : 0;
	k->vkey = presented(rec) ? k->ukey : k->alt;
}

/* The keys under which a record is matched for saw_ad: its visitor key,
 * and its uid or its address + user agent, whichever that is not. */
static unsigned saw_keys(const struct seg_record *rec,
			 const struct rules_keys *k, uint64_t keys[2])
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
	struct rules_keys k;

	key_record(rec, ua, &k);
	return saw_keys(rec, &k, keys);
}

/* ---- life cycle ---- */

static bool params_ok(const struct rules_params *p)
{
	size_t n;
	const struct rule_family *const *f = rules_families(&n);

	if (!(p->table_max >= 16 && p->sketch_log2 >= 16 &&
	      p->sketch_log2 <= 34))
		return false;
	for (size_t i = 0; i < n; i++)
		if (f[i]->params_ok && !f[i]->params_ok(p))
			return false;
	return true;
}

int rules_init(struct rules *r, const struct rules_params *p,
	       const struct rules_lookback *lb)
{
	size_t nf;
	const struct rule_family *const *f = rules_families(&nf);

	memset(r, 0, sizeof(*r));
	if (!params_ok(p) || !lb->impression || !lb->saw_ad ||
	    nf > RULES_FAMILY_MAX)
		return -EINVAL;
	r->p = *p;
	r->lb = *lb;
	r->seen = calloc(1, sizeof(*r->seen));
	r->clickers = calloc(1, sizeof(*r->clickers));
	r->addr = calloc(1, sizeof(*r->addr));
	r->pend = calloc(OBSERVE_AHEAD, sizeof(*r->pend));
	r->hooks = calloc(1, sizeof(*r->hooks));
	if (!r->seen || !r->clickers || !r->addr || !r->pend || !r->hooks ||
	    sketch_bloom_init(r->seen, p->sketch_log2 - 1) < 0 ||
	    sketch_bloom_init(r->clickers, p->sketch_log2 - 4) < 0 ||
	    sketch_cms_init(r->addr, p->sketch_log2 - 9, 3, 1) < 0)
		goto out_release;
	r->addr_clicks = table_new(0, sizeof(struct addr_clicks), p->table_max,
				   &r->st.table_full);
	r->bad = table_new(0, sizeof(uint32_t), p->table_max,
			   &r->st.table_full);
	if (!r->addr_clicks || !r->bad)
		goto out_release;
	for (size_t i = 0; i < nf; i++)
		if (f[i]->init && f[i]->init(r, &r->fam[i]) < 0)
			goto out_release;
	hooks_build(r);
	return 0;

out_release:
	rules_release(r);
	return -ENOMEM;
}

void rules_set_referer(struct rules *r, const struct rules_referer *ref)
{
	r->ref = *ref;
}

void rules_release(struct rules *r)
{
	size_t nf;
	const struct rule_family *const *f = rules_families(&nf);

	for (size_t i = 0; i < nf; i++)
		if (f[i]->release && r->fam[i])
			f[i]->release(r->fam[i]);
	if (r->seen)
		sketch_bloom_release(r->seen);
	if (r->clickers)
		sketch_bloom_release(r->clickers);
	if (r->addr)
		sketch_cms_release(r->addr);
	free(r->seen);
	free(r->clickers);
	free(r->addr);
	table_free(r->addr_clicks);
	table_free(r->bad);
	free(r->pend);
	free(r->hooks);
	memset(r, 0, sizeof(*r));
}

size_t rules_memory(const struct rules *r)
{
	size_t nf;
	const struct rule_family *const *f = rules_families(&nf);
	size_t sum = sketch_bloom_bytes(r->seen) +
		     sketch_bloom_bytes(r->clickers) + sketch_cms_bytes(r->addr) +
		     table_bytes(r->addr_clicks) + table_bytes(r->bad);

	for (size_t i = 0; i < nf; i++)
		if (f[i]->memory)
			sum += f[i]->memory(r->fam[i]);
	return sum;
}

void rules_begin_hour(struct rules *r, int64_t hour_start_ms)
{
	size_t nf;
	const struct rule_family *const *f = rules_families(&nf);

	r->hour_start_ms = hour_start_ms;
	r->epoch_ms = hour_start_ms - 86400000;
	sketch_bloom_clear(r->seen);
	sketch_bloom_clear(r->clickers);
	sketch_cms_clear(r->addr);
	table_clear(r->addr_clicks);
	table_clear(r->bad);
	for (unsigned i = 0; i < r->hooks->nwin; i++)
		win_clear(r->hooks->win[i], hour_start_ms - rules_warmup_ms(r));
	for (size_t i = 0; i < nf; i++)
		if (f[i]->begin_hour)
			f[i]->begin_hour(r, r->fam[i]);
	memset(&r->st, 0, sizeof(r->st));
	r->hour_imps = r->hour_clicks = 0;
	r->npend = 0;
	r->pend_head = 0;
}

int64_t rules_warmup_ms(const struct rules *r)
{
	size_t nf;
	const struct rule_family *const *f = rules_families(&nf);
	int64_t w = 0;

	for (size_t i = 0; i < nf; i++)
		if (f[i]->warmup_ms && f[i]->warmup_ms(&r->p) > w)
			w = f[i]->warmup_ms(&r->p);
	return w;
}

static void rotate_all(struct rules *r, int64_t ts)
{
	for (unsigned i = 0; i < r->hooks->nwin; i++)
		win_rotate(r->hooks->win[i], ts);
}

/* Put a record the rules count (not flagged by ingest) into the windows. */
static void remember(struct rules *r, const struct seg_record *rec,
		     const struct rules_keys *k)
{
	const struct rules_hooks *h = r->hooks;
	unsigned t = rec->type == EVENT_CLICK;

	for (unsigned i = 0; i < h->nremember[t]; i++)
		h->remember[t][i].fn(r, h->remember[t][i].state, rec, k);
}

void rules_warm(struct rules *r, const struct seg_record *rec, uint64_t ua)
{
	struct rules_keys k = { 0 };

	r->st.warmed++;
	if (rec->reasons & INGEST_BITS)
		return;
	rotate_all(r, rec->ts_ms);
	k.akey = rules_addr_key(rec);
	k.vkey = rules_visitor_key(rec, ua);
	remember(r, rec, &k);
}

/* ---- pass 1 ---- */

/* The core's facts of one record. */
static void observe_core(struct rules *r, struct rules_pending *o)
{
	uint64_t akey = o->k.akey, ukey = o->k.ukey;

	o->new_ua = o->uid_seen = false;
	if (o->has_uid) {
		/* every fact of one uid in one Bloom block: one cache miss */
		o->new_ua = !sketch_bloom_add_in(r->seen, ukey,
				hash2(ukey, o->ua, TAG_UID_UA));
		o->uid_seen = sketch_bloom_add_in(r->seen, ukey,
				hash2(ukey, 0, TAG_UID_SEEN));
	}
	if (o->type == EVENT_CLICK) {
		bool isnew;
		struct addr_clicks *c = table_put(r->addr_clicks, akey, NULL,
						  &isnew);

		if (c)
			c->n++;
		sketch_bloom_add(r->clickers, o->k.vkey);
		sketch_bloom_add(r->clickers, o->k.alt);
		r->hour_clicks++;
		o->addr_imps = 0;
	} else {
		r->hour_imps++;
		o->addr_imps = sketch_cms_add(r->addr, akey, 1);
	}
}

/* Count the run o[0..n): the core's facts, then each family's. */
static void observe_run(struct rules *r, struct rules_pending *o, size_t n)
{
	size_t nf;
	const struct rule_family *const *f = rules_families(&nf);

	for (size_t i = 0; i < n; i++)
		observe_core(r, &o[i]);
	for (size_t i = 0; i < nf; i++)
		if (f[i]->observe)
			f[i]->observe(r, r->fam[i], o, n);
}

/* The queue holds two runs: the older is counted once the newer is full
 * (and prefetched). */
static void observe_drain(struct rules *r)
{
	unsigned older = r->pend_head, newer = older ^ RULES_OBSERVE_RUN;

	if (r->npend > RULES_OBSERVE_RUN) {
		observe_run(r, &r->pend[older], RULES_OBSERVE_RUN);
		observe_run(r, &r->pend[newer], r->npend - RULES_OBSERVE_RUN);
	} else if (r->npend) {
		observe_run(r, &r->pend[older], r->npend);
	}
	r->npend = 0;
	r->pend_head = 0;
}

void rules_observe(struct rules *r, const struct seg_record *rec, uint64_t ua)
{
	size_t nf;
	const struct rule_family *const *f = rules_families(&nf);
	struct rules_pending *o;
	unsigned at;

	r->st.observed++;
	if (rec->reasons & INGEST_BITS)
		return;
	if (r->npend == OBSERVE_AHEAD) {
		observe_run(r, &r->pend[r->pend_head], RULES_OBSERVE_RUN);
		r->pend_head ^= RULES_OBSERVE_RUN;
		r->npend -= RULES_OBSERVE_RUN;
	}
	at = (r->pend_head + r->npend) % OBSERVE_AHEAD;
	o = &r->pend[at];
	key_record(rec, ua, &o->k);
	o->ua = ua;
	o->type = rec->type;
	o->ts = rec->ts_ms;
	o->zone = rec->zone;
	o->pub = rec->pub;
	o->imp = signed_click(rec) ? rec->imp : 0;
	o->has_uid = rec->has_uid;
	o->uid_new = rec->has_uid && (rec->flags & EVENT_F_UID_NEW);
	if (o->has_uid)
		sketch_bloom_prefetch(r->seen, o->k.ukey);
	sketch_cms_prefetch(r->addr, o->k.akey);
	r->npend++;
	if (at % RULES_OBSERVE_RUN == RULES_OBSERVE_RUN - 1)
		for (size_t i = 0; i < nf; i++)
			if (f[i]->prefetch)
				f[i]->prefetch(r, r->fam[i],
					       o - (RULES_OBSERVE_RUN - 1),
					       RULES_OBSERVE_RUN);
}

void rules_observe_batch(struct rules *r, const struct seg_record *const *recs,
			 const uint64_t *ua, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rules_observe(r, recs[i], ua[i]);
}

void rules_end_observe(struct rules *r)
{
	size_t nf;
	const struct rule_family *const *f = rules_families(&nf);

	observe_drain(r);
	for (size_t i = 0; i < nf; i++)
		if (f[i]->end_observe)
			f[i]->end_observe(r, r->fam[i]);
	r->st.addr_tracked = r->addr_clicks->n;
}

uint32_t rules_addr_imps(const struct rules *r, uint64_t akey)
{
	return addr_imps(r, akey);
}

/* ---- pass 2 ---- */

/* The unsigned click's question for the look-back: did any of its keys
 * see the ad (rules_lookback.saw_ad)? */
bool rules_saw_ad(struct rules *r, const struct seg_record *rec,
		  const struct rules_keys *k)
{
	uint64_t keys[2];
	unsigned n = saw_keys(rec, k, keys);
	bool saw = false;

	for (unsigned i = 0; i < n && !saw; i++)
		saw = r->lb.saw_ad(r->lb.ctx, rec, keys[i]);
	return saw;
}

/* The bits of the record's flagged address or network (the few flagged:
 * a small table, in cache), if its visitor clicked this hour: the people
 * who share a carrier address with a click farm and never clicked keep
 * their impressions. */
static uint32_t flagged_bits(const struct rules *r, const struct rules_keys *k)
{
	const uint32_t *v = table_find(r->bad, k->akey, NULL);
	uint32_t bits = v ? *v : 0;

	if ((v = table_find(r->bad, k->nkey, NULL)))
		bits |= *v;
	return bits && sketch_bloom_has(r->clickers, k->vkey) ? bits : 0;
}

static uint32_t event_keyed(struct rules *r, const struct seg_record *rec,
			    const struct rules_keys *k)
{
	const struct rules_hooks *h = r->hooks;
	unsigned t = rec->type == EVENT_CLICK;
	uint32_t bits = 0;

	r->st.judged++;
	rotate_all(r, rec->ts_ms);
	for (unsigned i = 0; i < h->njudge[t]; i++)
		bits |= h->judge[t][i].fn(r, h->judge[t][i].state, rec, k);
	if (r->bad->n)
		bits |= flagged_bits(r, k);
	if (!(rec->reasons & INGEST_BITS))
		remember(r, rec, k);
	for (unsigned i = 0; i < IVT__COUNT; i++)
		if (bits & (1u << (IVT_FIRST_BIT + i)))
			r->st.flagged[i]++;
	return bits;
}

uint32_t rules_event(struct rules *r, const struct seg_record *rec,
		     uint64_t ua)
{
	struct rules_keys k;

	key_record(rec, ua, &k);
	return event_keyed(r, rec, &k);
}

void rules_event_batch(struct rules *r, const struct seg_record *const *recs,
		       const uint64_t *ua, size_t n, uint32_t *bits)
{
	struct rules_keys k[RULES_BATCH];

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
