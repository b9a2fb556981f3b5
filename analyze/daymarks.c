/* daymarks.c - the day pass's judgement: read the window's segments twice
 * (clicks, in merged order so a copy or a double click counts once; then
 * the impressions of the keys that clicked, so memory follows the clicking
 * keys, not every address of two days), test every clicking address and
 * kept uid, and keep the marked ones in a small table every event of the
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
#define KIND_ADDR 1u
#define KIND_UID 2u

struct dm_key {
	uint64_t key;               /* 0 = empty slot */
	uint64_t last_imp;          /* impression of its last click */
	uint32_t clicks;            /* on another impression than the last */
	uint32_t imps;
	uint32_t kind;              /* KIND_ADDR, KIND_UID */
	uint32_t bits;              /* marked: IVT_DAY_ADDR */
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

static uint64_t uid_key(const struct seg_record *rec)
{
	uint64_t k;

	if (!rec->has_uid || (rec->flags & EVENT_F_UID_NEW))
		return 0;
	k = XXH3_64bits_withSeed(rec->uid, 16, TAG_UID);
	return k ? k : 1;
}

static uint64_t addr_key(const struct seg_record *rec)
{
	uint64_t k = rules_addr_key(rec);

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
	snprintf(prm, sizeof(prm), "day %08u ratio %.17g alpha %.17g min %u",
		 day, p->ratio, p->alpha, p->min_clicks);
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

static int count_click(struct daymarks *m, uint64_t key, uint32_t kind,
		       const struct seg_record *x)
{
	struct dm_key *k;

	if (!key)
		return 0;
	if (!(k = key_add(m, key)))
		return -ENOMEM;
	k->kind = kind;
	k->clicks += !x->imp || x->imp != k->last_imp;
	k->last_imp = x->imp;
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
		rc = count_click(m, addr_key(x), KIND_ADDR, x);
		if (!rc)
			rc = count_click(m, uid_key(x), KIND_UID, x);
	}
	if (mg.nomem)
		rc = -ENOMEM;
	hour_merge_release(&mg);
	return rc;
}

/* Pass 2, one hour: the impressions of the keys that clicked.  Copies of
 * an impression (rare) count twice here, which only makes a key's CTR
 * lower: lenient. */
static void count_imps(struct daymarks *m, struct hour_set *h)
{
	for (size_t s = 0; s < h->n; s++) {
		for (size_t b = 0; b < h->segs[s].r.neblocks; b++) {
			uint32_t n;
			const struct seg_record *x = hour_seg_block(h, s, b, &n);

			for (uint32_t i = 0; i < n; i++, x++) {
				struct dm_key *k;

				if (x->type != EVENT_IMPRESSION || !counted(x))
					continue;
				m->imps++;
				if ((k = key_find(m, addr_key(x))))
					k->imps++;
				if ((k = key_find(m, uid_key(x))))
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

/* Test every clicking key; keep only the marked ones in m. */
static int judge(struct daymarks *m, const struct daymarks_params *p)
{
	struct daymarks out = *m;
	double q;

	out.v = NULL;
	out.n = out.cap = 0;
	for (size_t i = 0; i < m->cap; i++)
		if (m->v[i].key) {
			m->clicks += m->v[i].kind == KIND_ADDR ? m->v[i].clicks : 0;
			m->keys++;
			m->tested += m->v[i].clicks >= p->min_clicks;
		}
	out.clicks = m->clicks;
	out.keys = m->keys;
	out.tested = m->tested;
	/* the window's CTR of distinct clicks, add-one-half */
	q = p->ratio * ((double)m->clicks + 0.5) / ((double)m->imps + 1);
	for (size_t i = 0; i < m->cap && q < 1; i++) {
		const struct dm_key *k = &m->v[i];
		struct dm_key *o;
		uint32_t n;

		if (!k->key || k->clicks < p->min_clicks)
			continue;
		n = k->imps > k->clicks ? k->imps : k->clicks;
		if (excess_binom_sf(k->clicks, n, q) >=
		    p->alpha / (double)m->tested)
			continue;
		if (!(o = key_add(&out, k->key))) {
			free(out.v);
			return -ENOMEM;
		}
		*o = *k;
		o->bits = IVT_DAY_ADDR;
		if (k->kind == KIND_ADDR)
			out.addrs_marked++;
		else
			out.uids_marked++;
	}
	free(m->v);
	*m = out;
	return 0;
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
		if (!r.key || (r.bits & ~IVT_DAY_MASK))
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
	uint32_t bits = 0;

	if (!m || !m->n || !counted(rec))
		return 0;
	if ((k = key_find(m, addr_key(rec))))
		bits |= k->bits;
	if ((k = key_find(m, uid_key(rec))))
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
