/* rtrand.h - adlog-redteam's random numbers: one SplitMix64 stream per use
 * (a stream is forked by name from the seed, so adding a draw to one family
 * never shifts another's), and the distributions the models need.
 *
 * Ownership: a stream is a plain value; a table owns its arrays until
 * rt_table_release(). */
#ifndef ADLOG_REDTEAM_RTRAND_H
#define ADLOG_REDTEAM_RTRAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rt_rng {
	uint64_t s;
};

/* A stream for the named use under seed: the same pair, the same stream. */
struct rt_rng rt_rng_fork(uint64_t seed, const char *name, uint64_t n);

uint64_t rt_u64(struct rt_rng *r);
double rt_unit(struct rt_rng *r);                  /* [0, 1) */
double rt_range(struct rt_rng *r, double a, double b);     /* [a, b) */
double rt_logrange(struct rt_rng *r, double a, double b);  /* log-uniform, a > 0 */
uint32_t rt_below(struct rt_rng *r, uint32_t n);   /* [0, n), n > 0 */
bool rt_chance(struct rt_rng *r, double p);
double rt_normal(struct rt_rng *r);
double rt_lognormal(struct rt_rng *r, double median, double sigma);
double rt_expo(struct rt_rng *r, double mean);
uint32_t rt_poisson(struct rt_rng *r, double mean);
/* 1 + a geometric count with the given mean (>= 1). */
uint32_t rt_geom(struct rt_rng *r, double mean);
/* Quantile of the standard normal at p (0 < p < 1). */
double rt_probit(double p);

/* Weighted choice by cumulative sums and binary search. */
struct rt_table {
	double *cum;
	uint32_t n;
};

/* Build from n weights (copied).  Returns 0 or -ENOMEM. */
int rt_table_init(struct rt_table *t, const double *w, uint32_t n);
/* Zipf weights 1/(rank^s) over a random order of n items. */
int rt_table_zipf(struct rt_table *t, struct rt_rng *r, uint32_t n, double s);
uint32_t rt_table_pick(const struct rt_table *t, struct rt_rng *r);
void rt_table_release(struct rt_table *t);

#endif
