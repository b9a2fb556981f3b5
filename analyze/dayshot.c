/* dayshot.c - one-shot publishers over the day: each clicking or sampled
 * address's window (its views' span, publisher, loads; whether it clicked
 * and where), then every publisher's one-shot addresses against its
 * single-view visits. */
#include "dayshot.h"

#include <errno.h>
#include <math.h>

#include "event.h"
#include "excess.h"
#include "mix.h"
#include "rules.h"

#define DS_MAX ((size_t)1 << 32)
#define DS_MAX_LOADS 6          /* a page of more is two views (one_shot) */

struct ds_addr {
	int64_t tmin, tmax;         /* its impressions' first and last */
	uint32_t pub;               /* its view's publisher, or its clicks' */
	uint16_t imps;
	uint8_t clicked;
	uint8_t other;              /* another publisher, too many loads, or
				       a returning browser */
};

struct ds_pub {
	uint32_t pub;
	uint32_t marked;
	uint64_t shots;             /* one-shot addresses */
	uint64_t rest;              /* sampled single-view addresses that did
				       not click */
};

int dayshot_init(struct dayshot *d)
{
	*d = (struct dayshot){ 0 };
	if (table_init(&d->addrs, 0, sizeof(struct ds_addr), DS_MAX, &d->full))
		return -ENOMEM;
	table_dense(&d->addrs);
	if (table_init(&d->pubs, 0, sizeof(struct ds_pub), DS_MAX, &d->full)) {
		table_release(&d->addrs);
		return -ENOMEM;
	}
	return 0;
}

/* a's events are no longer one publisher's when they reach pub too. */
static void same_pub(struct ds_addr *a, uint32_t pub, bool first)
{
	if (first)
		a->pub = pub;
	else if (a->pub != pub)
		a->other = 1;
}

int dayshot_click(struct dayshot *d, uint64_t akey, uint32_t pub)
{
	bool isnew;
	struct ds_addr *a = table_put(&d->addrs, akey, NULL, &isnew);

	if (!a)
		return -ENOMEM;
	same_pub(a, pub, isnew);
	a->clicked = 1;
	return 0;
}

int dayshot_imp(struct dayshot *d, uint64_t akey, const struct seg_record *x,
		const struct dayshot_params *p)
{
	struct ds_addr *a = table_find(&d->addrs, akey, NULL);
	bool isnew = false;

	if (!a && rules_addr_sampled(akey) &&
	    !(a = table_put(&d->addrs, akey, NULL, &isnew)))
		return -ENOMEM;
	if (!a)
		return 0;
	same_pub(a, x->pub, isnew);
	/* a kept uid: a browser seen before, not a new visit */
	if (x->has_uid && !(x->flags & EVENT_F_UID_NEW))
		a->other = 1;
	if (!a->imps || x->ts_ms < a->tmin)
		a->tmin = x->ts_ms;
	if (!a->imps || x->ts_ms > a->tmax)
		a->tmax = x->ts_ms;
	if (a->imps == DS_MAX_LOADS || a->tmax - a->tmin > p->view_ms)
		a->other = 1;
	else
		a->imps++;
	return 0;
}

/* Is a's window one view of one publisher (and its clicks there)? */
static bool one_view(const struct ds_addr *a)
{
	return a->imps && !a->other;
}

static struct ds_pub *pub_of(struct dayshot *d, uint32_t pub, bool add)
{
	bool isnew;
	struct ds_pub *e;

	if (!add)
		return table_find(&d->pubs, mix_u64((uint64_t)pub + 1), NULL);
	e = table_put(&d->pubs, mix_u64((uint64_t)pub + 1), NULL, &isnew);
	if (e)
		e->pub = pub;
	return e;
}

uint64_t dayshot_count(struct dayshot *d, const struct dayshot_params *p)
{
	size_t cur = 0;
	uint64_t akey;
	const struct ds_addr *a;
	struct ds_pub *e;

	d->tested = 0;
	while ((a = table_next(&d->addrs, &cur, &akey))) {
		if (!one_view(a) || (!a->clicked && !rules_addr_sampled(akey)))
			continue;
		if (!(e = pub_of(d, a->pub, true)))
			return (uint64_t)-1;
		e->shots += a->clicked;
		e->rest += !a->clicked;
	}
	cur = 0;
	while ((e = table_next(&d->pubs, &cur, NULL)))
		d->tested += e->shots >= p->min_clicks;
	return d->tested;
}

/* P(X <= s) for X ~ Poisson(mu), summed in logs: exp(-mu) alone is 0 in
 * a double past mu = 745. */
static double poisson_cdf(uint64_t s, double mu)
{
	double lt = -mu, ls = lt;

	for (uint64_t i = 1; i <= s; i++) {
		lt += log(mu / (double)i);
		ls = ls > lt ? ls + log1p(exp(lt - ls)) : lt + log1p(exp(ls - lt));
	}
	return exp(ls);
}

/* The one-sided 97.5% upper confidence limit of a Poisson mean of which
 * s was seen (Garwood, Biometrika 1936): the mu at which s or fewer
 * have probability 0.025.  Bisection; s is a sample's count, small. */
static double poisson_upper(uint64_t s)
{
	double lo = (double)s, hi = (double)s + 10 * sqrt((double)s + 1) + 10;

	for (int i = 0; i < 60; i++) {
		double mid = (lo + hi) / 2;

		if (poisson_cdf(s, mid) > 0.025)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/* e's single-view visits: its one-shot addresses, and the sampled ones
 * that did not click times the sample's rate; at most (upper) the
 * sample's 97.5% limit, so a sample that missed them is no evidence. */
static double visits_of(const struct ds_pub *e, bool upper)
{
	const double per_sample = (double)(1u << RULES_ADDR_SAMPLE_BITS);

	return (double)e->shots + per_sample *
	       (upper ? poisson_upper(e->rest) : (double)e->rest);
}

/* Is e's one-shot share an improbable excess over the others' rate
 * (shots, visits: all publishers'), and are people's one-shot clicks
 * expected among e's few enough?  The test takes e's visits at the
 * sample's upper limit (a sample that missed them is no evidence); the
 * bound, like one_shot's, at its estimate, taking every single view of e
 * that did not click for a person's: of v visits at people's rate r,
 * r v / (1 - r) per one that did not click. */
static bool pub_improbable(const struct ds_pub *e, uint64_t shots,
			   double visits, const struct dayshot_params *p,
			   double b)
{
	double v = visits_of(e, false);
	double r = ((double)(shots - e->shots) + 0.5) / (visits - v + 0.5);
	double q = p->ratio * r;
	uint64_t n;

	if (e->shots < p->min_clicks || r >= 1 || q >= 1)
		return false;
	n = (uint64_t)ceil(visits_of(e, true));
	return excess_binom_sf(e->shots, n, q) < b &&
	       (v - (double)e->shots) * r / (1 - r) <=
		       (1 - p->precision) * (double)e->shots;
}

void dayshot_judge(struct dayshot *d, const struct dayshot_params *p,
		   double b, dayshot_mark_fn mark, void *ctx)
{
	uint64_t shots = 0, akey;
	double visits = 0;
	size_t cur = 0;
	struct ds_pub *e;
	const struct ds_addr *a;

	while ((e = table_next(&d->pubs, &cur, NULL))) {
		shots += e->shots;
		visits += visits_of(e, false);
	}
	cur = 0;
	while ((e = table_next(&d->pubs, &cur, NULL)))
		if (pub_improbable(e, shots, visits, p, b)) {
			e->marked = 1;
			d->pubs_marked++;
		}
	if (!d->pubs_marked)
		return;
	cur = 0;
	while ((a = table_next(&d->addrs, &cur, &akey))) {
		if (!a->clicked || !one_view(a) ||
		    !(e = pub_of(d, a->pub, false)) || !e->marked)
			continue;
		mark(ctx, akey);
		d->addrs_marked++;
	}
}

void dayshot_release(struct dayshot *d)
{
	table_release(&d->addrs);
	table_release(&d->pubs);
}
