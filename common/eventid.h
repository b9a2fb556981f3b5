/* eventid.h - 64-bit event ids, time-ordered and unique across processes and
 * hosts: ms since 2020-01-01 (42 bits) | node (10 bits) | sequence (12 bits).
 * A generator is shared by every thread of a process; the caller owns it. */
#ifndef ADLOG_EVENTID_H
#define ADLOG_EVENTID_H

#include <stdatomic.h>
#include <stdint.h>

#define EVENTID_NODE_MAX 1023u

struct eventid_gen {
	_Atomic uint64_t state;  /* (ms since 2020 << 12) | sequence */
	uint32_t node;
};

/* node must be <= EVENTID_NODE_MAX. */
void eventid_init(struct eventid_gen *g, uint32_t node);

/* A fresh id for an event at now_ms (Unix ms).  Never returns the same id
 * twice for one generator, even when the clock steps back or more than 4096
 * ids are asked for in one millisecond (the id then runs slightly ahead). */
uint64_t eventid_next(struct eventid_gen *g, int64_t now_ms);

/* The Unix ms and node inside an id. */
int64_t eventid_ms(uint64_t id);
uint32_t eventid_node(uint64_t id);

/* Make an id from its parts, for tests and the generator. */
uint64_t eventid_make(int64_t unix_ms, uint32_t node, uint32_t seq);

#endif
