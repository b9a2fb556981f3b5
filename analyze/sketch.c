/* sketch.c - the Bloom filter, count-min sketch and Space-Saving top-k that
 * bound analyze's memory (sketch.h states each error). */
#define _GNU_SOURCE              /* madvise(MADV_HUGEPAGE) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sketch.h"
#include "mix.h"

#define HUGE_PAGE (2u << 20)

/* Big tables are mapped (the kernel zeroes pages as they are first
 * touched, nothing is written up front) and asked for transparent huge
 * pages: sketches are probed at random, and with 4 KiB pages nearly every
 * probe is also a TLB miss. */
void *sketch_mem_alloc(size_t bytes)
{
	void *p;

	if (bytes < HUGE_PAGE)
		return calloc(1, bytes);
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

void sketch_mem_free(void *p, size_t bytes)
{
	if (!p)
		return;
	if (bytes < HUGE_PAGE)
		free(p);
	else
		munmap(p, bytes);
}

/* ---- blocked Bloom filter ---- */

#define BLOOM_K 6

int sketch_bloom_init(struct sketch_bloom *b, unsigned log2_bits)
{
	memset(b, 0, sizeof(*b));
	if (log2_bits < 9 || log2_bits > 36)
		return -EINVAL;
	b->nblocks = 1ull << (log2_bits - 9);
	b->bits = sketch_mem_alloc(b->nblocks * 8 * sizeof(uint64_t));
	return b->bits ? 0 : -ENOMEM;
}

void sketch_bloom_release(struct sketch_bloom *b)
{
	sketch_mem_free(b->bits, sketch_bloom_bytes(b));
	memset(b, 0, sizeof(*b));
}

void sketch_bloom_clear(struct sketch_bloom *b)
{
	if (b->bits && b->added)   /* every set bit came with an added key */
		memset(b->bits, 0, b->nblocks * 8 * sizeof(uint64_t));
	b->added = 0;
}

size_t sketch_bloom_bytes(const struct sketch_bloom *b)
{
	return b->nblocks * 8 * sizeof(uint64_t);
}

static bool bloom_op(struct sketch_bloom *b, uint64_t block, uint64_t key,
		     bool set)
{
	uint64_t *blk = b->bits + (block & (b->nblocks - 1)) * 8;
	uint64_t g = mix_u64(key);
	bool present = true;

	for (int i = 0; i < BLOOM_K; i++) {
		unsigned pos = (unsigned)(g >> (9 * i)) & 511;
		uint64_t bit = 1ull << (pos & 63);

		if (!(blk[pos >> 6] & bit)) {
			present = false;
			if (!set)
				return false;
			blk[pos >> 6] |= bit;
		}
	}
	if (set && !present)
		b->added++;
	return present;
}

bool sketch_bloom_add(struct sketch_bloom *b, uint64_t h)
{
	return bloom_op(b, h, h, true);
}

bool sketch_bloom_has(const struct sketch_bloom *b, uint64_t h)
{
	return bloom_op((struct sketch_bloom *)b, h, h, false);
}

void sketch_bloom_prefetch(const struct sketch_bloom *b, uint64_t block)
{
	__builtin_prefetch(b->bits + (block & (b->nblocks - 1)) * 8, 1);
}

bool sketch_bloom_add_in(struct sketch_bloom *b, uint64_t block, uint64_t key)
{
	return bloom_op(b, block, key ^ 0x5bd1e9955bd1e995ull, true);
}

/* ---- count-min with conservative update, one cache line per key ---- */

#define CMS_LINE 16              /* 32-bit counters per 64-byte line */

int sketch_cms_init(struct sketch_cms *c, unsigned log2_lines, unsigned d,
		    unsigned parts)
{
	memset(c, 0, sizeof(*c));
	if (log2_lines > 32 || (parts != 1 && parts != 2 && parts != 4) ||
	    d < 1 || d > CMS_LINE / parts)
		return -EINVAL;
	c->d = d;
	c->parts = parts;
	c->mask = (1ull << log2_lines) - 1;
	c->cnt = sketch_mem_alloc(((size_t)CMS_LINE << log2_lines) *
			      sizeof(uint32_t));
	return c->cnt ? 0 : -ENOMEM;
}

void sketch_cms_release(struct sketch_cms *c)
{
	sketch_mem_free(c->cnt, sketch_cms_bytes(c));
	memset(c, 0, sizeof(*c));
}

void sketch_cms_clear(struct sketch_cms *c)
{
	if (c->cnt && (c->total[0] | c->total[1] | c->total[2] | c->total[3]))
		memset(c->cnt, 0, sketch_cms_bytes(c));
	memset(c->total, 0, sizeof(c->total));
}

size_t sketch_cms_bytes(const struct sketch_cms *c)
{
	return (size_t)(c->mask + 1) * CMS_LINE * sizeof(uint32_t);
}

double sketch_cms_error(const struct sketch_cms *c, unsigned part)
{
	double w = (double)(c->mask + 1) * CMS_LINE / c->parts / c->d;

	return 2.718281828459045 * (double)c->total[part] / w;
}

/* The d counters of key h in part: its line, then positions within the
 * part's slots from pieces of a second hash.  The positions are the same in
 * every part, so two keys that collide collide in all parts alike: a small
 * address that shares a busy one's counters sees its impressions and its
 * visitors inflated together, and a ratio of the two stays sane. */
static void cms_cells(const struct sketch_cms *c, uint64_t h, unsigned part,
		      uint32_t **cell)
{
	unsigned width = CMS_LINE / c->parts;
	uint32_t *base = c->cnt + (h & c->mask) * CMS_LINE + part * width;
	uint64_t g = mix_u64(h ^ 0x2545f4914f6cdd1dull);

	for (unsigned i = 0; i < c->d; i++)
		cell[i] = base + ((g >> (4 * i)) & (width - 1));
}

uint32_t sketch_cms_add_in(struct sketch_cms *c, uint64_t h, unsigned part,
			   uint32_t n)
{
	uint32_t *cell[CMS_LINE];
	uint32_t min = UINT32_MAX, want;

	cms_cells(c, h, part, cell);
	for (unsigned i = 0; i < c->d; i++)
		if (*cell[i] < min)
			min = *cell[i];
	want = min > UINT32_MAX - n ? UINT32_MAX : min + n;
	for (unsigned i = 0; i < c->d; i++)
		if (*cell[i] < want)
			*cell[i] = want;
	c->total[part] += n;
	return want;
}

uint32_t sketch_cms_get_in(const struct sketch_cms *c, uint64_t h,
			   unsigned part)
{
	uint32_t *cell[CMS_LINE];
	uint32_t min = UINT32_MAX;

	cms_cells(c, h, part, cell);
	for (unsigned i = 0; i < c->d; i++)
		if (*cell[i] < min)
			min = *cell[i];
	return min;
}

void sketch_cms_prefetch(const struct sketch_cms *c, uint64_t h)
{
	__builtin_prefetch(c->cnt + (h & c->mask) * CMS_LINE, 1);
}

uint32_t sketch_cms_add(struct sketch_cms *c, uint64_t h, uint32_t n)
{
	return sketch_cms_add_in(c, h, 0, n);
}

uint32_t sketch_cms_get(const struct sketch_cms *c, uint64_t h)
{
	return sketch_cms_get_in(c, h, 0);
}

/* ---- Space-Saving top-k ---- */

void sketch_topk_init(struct sketch_topk *t, unsigned k)
{
	memset(t, 0, sizeof(*t));
	t->k = k < 1 ? 1 : k > SKETCH_TOPK_MAX ? SKETCH_TOPK_MAX : k;
}

static unsigned topk_min(const struct sketch_topk *t)
{
	unsigned m = 0;

	for (unsigned i = 1; i < t->n; i++)
		if (t->e[i].count < t->e[m].count)
			m = i;
	return m;
}

void sketch_topk_add(struct sketch_topk *t, uint64_t key, uint64_t n)
{
	unsigned i, m;

	t->total += n;
	for (i = 0; i < t->n; i++)
		if (t->e[i].key == key) {
			t->e[i].count += n;
			return;
		}
	if (t->n < t->k) {
		t->e[t->n++] = (struct sketch_topk_entry){ key, n, 0 };
		return;
	}
	m = topk_min(t);
	t->e[m].key = key;
	t->e[m].err = t->e[m].count;
	t->e[m].count += n;
}

static const struct sketch_topk_entry *topk_find(const struct sketch_topk *t,
						 uint64_t key)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->e[i].key == key)
			return &t->e[i];
	return NULL;
}

/* The count a summary implies for a key it does not hold: 0 while it has
 * room (it saw every key), else its smallest count (an upper bound). */
static uint64_t topk_floor(const struct sketch_topk *t)
{
	return t->n < t->k ? 0 : t->e[topk_min(t)].count;
}

void sketch_topk_merge(struct sketch_topk *dst, const struct sketch_topk *src)
{
	struct sketch_topk_entry all[2 * SKETCH_TOPK_MAX];
	uint64_t fd = topk_floor(dst), fs = topk_floor(src);
	unsigned n = 0;

	for (unsigned i = 0; i < dst->n; i++) {
		const struct sketch_topk_entry *o = topk_find(src, dst->e[i].key);

		all[n] = dst->e[i];
		all[n].count += o ? o->count : fs;
		all[n].err += o ? o->err : fs;
		n++;
	}
	for (unsigned i = 0; i < src->n; i++) {
		if (topk_find(dst, src->e[i].key))
			continue;
		all[n] = src->e[i];
		all[n].count += fd;
		all[n].err += fd;
		n++;
	}
	/* keep the k largest */
	for (unsigned i = 0; i < n && i < dst->k; i++) {
		unsigned best = i;

		for (unsigned j = i + 1; j < n; j++)
			if (all[j].count > all[best].count)
				best = j;
		struct sketch_topk_entry tmp = all[i];
		all[i] = all[best];
		all[best] = tmp;
	}
	dst->n = n < dst->k ? n : dst->k;
	memcpy(dst->e, all, dst->n * sizeof(all[0]));
	dst->total += src->total;
}

uint64_t sketch_topk_top(const struct sketch_topk *t, unsigned j,
			 uint64_t *err_out)
{
	bool used[SKETCH_TOPK_MAX] = { false };
	uint64_t sum = 0, err = 0;

	for (unsigned r = 0; r < j && r < t->n; r++) {
		unsigned best = t->n;

		for (unsigned i = 0; i < t->n; i++)
			if (!used[i] && (best == t->n ||
					 t->e[i].count > t->e[best].count))
				best = i;
		used[best] = true;
		sum += t->e[best].count;
		err += t->e[best].err;
	}
	if (err_out)
		*err_out = err;
	return sum;
}
