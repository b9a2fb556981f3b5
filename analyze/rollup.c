/* rollup.c - count an hour's events into the rows of stats_hourly and
 * invalid_hourly.  Keys are few (publisher x zone x campaign x ad seen in
 * the hour, ~10^5).  The stats rows sit side by side in one array, found
 * through analyze's hash table of (key, row number): the table's empty
 * slots then cost 32 bytes each instead of a whole row's 104, which is
 * 17 MB at 20 M events.  Invalid rows, small, live in a table of their
 * own.  Each stats row owns a small unique-visitor sketch (exact while
 * small, then a HyperLogLog), which keeps memory bounded by keys, not
 * events. */
#include "rollup.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "rules.h"

/* ---- unique visitors: exact list of 32-bit hashes up to SPARSE_MAX, then
 * HyperLogLog with 2^HLL_P registers (standard error 1.04/sqrt(1024) =
 * 3.3 %; exact below SPARSE_MAX distinct visitors except for 32-bit hash
 * collisions, ~n^2/2^33).  A register holds a rank of at most
 * 32 - HLL_P + 1 = 23, so 6 bits: four registers in three bytes, 768
 * bytes a row at most. ---- */

#define SPARSE_MAX 128u
#define HLL_P 10
#define HLL_M (1u << HLL_P)
#define HLL_BYTES (HLL_M / 4 * 3)

struct rollup_hll {
	uint32_t n, cap;            /* sparse entries; cap 0 = dense */
	uint32_t v[];               /* sparse: hashes; dense: HLL_BYTES */
};

/* Register i of the packed registers reg (6 bits each, four in 3 bytes). */
static unsigned hll_get(const uint8_t *reg, uint32_t i)
{
	const uint8_t *p = reg + i / 4 * 3;
	uint32_t w = p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;

	return w >> (i % 4 * 6) & 63;
}

static void hll_dense_add(uint8_t *reg, uint32_t h)
{
	uint32_t idx = h >> (32 - HLL_P);
	uint32_t w = h << HLL_P;
	uint32_t rank = w ? (uint32_t)__builtin_clz(w) + 1 : 32 - HLL_P + 1;
	uint8_t *p = reg + idx / 4 * 3;
	uint32_t v = p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
	uint32_t shift = idx % 4 * 6;

	if ((v >> shift & 63) >= rank)
		return;
	v = (v & ~(63u << shift)) | rank << shift;
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
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
	y = calloc(1, sizeof(*y) + HLL_BYTES);
	if (!y)
		return -ENOMEM;
	r->hll_bytes += HLL_BYTES - x->cap * sizeof(uint32_t);
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
		unsigned v = hll_get(reg, i);

		sum += 1.0 / (double)(1ull << v);
		zeros += !v;
	}
	est = 0.7213 / (1 + 1.079 / m) * m * m / sum;
	if (est <= 2.5 * m && zeros)
		est = m * log(m / zeros);  /* linear counting */
	return (uint64_t)(est + 0.5);
}

/* ---- tables ---- */

/* The most rows of each table.  Rows are bounded by the inventory's keys
 * (unknown ids share one key), so the cap only stops a runaway hour
 * before it takes the machine's memory (rollup_add fails, -ENOMEM). */
#define ROLLUP_ROWS_MAX (1u << 26)

/* A row's key is its first bytes; an invalid row's, its key, type, bit. */
#define INV_KEY_BYTES (offsetof(struct rollup_inv, bit) + 1)

/* An entry of the rows' index: a key and the number of its row. */
struct row_slot {
	struct rollup_key k;
	uint32_t row;
};

static uint64_t key_hash(const struct rollup_key *k)
{
	return mix_pair((uint64_t)k->pub << 32 | k->zone,
			(uint64_t)k->camp << 32 | k->ad);
}

int rollup_init(struct rollup *r, uint32_t hour)
{
	memset(r, 0, sizeof(*r));
	r->hour = hour;
	if (table_init(&r->rowt, sizeof(struct rollup_key),
		       sizeof(struct row_slot), ROLLUP_ROWS_MAX, NULL) ||
	    table_init(&r->invt, INV_KEY_BYTES, sizeof(struct rollup_inv),
		       ROLLUP_ROWS_MAX, NULL)) {
		rollup_release(r);
		return -ENOMEM;
	}
	table_dense(&r->rowt);
	table_dense(&r->invt);
	return 0;
}

void rollup_release(struct rollup *r)
{
	if (!r->finished)
		for (size_t i = 0; i < r->nrows; i++)
			free(r->rows[i].hll);
	free(r->rows);
	table_release(&r->rowt);
	table_release(&r->invt);
	memset(r, 0, sizeof(*r));
}

/* Room for n rows in all: none moves before the array holds n. */
static int rows_room(struct rollup *r, size_t n)
{
	if (n > ROLLUP_ROWS_MAX)
		return -ENOMEM;
	return n ? grow_array((void **)&r->rows, &r->rows_cap, n - 1,
			      sizeof(*r->rows)) : 0;
}

int rollup_reserve(struct rollup *r, size_t n)
{
	struct rollup_row *x;

	/* straight to the size: no chain of doublings (3.8 % of the CPU) */
	if (n > r->rows_cap) {
		if (n > ROLLUP_ROWS_MAX || !(x = realloc(r->rows, n * sizeof(*x))))
			return -ENOMEM;
		r->rows = x;
		r->rows_cap = n;
	}
	return table_reserve(&r->rowt, n);
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

	table_prefetch(&r->rowt, key_hash(&k));
}

/* The row of key k (hash h), a new one when absent.  The array has room
 * for one more row (rows_room). */
static struct rollup_row *row_get(struct rollup *r, const struct rollup_key *k,
				  uint64_t h)
{
	struct row_slot *s;
	bool isnew;

	if (!(s = table_put(&r->rowt, h, k, &isnew)))
		return NULL;
	if (isnew) {
		s->row = (uint32_t)r->nrows++;
		r->rows[s->row] = (struct rollup_row){ .k = *k };
	}
	return &r->rows[s->row];
}

static int inv_add(struct rollup *r, const struct rollup_key *k, uint8_t type,
		   uint8_t bit)
{
	struct rollup_inv want = { .k = *k, .type = type, .bit = bit }, *x;
	bool isnew;

	x = table_put(&r->invt,
		      mix_pair(key_hash(k), (uint64_t)type << 8 | bit), &want,
		      &isnew);
	if (!x)
		return -ENOMEM;
	x->events++;
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
	struct rollup_row *row;

	if (rows_room(r, r->nrows + 1) || !(row = row_get(r, &k, key_hash(&k))))
		return -ENOMEM;
	return count(r, row, rec, visitor, reasons);
}

/* The same for n events, with the cache misses overlapped: first every
 * index slot is prefetched, then every row, then every row's sketch, then
 * all are counted.  Same result as n rollup_add calls in order. */
int rollup_add_batch(struct rollup *r, const struct rollup_ev *ev, size_t n)
{
	struct rollup_row *row[ROLLUP_BATCH];
	uint64_t h[ROLLUP_BATCH];

	if (n > ROLLUP_BATCH)
		return -EINVAL;
	/* no row moves while the batch holds pointers to rows */
	if (rows_room(r, r->nrows + n))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct rollup_key k = rec_key(ev[i].rec);

		h[i] = key_hash(&k);
		table_prefetch(&r->rowt, h[i]);
	}
	for (size_t i = 0; i < n; i++) {
		struct rollup_key k = rec_key(ev[i].rec);

		if (!(row[i] = row_get(r, &k, h[i])))
			return -ENOMEM;
		__builtin_prefetch(row[i], 1);
		__builtin_prefetch((char *)row[i] + 64, 1);
	}
	for (size_t i = 0; i < n; i++)
		if (row[i]->hll)
			__builtin_prefetch(row[i]->hll, 1);
	for (size_t i = 0; i < n; i++)
		if (count(r, row[i], ev[i].rec, ev[i].visitor, ev[i].reasons))
			return -ENOMEM;
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

	return rollup_key_cmp(&x->k, &y->k);
}

static int cmp_inv(const void *a, const void *b)
{
	const struct rollup_inv *x = a, *y = b;
	int c;

	if ((c = rollup_key_cmp(&x->k, &y->k)))
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->bit < y->bit ? -1 : x->bit > y->bit;
}

void rollup_finish(struct rollup *r)
{
	if (r->finished)
		return;
	if (r->hll_bytes > r->hll_peak)
		r->hll_peak = r->hll_bytes;
	/* sketches go before the sort, which may take a copy of the rows */
	table_release(&r->rowt);
	for (size_t i = 0; i < r->nrows; i++) {
		r->rows[i].uniques = hll_estimate(r->rows[i].hll);
		free(r->rows[i].hll);
		r->rows[i].hll = NULL;
	}
	r->hll_bytes = 0;
	qsort(r->rows, r->nrows, sizeof(*r->rows), cmp_row);
	r->inv = table_pack(&r->invt, &r->ninv);
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
