/* hazard.h - hazard slots: how request threads use a shared object (the
 * inventory, the open event file) that another thread may swap out, without
 * a lock or a shared counter on the request path.  A reader publishes the
 * pointer it uses in its own cache line; whoever swaps the object out waits
 * until no slot names the old one before freeing or closing it.
 *
 * Ownership: the caller owns struct hazard_set (hazard_init/hazard_release)
 * and every object; slots only name objects. */
#ifndef ADLOG_SERVE_HAZARD_H
#define ADLOG_SERVE_HAZARD_H

#include <stdatomic.h>
#include <stddef.h>

struct hazard_slot {
	_Atomic(void *) p;
	char pad[64 - sizeof(void *)];
};

struct hazard_set {
	size_t n;
	struct hazard_slot *slot;   /* n slots, one per thread, 64-aligned */
};

/* n slots.  Returns 0 or -ENOMEM. */
int hazard_init(struct hazard_set *h, size_t n);
void hazard_release(struct hazard_set *h);

/* Load *src and protect it in slot i; the result stays valid until
 * hazard_drop(h, i).  May return NULL. */
static inline void *hazard_take(struct hazard_set *h, size_t i,
				_Atomic(void *) *src)
{
	void *p, *q = atomic_load(src);

	do {
		p = q;
		atomic_store(&h->slot[i].p, p);
		q = atomic_load(src);
	} while (q != p);
	return p;
}

static inline void hazard_drop(struct hazard_set *h, size_t i)
{
	atomic_store_explicit(&h->slot[i].p, NULL, memory_order_release);
}

/* After old was swapped out of the shared pointer, wait until no slot
 * protects it.  Readers hold a slot for one request, so this is short. */
void hazard_wait(struct hazard_set *h, const void *old);

#endif
