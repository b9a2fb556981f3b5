/* lookback.c - the look-back the click rules need, answered exactly from
 * segments: an hour's clicks name the impressions they need (the id's time
 * names the hour that holds it), so only those hours are read, and only the
 * clicks' questions are kept in memory, with the sampled addresses'
 * (rules_addr_sampled: one_shot's new visits).  Tables are open-addressing
 * arrays keyed by 64-bit hashes. */
#include "lookback.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "eventid.h"
#include "sketch.h"

#define NOT_FOUND INT64_MAX

/* The tables' values; each begins with its key. */
struct lb_imp {
	uint64_t imp;               /* the key */
	int64_t ts;                 /* impression time, NOT_FOUND */
	bool clicked_before;
};

struct lb_saw {
	uint64_t visitor;           /* the key: visitor and ad */
	uint32_t ad;
	int64_t first_ts;           /* earliest impression seen, NOT_FOUND */
};
#define SAW_KEY_BYTES (offsetof(struct lb_saw, ad) + sizeof(uint32_t))

struct lb_addr {                /* keyed by the address key alone */
	uint64_t last_imp;          /* impression of its last click */
	uint32_t distinct;          /* clicks on another impression than the
				       click before */
	uint32_t imps;              /* in the earlier hours it clicked in */
	uint16_t click_hours;       /* earlier hours it clicked in */
	uint16_t seen_hours;        /* earlier hours it had an impression in */
	bool now;                   /* clicks in the hour judged */
	bool sampled;               /* an impression now (rules_addr_sampled) */
	bool seen_before;           /* had an impression in an earlier hour */
};

/* (visitor, ad)'s hash: its table's and its key in the hour filters. */
static uint64_t saw_key(uint64_t visitor, uint32_t ad)
{
	uint64_t k = mix_pair(visitor, ad);

	return k ? k : 1;
}

/* An address's key in the hour filters (apart from every saw_key). */
static uint64_t addr_seen_key(uint64_t akey)
{
	uint64_t k = mix_u64(akey ^ 0x5ee9add7e55ee9adull) ^ 0xadd7ull;

	return k ? k : 1;
}

/* Every table of the look-back. */
static int lb_table_init(struct table *t, size_t ksize, size_t vsize)
{
	int rc = table_init(t, ksize, vsize, LOOKBACK_TABLE_MAX, NULL);

	if (!rc)
		table_dense(t);
	return rc;
}

static int addrs_init(struct table *t)
{
	return lb_table_init(t, 0, sizeof(struct lb_addr));
}

int lookback_init(struct lookback *lb, const char *data_dir,
		  int64_t lookback_ms)
{
	memset(lb, 0, sizeof(*lb));
	lb->data_dir = data_dir;
	lb->lookback_ms = lookback_ms;
	lb->imp_bits = calloc(LOOKBACK_FILTER_BITS / 64, sizeof(uint64_t));
	if (!lb->imp_bits ||
	    lb_table_init(&lb->imps, sizeof(uint64_t), sizeof(struct lb_imp)) ||
	    lb_table_init(&lb->saw, SAW_KEY_BYTES, sizeof(struct lb_saw)) ||
	    lb_table_init(&lb->ads, sizeof(uint32_t), sizeof(uint32_t)) ||
	    addrs_init(&lb->addrs)) {
		lookback_release(lb);
		return -ENOMEM;
	}
	return 0;
}

void lookback_release(struct lookback *lb)
{
	table_release(&lb->imps);
	free(lb->imp_bits);
	table_release(&lb->saw);
	table_release(&lb->ads);
	table_release(&lb->addrs);
	memset(lb, 0, sizeof(*lb));
}

/* ---- the four sets ---- */

static uint64_t filter_bit(uint64_t imp)
{
	return mix_u64(imp) >> (64 - 21);
}

static struct lb_imp *imp_find(const struct lookback *lb, uint64_t imp)
{
	uint64_t f = filter_bit(imp);

	if (!(lb->imp_bits[f / 64] & (1ull << (f % 64))))
		return NULL;
	return table_find(&lb->imps, mix_u64(imp), &imp);
}

static int imp_add(struct lookback *lb, uint64_t imp)
{
	bool isnew;
	struct lb_imp *m = table_put(&lb->imps, mix_u64(imp), &imp, &isnew);
	uint64_t f = filter_bit(imp);

	if (!m)
		return -ENOMEM;
	if (isnew) {
		m->ts = NOT_FOUND;
		lb->imp_bits[f / 64] |= 1ull << (f % 64);
	}
	return 0;
}

static struct lb_saw *saw_find(const struct lookback *lb, uint64_t visitor,
			       uint32_t ad)
{
	struct lb_saw want = { .visitor = visitor, .ad = ad };

	return table_find(&lb->saw, saw_key(visitor, ad), &want);
}

static int saw_add(struct lookback *lb, uint64_t visitor, uint32_t ad)
{
	struct lb_saw want = { .visitor = visitor, .ad = ad }, *w;
	bool isnew;

	w = table_put(&lb->saw, saw_key(visitor, ad), &want, &isnew);
	if (!w)
		return -ENOMEM;
	if (isnew)
		w->first_ts = NOT_FOUND;
	return 0;
}

static bool ad_has(const struct lookback *lb, uint32_t ad)
{
	return table_find(&lb->ads, mix_u64(ad), &ad) != NULL;
}

static int ad_add(struct lookback *lb, uint32_t ad)
{
	bool isnew;

	return table_put(&lb->ads, mix_u64(ad), &ad, &isnew) ? 0 : -ENOMEM;
}

static struct lb_addr *addr_find(const struct table *t, uint64_t akey)
{
	return table_find(t, akey, NULL);
}

/* The entry of akey (made with zero counts); NULL when out of memory. */
static struct lb_addr *addr_add(struct table *t, uint64_t akey)
{
	bool isnew;

	return table_put(t, akey, NULL, &isnew);
}

/* ---- the callbacks ---- */

static bool cb_impression(void *ctx, uint64_t imp, int64_t *imp_ts_ms)
{
	const struct lb_imp *x = imp_find(ctx, imp);

	if (!x || x->ts == NOT_FOUND)
		return false;
	*imp_ts_ms = x->ts;
	return true;
}

static bool cb_saw_ad(void *ctx, const struct seg_record *click,
		      uint64_t visitor_key)
{
	const struct lb_saw *s = saw_find(ctx, visitor_key, click->ad);

	return s && s->first_ts != NOT_FOUND && s->first_ts <= click->ts_ms;
}

static bool cb_clicked_before(void *ctx, uint64_t imp)
{
	const struct lb_imp *x = imp_find(ctx, imp);

	return x && x->clicked_before;
}

/* An address's impressions over the earlier hours: exact in the hours it
 * clicked in (their summaries), and in each other hour it was seen in (the
 * hour's filter) as many as its mean in the hours it clicked in, or one
 * when it clicked in none.  The hours with a click are its busier ones, so
 * the estimate leans high: toward an address not looking hot. */
static uint32_t addr_imps_estimate(const struct lb_addr *a)
{
	uint32_t quiet = a->seen_hours > a->click_hours ?
			 (uint32_t)(a->seen_hours - a->click_hours) : 0;
	uint32_t per = a->click_hours ?
		       (a->imps + a->click_hours - 1) / a->click_hours : 1;

	return a->imps + quiet * (per ? per : 1);
}

static void cb_addr_before(void *ctx, uint64_t akey, uint32_t *distinct,
			   uint32_t *imps)
{
	const struct lookback *lb = ctx;
	const struct lb_addr *a = addr_find(&lb->addrs, akey);

	*distinct = a ? a->distinct : 0;
	*imps = a ? addr_imps_estimate(a) : 0;
}

static bool cb_addr_seen_before(void *ctx, uint64_t akey)
{
	const struct lookback *lb = ctx;
	const struct lb_addr *a = addr_find(&lb->addrs, akey);

	return a && (a->seen_before || a->imps);
}

void lookback_callbacks(struct lookback *lb, struct rules_lookback *out)
{
	out->ctx = lb;
	out->impression = cb_impression;
	out->saw_ad = cb_saw_ad;
	out->clicked_before = cb_clicked_before;
	out->addr_before = cb_addr_before;
	out->addr_seen_before = cb_addr_seen_before;
}

/* ---- collect and resolve ---- */

static void reset(struct lookback *lb)
{
	table_clear(&lb->imps);
	memset(lb->imp_bits, 0, LOOKBACK_FILTER_BITS / 8);
	table_clear(&lb->saw);
	table_clear(&lb->ads);
	lb->hours_scanned = 0;
	lb->records_scanned = lb->imps_found = lb->unsigned_found = 0;
	lb->seen_built = lb->seen_read = 0;
	lb->unsigned_found_seen = 0;
	table_clear(&lb->addrs);
	lb->addr_built = lb->addr_read = 0;
}

/* Every record of an opened set, segment by segment, block by block. */
struct rec_iter {
	struct hour_set *h;
	size_t s, b;
	uint32_t i, n;
	const struct seg_record *recs;
};

static void iter_init(struct rec_iter *it, struct hour_set *h)
{
	memset(it, 0, sizeof(*it));
	it->h = h;
}

/* The next record and its segment in *sg, or NULL at the end. */
static const struct seg_record *iter_next(struct rec_iter *it,
					  struct hour_seg **sg)
{
	while (it->i == it->n) {
		if (it->s == it->h->n)
			return NULL;
		if (it->b == it->h->segs[it->s].r.neblocks) {
			it->s++;
			it->b = 0;
			continue;
		}
		it->recs = hour_seg_block(it->h, it->s, it->b++, &it->n);
		it->i = 0;
	}
	*sg = &it->h->segs[it->s];
	return &it->recs[it->i++];
}

/* An impression of a sampled address: its freshness will be probed (a
 * full table leaves it out of the sample). */
static void sample_add(struct lookback *lb, const struct seg_record *x)
{
	uint64_t akey = rules_addr_key(x);
	struct lb_addr *a;

	if (rules_addr_sampled(akey) && (a = addr_add(&lb->addrs, akey)))
		a->sampled = true;
}

static int collect(struct lookback *lb, struct hour_set *cur)
{
	const struct seg_record *x;
	struct hour_seg *sg;
	struct rec_iter it;

	iter_init(&it, cur);
	while ((x = iter_next(&it, &sg))) {
		uint64_t keys[2];
		unsigned nk;

		if (x->type != 'c') {
			if (x->type == 'i' && !(x->reasons & 0xffffu))
				sample_add(lb, x);
			continue;
		}
		if (!(x->reasons & 0xffffu)) {
			struct lb_addr *a = addr_add(&lb->addrs,
						     rules_addr_key(x));

			if (!a)
				return -ENOMEM;
			a->now = true;
		}
		if (x->imp) {
			if (imp_add(lb, x->imp))
				return -ENOMEM;
			continue;
		}
		/* every key the rules may ask saw_ad() about */
		nk = rules_saw_keys(x, hour_ua_hash(sg, x->ua), keys);
		for (unsigned q = 0; q < nk; q++)
			if (saw_add(lb, keys[q], x->ad))
				return -ENOMEM;
		if (ad_add(lb, x->ad))
			return -ENOMEM;
	}
	return 0;
}

/* An impression: does a click name it, did an unsigned click's visitor
 * see its ad?  sg: the record's segment (for its user agent). */
static void see_impression(struct lookback *lb, const struct seg_record *x,
			   struct hour_seg *sg)
{
	struct lb_imp *m = imp_find(lb, x->id);

	if (m && m->ts == NOT_FOUND) {
		m->ts = x->ts_ms;
		lb->imps_found++;
	}
	if (lb->saw.n && x->ts_ms >= lb->unsigned_from && ad_has(lb, x->ad)) {
		uint64_t keys[2];
		unsigned nk = rules_saw_keys(x, hour_ua_hash(sg, x->ua), keys);

		for (unsigned q = 0; q < nk; q++) {
			struct lb_saw *w = saw_find(lb, keys[q], x->ad);

			if (w && x->ts_ms < w->first_ts) {
				if (w->first_ts == NOT_FOUND)
					lb->unsigned_found++;
				w->first_ts = x->ts_ms;
			}
		}
	}
}

void lookback_observe(struct lookback *lb, const struct seg_record *x,
		      struct hour_seg *sg)
{
	if (x->type == 'i')
		see_impression(lb, x, sg);
}

/* Every record of one opened earlier hour: impressions as above, clicks
 * mark the impressions they name as clicked before this hour. */
static void scan(struct lookback *lb, struct hour_set *h)
{
	const struct seg_record *x;
	struct hour_seg *sg;
	struct rec_iter it;

	lb->hours_scanned++;
	iter_init(&it, h);
	while ((x = iter_next(&it, &sg))) {
		struct lb_imp *m;

		lb->records_scanned++;
		if (x->type == 'i')
			see_impression(lb, x, sg);
		else if (x->imp && (m = imp_find(lb, x->imp)))
			m->clicked_before = true;
	}
}

/* ---- the older hours of the unsigned look-back: one filter per hour ---- */

/* The file: this header, then the filter's blocks. */
struct seen_header {
	char magic[8];              /* "ADLSEEN3" */
	uint32_t log2_bits;
	uint32_t spare;
	char digest[40];            /* the hour's segment set it was made of */
	uint64_t keys;
};

static int seen_path(const struct lookback *lb, const struct hour_set *e,
		     char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s/lookback/%010u.%s.seen", lb->data_dir,
			 e->hour, e->digest);

	return n > 0 && (size_t)n < cap - 16 ? 0 : -1;
}

/* Make hour e's filter: every (visitor key, ad) an impression was shown
 * under (rules_saw_keys), and its address, at LOOKBACK_SEEN_BITS_PER_KEY
 * bits per key. */
static int seen_build(struct hour_set *e, struct sketch_bloom *b,
		      uint64_t *keys_out)
{
	uint64_t want = 3 * e->events * LOOKBACK_SEEN_BITS_PER_KEY, keys = 0;
	const struct seg_record *x;
	struct hour_seg *sg;
	struct rec_iter it;
	unsigned log2 = 16;

	while (log2 < 34 && (1ull << log2) < want)
		log2++;
	if (sketch_bloom_init(b, log2))
		return -ENOMEM;
	iter_init(&it, e);
	while ((x = iter_next(&it, &sg))) {
		uint64_t k[2];
		unsigned nk;

		if (x->type != 'i')
			continue;
		nk = rules_saw_keys(x, hour_ua_hash(sg, x->ua), k);
		for (unsigned q = 0; q < nk; q++)
			sketch_bloom_add(b, saw_key(k[q], x->ad));
		sketch_bloom_add(b, addr_seen_key(rules_addr_key(x)));
		keys += nk + 1;
	}
	*keys_out = keys;
	return 0;
}

/* Delete the filters no hour will ask for again: those of hours more than
 * twice the look-back before hour (whose segments are usually gone too),
 * those of hour made of another segment set (before a late segment), and
 * temporary files left by a killed run older than an hour.  Keeps the
 * folder at about 50 files. */
static void seen_prune(const struct lookback *lb, const struct hour_set *e)
{
	int keep = (int)(2 * ((lb->lookback_ms + 3599999) / 3600000));
	uint32_t oldest = hour_add(e->hour, -keep);
	char dir[4096], path[4600];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/lookback", lb->data_dir);
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		const char *n = de->d_name, *dot = strchr(n, '.');
		uint32_t h;

		if (!dot || hour_parse(n, (size_t)(dot - n), &h))
			continue;
		if (h < oldest || (h == e->hour &&
				   strncmp(dot + 1, e->digest, strlen(e->digest))) ||
		    (strstr(n, ".tmp.") && h < hour_add(e->hour, -1))) {
			snprintf(path, sizeof(path), "%s/%s", dir, n);
			unlink(path);
		}
	}
	closedir(d);
}

/* Keep the filter for the next hours: a cache, so a failure to write it
 * costs only its rebuilding.  Written aside and renamed: a reader never
 * sees half a file. */
static void seen_save(const struct lookback *lb, const struct hour_set *e,
		      const struct sketch_bloom *b, uint64_t keys)
{
	struct seen_header hd;
	char path[4096], tmp[4200];
	unsigned log2 = 0;
	int fd;

	if (seen_path(lb, e, path, sizeof(path)))
		return;
	snprintf(tmp, sizeof(tmp), "%s/lookback", lb->data_dir);
	mkdir(tmp, 0755);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	while ((1ull << log2) < b->nblocks * 512)
		log2++;
	memset(&hd, 0, sizeof(hd));
	memcpy(hd.magic, "ADLSEEN3", 8);
	hd.log2_bits = log2;
	snprintf(hd.digest, sizeof(hd.digest), "%s", e->digest);
	hd.keys = keys;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, &hd, sizeof(hd)) != (ssize_t)sizeof(hd) ||
	    write(fd, b->bits, sketch_bloom_bytes(b)) !=
	    (ssize_t)sketch_bloom_bytes(b) || close(fd) ||
	    rename(tmp, path)) {
		unlink(tmp);
		return;
	}
	seen_prune(lb, e);
}

/* Map hour e's saved filter into *b (read only).  Returns the mapping's
 * length, or 0 when there is none for e's segment set. */
static size_t seen_map(const struct lookback *lb, const struct hour_set *e,
		       struct sketch_bloom *b, void **map)
{
	struct seen_header hd;
	char path[4096];
	struct stat st;
	size_t len;
	int fd;

	if (seen_path(lb, e, path, sizeof(path)) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) || read(fd, &hd, sizeof(hd)) != (ssize_t)sizeof(hd) ||
	    memcmp(hd.magic, "ADLSEEN3", 8) || hd.log2_bits < 9 ||
	    hd.log2_bits > 36 || strncmp(hd.digest, e->digest, sizeof(hd.digest)) ||
	    (uint64_t)st.st_size != sizeof(hd) + (1ull << hd.log2_bits) / 8) {
		close(fd);
		return 0;
	}
	len = (size_t)st.st_size;
	*map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (*map == MAP_FAILED)
		return 0;
	memset(b, 0, sizeof(*b));
	b->bits = (uint64_t *)(void *)((char *)*map + sizeof(hd));
	b->nblocks = (1ull << hd.log2_bits) / 512;
	return len;
}

/* An address whose hours seen the filters count: one clicking now (one_shot
 * asks whether it was seen; hot_addr how often), or one with clicks on two
 * impressions before (hot_addr asks of its impressions now). */
static bool addr_probed(const struct lb_addr *a)
{
	return a->now || a->sampled || a->distinct >= 2;
}

/* Ask hour h's filter about every unsigned click not answered yet (counts
 * down left) and, when probe, about every probed address: seen in it or
 * not.  A pair found is taken as shown at the hour's start (before any
 * click of this hour). */
static int seen_hour(struct lookback *lb, uint32_t h, size_t *left,
		     bool probe, char *err, size_t errlen)
{
	struct hour_set e;
	struct sketch_bloom b;
	struct lb_saw *w;
	struct lb_addr *a;
	uint64_t key;
	void *map = NULL;
	size_t maplen;
	bool built = false;

	if (hour_scan(&e, lb->data_dir, h, err, errlen))
		return -1;
	if (!e.n) {
		hour_release(&e);
		return 0;
	}
	maplen = seen_map(lb, &e, &b, &map);
	if (!maplen) {
		uint64_t keys;
		int rc;

		if (hour_open(&e, err, errlen)) {
			hour_release(&e);
			return -1;
		}
		rc = seen_build(&e, &b, &keys);
		if (!rc && (rc = hour_read_error(&e, err, errlen)))
			sketch_bloom_release(&b);
		if (rc) {
			if (rc == -ENOMEM)
				snprintf(err, errlen, "out of memory");
			hour_release(&e);
			return -1;
		}
		seen_save(lb, &e, &b, keys);
		built = true;
		lb->seen_built++;
	}
	lb->seen_read++;
	for (size_t i = 0; *left && (w = table_next(&lb->saw, &i, &key)); )
		if (w->first_ts == NOT_FOUND && sketch_bloom_has(&b, key)) {
			w->first_ts = hour_start_ms(h);
			lb->unsigned_found++;
			lb->unsigned_found_seen++;
			(*left)--;
		}
	for (size_t i = 0; probe && (a = table_next(&lb->addrs, &i, &key)); )
		if (addr_probed(a) &&
		    sketch_bloom_has(&b, addr_seen_key(key))) {
			a->seen_before = true;
			a->seen_hours++;
		}
	if (built)
		sketch_bloom_release(&b);
	else
		munmap(map, maplen);
	hour_release(&e);
	return 0;
}

/* The unsigned clicks' pairs not found in the hours read exactly, asked
 * of the filters of the older hours of the look-back, newest first. */
static int seen_resolve(struct lookback *lb, uint32_t hour, char *err,
			size_t errlen)
{
	int hours = (int)((lb->lookback_ms + 3599999) / 3600000);
	size_t left = 0, none = 0;
	bool probe = false;

	const struct lb_saw *w;
	const struct lb_addr *a;

	for (size_t i = 0; (w = table_next(&lb->saw, &i, NULL)); )
		left += w->first_ts == NOT_FOUND;
	for (size_t i = 0; !probe && (a = table_next(&lb->addrs, &i, NULL)); )
		probe = addr_probed(a);
	for (int d = 1; d <= hours && (left || probe); d++) {
		/* the unsigned clicks' first hours were read exactly */
		size_t *l = d > LOOKBACK_UNSIGNED_HOURS ? &left : &none;

		if ((*l || probe) &&
		    seen_hour(lb, hour_add(hour, -d), l, probe, err, errlen))
			return -1;
	}
	return 0;
}

/* ---- hot_addr's look-back: one address summary per hour ---- */

struct addr_header {
	char magic[8];              /* "ADLADDR1" */
	char digest[40];            /* the hour's segment set it was made of */
	uint64_t n;                 /* records that follow */
};

struct addr_rec {
	uint64_t akey;
	uint32_t distinct, imps;
};

/* Hour e's summary: every address that clicked (a click ingest did not
 * flag), its clicks on distinct impressions and its impressions, as the
 * rules count them in their own hour. */
static int addr_build(struct hour_set *e, struct table *t)
{
	const struct seg_record *x;
	struct hour_seg *sg;
	struct rec_iter it;

	iter_init(&it, e);
	while ((x = iter_next(&it, &sg))) {
		struct lb_addr *a;

		if (x->type != 'c' || (x->reasons & 0xffffu))
			continue;
		if (!(a = addr_add(t, rules_addr_key(x))))
			return -ENOMEM;
		a->distinct += !x->imp || x->imp != a->last_imp;
		a->last_imp = x->imp;
	}
	iter_init(&it, e);
	while ((x = iter_next(&it, &sg))) {
		struct lb_addr *a;

		if (x->type == 'i' && !(x->reasons & 0xffffu) &&
		    (a = addr_find(t, rules_addr_key(x))))
			a->imps++;
	}
	return 0;
}

static int addr_path(const struct lookback *lb, const struct hour_set *e,
		     char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s/lookback/%010u.%s.addr", lb->data_dir,
			 e->hour, e->digest);

	return n > 0 && (size_t)n < cap - 16 ? 0 : -1;
}

/* A cache, like the seen filters: written aside and renamed. */
static void addr_save(const struct lookback *lb, const struct hour_set *e,
		      const struct table *t)
{
	const struct lb_addr *a;
	uint64_t akey;
	struct addr_header hd;
	char path[4096], tmp[4200];
	FILE *f;
	int bad = 0;

	if (addr_path(lb, e, path, sizeof(path)))
		return;
	snprintf(tmp, sizeof(tmp), "%s/lookback", lb->data_dir);
	mkdir(tmp, 0755);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	memset(&hd, 0, sizeof(hd));
	memcpy(hd.magic, "ADLADDR1", 8);
	snprintf(hd.digest, sizeof(hd.digest), "%s", e->digest);
	hd.n = t->n;
	if (!(f = fopen(tmp, "wbe")))
		return;
	bad |= fwrite(&hd, sizeof(hd), 1, f) != 1;
	for (size_t i = 0; !bad && (a = table_next(t, &i, &akey)); ) {
		struct addr_rec r = { akey, a->distinct, a->imps };

		bad |= fwrite(&r, sizeof(r), 1, f) != 1;
	}
	if (fclose(f) || bad || rename(tmp, path)) {
		unlink(tmp);
		return;
	}
	seen_prune(lb, e);
}

/* Add an earlier hour's counts: every address that clicked in it (this
 * hour's impressions ask too).  Returns 0 or -ENOMEM. */
static int addr_add_counts(struct lookback *lb, const struct addr_rec *r,
			   size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct lb_addr *a = addr_add(&lb->addrs, r[i].akey);

		if (!a)
			return -ENOMEM;
		a->distinct += r[i].distinct;
		a->imps += r[i].imps;
		a->click_hours++;
	}
	return 0;
}

/* Read hour e's saved summary into lb's counts: 1, or 0 when there is
 * none for e's segment set, or -1 when it failed half read. */
static int addr_load(struct lookback *lb, const struct hour_set *e)
{
	struct addr_header hd;
	struct addr_rec buf[512];
	char path[4096];
	struct stat st;
	uint64_t left;
	FILE *f;

	if (addr_path(lb, e, path, sizeof(path)) || !(f = fopen(path, "rbe")))
		return 0;
	if (fstat(fileno(f), &st) || fread(&hd, sizeof(hd), 1, f) != 1 ||
	    memcmp(hd.magic, "ADLADDR1", 8) ||
	    strncmp(hd.digest, e->digest, sizeof(hd.digest)) ||
	    (uint64_t)st.st_size != sizeof(hd) + hd.n * sizeof(buf[0])) {
		fclose(f);
		return 0;
	}
	for (left = hd.n; left; ) {
		size_t want = left < 512 ? (size_t)left : 512;

		if (fread(buf, sizeof(buf[0]), want, f) != want ||
		    addr_add_counts(lb, buf, want))
			break;
		left -= want;
	}
	fclose(f);
	return left ? -1 : 1;
}

/* Sum every look-back hour's summary into this hour's clicking
 * addresses (building and saving the summaries not made yet). */
static int addr_resolve(struct lookback *lb, uint32_t hour, char *err,
			size_t errlen)
{
	int hours = (int)((lb->lookback_ms + 3599999) / 3600000);

	for (int d = 1; d <= hours; d++) {
		const struct lb_addr *a;
		struct table t;
		struct hour_set e;
		uint64_t akey;
		int rc;

		if (hour_scan(&e, lb->data_dir, hour_add(hour, -d), err, errlen))
			return -1;
		rc = e.n ? addr_load(lb, &e) : 1;
		if (rc) {
			lb->addr_read += e.n != 0;
			hour_release(&e);
			if (rc > 0)
				continue;
			snprintf(err, errlen, "cannot read the address "
				 "summary of hour %010u", hour_add(hour, -d));
			return -1;
		}
		if (hour_open(&e, err, errlen)) {
			hour_release(&e);
			return -1;
		}
		rc = addrs_init(&t);
		if (!rc)
			rc = addr_build(&e, &t);
		if (!rc)
			rc = hour_read_error(&e, err, errlen);
		else
			snprintf(err, errlen, "out of memory");
		if (!rc) {
			addr_save(lb, &e, &t);
			for (size_t i = 0;
			     !rc && (a = table_next(&t, &i, &akey)); ) {
				struct addr_rec r = { akey, a->distinct,
						      a->imps };

				if (addr_add_counts(lb, &r, 1)) {
					snprintf(err, errlen, "out of memory");
					rc = -1;
				}
			}
			lb->addr_built++;
			lb->addr_read++;
		}
		table_release(&t);
		hour_release(&e);
		if (rc)
			return -1;
	}
	return 0;
}

int lookback_prepare(struct lookback *lb, struct hour_set *cur,
		     struct hour_set *prev, char *err, size_t errlen)
{
	const struct lb_imp *m;
	int64_t first_ms;
	uint32_t first, h;
	int rc;

	reset(lb);
	lb->hour = cur->hour;
	lb->hour_start_ms = hour_start_ms(cur->hour);
	if (collect(lb, cur)) {
		snprintf(err, errlen, "out of memory collecting clicks");
		return -1;
	}
	/* the earliest hour any click's impression id names, within reach */
	first = cur->hour;
	first_ms = lb->hour_start_ms - lb->lookback_ms;
	for (size_t i = 0; (m = table_next(&lb->imps, &i, NULL)); ) {
		int64_t ms = eventid_ms(m->imp);

		if (ms < first_ms || ms >= lb->hour_start_ms)
			continue;
		if (hour_of_ms(ms) < first)
			first = hour_of_ms(ms);
	}
	if (lb->saw.n) {
		uint32_t u = hour_add(cur->hour, -LOOKBACK_UNSIGNED_HOURS);

		if (u < first)
			first = u;
	}
	/* earlier hours, oldest first: impressions named by ids, clicks on
	 * them (they follow their impression), unsigned clicks' impressions */
	lb->unsigned_from = hour_start_ms(hour_add(cur->hour,
						    -LOOKBACK_UNSIGNED_HOURS));
	for (h = first; h < cur->hour; h = hour_add(h, 1)) {
		struct hour_set e;

		if (prev && prev->hour == h) {
			scan(lb, prev);
			continue;
		}
		if (hour_scan(&e, lb->data_dir, h, err, errlen))
			return -1;
		if (hour_open(&e, err, errlen)) {
			hour_release(&e);
			return -1;
		}
		scan(lb, &e);
		rc = hour_read_error(&e, err, errlen);
		hour_release(&e);
		if (rc)
			return -1;
	}
	lb->hours_scanned++;        /* the current one, by lookback_observe */
	if (lb->addrs.n && addr_resolve(lb, cur->hour, err, errlen))
		return -1;
	/* the rest of the unsigned look-back, and the clicking addresses
	 * seen before (one_shot), from the hours' filters */
	return lb->saw.n || lb->addrs.n ?
	       seen_resolve(lb, cur->hour, err, errlen) : 0;
}
