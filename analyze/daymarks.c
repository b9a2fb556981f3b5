/* daymarks.c - the day pass's judgement: read the window's segments twice
 * (clicks, in merged order so a copy or a double click counts once; then
 * the impressions of the keys that clicked, so memory follows the clicking
 * keys, not every address of two days), each key whole and on each
 * publisher it clicked; test every clicking address, kept uid and part
 * against the people's CTR, split a marked address that several visitors
 * share into its visitors, narrow a key whose excess is on one publisher
 * to its clicks there (a third read finds the impressions they name),
 * test what the addresses' own judgement leaves of each network, test
 * every visitor's fast clicks against people's share and every
 * publisher's one-shot addresses against its single views, and keep the
 * marked keys in a small table every event of the day's hours is looked
 * up in. */
#include "daymarks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "event.h"
#include "eventid.h"
#include "excess.h"
#include "fsutil.h"
#include "reason.h"
#include "rules.h"

#define TAG_UID 0x6461797569640001ull    /* a kept uid's key */
#define TAG_PAIR 0x6461797061697202ull   /* an (address, kept uid) pair */
#define TAG_ANON 0x646179616e6f6e03ull   /* an address's uid-less events */
#define TAG_PUB 0x6461797075626c04ull    /* a key's events on one publisher */
#define KIND_ADDR 1u
#define KIND_UID 2u
#define KIND_PAIR 3u                     /* a visitor of an address */
#define KIND_ANON 4u                     /* its events without a kept uid */
#define KIND_PUB 5u                      /* a key's clicks on one publisher */
#define KIND_IMP 6u                      /* an impression a KIND_PUB clicked */
#define KIND_NET 7u                      /* a network: judged, never kept */
#define TAG_IMP 0x646179696d707305ull

struct dm_key {
	uint64_t key;               /* 0 = empty slot */
	uint64_t last_imp;          /* impression of its last click */
	uint64_t owner;             /* a part: its address's key; an
	                             * address: the first visitor seen
	                             * (visitor_of); a KIND_PUB: its
	                             * key's key */
	uint64_t ukey;              /* a pair: its uid's key */
	uint64_t net;               /* an address: its network's key */
	uint32_t clicks;            /* on another impression than the last */
	uint32_t imps;
	uint32_t timed, fast;       /* its clicks with an impression id, and
				       those fast (daymarks_params) */
	uint32_t kind;              /* KIND_ADDR, _UID, _PAIR, _ANON */
	uint32_t bits;              /* marked: IVT_DAY_ADDR */
	uint32_t shared;            /* an address: 2 visitors seen or more;
	                             * a pair: its uid was issued here in
	                             * the window (a new uid) */
	/* an address, when marked and shared: its new-uid group (its
	 * uid-less events and its new uids' pairs), what is marked of the
	 * group alone, and its old uids' marked pairs */
	uint32_t g_clicks, g_imps;
	uint32_t gm_clicks, gm_imps;
	uint32_t om_clicks, om_imps;
	uint32_t g_whole;           /* the new-uid group is marked whole */
	/* the KIND_PUB of this key with the most clicks, and its counts */
	uint64_t top;
	uint32_t top_clicks, top_imps;
	/* a network: the clicks of its addresses not improbable themselves
	 * (each no more than its impressions), the impressions of those that
	 * are, and whether the rest is improbable */
	uint32_t r_clicks, x_imps;
	uint32_t net_marked;
	uint32_t r_max;             /* a network: the most r_clicks can be */
};

struct marks_header {
	char magic[8];              /* "ADLDAYM1" */
	char digest[40];
	uint32_t day, pad;
	uint64_t n;                 /* records that follow */
};

struct marks_rec {
	uint64_t key;
	uint32_t bits, kind;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static struct dm_key *key_find(const struct daymarks *m, uint64_t key)
{
	size_t j;

	if (!m->cap || !key)
		return NULL;
	j = mix64(key) & (m->cap - 1);
	while (m->v[j].key) {
		if (m->v[j].key == key)
			return &m->v[j];
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
}

/* The entry of key (made with zero counts); NULL when out of memory. */
static struct dm_key *key_add(struct daymarks *m, uint64_t key)
{
	struct dm_key *k = key_find(m, key);
	size_t j;

	if (k)
		return k;
	if ((m->n + 1) * 4 > m->cap * 3) {
		size_t nc = m->cap ? m->cap * 2 : 256;
		struct dm_key *v = calloc(nc, sizeof(*v));

		if (!v)
			return NULL;
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->v[i].key)
				continue;
			j = mix64(m->v[i].key) & (nc - 1);
			while (v[j].key)
				j = (j + 1) & (nc - 1);
			v[j] = m->v[i];
		}
		free(m->v);
		m->v = v;
		m->cap = nc;
	}
	j = mix64(key) & (m->cap - 1);
	while (m->v[j].key)
		j = (j + 1) & (m->cap - 1);
	m->v[j] = (struct dm_key){ .key = key };
	m->n++;
	return &m->v[j];
}

static uint64_t uid_hash(const struct seg_record *rec)
{
	uint64_t k = XXH3_64bits_withSeed(rec->uid, 16, TAG_UID);

	return k ? k : 1;
}

static uint64_t uid_key(const struct seg_record *rec)
{
	if (!rec->has_uid || (rec->flags & EVENT_F_UID_NEW))
		return 0;
	return uid_hash(rec);
}

static uint64_t addr_key(const struct seg_record *rec)
{
	uint64_t k = rules_addr_key(rec);

	return k ? k : 1;
}

/* The part of its address rec belongs to: the (address, kept uid) pair,
 * or the address's events without a kept uid (cookieless, or a uid this
 * response issued) from one browser, by its user agent's hash ua (0
 * without): a farm taking a fresh cookie per click from one browser is
 * one part, and a person in the same house whose browser keeps no
 * cookie is another. */
static uint64_t part_key(uint64_t akey, uint64_t ukey, uint64_t ua)
{
	uint64_t v[2] = { akey, ukey ? ukey : ua }, k;

	k = XXH3_64bits_withSeed(v, sizeof(v), ukey ? TAG_PAIR : TAG_ANON);
	return k ? k : 1;
}

/* The keys x (of user agent hash ua) is counted under: its address,
 * kept uid (0 without) and part. */
static void event_keys(const struct seg_record *x, uint64_t ua, uint64_t k[3])
{
	k[0] = addr_key(x);
	k[1] = uid_key(x);
	k[2] = part_key(k[0], k[1], ua);
}

/* Who x is on its address: its kept uid; the uid its response issued (a
 * visitor's first event, whose uid comes back kept); else its browser. */
static uint64_t visitor_of(const struct seg_record *x, uint64_t ukey,
			   uint64_t ua)
{
	uint64_t k;

	if (ukey)
		return ukey;
	if (x->has_uid)
		return uid_hash(x);
	k = XXH3_64bits_withSeed(&ua, sizeof(ua), TAG_ANON);
	return k ? k : 1;
}

/* x's network: its IPv4 /24 or IPv6 /48 (rules_net_key). */
static uint64_t net_key(const struct seg_record *x)
{
	uint64_t k = rules_net_key(x);

	return k ? k : 1;
}

/* The clicks of key (of any other kind) on publisher pub. */
static uint64_t pub_key(uint64_t key, uint32_t pub)
{
	uint64_t v[2] = { key, pub }, k;

	k = XXH3_64bits_withSeed(v, sizeof(v), TAG_PUB);
	return k ? k : 1;
}

static uint32_t first_hour(uint32_t day)
{
	return hour_add(day * 100, -DAYMARKS_BEFORE_HOURS);
}

static const uint32_t window_hours = DAYMARKS_BEFORE_HOURS + 24;

int daymarks_digest(const char *data_dir, uint32_t day,
		    const struct daymarks_params *p, char *out, char *err,
		    size_t errlen)
{
	XXH3_state_t *st = XXH3_createState();
	XXH128_hash_t dg;
	uint32_t h = first_hour(day);
	char prm[256];
	int rc = 0;

	*out = '\0';
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	XXH3_128bits_reset(st);
	/* "split": the method, so marks of the whole-address judgement
	 * are not read as this one's */
	snprintf(prm, sizeof(prm),
		 "day %08u split ua pub trim net ncap ratio %.17g alpha %.17g "
		 "min %u fast %lld %.17g %.17g shot %.17g %.17g %u %lld",
		 day,
		 p->ratio, p->alpha, p->min_clicks, (long long)p->fast_ms,
		 p->fast_ratio, p->fast_precision, p->shot.ratio,
		 p->shot.precision, p->shot.min_clicks,
		 (long long)p->shot.view_ms);
	XXH3_128bits_update(st, prm, strlen(prm));
	for (uint32_t i = 0; i < window_hours && !rc; i++, h = hour_add(h, 1)) {
		struct hour_set s;

		if (hour_scan(&s, data_dir, h, err, errlen)) {
			rc = -1;
			break;
		}
		XXH3_128bits_update(st, s.digest, HOUR_DIGEST_HEX);
		hour_release(&s);
	}
	dg = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	if (!rc)
		snprintf(out, DAYMARKS_DIGEST_HEX + 1, "%016llx%016llx",
			 (unsigned long long)dg.high64,
			 (unsigned long long)dg.low64);
	return rc;
}

static bool counted(const struct seg_record *x)
{
	return x->type != EVENT_SERVED && !(x->reasons & SEG_R_INGEST_MASK);
}

static struct dm_key *count_click(struct daymarks *m, uint64_t key,
				   uint32_t kind, const struct seg_record *x)
{
	struct dm_key *k;

	if (!key || !(k = key_add(m, key)))
		return NULL;
	k->kind = kind;
	k->clicks += !x->imp || x->imp != k->last_imp;
	if (x->imp && x->imp != k->last_imp) {
		k->timed++;
		k->fast += x->ts_ms - eventid_ms(x->imp) < m->p->fast_ms;
	}
	k->last_imp = x->imp;
	return k;
}

/* An address sees visitor v (visitor_of): remember the first, note a
 * second. */
static void addr_sees(struct dm_key *a, uint64_t v)
{
	if (a->shared)
		return;
	if (!a->owner)
		a->owner = v;
	else if (a->owner != v)
		a->shared = 1;
}

/* The click x counted for key of kind and for key's events on x's
 * publisher. */
static struct dm_key *count_both(struct daymarks *m, uint64_t key,
				 uint32_t kind, const struct seg_record *x)
{
	struct dm_key *kp;

	if (!(kp = count_click(m, pub_key(key, x->pub), KIND_PUB, x)))
		return NULL;
	kp->owner = key;
	/* key_add may move the table: find key's entry after kp's */
	return count_click(m, key, kind, x);
}

/* The click x (of user agent hash ua) counted for its address, its kept
 * uid and its part, each whole and on x's publisher, and for its network
 * whole. */
static int count_keys(struct daymarks *m, const struct seg_record *x,
		      uint64_t ua)
{
	uint64_t k[3], nk = net_key(x);
	struct dm_key *a, *p;

	event_keys(x, ua, k);
	if (!count_click(m, nk, KIND_NET, x) ||
	    !count_both(m, k[2], k[1] ? KIND_PAIR : KIND_ANON, x))
		return -ENOMEM;
	if (k[1] && !count_both(m, k[1], KIND_UID, x))
		return -ENOMEM;
	if (!(a = count_both(m, k[0], KIND_ADDR, x)) ||
	    (m->p->shot.ratio && dayshot_click(&m->shot, k[0], x->pub)))
		return -ENOMEM;
	addr_sees(a, visitor_of(x, k[1], ua));
	a->net = nk;
	p = key_find(m, k[2]);
	p->owner = k[0];
	p->ukey = k[1];
	return 0;
}

/* Pass 1, one hour: the clicks of every key, in merged order. */
static int count_clicks(struct daymarks *m, struct hour_set *h)
{
	struct hour_merge mg;
	const struct seg_record *x;
	uint32_t seg;
	int rc = 0;

	if (hour_merge_init(&mg, h, INT64_MIN))
		return -ENOMEM;
	while (!rc && (x = hour_merge_next(&mg, &seg))) {
		if (!counted(x))
			continue;
		m->events++;
		if (x->type != EVENT_CLICK)
			continue;
		rc = count_keys(m, x, hour_ua_hash(&h->segs[seg], x->ua));
	}
	if (mg.nomem)
		rc = -ENOMEM;
	hour_merge_release(&mg);
	return rc;
}

/* The impression x counted for clicking key k, whole and on x's
 * publisher when k clicked there. */
static void count_imp(struct daymarks *m, struct dm_key *k,
		      const struct seg_record *x)
{
	struct dm_key *kp = key_find(m, pub_key(k->key, x->pub));

	k->imps++;
	if (kp)
		kp->imps++;
}

/* A record x of segment sg (whose strings give x's user agent hash,
 * hour_ua_hash, where the pass needs it). */
typedef int (*record_fn)(struct daymarks *m, const struct seg_record *x,
			 struct hour_seg *sg);

/* fn on every record of the hour, in segment order; its first error. */
static int each_record(struct daymarks *m, struct hour_set *h, record_fn fn)
{
	for (size_t s = 0; s < h->n; s++) {
		for (size_t b = 0; b < h->segs[s].r.neblocks; b++) {
			uint32_t n;
			const struct seg_record *x = hour_seg_block(h, s, b, &n);
			int rc;

			for (uint32_t i = 0; i < n; i++, x++)
				if (counted(x) && (rc = fn(m, x, &h->segs[s])))
					return rc;
		}
	}
	return 0;
}

/* Pass 2, one event: the impressions of the keys that clicked, and which
 * clicking pairs have a uid issued in the window on their address.
 * Copies of an impression (rare) count twice here, which only makes a
 * key's CTR lower: lenient. */
static int count_imps(struct daymarks *m, const struct seg_record *x,
		      struct hour_seg *sg)
{
	uint64_t ak = addr_key(x), uk, ua;
	struct dm_key *k;

	if (x->has_uid && (x->flags & EVENT_F_UID_NEW) &&
	    (k = key_find(m, part_key(ak, uid_hash(x), 0))))
		k->shared = 1;
	if (x->type != EVENT_IMPRESSION)
		return 0;
	m->imps++;
	if (m->p->shot.ratio && dayshot_imp(&m->shot, ak, x, &m->p->shot))
		return -ENOMEM;
	if ((k = key_find(m, net_key(x))))
		k->imps++;
	uk = uid_key(x);
	if ((k = key_find(m, uk)))
		count_imp(m, k, x);
	if (!(k = key_find(m, ak)))
		return 0;
	count_imp(m, k, x);
	ua = hour_ua_hash(sg, x->ua);   /* only for an address that clicked */
	addr_sees(k, visitor_of(x, uk, ua));
	if ((k = key_find(m, part_key(ak, uk, ua))))
		count_imp(m, k, x);
	return 0;
}

/* The key of impression id in the marks. */
static uint64_t imp_key(uint64_t id)
{
	uint64_t k = XXH3_64bits_withSeed(&id, sizeof(id), TAG_IMP);

	return k ? k : 1;
}

/* Is click x on its publisher marked for its address, kept uid or part? */
static bool pub_marked(const struct daymarks *m, const struct seg_record *x,
		       uint64_t ua)
{
	uint64_t k[3];
	const struct dm_key *kp;

	event_keys(x, ua, k);
	for (int i = 0; i < 3; i++)
		if (k[i] && (kp = key_find(m, pub_key(k[i], x->pub))) &&
		    kp->bits)
			return true;
	return false;
}

/* Pass 3, one event: the impressions that the keys marked on one
 * publisher clicked there (their other impressions stay valid). */
static int mark_imps(struct daymarks *m, const struct seg_record *x,
		     struct hour_seg *sg)
{
	struct dm_key *k;

	if (x->type != EVENT_CLICK || !x->imp ||
	    !pub_marked(m, x, hour_ua_hash(sg, x->ua)))
		return 0;
	if (!(k = key_add(m, imp_key(x->imp))))
		return -ENOMEM;
	k->kind = KIND_IMP;
	k->bits = IVT_DAY_ADDR;
	return 0;
}

/* Passes [from, to) over every hour of the window. */
static int count_window(struct daymarks *m, const char *data_dir,
			uint32_t day, int from, int to, char *err, size_t errlen)
{
	for (int pass = from; pass < to; pass++) {
		uint32_t h = first_hour(day);

		for (uint32_t i = 0; i < window_hours; i++, h = hour_add(h, 1)) {
			struct hour_set s;
			int rc;

			if (hour_scan(&s, data_dir, h, err, errlen))
				return -1;
			if (!s.n) {
				hour_release(&s);
				continue;
			}
			if (hour_open(&s, err, errlen)) {
				hour_release(&s);
				return -1;
			}
			if (pass == 0)
				rc = count_clicks(m, &s);
			else
				rc = each_record(m, &s, pass == 1 ? count_imps :
						 mark_imps);
			if (rc)
				snprintf(err, errlen, "out of memory counting "
					 "hour %010u", h);
			else
				rc = hour_read_error(&s, err, errlen);
			hour_release(&s);
			if (rc)
				return -1;
		}
	}
	return 0;
}

/* A key's clicks in the base: no more than its impressions. */
static uint32_t base_clicks(const struct dm_key *k)
{
	return k->clicks < k->imps ? k->clicks : k->imps;
}

/* The most clicks judge_nets() can test on each network: its addresses'
 * clicks, each no more than its impressions, before any is explained.
 * A token replayed over a network's addresses counts once among the
 * network's own distinct clicks but once on each address. */
static void net_ceilings(struct daymarks *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		const struct dm_key *a = &m->v[i];
		struct dm_key *n;

		if (a->key && a->kind == KIND_ADDR &&
		    (n = key_find(m, a->net)))
			n->r_max += base_clicks(a);
	}
}

/* A visitor judged on its fast clicks: a kept uid, or a visitor of an
 * address (a pair, or its uid-less events from one browser); never an
 * address whole, whose people a bot's browser beside them would take. */
static bool fast_key(const struct dm_key *k)
{
	return k->key && (k->kind == KIND_UID || k->kind == KIND_PAIR ||
			  k->kind == KIND_ANON);
}

/* The tests the judgement may make: every address, kept uid and part
 * with enough clicks, its events on its top publisher and what it has
 * elsewhere (narrow(), below), and three more for every shared address
 * (its new-uid group, what the group's marked pairs leave of it, what
 * its marked parts leave of the address), counted whether or not the
 * address is marked, so the bound does not depend on the marks it
 * decides; every network whose addresses can bring enough clicks to
 * its test; and two for every visitor with as many fast clicks
 * (judge_fast: its day, and its day without its top publisher). */
static void count_tests(struct daymarks *m, const struct daymarks_params *p,
			uint64_t *tests)
{
	*tests = 0;
	net_ceilings(m);
	for (size_t i = 0; i < m->cap; i++) {
		const struct dm_key *k = &m->v[i];

		if (!k->key || k->kind == KIND_PUB)
			continue;
		m->keys += k->kind == KIND_ADDR || k->kind == KIND_UID;
		if ((k->kind == KIND_NET ? k->r_max : k->clicks) <
		    p->min_clicks)
			continue;
		m->tested += k->kind == KIND_ADDR || k->kind == KIND_UID;
		m->nets_tested += k->kind == KIND_NET;
		*tests += k->kind == KIND_NET ? 1 :
			  3 + 3 * (k->kind == KIND_ADDR && k->shared);
	}
	for (size_t i = 0; p->fast_ms && i < m->cap; i++)
		if (fast_key(&m->v[i]) && m->v[i].fast >= p->min_clicks) {
			m->fast_tested++;
			*tests += 2;    /* its day, and without its top one */
		}
}

/* Every key's publisher with the most distinct clicks. */
static void find_tops(struct daymarks *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		const struct dm_key *kp = &m->v[i];
		struct dm_key *k;

		if (!kp->key || kp->kind != KIND_PUB ||
		    !(k = key_find(m, kp->owner)) || kp->clicks <= k->top_clicks)
			continue;
		k->top = kp->key;
		k->top_clicks = kp->clicks;
		k->top_imps = kp->imps;
	}
}

static bool is_part(const struct dm_key *k)
{
	return k->key && (k->kind == KIND_PAIR || k->kind == KIND_ANON);
}

/* In the new-uid group of its address: uid-less, or a uid issued there. */
static bool in_group(const struct dm_key *k)
{
	return k->kind == KIND_ANON || k->shared;
}

/* The marked shared address that part k belongs to, or NULL. */
static struct dm_key *split_owner(const struct daymarks *m,
				  const struct dm_key *k)
{
	struct dm_key *a = key_find(m, k->owner);

	return a && a->bits && a->shared ? a : NULL;
}

/* A key's test: k clicks in n impressions against ratio x the CTR of the
 * others in the base (c clicks in n impressions, add-one-half), so a
 * key's own clicks do not raise its bar; bound b. */
struct dm_test {
	double ratio, b;
	uint64_t c, n;
	uint32_t min_clicks;
};

/* The tested rate of k clicks in n impressions: ratio x the CTR of the
 * others in the base. */
static double tested_rate(uint32_t k, uint32_t n, const struct dm_test *t)
{
	uint64_t oc = t->c > k ? t->c - k : 0, on = t->n > n ? t->n - n : 0;

	return t->ratio * ((double)oc + 0.5) / ((double)on + 1);
}

/* Is k clicks in n impressions improbable? */
static bool improbable(uint32_t k, uint32_t n, const struct dm_test *t)
{
	double q = tested_rate(k, n, t);

	if (k < t->min_clicks || q >= 1)
		return false;
	return excess_binom_sf(k, n > k ? n : k, q) < t->b;
}

/* Is k clicks in n impressions above the tested rate: a CTR beyond the
 * heaviest people's, whatever the evidence? */
static bool above_rate(uint32_t k, uint32_t n, const struct dm_test *t)
{
	return (double)k > tested_rate(k, n, t) * (double)(n > k ? n : k);
}

/* above_rate, with enough clicks to test */
static bool above_people(uint32_t k, uint32_t n, const struct dm_test *t)
{
	return k >= t->min_clicks && above_rate(k, n, t);
}

/* A part's counts in a test: the hits its rate is judged on, those it
 * brings to the base, and its trials. */
struct dm_counts {
	uint32_t hits, base, trials;
};

typedef struct dm_counts (*counts_fn)(const struct dm_key *k);

/* Clicks in impressions, each part's clicks in the base no more than its
 * impressions (a replayed token's clicks from addresses that never saw
 * its impression are not people's rate). */
static struct dm_counts click_counts(const struct dm_key *k)
{
	return (struct dm_counts){ k->clicks, base_clicks(k), k->imps };
}

/* Fast clicks in clicks that name an impression (judge_fast). */
static struct dm_counts fast_counts(const struct dm_key *k)
{
	return (struct dm_counts){ k->fast, k->fast, k->timed };
}

/* t's base: the parts' hits (counts) in n0 trials, without the parts
 * whose rate is above the tested rate at it, found by taking those out
 * until none more fall out, so a farm's or a botnet's clicks do not
 * raise the bar they are tested against. */
static void trim(const struct daymarks *m, struct dm_test *t, uint64_t n0,
		 counts_fn counts)
{
	uint64_t out = 0, prev, c0 = 0;

	for (size_t i = 0; i < m->cap; i++)
		if (is_part(&m->v[i]))
			c0 += counts(&m->v[i]).base;
	t->c = c0;
	t->n = n0;
	do {
		uint64_t c = c0, n = n0;

		prev = out;
		out = 0;
		for (size_t i = 0; i < m->cap; i++) {
			struct dm_counts x;

			if (!is_part(&m->v[i]))
				continue;
			x = counts(&m->v[i]);
			if (!above_people(x.hits, x.trials, t))
				continue;
			out++;
			c -= x.base < c ? x.base : c;
			n -= x.trials < n ? x.trials : n;
		}
		t->c = c;
		t->n = n;
	} while (out != prev);
}

/* Is part k marked alone: improbable itself, or a pair whose uid is
 * (the uid's day over all its addresses names its visitor)? */
static bool part_marked(const struct daymarks *m, const struct dm_key *k,
			const struct dm_test *t)
{
	const struct dm_key *u;

	if (improbable(k->clicks, k->imps, t))
		return true;
	return k->kind == KIND_PAIR && (u = key_find(m, k->ukey)) && u->bits;
}

/* Mark the improbable addresses and uids; then, in the marked shared
 * addresses, sum the new-uid groups and mark the parts marked alone. */
static void mark_keys(struct daymarks *m, const struct dm_test *t)
{
	for (size_t i = 0; i < m->cap; i++) {
		struct dm_key *k = &m->v[i];

		if (k->key && (k->kind == KIND_ADDR || k->kind == KIND_UID) &&
		    improbable(k->clicks, k->imps, t))
			k->bits = IVT_DAY_ADDR;
	}
	for (size_t i = 0; i < m->cap; i++) {
		struct dm_key *k = &m->v[i], *a;
		bool alone;

		if (!is_part(k) || !(a = split_owner(m, k)))
			continue;
		alone = part_marked(m, k, t);
		k->bits = alone ? IVT_DAY_ADDR : 0;
		if (in_group(k)) {
			a->g_clicks += k->clicks;
			a->g_imps += k->imps;
			a->gm_clicks += alone ? k->clicks : 0;
			a->gm_imps += alone ? k->imps : 0;
		} else if (alone) {
			a->om_clicks += k->clicks;
			a->om_imps += k->imps;
		}
	}
}

/* Is what is left of k clicks in n impressions, minus mk in mn,
 * improbable? */
static bool rest_improbable(uint32_t k, uint32_t n, uint32_t mk,
			    uint32_t mn, const struct dm_test *t)
{
	return improbable(k > mk ? k - mk : 0, n > mn ? n - mn : 0, t);
}

/* Split every marked shared address.  Its new-uid group is judged as
 * the address is: marked whole when improbable and what its marked parts
 * leave is improbable too.  The address stays marked whole only when
 * what its marked parts and group leave (people's old uids, and an
 * excess spread over old uids) is improbable too; else only those parts
 * are marked. */
static void split_shared(struct daymarks *m, const struct dm_test *t)
{
	for (size_t i = 0; i < m->cap; i++) {
		struct dm_key *a = &m->v[i];
		uint32_t ck, cn;

		if (!a->key || a->kind != KIND_ADDR || !a->bits || !a->shared)
			continue;
		a->g_whole = improbable(a->g_clicks, a->g_imps, t) &&
			     rest_improbable(a->g_clicks, a->g_imps,
					     a->gm_clicks, a->gm_imps, t);
		ck = a->om_clicks + (a->g_whole ? a->g_clicks : a->gm_clicks);
		cn = a->om_imps + (a->g_whole ? a->g_imps : a->gm_imps);
		if (!ck || rest_improbable(a->clicks, a->imps, ck, cn, t))
			continue;
		a->bits = 0;
		m->addrs_split++;
	}
	for (size_t i = 0; i < m->cap; i++) {
		struct dm_key *k = &m->v[i];
		const struct dm_key *a;

		if (is_part(k) && in_group(k) && (a = key_find(m, k->owner)) &&
		    a->kind == KIND_ADDR && a->g_whole)
			k->bits = IVT_DAY_ADDR;
	}
}

/* A key whose excess is all on one publisher: its events there marked,
 * the rest of its day kept (or left unmarked).  A botnet or a farm
 * clicks wherever it lands and stays improbable without its top
 * publisher; forced clicks (a cookie stuffer's page clicking in its
 * visitors' browsers) and a self-clicker's fall on one publisher's
 * pages, so the visitor keeps its day elsewhere and the publisher's
 * events of it are marked, improbable or not over the visitor's day. */
static void narrow(struct daymarks *m, const struct dm_test *t)
{
	for (size_t i = 0; i < m->cap; i++) {
		struct dm_key *k = &m->v[i], *kp;

		if (!k->key || k->kind == KIND_PUB || !k->top ||
		    !improbable(k->top_clicks, k->top_imps, t) ||
		    rest_improbable(k->clicks, k->imps, k->top_clicks,
				    k->top_imps, t) ||
		    !(kp = key_find(m, k->top)))
			continue;
		kp->bits = IVT_DAY_ADDR;
		k->bits = 0;
		m->keys_narrowed++;
	}
}

/* Is address a's excess its own: improbable whole or on its top
 * publisher (marked, split or narrowed above)? */
static bool addr_explained(const struct dm_key *a, const struct dm_test *t)
{
	return improbable(a->clicks, a->imps, t) ||
	       (a->top && improbable(a->top_clicks, a->top_imps, t));
}

/* The networks: what its addresses' own judgement leaves of each
 * network is tested as a key (the clicks of the addresses not explained
 * by themselves, each no more than its impressions, as in the base: a
 * token replayed from addresses that never saw its impression brings
 * clicks and no views; the network's impressions less the explained
 * addresses'); in a network whose rest is improbable, every clicking
 * address above the tested rate that is not explained by itself is
 * marked whole.  A farm or a pool spreading its clicks over many
 * addresses of one /24, each under day_addr_min_clicks, is its
 * network's excess; the people there, at people's rate, keep their
 * day. */
static void judge_nets(struct daymarks *m, const struct dm_test *t)
{
	struct dm_key *a, *n;

	for (size_t i = 0; i < m->cap; i++) {
		a = &m->v[i];
		if (!a->key || a->kind != KIND_ADDR ||
		    !(n = key_find(m, a->net)))
			continue;
		if (addr_explained(a, t))
			n->x_imps += a->imps;
		else
			n->r_clicks += base_clicks(a);
	}
	for (size_t i = 0; i < m->cap; i++) {
		n = &m->v[i];
		if (n->key && n->kind == KIND_NET &&
		    improbable(n->r_clicks, n->imps > n->x_imps ?
			       n->imps - n->x_imps : 0, t)) {
			n->net_marked = 1;
			m->nets_marked++;
		}
	}
	for (size_t i = 0; i < m->cap; i++) {
		a = &m->v[i];
		if (!a->key || a->kind != KIND_ADDR || a->bits ||
		    !(n = key_find(m, a->net)) || !n->net_marked ||
		    addr_explained(a, t) ||
		    !above_rate(base_clicks(a), a->imps, t))
			continue;
		a->bits = IVT_DAY_ADDR;
		m->addrs_by_net++;
	}
}

/* Are k fast clicks of n timed an improbable excess (t: the fast
 * clicks' test), and at most 1 - precision of them people's?  People
 * click fast p0 for every 1 - p0 slow, so of the n - k slow clicks'
 * people at most p0 (n - k) / (1 - p0) fast ones are theirs
 * (fast_click's bound, docs/rules.md). */
static bool fast_improbable(uint32_t k, uint32_t n, const struct dm_test *t,
			    double precision)
{
	double p0 = tested_rate(k, n, t) / t->ratio;

	return improbable(k, n, t) &&
	       p0 * (double)(n - k) / (1 - p0) <= (1 - precision) * (double)k;
}

/* Key k's events on its top publisher when its fast clicks are an
 * excess there and not without it, and it has a day elsewhere to keep:
 * a page that clicks in its visitors' browsers (a cookie stuffer) makes
 * them fast there only.  NULL: mark k whole. */
static struct dm_key *fast_there(const struct daymarks *m,
				 const struct dm_key *k,
				 const struct dm_test *t, double precision)
{
	struct dm_key *kp = k->top ? key_find(m, k->top) : NULL;

	if (!kp || k->imps <= kp->imps || kp->fast > k->fast ||
	    kp->timed > k->timed ||
	    fast_improbable(k->fast - kp->fast, k->timed - kp->timed, t,
			    precision))
		return NULL;
	return kp;
}

/* Mark every visitor (fast_key) whose fast clicks over the window are
 * an improbable excess over people's share: a script clicks fast every
 * time, a person now and then.  Its whole day is marked, its views too
 * (what clicks like a script loads the pages like one), or only its
 * clicks on one publisher and the impressions they name (fast_there). */
static void judge_fast(struct daymarks *m, const struct daymarks_params *p,
		       double b)
{
	struct dm_test t = { .ratio = p->fast_ratio, .b = b,
			     .min_clicks = p->min_clicks };
	uint64_t timed = 0;

	if (!p->fast_ms)
		return;
	for (size_t i = 0; i < m->cap; i++)
		timed += is_part(&m->v[i]) ? m->v[i].timed : 0;
	trim(m, &t, timed, fast_counts);
	for (size_t i = 0; i < m->cap; i++) {
		struct dm_key *k = &m->v[i], *kp;

		if (!fast_key(k) || k->bits ||
		    !fast_improbable(k->fast, k->timed, &t, p->fast_precision))
			continue;
		if ((kp = fast_there(m, k, &t, p->fast_precision)))
			kp->bits = IVT_DAY_ADDR;
		else
			k->bits = IVT_DAY_ADDR;
		m->fast_marked++;
	}
}

static void mark_addr(void *ctx, uint64_t akey)
{
	struct dm_key *k = key_find(ctx, akey);

	if (k)
		k->bits = IVT_DAY_ADDR;
}

/* Mark every one-shot address of a publisher whose one-shot addresses
 * are an improbable excess (dayshot.h): all its window is that view and
 * its clicks, so the address is marked whole.  The tables go: the passes
 * after this need only the marks. */
static void judge_shots(struct daymarks *m, const struct daymarks_params *p,
			double b)
{
	if (p->shot.ratio)
		dayshot_judge(&m->shot, &p->shot, b, mark_addr, m);
	dayshot_release(&m->shot);
}

/* Keep only the marked keys of m. */
static int keep_marked(struct daymarks *m)
{
	struct daymarks out = *m;

	out.v = NULL;
	out.n = out.cap = 0;
	for (size_t i = 0; i < m->cap; i++) {
		const struct dm_key *k = &m->v[i];
		struct dm_key *o;

		if (!k->key || !k->bits)
			continue;
		if (!(o = key_add(&out, k->key))) {
			free(out.v);
			return -ENOMEM;
		}
		*o = *k;
		out.addrs_marked += k->kind == KIND_ADDR;
		out.uids_marked += k->kind == KIND_UID;
		out.parts_marked += k->kind == KIND_PAIR ||
				    k->kind == KIND_ANON;
		out.pubs_marked += k->kind == KIND_PUB;
	}
	free(m->v);
	*m = out;
	return 0;
}

/* Test every clicking key; keep only the marked ones in m. */
static int judge(struct daymarks *m, const struct daymarks_params *p)
{
	struct dm_test t = { .ratio = p->ratio, .min_clicks = p->min_clicks };
	uint64_t tests;

	count_tests(m, p, &tests);
	if (p->shot.ratio) {
		uint64_t pubs = dayshot_count(&m->shot, &p->shot);

		if (pubs == (uint64_t)-1)
			return -ENOMEM;
		tests += pubs;
	}
	m->tests = tests;
	find_tops(m);
	t.b = p->alpha / (double)(tests ? tests : 1);
	/* the window's impressions and distinct clicks */
	trim(m, &t, m->imps, click_counts);
	mark_keys(m, &t);
	split_shared(m, &t);
	narrow(m, &t);
	judge_nets(m, &t);
	judge_fast(m, p, t.b);
	judge_shots(m, p, t.b);
	return keep_marked(m);
}

struct daymarks_params daymarks_params_of(const struct rules_params *rp)
{
	return (struct daymarks_params){
		rp->day_addr_ratio, rp->day_addr_alpha, rp->day_addr_min_clicks,
		rp->fast_click_window_ms, rp->fast_click_ratio,
		rp->fast_click_precision,
		{ rp->oneshot_ratio, rp->oneshot_precision,
		  rp->day_addr_min_clicks, rp->imp_flood_window_ms } };
}

int daymarks_compute(struct daymarks *m, const char *data_dir, uint32_t day,
		     const struct daymarks_params *p, char *err,
		     size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->p = p;
	if (dayshot_init(&m->shot)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (daymarks_digest(data_dir, day, p, m->digest, err, errlen) ||
	    count_window(m, data_dir, day, 0, 2, err, errlen))
		goto out_fail;
	if (judge(m, p)) {
		snprintf(err, errlen, "out of memory judging day %08u", day);
		goto out_fail;
	}
	if (m->pubs_marked && count_window(m, data_dir, day, 2, 3, err, errlen))
		goto out_fail;
	m->day = day;
	m->p = NULL;
	return 0;
out_fail:
	daymarks_release(m);
	return -1;
}

static int marks_path(const char *data_dir, uint32_t day, char *buf,
		      size_t cap)
{
	int n = snprintf(buf, cap, "%s/day/%08u.marks", data_dir, day);

	return n > 0 && (size_t)n < cap ? 0 : -1;
}

int daymarks_save(const struct daymarks *m, const char *data_dir, char *err,
		  size_t errlen)
{
	struct marks_header hd;
	char path[4096], dir[4096];
	size_t len = sizeof(hd) + m->n * sizeof(struct marks_rec), k = 0;
	unsigned char *buf;
	int e;

	if (marks_path(data_dir, m->day, path, sizeof(path))) {
		snprintf(err, errlen, "data folder name too long '%s'", data_dir);
		return -1;
	}
	if (!(buf = calloc(1, len))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(&hd, 0, sizeof(hd));
	memcpy(hd.magic, "ADLDAYM1", 8);
	memcpy(hd.digest, m->digest, DAYMARKS_DIGEST_HEX);
	hd.day = m->day;
	hd.n = m->n;
	memcpy(buf, &hd, sizeof(hd));
	for (size_t i = 0; i < m->cap; i++) {
		struct marks_rec r = { m->v[i].key, m->v[i].bits, m->v[i].kind };

		if (r.key)
			memcpy(buf + sizeof(hd) + k++ * sizeof(r), &r, sizeof(r));
	}
	fs_dirname(path, dir, sizeof(dir));
	e = fs_mkdir_p(dir);
	if (!e)
		e = fs_replace_file(path, buf, len);
	free(buf);
	if (e) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-e));
		return -1;
	}
	return 0;
}

int daymarks_load(struct daymarks *m, const char *data_dir, uint32_t day,
		  char *err, size_t errlen)
{
	struct marks_header hd;
	char path[4096];
	size_t len;
	char *buf;

	memset(m, 0, sizeof(*m));
	if (marks_path(data_dir, day, path, sizeof(path))) {
		snprintf(err, errlen, "data folder name too long '%s'", data_dir);
		return -1;
	}
	if (!(buf = fs_read_file(path, &len))) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read '%s': %s", path,
			 strerror(errno));
		return -1;
	}
	if (len < sizeof(hd))
		goto out_bad;
	memcpy(&hd, buf, sizeof(hd));
	if (memcmp(hd.magic, "ADLDAYM1", 8) || hd.day != day ||
	    hd.n > (len - sizeof(hd)) / sizeof(struct marks_rec) ||
	    len != sizeof(hd) + hd.n * sizeof(struct marks_rec) ||
	    memchr(hd.digest, '\0', DAYMARKS_DIGEST_HEX))
		goto out_bad;
	memcpy(m->digest, hd.digest, DAYMARKS_DIGEST_HEX);
	for (uint64_t i = 0; i < hd.n; i++) {
		struct marks_rec r;
		struct dm_key *k;

		memcpy(&r, buf + sizeof(hd) + i * sizeof(r), sizeof(r));
		if (!r.key || (r.bits & ~IVT_DAY_MASK) || r.kind < KIND_ADDR ||
		    r.kind > KIND_IMP)
			goto out_bad;
		if (!(k = key_add(m, r.key))) {
			snprintf(err, errlen, "out of memory");
			free(buf);
			daymarks_release(m);
			return -1;
		}
		k->bits = r.bits;
		k->kind = r.kind;
		m->pubs_marked += r.kind == KIND_PUB;
	}
	free(buf);
	m->day = day;
	return 1;
out_bad:
	snprintf(err, errlen, "damaged marks file '%s'", path);
	free(buf);
	daymarks_release(m);
	return -1;
}

/* The bits of key, whole and (a click) on rec's publisher. */
static uint32_t key_bits(const struct daymarks *m, uint64_t key,
			 const struct seg_record *rec)
{
	const struct dm_key *k;
	uint32_t bits = 0;

	if (!key)
		return 0;
	if ((k = key_find(m, key)))
		bits |= k->bits;
	if (m->pubs_marked && rec->type == EVENT_CLICK &&
	    (k = key_find(m, pub_key(key, rec->pub))))
		bits |= k->bits;
	return bits;
}

uint32_t daymarks_event(const struct daymarks *m, const struct seg_record *rec,
			uint64_t ua)
{
	const struct dm_key *k;
	uint64_t key[3];
	uint32_t bits;

	if (!m || !m->n || !counted(rec))
		return 0;
	event_keys(rec, ua, key);
	bits = key_bits(m, key[0], rec) | key_bits(m, key[1], rec) |
	       key_bits(m, key[2], rec);
	if (m->pubs_marked && rec->type == EVENT_IMPRESSION &&
	    (k = key_find(m, imp_key(rec->id))))
		bits |= k->bits;
	/* the event that issued a uid is its visitor's first */
	if (rec->has_uid && (rec->flags & EVENT_F_UID_NEW))
		bits |= key_bits(m, part_key(key[0], uid_hash(rec), 0), rec);
	return bits;
}

bool daymarks_covers(const struct daymarks *m, uint32_t hour)
{
	return m && m->day && hour / 100 == m->day;
}

void daymarks_release(struct daymarks *m)
{
	dayshot_release(&m->shot);
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
	m->day = 0;
}
