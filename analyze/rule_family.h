/* rule_family.h - what a rule family sees (inside analyze only): the table
 * entry that plugs a family into the two passes of rules.h, the record and
 * keys each hook is given, the hour-wide facts the core keeps for every
 * family, and the capped tables and sliding windows families keep their
 * own state in.
 *
 * A family is one file, analyze/rule_<name>.c, defining one
 * `const struct rule_family rule_<name>`, and one line in rules_table.c.
 * Its state is whatever its init() returns; every hook gets it back.
 *
 * The tables are analyze's one table (table.h: a hard entry cap, no
 * allocation per entry); a window is two of them, swapped every period,
 * so a whole window expires in O(1).  bench/rules.sh measures the whole
 * per-event cost. */
#ifndef ADLOG_RULE_FAMILY_H
#define ADLOG_RULE_FAMILY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <xxhash.h>

#include "rules.h"
#include "sketch.h"
#include "table.h"

#define INGEST_BITS 0xffffu

/* ---- the table of rules ---- */

/* How a key of [analyze] becomes a field of struct rules_params. */
enum rule_param_kind {
	RULE_SEC_MS,             /* whole seconds -> int64_t ms */
	RULE_I64,                /* whole number -> int64_t */
	RULE_U32,                /* whole number -> uint32_t */
	RULE_DBL,                /* number -> double */
};

struct rule_param {
	const char *key;         /* [analyze] key of config_keys() */
	size_t off;              /* offsetof(struct rules_params, ...) */
	enum rule_param_kind kind;
};

#define RULE_PARAM(key, field, kind) \
	{ #key, offsetof(struct rules_params, field), kind }

struct rule_reason {
	uint32_t bit;            /* IVT_* */
	const char *name;        /* stable snake_case, in MySQL rows */
};

/* A record as the hooks see it: its keys, computed once per pass. */
struct rules_keys {
	uint64_t akey;           /* address (rules_addr_key) */
	uint64_t nkey;           /* its /24 or /48 (rules_net_key) */
	uint64_t ukey;           /* uid, 0 when none */
	uint64_t alt;            /* address + user agent */
	uint64_t vkey;           /* visitor: ukey if presented, else alt */
};

/* A pass-1 record (queued while its cache lines are fetched), with what
 * the core learnt of it before the families observe it. */
struct rules_pending {
	struct rules_keys k;
	uint64_t ua;
	int64_t ts;
	uint32_t zone, pub;
	uint64_t imp;            /* signed click's impression, else 0 */
	uint8_t type;
	bool has_uid, uid_new;
	/* filled by the core in pass 1, before the observe hooks */
	bool new_ua;             /* (uid, user agent) new this hour */
	bool uid_seen;           /* the uid was seen before this record */
	uint32_t addr_imps;      /* impressions: the address's count with it */
};

/* Which records a pass-2 hook wants (rule_family.judges, .remembers). */
#define RULE_IMPS   1u
#define RULE_CLICKS 2u

/* One rule family: its reasons, the keys it reads and its hooks.  Every
 * hook may be NULL.  Hooks run in table order.  Pass 1 hands records over
 * in runs (a family sees them in time order, after the core counted
 * them); pass 2 one at a time, only the kinds the family asks for. */
struct rule_family {
	const char *name;
	const char *doc;         /* one line */
	const struct rule_reason *reasons;   /* ended by { 0, NULL } */
	const struct rule_param *params;     /* ended by { NULL } */
	/* are the family's thresholds usable (beyond the keys' ranges)? */
	bool (*params_ok)(const struct rules_params *p);
	/* allocate the family's state at its fixed size (windows given to
	 * rules_add_window); 0 or -ENOMEM */
	int (*init)(struct rules *r, void **state);
	void (*release)(void *state);
	size_t (*memory)(const void *state);
	/* forget the hour: every table (the core clears the windows) */
	void (*begin_hour)(struct rules *r, void *state);
	/* pass 1: fetch the cache lines of o[0..n), which observe() counts
	 * RULES_OBSERVE_RUN records later */
	void (*prefetch)(const struct rules *r, const void *state,
			 const struct rules_pending *o, size_t n);
	void (*observe)(struct rules *r, void *state,
			const struct rules_pending *o, size_t n);
	/* between the passes, in table order (later families may read the
	 * addresses earlier ones flagged, rules_flagged()) */
	void (*end_observe)(struct rules *r, void *state);
	/* pass 2: the reason bits of rec (ingest flagged or not) */
	unsigned judges;         /* RULE_IMPS | RULE_CLICKS */
	uint32_t (*judge)(struct rules *r, void *state,
			  const struct seg_record *rec,
			  const struct rules_keys *k);
	/* after judge, and on warm-up records: rec (not flagged by ingest)
	 * into the family's windows; only k->akey and k->vkey are set */
	unsigned remembers;      /* RULE_IMPS | RULE_CLICKS */
	void (*remember)(struct rules *r, void *state,
			 const struct seg_record *rec,
			 const struct rules_keys *k);
	/* the warm-up the family's windows want before the hour, in ms */
	int64_t (*warmup_ms)(const struct rules_params *p);
};

/* Pass 1 counts records in runs of this many. */
#define RULES_OBSERVE_RUN 16

/* The families, in the order their hooks run (rules_table.c), and the
 * core's own keys. */
const struct rule_family *const *rules_families(size_t *n);
extern const struct rule_param rules_core_params[];

/* The state family f's init() made for r; NULL if f is not in the table. */
void *rules_state(const struct rules *r, const struct rule_family *f);

/* ---- sliding window: two tables, the older dropped every period ---- */

struct rules_window {
	struct table t[2];
	unsigned cur;
	int64_t period, start;
};

/* A calloc'd window (NULL on -ENOMEM) and its release.  The core rotates
 * the windows given to rules_add_window() on every record and clears them
 * every hour. */
struct rules_window *win_new(size_t vsize, size_t max, int64_t period,
			     uint64_t *full);
void win_free(struct rules_window *w);

static inline size_t win_bytes(const struct rules_window *w)
{
	return table_bytes(&w->t[0]) + table_bytes(&w->t[1]);
}

static inline void win_clear(struct rules_window *w, int64_t now)
{
	table_clear(&w->t[0]);
	table_clear(&w->t[1]);
	w->start = now;
}

/* Every entry written at or after ts - period survives a rotation. */
static inline void win_rotate(struct rules_window *w, int64_t ts)
{
	if (ts - w->start < w->period)
		return;
	w->cur ^= 1;
	table_clear(&w->t[w->cur]);
	w->start = ts;
}

static inline void *win_find(const struct rules_window *w, uint64_t key)
{
	void *v = table_find(&w->t[w->cur], key, NULL);

	return v ? v : table_find(&w->t[w->cur ^ 1], key, NULL);
}

/* The current-period value of key, carried over from the older table. */
static inline void *win_put(struct rules_window *w, uint64_t key)
{
	bool isnew;
	void *v = table_put(&w->t[w->cur], key, NULL, &isnew);
	const void *old;

	if (v && isnew && (old = table_find(&w->t[w->cur ^ 1], key, NULL)))
		memcpy(v, old, w->t[w->cur].vsize);
	return v;
}

/* ---- keys ---- */

/* The seeds of the keys' hashes: a value, once used, keeps its meaning
 * (5 and 6 were keys no rule reads now), so that removing a key changes
 * no other key's hash. */
enum key_tag {
	TAG_ADDR4 = 1, TAG_ADDR6, TAG_UID, TAG_VISITOR,
	TAG_UID_UA = 7, TAG_UID_SEEN, TAG_IMP, TAG_DUP,
	TAG_FLOOD, TAG_NET4, TAG_NET6, TAG_STACK, TAG_PUB_ADDR, TAG_PUB,
	TAG_REFRESH,
};

static inline uint64_t hash2(uint64_t a, uint64_t b, enum key_tag tag)
{
	uint64_t v[2] = { a, b };

	return XXH3_64bits_withSeed(v, sizeof(v), tag);
}

static inline uint64_t hash3(uint64_t a, uint64_t b, uint64_t c,
			     enum key_tag tag)
{
	uint64_t v[3] = { a, b, c };

	return XXH3_64bits_withSeed(v, sizeof(v), tag);
}

/* ---- what every family may read ---- */

struct addr_clicks {
	uint32_t n;                  /* clicks in the hour */
	uint32_t distinct;           /* of those, not a double click (after
					the publisher family's end_observe) */
};

static inline int64_t absdiff(int64_t a, int64_t b)
{
	return a > b ? a - b : b - a;
}

/* A click signed by serve, carrying its impression id. */
static inline bool signed_click(const struct seg_record *rec)
{
	return (rec->flags & (EVENT_F_TOKEN_VALID | EVENT_F_TOKEN_EXPIRED)) &&
	       rec->imp != 0;
}

/* A time as 32-bit ms since r->epoch_ms (saturated). */
static inline uint32_t ring_time(const struct rules *r, int64_t ts)
{
	int64_t d = ts - r->epoch_ms;

	return d < 0 ? 0 : d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

/* The impressions of an address this hour (after pass 1). */
static inline uint32_t addr_imps(const struct rules *r, uint64_t akey)
{
	return sketch_cms_get(r->addr, akey);
}

/* Has an address (or network) key an entry in the flagged table? */
static inline bool rules_flagged(const struct rules *r, uint64_t akey,
				 uint64_t nkey)
{
	return r->bad->n && (table_find(r->bad, akey, NULL) ||
			     table_find(r->bad, nkey, NULL));
}

/* Every event of address (or network) key whose visitor clicked this
 * hour gets bits: between the passes. */
void rules_flag_key(struct rules *r, uint64_t key, uint32_t bits);

/* Rotate and clear w with the rules (from a family's init).  0 or
 * -ENOMEM (more windows than RULES_FAMILY_MAX). */
int rules_add_window(struct rules *r, struct rules_window *w);

/* Did the look-back see the ad shown to an unsigned click's visitor, under
 * any of its keys (rules_saw_keys)? */
bool rules_saw_ad(struct rules *r, const struct seg_record *rec,
		  const struct rules_keys *k);

/* The hour's CTR (not GIVT), 1 without impressions. */
static inline double rules_hour_ctr(const struct rules *r)
{
	return r->hour_imps ? (double)r->hour_clicks / (double)r->hour_imps : 1;
}

#endif
