/* table.h - analyze's one hash table: open addressing with linear probing,
 * a hard cap on entries given at init, no allocation per entry, a whole
 * table cleared with one memset.  The rules, the look-back, the rollups,
 * the merge's copy window and the publisher scores' clicking addresses
 * keep their state in it.
 *
 * Written here rather than taken from uthash: uthash allocates per entry
 * and has no cap, and the rules' per-event cost is mostly these lookups
 * (bench/rules.sh, 5 M events: the same pass-1 facts in uthash take about
 * 9x the CPU and 2.7x the memory of the whole rules on these tables).
 *
 * An entry is a 64-bit hash the caller computed from its key (well mixed:
 * XXH3, or mix_u64() of mix.h; 0 is taken as 1), then a value of vsize
 * bytes whose first ksize bytes are the key itself, compared exactly
 * (ksize 0: the hash is the key, equal hashes are the same entry).
 * Ownership: the caller owns struct table (table_init/table_release) or
 * gets it from table_new/table_free; a value pointer lives until the next
 * insert that grows the table, or the next table_remove/table_clear. */
#ifndef ADLOG_ANALYZE_TABLE_H
#define ADLOG_ANALYZE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mix.h"

struct table {
	unsigned char *slots;        /* cap slots of ssize bytes */
	size_t cap, n, max;          /* slots (a power of 2), entries, cap */
	size_t ksize, vsize, ssize;  /* key, value and slot bytes */
	size_t fill;                 /* quarters of the slots used at most */
	uint64_t *full;              /* counts refused inserts, or NULL */
};

/* An empty table of values of vsize bytes keyed by their first ksize
 * (<= vsize) bytes, holding at most max entries (at least 16); refused
 * inserts count in *full (when not NULL).  It grows when more than half
 * full.  0, -EINVAL or -ENOMEM. */
int table_init(struct table *t, size_t ksize, size_t vsize, size_t max,
	       uint64_t *full);
void table_release(struct table *t);

/* Let a new table fill to 3/4 of its slots before it grows: up to a third
 * less memory, for longer probes (a miss looks at about 8.5 slots when
 * 3/4 full, 2.5 when half).  For the big tables whose lookups mostly hit
 * (rollups, look-back); the rules' tables, often asked about keys they do
 * not hold, stay at half. */
void table_dense(struct table *t);

/* The same, calloc'd: NULL when out of memory. */
struct table *table_new(size_t ksize, size_t vsize, size_t max,
			uint64_t *full);
void table_free(struct table *t);

/* Room for n entries in all (at most max), so that inserts up to n move
 * no value.  0 or -ENOMEM. */
int table_reserve(struct table *t, size_t n);

/* Forget every entry (the memory stays). */
void table_clear(struct table *t);

/* Remove the entry of (hash, key): true when there was one.  Values
 * after it in its run may move. */
bool table_remove(struct table *t, uint64_t hash, const void *key);

/* Iteration: the value of the entry at or after *cursor (0 to start),
 * its hash in *hash when not NULL; *cursor moves past it.  NULL at the
 * end.  Entries come in slot order; inserting or removing while iterating
 * may skip or repeat entries. */
static inline void *table_next(const struct table *t, size_t *cursor,
				uint64_t *hash);

/* Move every value to the front of the table's memory, vsize bytes apart
 * in slot order, and return them (*n of them): an array that lives until
 * table_release, which is all that may follow. */
void *table_pack(struct table *t, size_t *n);

/* Bytes the table holds (rules_memory and the docs' memory table). */
static inline size_t table_bytes(const struct table *t)
{
	return t->cap * t->ssize;
}

/* ---- the per-event operations, inline ---- */

/* Internal to the inline functions: double the slots; count a refusal. */
int table_grow_(struct table *t);
void *table_refuse_(struct table *t);

static inline uint64_t table_hash_(uint64_t hash)
{
	return hash ? hash : 1;
}

/* The slot holding (hash, key), or the empty slot where it would go. */
static inline uint64_t *table_slot_(const struct table *t, uint64_t hash,
				    const void *key)
{
	size_t mask = t->cap - 1, i = hash & mask;

	for (;;) {
		uint64_t *s = (uint64_t *)(void *)(t->slots + i * t->ssize);

		if (*s == 0 || (*s == hash && (!t->ksize || !memcmp(s + 1,
				    key ? key : s + 1, t->ksize))))
			return s;
		i = (i + 1) & mask;
	}
}

/* The value of (hash, key), or NULL.  key: ksize bytes, NULL when 0. */
static inline void *table_find(const struct table *t, uint64_t hash,
			       const void *key)
{
	uint64_t *s = table_slot_(t, table_hash_(hash), key);

	return *s ? s + 1 : NULL;
}

/* The value of (hash, key), inserted (*isnew true) when absent: zeroed
 * but for the key.  NULL when the table holds max entries already, or
 * cannot grow (counted in *full). */
static inline void *table_put(struct table *t, uint64_t hash,
			      const void *key, bool *isnew)
{
	uint64_t *s;

	hash = table_hash_(hash);
	s = table_slot_(t, hash, key);
	*isnew = *s == 0;
	if (!*isnew)
		return s + 1;
	if (t->n >= t->max)
		return table_refuse_(t);
	if (4 * (t->n + 1) > t->fill * t->cap) {
		if (table_grow_(t))
			return table_refuse_(t);
		s = table_slot_(t, hash, key);
	}
	*s = hash;
	if (t->ksize && key)
		memcpy(s + 1, key, t->ksize);
	t->n++;
	return s + 1;
}

static inline void *table_next(const struct table *t, size_t *cursor,
				uint64_t *hash)
{
	for (size_t i = *cursor; i < t->cap; i++) {
		uint64_t *s = (uint64_t *)(void *)(t->slots + i * t->ssize);

		if (*s) {
			*cursor = i + 1;
			if (hash)
				*hash = *s;
			return s + 1;
		}
	}
	*cursor = t->cap;
	return NULL;
}

/* Fetch the cache line the slot of hash starts at. */
static inline void table_prefetch(const struct table *t, uint64_t hash)
{
	__builtin_prefetch(t->slots + (table_hash_(hash) & (t->cap - 1)) *
			   t->ssize);
}

#endif
