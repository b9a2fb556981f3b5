/* eventid.c - lock-free generator of time-ordered 64-bit event ids. */
#include "eventid.h"

#include "event.h"

#define SEQ_BITS 12
#define NODE_BITS 10

void eventid_init(struct eventid_gen *g, uint32_t node)
{
	atomic_init(&g->state, 0);
	g->node = node & EVENTID_NODE_MAX;
}

uint64_t eventid_make(int64_t unix_ms, uint32_t node, uint32_t seq)
{
	uint64_t ms = (uint64_t)(unix_ms - EVENT_ID_EPOCH_MS);

	return ms << (NODE_BITS + SEQ_BITS) |
	       (uint64_t)(node & EVENTID_NODE_MAX) << SEQ_BITS |
	       (seq & ((1u << SEQ_BITS) - 1));
}

uint64_t eventid_next(struct eventid_gen *g, int64_t now_ms)
{
	uint64_t floor = (uint64_t)(now_ms - EVENT_ID_EPOCH_MS) << SEQ_BITS;
	uint64_t old = atomic_load_explicit(&g->state, memory_order_relaxed);
	uint64_t next;

	do {
		next = floor > old ? floor : old + 1;
	} while (!atomic_compare_exchange_weak_explicit(
		&g->state, &old, next, memory_order_relaxed,
		memory_order_relaxed));
	return eventid_make((int64_t)(next >> SEQ_BITS) + EVENT_ID_EPOCH_MS,
			    g->node, (uint32_t)next);
}

int64_t eventid_ms(uint64_t id)
{
	return (int64_t)(id >> (NODE_BITS + SEQ_BITS)) + EVENT_ID_EPOCH_MS;
}

uint32_t eventid_node(uint64_t id)
{
	return (uint32_t)(id >> SEQ_BITS) & EVENTID_NODE_MAX;
}
