/* excess.h - the binomial, gamma and Poisson tails and the peer excess
 * test that analyze's publisher rules (one_shot, hot_addr) and the
 * publisher scores share: is one member's k of n improbable at the rate
 * of the others (one-sided binomial, Bonferroni over the members
 * tested)?  Pure functions, no state. */
#ifndef ADLOG_EXCESS_H
#define ADLOG_EXCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* P(X >= k) for X ~ Binomial(n, p): the one-sided p-value of seeing k or
 * more successes in n trials at rate p (exact, by the regularized
 * incomplete beta function).  1 when k is 0; 0 when k > n or p <= 0. */
double excess_binom_sf(uint64_t k, uint64_t n, double p);

/* log10 of excess_binom_sf(k, n, p), computed in log space so that tails
 * far below the smallest double (a publisher's thousands of excess clicks)
 * keep their order: 0 when k is 0 or p >= 1; -INFINITY when p <= 0.
 * k > n counts as k of k (as excess_fires does: a count of events of one
 * kind gathered apart from their total never makes an infinite score). */
double excess_binom_log10sf(uint64_t k, uint64_t n, double p);

/* Natural log of the upper regularized gamma Q(a, x) (series below
 * x = a + 1, continued fraction above): 0 when x <= 0.  The chi-square
 * and Poisson tails are made of it. */
double excess_log_gammq(double a, double x);

/* P(X >= k) for X ~ Poisson(lambda), the lower regularized gamma
 * P(k, lambda): 1 when k is 0, 0 when lambda <= 0. */
double excess_poisson_sf(uint64_t k, double lambda);

/* log10 P(Z >= z) for Z standard normal, from the same gamma function
 * (Q(1/2, z^2 / 2) / 2), so that tails far below the smallest double
 * keep their order. */
double excess_normal_log10sf(double z);

/* The thresholds of one excess test. */
struct excess_test {
	double ratio;       /* k must be at least ratio times the peers' rate */
	double alpha;       /* p-value under alpha / tested fires */
	double precision;   /* *flag when people's expected events are at
			       most 1 - this share of k (below) */
	uint32_t min;       /* k below this is not tested */
	bool by_rest;       /* people's share of k from the n - k trials
			       not counted, not from all n (below) */
};

/* Does a member's k of n fire against all members' all_k of all_n (the
 * others' rate add-one-half) at t->ratio, with a one-sided binomial
 * p-value under t->alpha / tested?  *flag: and are people's events
 * expected among k at most 1 - t->precision of k, so that k may be
 * flagged?  People's expected count is the others' rate p0 times n, or
 * with t->by_rest p0 (n - k) / (1 - p0): the member's n - k events not
 * counted are at most people's, who make p0 counted per 1 - p0 not.
 * false (and *flag false) below t->min or without others. */
bool excess_fires(const struct excess_test *t, uint32_t k, uint32_t n,
		  uint64_t all_k, uint64_t all_n, size_t tested, bool *flag);

/* The smallest k whose strongest outcome, k successes in k trials at rate
 * p (p-value p^k), is under alpha: below it the test cannot fire at all.
 * UINT32_MAX when p >= 1 or alpha <= 0; 1 when p <= 0. */
uint32_t excess_min_k(double p, double alpha);

/* Tarone's count of the tests an hour's budget is shared by (Tarone, "A
 * modified Bonferroni method for discrete data", Biometrics 46, 1990):
 * hist[k] members with k successes (the last bin: that many or more), each
 * tested at rate p; the smallest K such that at most K members reach
 * excess_min_k(p, budget / K).  Sets *min to that count; each member is
 * then tested at budget / K.  1 (and *min = excess_min_k(p, budget)) when
 * no member can fire. */
size_t excess_tarone(const uint32_t *hist, size_t nbins, double p,
		     double budget, uint32_t *min);

#endif
