/* daymarks.c - the day pass's judgement: read the window's segments twice
 * (clicks, in merged order so a copy or a double click counts once; then
 * the impressions of the keys that clicked, so memory follows the clicking
 * keys, not every address of two days), test every clicking address and
 * kept uid, split a marked address that several visitors share into its
 * visitors, and keep the marked keys in a small table every event of the
 * day's hours is looked up in. */
#include "daymarks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "event.h"
#include "excess.h"
#include "fsutil.h"
#include "reason.h"
#include "rules.h"

#define TAG_UID 0x6461797569640001ull    /* a kept uid's key */
#define TAG_PAIR 0x6461797061697202ull   /* an (address, kept uid) pair */
#define TAG_ANON 0x646179616e6f6e03ull   /* an address's uid-less events */
#define KIND_ADDR 1u
#define KIND_UID 2u
#define KIND_PAIR 3u                     /* a visitor of an address */
#define KIND_ANON 4u                     /* its events without a kept uid */

struct dm_key {
	uint64_t key;               /* 0 = empty slot */
	uint64_t last_imp;          /* impression of its last click */
	uint64_t owner;             /* a part: its address's key; an
	                             * address: the first kept uid seen */
	uint64_t ukey;              /* a pair: its uid's key */
	uint32_t clicks;            /* on another impression than the last */
	uint32_t imps;
	uint32_t kind;              /* KIND_ADDR, _UID, _PAIR, _ANON */
	uint32_t bits;              /* marked: IVT_DAY_ADDR */
	uint32_t shared;            /* an address: 2 kept uids seen or more;
	                             * a pair: its uid was issued here in
	                             * the window (a new uid) */
	/* an address, when marked and shared: its new-uid group (its
	 * uid-less events and its new uids' pairs), what is marked of the
	 * group alone, and its old uids' marked pairs */
	uint32_t g_clicks, g_imps;
	uint32_t gm_clicks, gm_imps;
	uint32_t om_clicks, om_imps;
	uint32_t g_whole;           /* the new-uid group is marked whole */
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
 * response issued: a farm taking a fresh cookie per click is one group). */
static uint64_t part_key(uint64_t akey, uint64_t ukey)
{
	uint64_t v[2] = { akey, ukey }, k;

	k = XXH3_64bits_withSeed(v, sizeof(v), ukey ? TAG_PAIR : TAG_ANON);
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
	char prm[128];
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
		 "day %08u split ratio %.17g alpha %.17g min %u", day,
		 p->ratio, p->alpha, p->min_clicks);
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
	k->last_imp = x->imp;
	return k;
}

/* An address sees kept uid ukey: remember the first, note a second. */
static void addr_sees(struct dm_key *a, uint64_t ukey)
{
	if (!ukey || a->shared)
		return;
	if (!a->owner)
		a->owner = ukey;
	else if (a->owner != ukey)
		a->shared = 1;
}

/* The click x counted for its address, its kept uid and its part. */
static int count_keys(struct daymarks *m, const struct seg_record *x)
{
	uint64_t ak = addr_key(x), uk = uid_key(x);
	struct dm_key *a, *p;

	if (!(a = count_click(m, ak, KIND_ADDR, x)))
		return -ENOMEM;
	addr_sees(a, uk);
	if (uk && !count_click(m, uk, KIND_UID, x))
		return -ENOMEM;
	if (!(p = count_click(m, part_key(ak, uk), uk ? KIND_PAIR :
			      KIND_ANON, x)))
		return -ENOMEM;
	p->owner = ak;
	p->ukey = uk;
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
		rc = count_keys(m, x);
	}
	if (mg.nomem)
		rc = -ENOMEM;
	hour_merge_release(&mg);
	return rc;
}

/* Pass 2, one hour: the impressions of the keys that clicked, and which
 * clicking pairs have a uid issued in the window on their address.
 * Copies of an impression (rare) count twice here, which only makes a
 * key's CTR lower: lenient. */
static void count_imps(struct daymarks *m, struct hour_set *h)
{
	for (size_t s = 0; s < h->n; s++) {
		for (size_t b = 0; b < h->segs[s].r.neblocks; b++) {
			uint32_t n;
			const struct seg_record *x = hour_seg_block(h, s, b, &n);

			for (uint32_t i = 0; i < n; i++, x++) {
				struct dm_key *k;
				uint64_t ak, uk;

				if (!counted(x))
					continue;
				ak = addr_key(x);
				if (x->has_uid && (x->flags & EVENT_F_UID_NEW) &&
				    (k = key_find(m, part_key(ak, uid_hash(x)))))
					k->shared = 1;
				if (x->type != EVENT_IMPRESSION)
					continue;
				m->imps++;
				uk = uid_key(x);
				if ((k = key_find(m, uk)))
					k->imps++;
				if (!(k = key_find(m, ak)))
					continue;
				k->imps++;
				addr_sees(k, uk);
				if ((k = key_find(m, part_key(ak, uk))))
					k->imps++;
			}
		}
	}
}

/* Both passes over every hour of the window. */
static int count_window(struct daymarks *m, const char *data_dir,
			uint32_t day, char *err, size_t errlen)
{
	for (int pass = 0; pass < 2; pass++) {
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
			rc = 0;
			if (pass == 0)
				rc = count_clicks(m, &s);
			else
				count_imps(m, &s);
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

/* Is k clicks in n impressions improbable at rate q, bound b? */
static bool improbable(uint32_t k, uint32_t n, double q, double b,
		       uint32_t min_clicks)
{
	if (k < min_clicks || q >= 1)
		return false;
	return excess_binom_sf(k, n > k ? n : k, q) < b;
}

/* The tests the judgement may make: every address and kept uid with
 * enough clicks, every part with enough, and three more for every shared
 * address (its new-uid group, what the group's marked pairs leave of it,
 * what its marked parts leave of the address), counted whether or not
 * the address is marked, so the bound does not depend on the marks it
 * decides. */
static void count_tests(struct daymarks *m, const struct daymarks_params *p,
			uint64_t *tests)
{
	*tests = 0;
	for (size_t i = 0; i < m->cap; i++) {
		const struct dm_key *k = &m->v[i];

		if (!k->key)
			continue;
		m->keys += k->kind == KIND_ADDR || k->kind == KIND_UID;
		m->clicks += k->kind == KIND_ADDR ? k->clicks : 0;
		if (k->clicks < p->min_clicks)
			continue;
		m->tested += k->kind == KIND_ADDR || k->kind == KIND_UID;
		*tests += 1 + 3 * (k->kind == KIND_ADDR && k->shared);
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

/* Is part k marked alone: improbable itself, or a pair whose uid is
 * (the uid's day over all its addresses names its visitor)? */
static bool part_marked(const struct daymarks *m, const struct dm_key *k,
			const struct daymarks_params *p, double q, double b)
{
	const struct dm_key *u;

	if (improbable(k->clicks, k->imps, q, b, p->min_clicks))
		return true;
	return k->kind == KIND_PAIR && (u = key_find(m, k->ukey)) && u->bits;
}

/* Mark the improbable addresses and uids; then, in the marked shared
 * addresses, sum the new-uid groups and mark the parts marked alone. */
static void mark_keys(struct daymarks *m, const struct daymarks_params *p,
		      double q, double b)
{
	for (size_t i = 0; i < m->cap; i++) {
		struct dm_key *k = &m->v[i];

		if (k->key && (k->kind == KIND_ADDR || k->kind == KIND_UID) &&
		    improbable(k->clicks, k->imps, q, b, p->min_clicks))
			k->bits = IVT_DAY_ADDR;
	}
	for (size_t i = 0; i < m->cap; i++) {
		struct dm_key *k = &m->v[i], *a;
		bool alone;

		if (!is_part(k) || !(a = split_owner(m, k)))
			continue;
		alone = part_marked(m, k, p, q, b);
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
			    uint32_t mn, double q, double b,
			    const struct daymarks_params *p)
{
	return improbable(k > mk ? k - mk : 0, n > mn ? n - mn : 0, q, b,
			  p->min_clicks);
}

/* Split every marked shared address.  Its new-uid group is judged as
 * the address is: marked whole when improbable and what its marked parts
 * leave is improbable too.  The address stays marked whole only when
 * what its marked parts and group leave (people's old uids, and an
 * excess spread over old uids) is improbable too; else only those parts
 * are marked. */
static void split_shared(struct daymarks *m, const struct daymarks_params *p,
			 double q, double b)
{
	for (size_t i = 0; i < m->cap; i++) {
		struct dm_key *a = &m->v[i];
		uint32_t ck, cn;

		if (!a->key || a->kind != KIND_ADDR || !a->bits || !a->shared)
			continue;
		a->g_whole = improbable(a->g_clicks, a->g_imps, q, b,
					p->min_clicks) &&
			     rest_improbable(a->g_clicks, a->g_imps,
					     a->gm_clicks, a->gm_imps, q, b, p);
		ck = a->om_clicks + (a->g_whole ? a->g_clicks : a->gm_clicks);
		cn = a->om_imps + (a->g_whole ? a->g_imps : a->gm_imps);
		if (!ck || rest_improbable(a->clicks, a->imps, ck, cn, q, b, p))
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
	}
	free(m->v);
	*m = out;
	return 0;
}

/* Test every clicking key; keep only the marked ones in m. */
static int judge(struct daymarks *m, const struct daymarks_params *p)
{
	uint64_t tests;
	double q, b;

	count_tests(m, p, &tests);
	/* the window's CTR of distinct clicks, add-one-half */
	q = p->ratio * ((double)m->clicks + 0.5) / ((double)m->imps + 1);
	b = p->alpha / (double)(tests ? tests : 1);
	mark_keys(m, p, q, b);
	split_shared(m, p, q, b);
	return keep_marked(m);
}

int daymarks_compute(struct daymarks *m, const char *data_dir, uint32_t day,
		     const struct daymarks_params *p, char *err,
		     size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (daymarks_digest(data_dir, day, p, m->digest, err, errlen) ||
	    count_window(m, data_dir, day, err, errlen))
		goto out_fail;
	if (judge(m, p)) {
		snprintf(err, errlen, "out of memory judging day %08u", day);
		goto out_fail;
	}
	m->day = day;
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
		    r.kind > KIND_ANON)
			goto out_bad;
		if (!(k = key_add(m, r.key))) {
			snprintf(err, errlen, "out of memory");
			free(buf);
			daymarks_release(m);
			return -1;
		}
		k->bits = r.bits;
		k->kind = r.kind;
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

uint32_t daymarks_event(const struct daymarks *m, const struct seg_record *rec)
{
	const struct dm_key *k;
	uint64_t ak, uk;
	uint32_t bits = 0;

	if (!m || !m->n || !counted(rec))
		return 0;
	ak = addr_key(rec);
	uk = uid_key(rec);
	if ((k = key_find(m, ak)))
		bits |= k->bits;
	if ((k = key_find(m, uk)))
		bits |= k->bits;
	if ((k = key_find(m, part_key(ak, uk))))
		bits |= k->bits;
	/* the event that issued a uid is its visitor's first */
	if (rec->has_uid && (rec->flags & EVENT_F_UID_NEW) &&
	    (k = key_find(m, part_key(ak, uid_hash(rec)))))
		bits |= k->bits;
	return bits;
}

bool daymarks_covers(const struct daymarks *m, uint32_t hour)
{
	return m && m->day && hour / 100 == m->day;
}

void daymarks_release(struct daymarks *m)
{
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
	m->day = 0;
}
