/* table.c - the capped open-addressing table of table.h: growth, removal,
 * iteration.  Slots come from sketch_mem_alloc, so a big table sits on
 * huge pages (its lookups are random, each would miss the TLB too). */
#include "table.h"

#include <errno.h>
#include <stdlib.h>

#include "sketch.h"

#define TABLE_MIN_CAP 64
#define TABLE_MIN_MAX 16

static uint64_t *slot_at(const struct table *t, size_t i)
{
	return (uint64_t *)(void *)(t->slots + i * t->ssize);
}

static int slots_alloc(struct table *t, size_t cap)
{
	t->slots = sketch_mem_alloc(cap * t->ssize);
	if (!t->slots)
		return -ENOMEM;
	t->cap = cap;
	t->n = 0;
	return 0;
}

int table_init(struct table *t, size_t ksize, size_t vsize, size_t max,
	       uint64_t *full)
{
	memset(t, 0, sizeof(*t));
	if (ksize > vsize)
		return -EINVAL;
	t->ksize = ksize;
	t->vsize = vsize;
	t->ssize = 8 + ((vsize + 7) & ~(size_t)7);
	t->max = max < TABLE_MIN_MAX ? TABLE_MIN_MAX : max;
	t->fill = 2;
	t->full = full;
	return slots_alloc(t, TABLE_MIN_CAP);
}

void table_dense(struct table *t)
{
	t->fill = 3;
}

void table_release(struct table *t)
{
	if (t->slots)
		sketch_mem_free(t->slots, table_bytes(t));
	t->slots = NULL;
	t->cap = t->n = 0;
}

struct table *table_new(size_t ksize, size_t vsize, size_t max,
			uint64_t *full)
{
	struct table *t = calloc(1, sizeof(*t));

	if (t && table_init(t, ksize, vsize, max, full) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

void table_free(struct table *t)
{
	if (t)
		table_release(t);
	free(t);
}

/* Move every entry into cap new slots. */
static int resize(struct table *t, size_t cap)
{
	struct table old = *t;

	if (slots_alloc(t, cap) < 0) {
		*t = old;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old.cap; i++) {
		uint64_t *s = slot_at(&old, i);

		if (*s) {
			memcpy(table_slot_(t, *s, s + 1), s, t->ssize);
			t->n++;
		}
	}
	table_release(&old);
	return 0;
}

int table_grow_(struct table *t)
{
	return resize(t, t->cap * 2);
}

void *table_refuse_(struct table *t)
{
	if (t->full)
		(*t->full)++;
	return NULL;
}

int table_reserve(struct table *t, size_t n)
{
	size_t cap = t->cap;

	if (n > t->max)
		n = t->max;
	while (4 * n > t->fill * cap)
		cap *= 2;
	return cap == t->cap ? 0 : resize(t, cap);
}

void table_clear(struct table *t)
{
	if (t->n)
		memset(t->slots, 0, table_bytes(t));
	t->n = 0;
}

/* Is slot i's entry, whose run starts at home, still reachable from home
 * once the slot at hole is emptied?  (hole is cyclically before i.) */
static bool home_after_hole(size_t home, size_t hole, size_t i)
{
	return hole <= i ? hole < home && home <= i :
			   hole < home || home <= i;
}

bool table_remove(struct table *t, uint64_t hash, const void *key)
{
	size_t mask = t->cap - 1, hole, i;
	uint64_t *s = table_slot_(t, table_hash_(hash), key);

	if (!*s)
		return false;
	hole = (size_t)((unsigned char *)s - t->slots) / t->ssize;
	/* shift back the entries of the run that probed past the hole */
	for (i = (hole + 1) & mask; *slot_at(t, i); i = (i + 1) & mask) {
		if (home_after_hole(*slot_at(t, i) & mask, hole, i))
			continue;
		memcpy(slot_at(t, hole), slot_at(t, i), t->ssize);
		hole = i;
	}
	memset(slot_at(t, hole), 0, t->ssize);
	t->n--;
	return true;
}

void *table_pack(struct table *t, size_t *n)
{
	size_t k = 0;

	for (size_t i = 0; i < t->cap; i++) {
		uint64_t *s = slot_at(t, i);

		/* k <= i and vsize < ssize: the copy never overtakes a slot
		 * not read yet */
		if (*s)
			memmove(t->slots + k++ * t->vsize, s + 1, t->vsize);
	}
	*n = k;
	t->n = 0;
	return t->slots;
}
