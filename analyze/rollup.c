/* rollup.c - count an hour's events into the rows of stats_hourly and
 * invalid_hourly.  Keys are few (publisher x zone x campaign x ad seen in
 * the hour, ~10^5), so both tables are open-addressing arrays of rows; each
 * stats row owns a small unique-visitor sketch (exact while small, then a
 * HyperLogLog), which keeps memory bounded by keys, not events. */
#include "rollup.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "sketch.h"

/* ---- unique visitors: exact list of 32-bit hashes up to SPARSE_MAX, then
 * HyperLogLog with 2^HLL_P one-byte registers (standard error
 * 1.04/sqrt(1024) = 3.3 %; exact below SPARSE_MAX distinct visitors except
 * for 32-bit hash collisions, ~n^2/2^33).  At most 1 KiB a row. ---- */

#define SPARSE_MAX 128u
#define HLL_P 10
#define HLL_M (1u << HLL_P)

struct rollup_hll {
	uint32_t n, cap;            /* sparse entries; cap 0 = dense */
	uint32_t v[];               /* sparse: hashes; dense: HLL_M bytes */
};

static void hll_dense_add(uint8_t *reg, uint32_t h)
{
	uint32_t idx = h >> (32 - HLL_P);
	uint32_t w = h << HLL_P;
	uint8_t rank = w ? (uint8_t)(__builtin_clz(w) + 1) : 32 - HLL_P + 1;

	if (reg[idx] < rank)
		reg[idx] = rank;
}

static int hll_add(struct rollup *r, struct rollup_hll **hp, uint32_t h)
{
	struct rollup_hll *x = *hp, *y;

	if (!x) {
		x = malloc(sizeof(*x) + 4 * sizeof(uint32_t));
		if (!x)
			return -ENOMEM;
		x->n = 0;
		x->cap = 4;
		r->hll_bytes += sizeof(*x) + 4 * sizeof(uint32_t);
		*hp = x;
	}
	if (!x->cap) {
		hll_dense_add((uint8_t *)x->v, h);
		return 0;
	}
	for (uint32_t i = 0; i < x->n; i++)
		if (x->v[i] == h)
			return 0;
	if (x->n < x->cap) {
		x->v[x->n++] = h;
		return 0;
	}
	if (x->cap < SPARSE_MAX) {
		uint32_t cap = x->cap;

		y = realloc(x, sizeof(*x) + 2 * cap * sizeof(uint32_t));
		if (!y)
			return -ENOMEM;
		r->hll_bytes += cap * sizeof(uint32_t);
		y->cap *= 2;
		y->v[y->n++] = h;
		*hp = y;
		return 0;
	}
	y = calloc(1, sizeof(*y) + HLL_M);
	if (!y)
		return -ENOMEM;
	r->hll_bytes += HLL_M - x->cap * sizeof(uint32_t);
	for (uint32_t i = 0; i < x->n; i++)
		hll_dense_add((uint8_t *)y->v, x->v[i]);
	hll_dense_add((uint8_t *)y->v, h);
	free(x);
	*hp = y;
	return 0;
}

static uint64_t hll_estimate(const struct rollup_hll *x)
{
	const uint8_t *reg;
	double sum = 0, est, m = HLL_M;
	unsigned zeros = 0;

	if (!x)
		return 0;
	if (x->cap)
		return x->n;
	reg = (const uint8_t *)x->v;
	for (uint32_t i = 0; i < HLL_M; i++) {
		sum += 1.0 / (double)(1ull << reg[i]);
		zeros += !reg[i];
	}
	est = 0.7213 / (1 + 1.079 / m) * m * m / sum;
	if (est <= 2.5 * m && zeros)
		est = m * log(m / zeros);  /* linear counting */
	return (uint64_t)(est + 0.5);
}

/* ---- tables ---- */

/* The stats table takes a lookup per event at a random row: at 5 M events
 * it is 42 MB, and with 4 KiB pages nearly every lookup also missed the
 * TLB (perf: the row prefetch alone 13 % of the CPU, 6 % with huge
 * pages): big tables come from sketch_mem_alloc. */
static void *table_alloc(size_t n, size_t size)
{
	return sketch_mem_alloc(n * size);
}

static void table_free(void *p, size_t n, size_t size)
{
	sketch_mem_free(p, n * size);
}

static uint64_t key_hash(const struct rollup_key *k)
{
	uint64_t a = ((uint64_t)k->pub << 32 | k->zone) * 0x9e3779b97f4a7c15ull;
	uint64_t b = ((uint64_t)k->camp << 32 | k->ad) * 0xc2b2ae3d27d4eb4full;
	uint64_t x = a ^ (b >> 29) ^ (b << 35);

	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	return x ^ (x >> 32);
}

static bool key_eq(const struct rollup_key *a, const struct rollup_key *b)
{
	return a->pub == b->pub && a->zone == b->zone && a->camp == b->camp &&
	       a->ad == b->ad;
}

int rollup_init(struct rollup *r, uint32_t hour)
{
	memset(r, 0, sizeof(*r));
	r->hour = hour;
	r->cap = 1024;
	r->icap = 256;
	r->rows = table_alloc(r->cap, sizeof(*r->rows));
	r->inv = table_alloc(r->icap, sizeof(*r->inv));
	if (!r->rows || !r->inv) {
		rollup_release(r);
		return -ENOMEM;
	}
	return 0;
}

void rollup_release(struct rollup *r)
{
	if (r->rows)
		for (size_t i = 0; i < r->cap; i++)
			free(r->rows[i].hll);
	table_free(r->rows, r->cap, sizeof(*r->rows));
	table_free(r->inv, r->icap, sizeof(*r->inv));
	memset(r, 0, sizeof(*r));
}

/* rows are used when they counted anything (a row is made by its first
 * event) */
static bool row_used(const struct rollup_row *x)
{
	return x->imps || x->clicks || x->served;
}

static int rows_resize(struct rollup *r, size_t nc)
{
	struct rollup_row *n = table_alloc(nc, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < r->cap; i++) {
		size_t j;

		if (!row_used(&r->rows[i]))
			continue;
		j = key_hash(&r->rows[i].k) & (nc - 1);
		while (row_used(&n[j]))
			j = (j + 1) & (nc - 1);
		n[j] = r->rows[i];
	}
	table_free(r->rows, r->cap, sizeof(*r->rows));
	r->rows = n;
	r->cap = nc;
	return 0;
}

static int rows_grow(struct rollup *r)
{
	return rows_resize(r, r->cap * 2);
}

int rollup_reserve(struct rollup *r, size_t n)
{
	size_t cap = r->cap;

	while (n * 4 > cap * 3)
		cap *= 2;
	/* straight to the size: no chain of doublings (3.8 % of the CPU) */
	return cap == r->cap ? 0 : rows_resize(r, cap);
}

/* The row of an event.  Ids serve did not know (flag UNKNOWN, reason
 * unknown_ad_zone) are whatever a client sent: they all share the key 0,
 * so the hour's rows stay bounded by the inventory, whatever arrives. */
static struct rollup_key rec_key(const struct seg_record *x)
{
	if (x->reasons & SEG_R_UNKNOWN)
		return (struct rollup_key){ 0, 0, 0, 0 };
	return (struct rollup_key){ x->pub, x->zone, x->camp, x->ad };
}

void rollup_prefetch(const struct rollup *r, const struct seg_record *x)
{
	struct rollup_key k = rec_key(x);

	__builtin_prefetch(&r->rows[key_hash(&k) & (r->cap - 1)], 1);
}

static struct rollup_row *row_get(struct rollup *r, const struct rollup_key *k)
{
	size_t j;

	if ((r->nrows + 1) * 4 > r->cap * 3 && rows_grow(r))
		return NULL;
	j = key_hash(k) & (r->cap - 1);
	while (row_used(&r->rows[j])) {
		if (key_eq(&r->rows[j].k, k))
			return &r->rows[j];
		j = (j + 1) & (r->cap - 1);
	}
	r->rows[j].k = *k;
	r->nrows++;
	return &r->rows[j];
}

static uint64_t inv_hash(const struct rollup_inv *x)
{
	return key_hash(&x->k) ^ ((uint64_t)x->type << 40) ^
	       ((uint64_t)x->bit * 0x9e3779b97f4a7c15ull);
}

static int inv_grow(struct rollup *r)
{
	size_t nc = r->icap * 2;
	struct rollup_inv *n = table_alloc(nc, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < r->icap; i++) {
		size_t j;

		if (!r->inv[i].events)
			continue;
		j = inv_hash(&r->inv[i]) & (nc - 1);
		while (n[j].events)
			j = (j + 1) & (nc - 1);
		n[j] = r->inv[i];
	}
	table_free(r->inv, r->icap, sizeof(*r->inv));
	r->inv = n;
	r->icap = nc;
	return 0;
}

static int inv_add(struct rollup *r, const struct rollup_key *k, uint8_t type,
		   uint8_t bit)
{
	struct rollup_inv want = { *k, type, bit, 0 };
	size_t j;

	if ((r->ninv + 1) * 4 > r->icap * 3 && inv_grow(r))
		return -ENOMEM;
	j = inv_hash(&want) & (r->icap - 1);
	while (r->inv[j].events) {
		struct rollup_inv *x = &r->inv[j];

		if (x->type == type && x->bit == bit && key_eq(&x->k, k)) {
			x->events++;
			return 0;
		}
		j = (j + 1) & (r->icap - 1);
	}
	want.events = 1;
	r->inv[j] = want;
	r->ninv++;
	return 0;
}

static int count(struct rollup *r, struct rollup_row *row,
		 const struct seg_record *rec, uint64_t visitor,
		 uint32_t reasons)
{
	struct rollup_key k = row->k;
	bool click = rec->type == 'c';

	if (rec->type == EVENT_SERVED) {
		row->served++;
		r->served++;
		return 0;
	}
	if (!click && (rec->flags & EVENT_F_RENDER_MASK)) {
		row->rendered++;
		r->rendered++;
	}
	r->events++;
	if (click) {
		row->clicks++;
		r->clicks++;
	} else {
		row->imps++;
		r->imps++;
	}
	if (!reasons) {
		if (click) {
			row->vclicks++;
			r->vclicks++;
		} else {
			row->vimps++;
			r->vimps++;
		}
	} else {
		unsigned first = (unsigned)__builtin_ctz(reasons);

		for (uint32_t b = reasons; b; b &= b - 1)
			r->by_bit[click][__builtin_ctz(b)]++;
		r->by_first[click][first]++;
		if (inv_add(r, &k, rec->type, (uint8_t)first))
			return -ENOMEM;
	}
	/* uniques count every visitor of the row, billed or not, like
	 * impressions and clicks */
	return hll_add(r, &row->hll, (uint32_t)(visitor >> 32) ^ (uint32_t)visitor);
}

int rollup_add(struct rollup *r, const struct seg_record *rec,
	       uint64_t visitor, uint32_t reasons)
{
	struct rollup_key k = rec_key(rec);
	struct rollup_row *row = row_get(r, &k);

	if (!row)
		return -ENOMEM;
	return count(r, row, rec, visitor, reasons);
}

/* The same for n events, with the table's cache misses overlapped: first
 * every slot is prefetched, then every row's sketch, then all are
 * counted.  Same result as n rollup_add calls in order. */
int rollup_add_batch(struct rollup *r, const struct rollup_ev *ev, size_t n)
{
	struct rollup_row *row[ROLLUP_BATCH];
	uint64_t h[ROLLUP_BATCH];

	if (n > ROLLUP_BATCH)
		return -EINVAL;
	while ((r->nrows + n) * 4 > r->cap * 3)
		if (rows_grow(r))
			return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct seg_record *x = ev[i].rec;
		struct rollup_key k = rec_key(x);

		h[i] = key_hash(&k);
		__builtin_prefetch(&r->rows[h[i] & (r->cap - 1)], 1);
	}
	for (size_t i = 0; i < n; i++) {
		const struct seg_record *x = ev[i].rec;
		struct rollup_key k = rec_key(x);
		size_t j = h[i] & (r->cap - 1);

		while (row_used(&r->rows[j]) && !key_eq(&r->rows[j].k, &k))
			j = (j + 1) & (r->cap - 1);
		if (!row_used(&r->rows[j])) {
			r->rows[j].k = k;
			r->nrows++;
			/* used from its first count on: mark it now so a later
			 * event of the batch with the same key finds it */
			r->rows[j].imps = x->type == 'i';
			r->rows[j].clicks = x->type == 'c';
			r->rows[j].served = x->type == 's';
			r->rows[j].hll = (struct rollup_hll *)1;
		}
		row[i] = &r->rows[j];
		if (row[i]->hll && row[i]->hll != (struct rollup_hll *)1)
			__builtin_prefetch(row[i]->hll, 1);
	}
	for (size_t i = 0; i < n; i++) {
		if (row[i]->hll == (struct rollup_hll *)1) {
			/* new row: undo the mark, count its first event */
			row[i]->hll = NULL;
			row[i]->imps = row[i]->clicks = row[i]->served = 0;
		}
		if (count(r, row[i], ev[i].rec, ev[i].visitor, ev[i].reasons))
			return -ENOMEM;
	}
	return 0;
}

int rollup_key_cmp(const struct rollup_key *a, const struct rollup_key *b)
{
	if (a->pub != b->pub)
		return a->pub < b->pub ? -1 : 1;
	if (a->zone != b->zone)
		return a->zone < b->zone ? -1 : 1;
	if (a->camp != b->camp)
		return a->camp < b->camp ? -1 : 1;
	if (a->ad != b->ad)
		return a->ad < b->ad ? -1 : 1;
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	const struct rollup_row *x = a, *y = b;
	bool ux = row_used(x), uy = row_used(y);

	if (ux != uy)
		return ux ? -1 : 1;
	return rollup_key_cmp(&x->k, &y->k);
}

static int cmp_inv(const void *a, const void *b)
{
	const struct rollup_inv *x = a, *y = b;
	int c;

	if (!x->events != !y->events)
		return x->events ? -1 : 1;
	if ((c = rollup_key_cmp(&x->k, &y->k)))
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->bit < y->bit ? -1 : x->bit > y->bit;
}

/* Move the used entries of an open-addressing array to its front. */
static size_t compact(void *arr, size_t cap, size_t size,
		      bool (*used)(const void *))
{
	uint8_t *a = arr;
	size_t n = 0;

	for (size_t i = 0; i < cap; i++)
		if (used(a + i * size)) {
			if (i != n)
				memcpy(a + n * size, a + i * size, size);
			n++;
		}
	memset(a + n * size, 0, (cap - n) * size);
	return n;
}

static bool row_used_v(const void *x)
{
	return row_used(x);
}

static bool inv_used_v(const void *x)
{
	return ((const struct rollup_inv *)x)->events != 0;
}

void rollup_finish(struct rollup *r)
{
	if (r->finished)
		return;
	if (r->hll_bytes > r->hll_peak)
		r->hll_peak = r->hll_bytes;
	/* sketches go before the sort, which may take a copy of the rows */
	compact(r->rows, r->cap, sizeof(*r->rows), row_used_v);
	for (size_t i = 0; i < r->nrows; i++) {
		r->rows[i].uniques = hll_estimate(r->rows[i].hll);
		free(r->rows[i].hll);
		r->rows[i].hll = NULL;
	}
	r->hll_bytes = 0;
	qsort(r->rows, r->nrows, sizeof(*r->rows), cmp_row);
	compact(r->inv, r->icap, sizeof(*r->inv), inv_used_v);
	qsort(r->inv, r->ninv, sizeof(*r->inv), cmp_inv);
	r->finished = true;
}

void rollup_money(struct rollup *r, rollup_price_fn fn, void *arg)
{
	for (size_t i = 0; i < r->nrows; i++) {
		struct rollup_row *x = &r->rows[i];
		struct rollup_price p = { 0, 0, 0 };
		unsigned __int128 s = 0;

		fn(arg, x->k.camp, x->k.pub, &p);
		if (p.pricing == 1)
			s = (unsigned __int128)x->vimps * p.price_micros / 1000;
		else if (p.pricing == 2)
			s = (unsigned __int128)x->vclicks * p.price_micros;
		if (s > UINT64_MAX / 10000)
			s = UINT64_MAX / 10000;
		x->spend = (uint64_t)s;
		x->earnings = (uint64_t)(s * p.share_bp / 10000);
	}
}

const char *rollup_reason_name(unsigned bit, char *buf, size_t cap)
{
	const char *n = ivt_reason_name(bit);

	if (n)
		snprintf(buf, cap, "%s", n);
	else
		snprintf(buf, cap, "bit%u", bit);
	return buf;
}

int rollup_write_tsv(const struct rollup *r, FILE *f)
{
	char name[32];

	for (size_t i = 0; i < r->nrows; i++) {
		const struct rollup_row *x = &r->rows[i];

		fprintf(f, "stats\t%010u\t%u\t%u\t%u\t%u\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\n",
			r->hour, x->k.pub, x->k.zone, x->k.camp, x->k.ad,
			(unsigned long long)x->imps,
			(unsigned long long)x->clicks,
			(unsigned long long)x->vimps,
			(unsigned long long)x->vclicks,
			(unsigned long long)x->uniques,
			(unsigned long long)x->spend,
			(unsigned long long)x->earnings,
			(unsigned long long)x->served,
			(unsigned long long)x->rendered);
	}
	for (size_t i = 0; i < r->ninv; i++) {
		const struct rollup_inv *x = &r->inv[i];

		fprintf(f, "invalid\t%010u\t%u\t%u\t%u\t%u\t%s\t%s\t%llu\n",
			r->hour, x->k.pub, x->k.zone, x->k.camp, x->k.ad,
			x->type == 'c' ? "click" : "impression",
			rollup_reason_name(x->bit, name, sizeof(name)),
			(unsigned long long)x->events);
	}
	return ferror(f) ? -EIO : 0;
}
