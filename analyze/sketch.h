/* sketch.h - fixed-size summaries that let analyze keep per-address and
 * per-publisher facts of an hour or a day in memory independent of the
 * event count: a blocked Bloom filter (set membership, false positives
 * only), a blocked count-min sketch with conservative update (counts,
 * over-estimates only) and a Space-Saving top-k (heavy hitters, mergeable).  Each error is
 * stated at its type and in docs/rules.md.
 *
 * Ownership: the caller owns the struct; _init() allocates, _release()
 * frees.  Keys are 64-bit hashes the caller computed (XXH3); each sketch
 * derives its own positions from them. */
#ifndef ADLOG_SKETCH_H
#define ADLOG_SKETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Zeroed memory for a table probed at random (the sketches below, the
 * rollup's rows): from 2 MiB on mapped and asked for transparent huge
 * pages.  NULL when out of memory; free with sketch_mem_free(p, bytes). */
void *sketch_mem_alloc(size_t bytes);
void sketch_mem_free(void *p, size_t bytes);

/* Blocked Bloom filter (Putze, Sanders, Singler 2007): all k = 6 bits of a
 * key in one 64-byte block, so a test costs one cache miss.  With n keys in
 * m bits the false-positive rate is about (1 - e^(-kn/m))^k plus a blocking
 * penalty; test_sketch measures it (under 3% at m/n = 8 bits, under 0.5% at
 * 16).  A false positive makes a new key look seen: counts built on
 * "first time seen" under-count by that rate, never over-count. */
struct sketch_bloom {
	uint64_t *bits;
	uint64_t nblocks;          /* power of two, 8 words each */
	uint64_t added;            /* keys newly added (not already present) */
};

/* m = 2^log2_bits bits (log2_bits 9..36).  Returns 0 or -ENOMEM/-EINVAL. */
int sketch_bloom_init(struct sketch_bloom *b, unsigned log2_bits);
void sketch_bloom_release(struct sketch_bloom *b);
void sketch_bloom_clear(struct sketch_bloom *b);
/* Add key h; true if it was (probably) present already. */
bool sketch_bloom_add(struct sketch_bloom *b, uint64_t h);
bool sketch_bloom_has(const struct sketch_bloom *b, uint64_t h);
/* Add key in the block chosen by block: every fact about one owner (a uid)
 * then costs one cache miss.  An owner with very many keys fills its block
 * and raises the false-positive rate of the few owners sharing it. */
bool sketch_bloom_add_in(struct sketch_bloom *b, uint64_t block, uint64_t key);
size_t sketch_bloom_bytes(const struct sketch_bloom *b);
/* Hint that block (or key h) will be touched soon. */
void sketch_bloom_prefetch(const struct sketch_bloom *b, uint64_t block);

/* Count-min sketch (Cormode, Muthukrishnan 2005) with conservative update
 * (Estan, Varghese 2002), blocked: all d counters of a key lie in one
 * 64-byte line of 16, so an update or a query costs one cache miss.  A line
 * may be split in parts (1, 2 or 4) that count different quantities of the
 * same key (an address's impressions and its visitors): one miss reads
 * both, and one quantity never pollutes the other.  Estimates never
 * under-count.  An unblocked sketch of w counters per row over-counts by
 * more than e*N/w with probability at most e^-d; blocking correlates the
 * rows, so test_sketch measures the tail (docs/rules.md).  Counters
 * saturate at UINT32_MAX. */
struct sketch_cms {
	uint32_t *cnt;             /* lines * 16 */
	unsigned d;                /* counters per key and part */
	unsigned parts;
	uint64_t mask;             /* lines - 1 */
	uint64_t total[4];         /* N, per part */
};

int sketch_cms_init(struct sketch_cms *c, unsigned log2_lines, unsigned d,
		    unsigned parts);
void sketch_cms_release(struct sketch_cms *c);
void sketch_cms_clear(struct sketch_cms *c);
/* Add n to key h in part; returns the new estimate. */
uint32_t sketch_cms_add_in(struct sketch_cms *c, uint64_t h, unsigned part,
			   uint32_t n);
uint32_t sketch_cms_get_in(const struct sketch_cms *c, uint64_t h,
			   unsigned part);
/* The same in part 0. */
uint32_t sketch_cms_add(struct sketch_cms *c, uint64_t h, uint32_t n);
uint32_t sketch_cms_get(const struct sketch_cms *c, uint64_t h);
/* Hint that key h's line will be touched soon. */
void sketch_cms_prefetch(const struct sketch_cms *c, uint64_t h);
/* e*N/w of part: the bound an unblocked sketch of this size would give. */
double sketch_cms_error(const struct sketch_cms *c, unsigned part);
size_t sketch_cms_bytes(const struct sketch_cms *c);

/* Space-Saving (Metwally, Agrawal, El Abbadi 2005) with k counters: every
 * key with true count above N/k is kept; a kept key's count over-estimates
 * by at most its err (<= N/k).  Merging two (Agarwal et al. 2012, "Mergeable
 * summaries") keeps the same bound over the sum.  k <= SKETCH_TOPK_MAX. */
#define SKETCH_TOPK_MAX 64
struct sketch_topk_entry {
	uint64_t key;
	uint64_t count;
	uint64_t err;
};
struct sketch_topk {
	struct sketch_topk_entry e[SKETCH_TOPK_MAX];
	unsigned k, n;             /* capacity, used */
	uint64_t total;            /* N */
};

void sketch_topk_init(struct sketch_topk *t, unsigned k);
void sketch_topk_add(struct sketch_topk *t, uint64_t key, uint64_t n);
void sketch_topk_merge(struct sketch_topk *dst, const struct sketch_topk *src);
/* Sum of the j largest counts (an upper bound of the true top-j sum), and
 * in *err_out (may be NULL) the sum of their err (so count - err is a lower
 * bound). */
uint64_t sketch_topk_top(const struct sketch_topk *t, unsigned j,
			 uint64_t *err_out);

#endif
