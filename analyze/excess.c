/* excess.c - the binomial, gamma and Poisson tails and the peer excess
 * test (excess.h), shared by the publisher rules and the publisher
 * scores. */
#include <math.h>
#include <stdint.h>

#include "excess.h"

/* Continued fraction of the incomplete beta (modified Lentz). */
static double betacf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	d = fabs(d) < tiny ? tiny : d;
	d = 1 / d;
	h = d;
	for (int m = 1; m < 200000; m++) {
		double m2 = 2.0 * m, aa, del;

		aa = m * (b - m) * x / ((a - 1 + m2) * (a + m2));
		d = 1 + aa * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2));
		d = 1 + aa * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-13)
			break;
	}
	return h;
}

/* Regularized incomplete beta I_x(a, b). */
static double betai(double a, double b, double x)
{
	double lbt;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
	      b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return exp(lbt) * betacf(a, b, x) / a;
	return 1 - exp(lbt) * betacf(b, a, 1 - x) / b;
}

double excess_binom_sf(uint64_t k, uint64_t n, double p)
{
	if (k == 0)
		return 1;
	if (k > n || p <= 0)
		return 0;
	if (p >= 1)
		return 1;
	return betai((double)k, (double)(n - k + 1), p);
}

/* The lower regularized gamma P(a, x) by its series (x < a + 1: it
 * converges fast, and a tail far below 1 keeps its digits). */
static double gammp_series(double a, double x)
{
	double ap = a, sum = 1 / a, del = sum;

	for (int n = 0; n < 100000; n++) {
		ap += 1;
		del *= x / ap;
		sum += del;
		if (fabs(del) < fabs(sum) * 1e-14)
			break;
	}
	return sum * exp(-x + a * log(x) - lgamma(a));
}

/* Natural log of the upper regularized gamma Q(a, x) by its continued
 * fraction (x >= a + 1; modified Lentz). */
static double log_gammq_cf(double a, double x)
{
	double b = x + 1 - a, c = 1e300, d = 1 / b, h = d;

	for (int i = 1; i < 100000; i++) {
		double an = -i * (i - a), del;

		b += 2;
		d = an * d + b;
		d = fabs(d) < 1e-300 ? 1e-300 : d;
		c = b + an / c;
		c = fabs(c) < 1e-300 ? 1e-300 : c;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-14)
			break;
	}
	return -x + a * log(x) - lgamma(a) + log(h);
}

double excess_log_gammq(double a, double x)
{
	if (x <= 0)
		return 0;
	if (x < a + 1)
		return log1p(-gammp_series(a, x));
	return log_gammq_cf(a, x);
}

double excess_poisson_sf(uint64_t k, double lambda)
{
	if (k == 0)
		return 1;
	if (lambda <= 0)
		return 0;
	if (lambda < (double)k + 1)
		return gammp_series((double)k, lambda);
	return -expm1(log_gammq_cf((double)k, lambda));
}

double excess_normal_log10sf(double z)
{
	/* P(Z >= z) = Q(1/2, z^2 / 2) / 2 for z >= 0 */
	if (z < 0)
		return log10(1 - 0.5 * exp(excess_log_gammq(0.5, z * z / 2)));
	return (log(0.5) + excess_log_gammq(0.5, z * z / 2)) / log(10.0);
}

/* Natural log of betai(a, b, x), the same expansion kept in log space. */
static double log_betai(double a, double b, double x)
{
	double lbt;

	if (x <= 0)
		return -INFINITY;
	if (x >= 1)
		return 0;
	lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
	      b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return lbt + log(betacf(a, b, x)) - log(a);
	return log1p(-exp(lbt) * betacf(b, a, 1 - x) / b);
}

double excess_binom_log10sf(uint64_t k, uint64_t n, double p)
{
	if (k == 0 || p >= 1)
		return 0;
	if (p <= 0)
		return -INFINITY;
	if (k > n)
		n = k;
	return log_betai((double)k, (double)(n - k + 1), p) / log(10.0);
}

bool excess_fires(const struct excess_test *t, uint32_t k, uint32_t n,
		  uint64_t all_k, uint64_t all_n, size_t tested, bool *flag)
{
	double p0, expect, people;

	*flag = false;
	n = n > k ? n : k;
	if (k < t->min || all_n <= n)
		return false;
	p0 = ((double)(all_k - k) + 0.5) / ((double)(all_n - n) + 1);
	expect = p0 * n;
	if (t->ratio * p0 >= 1 || k < expect * t->ratio ||
	    excess_binom_sf(k, n, p0) >= t->alpha / (double)tested)
		return false;
	people = t->by_rest ? p0 * (double)(n - k) / (1 - p0) : expect;
	*flag = people <= (1 - t->precision) * k;
	return true;
}

uint32_t excess_min_k(double p, double alpha)
{
	double k;

	if (p <= 0)
		return 1;
	if (p >= 1 || alpha <= 0)
		return UINT32_MAX;
	if (alpha >= 1)
		return 1;
	/* p^k < alpha: k > log(alpha) / log(p) */
	k = floor(log(alpha) / log(p)) + 1;
	return k > (double)UINT32_MAX ? UINT32_MAX : (uint32_t)k;
}

/* Members of hist with min successes or more; the last bin counts
 * whenever min lies at or past it (over-counting tests is the safe side). */
static size_t reaching(const uint32_t *hist, size_t nbins, uint32_t min)
{
	size_t m = 0;

	for (size_t k = min < nbins ? min : nbins - 1; k < nbins; k++)
		m += hist[k];
	return m;
}

size_t excess_tarone(const uint32_t *hist, size_t nbins, double p,
		     double budget, uint32_t *min)
{
	size_t lo = 1, hi, all = 0;

	for (size_t k = 0; k < nbins; k++)
		all += hist[k];
	hi = all > 1 ? all : 1;
	/* m(K) - K falls as K grows: the smallest K with m(K) <= K */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (reaching(hist, nbins, excess_min_k(p, budget / (double)mid))
		    <= mid)
			hi = mid;
		else
			lo = mid + 1;
	}
	*min = excess_min_k(p, budget / (double)lo);
	return lo;
}
