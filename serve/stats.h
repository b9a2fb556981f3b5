/* stats.h - the counters behind /status.  Each thread counts into its own
 * cache line without a lock; a reader sums the lines.
 *
 * Ownership: the caller owns struct stats (stats_init/stats_release). */
#ifndef ADLOG_SERVE_STATS_H
#define ADLOG_SERVE_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum stats_ep { EP_AD, EP_I, EP_C, EP_STATUS, EP_OTHER, EP_R, EP_F, EP__N };
enum stats_code { SC_200, SC_204, SC_302, SC_400, SC_404, SC_405, SC_500,
		  SC__N };

struct stats_thread {
	_Atomic uint64_t req[EP__N][SC__N];
	_Atomic uint64_t events, bytes, dropped, no_fill;
	_Atomic uint64_t cors_refused;     /* /ad Origin not the zone's publisher's */
	_Atomic uint64_t late, abandoned;  /* refused as too old; given up on */
	/* lines retracted (or not: their file was closed) as their answer
	 * never reached nginx */
	_Atomic uint64_t retracted, unretracted;
	_Atomic uint64_t clock_bad;        /* events dropped: clock outside 2020..2099 */
	_Atomic uint64_t busy;             /* 1 while handling a request */
} __attribute__((aligned(64)));

struct stats {
	size_t n;
	struct stats_thread *t;
};

/* Everything /status shows, summed. */
struct stats_view {
	uint64_t req[EP__N][SC__N];
	uint64_t events, bytes, dropped, no_fill, in_flight, cors_refused;
	uint64_t late, abandoned, clock_bad, retracted, unretracted;
	uint64_t write_errors, files_closed, open_files;
	uint64_t inv_reloads, inv_errors, inv_ads, inv_zones;
	int64_t uptime_s, inv_age_s;
	unsigned node;
	long pid;
	const char *inv_version;
};

int stats_init(struct stats *s, size_t nthreads);
void stats_release(struct stats *s);

/* Add v to a counter of the calling thread's own line (one writer). */
static inline void stats_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
			      memory_order_relaxed);
}

/* Sum the per-thread lines into v (other fields untouched). */
void stats_sum(const struct stats *s, struct stats_view *v);

/* The code index of an HTTP status. */
enum stats_code stats_code_of(int status);

/* Render v as plain text or Prometheus text into buf.  Returns the length,
 * or 0 when cap is too small. */
size_t stats_render(const struct stats_view *v, int prometheus, char *buf,
		    size_t cap);

#endif
