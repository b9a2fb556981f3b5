/* rng.c - seeding, normal deviates and alias tables for adlog-gen. */
#include "rng.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

void rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++) {
		x += 0x9e3779b97f4a7c15ull;
		r->s[i] = mix64(x);
	}
}

double rng_normal(struct rng *r)
{
	double u = 1.0 - rng_unit(r);   /* (0, 1]: log stays finite */
	double v = rng_unit(r);

	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

double rng_uniform(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_unit(r);
}

double rng_log_uniform(struct rng *r, double lo, double hi)
{
	return lo * exp(log(hi / lo) * rng_unit(r));
}

int alias_init(struct alias *a, const double *w, uint32_t n)
{
	double sum = 0, *p = NULL;
	uint32_t *small = NULL, *large = NULL, ns = 0, nl = 0;
	int rc = -ENOMEM;

	a->n = n;
	a->prob = NULL;
	a->alias = NULL;
	for (uint32_t i = 0; i < n; i++) {
		if (!(w[i] >= 0))
			return -EINVAL;
		sum += w[i];
	}
	if (n == 0 || !(sum > 0))
		return -EINVAL;
	a->prob = malloc(n * sizeof(*a->prob));
	a->alias = malloc(n * sizeof(*a->alias));
	p = malloc(n * sizeof(*p));
	small = malloc(n * sizeof(*small));
	large = malloc(n * sizeof(*large));
	if (!a->prob || !a->alias || !p || !small || !large)
		goto out_free;
	for (uint32_t i = 0; i < n; i++) {
		p[i] = w[i] * n / sum;
		if (p[i] < 1.0)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns && nl) {
		uint32_t s = small[--ns], l = large[nl - 1];

		a->prob[s] = (uint32_t)(p[s] * 4294967296.0);
		a->alias[s] = l;
		p[l] -= 1.0 - p[s];
		if (p[l] < 1.0) {
			nl--;
			small[ns++] = l;
		}
	}
	/* what is left has p == 1 up to rounding: always keep it */
	while (nl) {
		uint32_t l = large[--nl];

		a->prob[l] = UINT32_MAX;
		a->alias[l] = l;
	}
	while (ns) {
		uint32_t s = small[--ns];

		a->prob[s] = UINT32_MAX;
		a->alias[s] = s;
	}
	rc = 0;
out_free:
	free(p);
	free(small);
	free(large);
	if (rc)
		alias_release(a);
	return rc;
}

void alias_release(struct alias *a)
{
	free(a->prob);
	free(a->alias);
	a->prob = NULL;
	a->alias = NULL;
	a->n = 0;
}
