/* rtrand.c - SplitMix64 streams and the distributions adlog-redteam draws
 * from.  Independent of adlog-gen's generator on purpose: the red-team
 * traffic shares no code with the traffic the rules were tuned on. */
#include "rtrand.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct rt_rng rt_rng_fork(uint64_t seed, const char *name, uint64_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a of the name */

	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	return (struct rt_rng){ mix(seed ^ mix(h ^ mix(n + 0x9e37))) };
}

uint64_t rt_u64(struct rt_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ull;
	return mix(r->s);
}

double rt_unit(struct rt_rng *r)
{
	return (double)(rt_u64(r) >> 11) * 0x1.0p-53;
}

double rt_range(struct rt_rng *r, double a, double b)
{
	return a + (b - a) * rt_unit(r);
}

double rt_logrange(struct rt_rng *r, double a, double b)
{
	return exp(rt_range(r, log(a), log(b)));
}

uint32_t rt_below(struct rt_rng *r, uint32_t n)
{
	return (uint32_t)(((rt_u64(r) >> 32) * (uint64_t)n) >> 32);
}

bool rt_chance(struct rt_rng *r, double p)
{
	return rt_unit(r) < p;
}

double rt_normal(struct rt_rng *r)
{
	double u = rt_unit(r), v = rt_unit(r);

	return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

double rt_lognormal(struct rt_rng *r, double median, double sigma)
{
	return median * exp(sigma * rt_normal(r));
}

double rt_expo(struct rt_rng *r, double mean)
{
	return -mean * log(1.0 - rt_unit(r));
}

uint32_t rt_poisson(struct rt_rng *r, double mean)
{
	if (mean <= 0)
		return 0;
	if (mean > 30) {
		double x = mean + sqrt(mean) * rt_normal(r) + 0.5;

		return x < 0 ? 0 : (uint32_t)x;
	}
	double l = exp(-mean), p = 1.0;
	uint32_t k = 0;

	do {
		k++;
		p *= rt_unit(r);
	} while (p > l);
	return k - 1;
}

uint32_t rt_geom(struct rt_rng *r, double mean)
{
	if (mean <= 1.0)
		return 1;
	double q = 1.0 - 1.0 / mean;

	return 1 + (uint32_t)floor(log(1.0 - rt_unit(r)) / log(q));
}

/* Acklam's rational approximation (relative error below 1.2e-9). */
double rt_probit(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
		-2.759285104469687e+02, 1.383577518672690e+02,
		-3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
		-1.556989798598866e+02, 6.680131188771972e+01,
		-1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
		-2.400758277161838e+00, -2.549732539343734e+00,
		4.374664141464968e+00, 2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
		2.445134137142996e+00, 3.754408661907416e+00 };
	double q, x;

	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		       ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	if (p > 1 - 0.02425)
		return -rt_probit(1 - p);
	q = p - 0.5;
	x = q * q;
	return (((((a[0] * x + a[1]) * x + a[2]) * x + a[3]) * x + a[4]) * x + a[5]) * q /
	       (((((b[0] * x + b[1]) * x + b[2]) * x + b[3]) * x + b[4]) * x + 1);
}

int rt_table_init(struct rt_table *t, const double *w, uint32_t n)
{
	double s = 0;

	t->n = n;
	t->cum = malloc((n ? n : 1) * sizeof(*t->cum));
	if (!t->cum)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		t->cum[i] = s += w[i] > 0 ? w[i] : 0;
	return 0;
}

int rt_table_zipf(struct rt_table *t, struct rt_rng *r, uint32_t n, double s)
{
	double *w = malloc((n ? n : 1) * sizeof(*w));
	uint32_t *order = malloc((n ? n : 1) * sizeof(*order));
	int rc = -ENOMEM;

	if (w && order) {
		for (uint32_t i = 0; i < n; i++)
			order[i] = i;
		for (uint32_t i = n; i > 1; i--) {
			uint32_t j = rt_below(r, i), x = order[i - 1];

			order[i - 1] = order[j];
			order[j] = x;
		}
		for (uint32_t i = 0; i < n; i++)
			w[order[i]] = pow(i + 1.0, -s);
		rc = rt_table_init(t, w, n);
	}
	free(w);
	free(order);
	return rc;
}

uint32_t rt_table_pick(const struct rt_table *t, struct rt_rng *r)
{
	double x = rt_unit(r) * t->cum[t->n - 1];
	uint32_t lo = 0, hi = t->n - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

void rt_table_release(struct rt_table *t)
{
	free(t->cum);
	t->cum = NULL;
	t->n = 0;
}
