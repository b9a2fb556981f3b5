/* pubscore.c - publisher-per-day scoring (pubscore.h, docs/rules.md).
 * Events fold into one small accumulator per publisher (counts, a 24-bin
 * profile, Space-Saving summaries of clicking and flagged addresses);
 * traffic the publisher suffers is counted aside.  pubscore_finish() tests
 * each publisher against the pooled others (leave-one-out), each test
 * against a null of the largest excess honest variation explains, and
 * scores the strongest evidence, Sidak-corrected for the tests run.
 * Publishers are few (thousands), so uthash is enough for them; the
 * day's clicking addresses, up to PUBSCORE_ADDR_MAX, are in analyze's
 * capped table (table.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "excess.h"
#include "pubscore.h"
#include "reason.h"
#include "segment.h"
#include "sketch.h"

/* Bits of the day-long tests (hot_addr's look-back, the day pass): a
 * click flagged by them alone still makes its address one of the
 * publisher's clicking addresses for high_ctr_addrs, as it would without
 * those rules (the hourly profile counts valid events only). */
#define PUB_OPEN_BITS ((uint32_t)(IVT_HOT_ADDR | IVT_DAY_MASK))

#define INGEST_BITS 0xffffu

static const char *const pub_names[PUB_R__COUNT] = {
	"ctr_high", "click_addr_concentration", "cookieless_clicks",
	"referer_outside_domains", "hourly_profile", "invalid_share",
	"high_ctr_addrs", "one_shot_clicks", "unshown_clicks",
};

const char *pub_reason_name(unsigned r)
{
	return r < PUB_R__COUNT ? pub_names[r] : NULL;
}

static const char *const suffered_names[PUB_S__COUNT] = {
	"givt", "dup_click", "imp_flood", "one_address_burst", "no_impression",
};

const char *pub_suffered_name(unsigned s)
{
	return s < PUB_S__COUNT ? suffered_names[s] : NULL;
}

/* A zone of a publisher: its CTR and impressions by hour, so that the
 * hourly test expects clicks where its zones' impressions are. */
struct zone_acc {
	uint32_t zone;
	uint64_t imps, clicks;         /* valid, as _h */
	double firsts, rfirsts;        /* new and returning visits' first
					  impressions (pubscore_one_shot) */
	uint64_t imps_h[24];
	UT_hash_handle hh;
};

struct pub_acc {
	uint32_t pub;
	struct zone_acc *zones;        /* uthash by zone id */
	uint64_t all_imps, all_clicks; /* not flagged by ingest */
	uint64_t imps, clicks;         /* and not suffered: what tests see */
	uint64_t valid_imps, valid_clicks;
	uint64_t served, rendered;     /* ads served, renders reported */
	uint64_t suffered[PUB_S__COUNT];
	uint64_t clicks_h[24];          /* valid; its zones hold impressions
					   by hour */
	uint64_t cookieless_clicks;
	uint64_t cookieless_valid;     /* of them, valid */
	uint64_t ref_known, ref_outside;
	uint64_t flagged;              /* events with a PUBSCORE_SHARE_BITS bit,
					  and dedup */
	uint64_t dedup;                /* events of suffered bits alone */
	double firsts;                 /* new visits' first impressions and */
	uint64_t oneshot;              /* one-shot clicks: its zones' sums */
	uint64_t reshot;               /* the same clicks of returning visits */
	uint64_t pool_clicks;          /* clicks flagged hot_addr alone */
	struct sketch_topk top;        /* clicking addresses */
	struct sketch_topk ftop;       /* flagged events by address */
	struct sketch_topk vtop;       /* the same by kept uid (flagged_add) */
	uint64_t unshown, unshown_n;   /* clicks on ads never shown, of */
	struct sketch_topk utop;       /* the former by address */
	UT_hash_handle hh;
};

void pubscore_params_default(struct pubscore_params *p)
{
	*p = (struct pubscore_params){
		.min_imps = 1000,
		.min_clicks = 20,
		.hourly_min_clicks = 100,
		.alpha = 1e-6,
		.ctr_ratio = 3.0,
		.top_addrs = 3,
		.top_share = 0.5,
		.cookieless_excess = 0.3,
		.hourly_js = 0.15,
	};
}

void pubscore_params_from_config(struct pubscore_params *p,
				 const struct config *c)
{
	const struct config_analyze *a = &c->analyze;

	pubscore_params_default(p);
	p->min_imps = (uint64_t)a->pub_min_imps;
	p->min_clicks = (uint64_t)a->pub_min_clicks;
	p->hourly_min_clicks = (uint64_t)a->pub_hourly_min_clicks;
	p->alpha = a->pub_alpha;
	p->ctr_ratio = a->pub_ctr_ratio;
	p->top_addrs = (uint32_t)a->pub_top_addrs;
	p->top_share = a->pub_top_share;
	p->cookieless_excess = a->pub_cookieless_excess;
	p->hourly_js = a->pub_hourly_js;
}

int pubscore_init(struct pubscore *ps, const struct pubscore_params *p)
{
	memset(ps, 0, sizeof(*ps));
	if (p->top_addrs < 1 || p->top_addrs > SKETCH_TOPK_MAX / 4 ||
	    p->alpha <= 0 || p->alpha >= 1 || p->ctr_ratio < 1)
		return -EINVAL;
	ps->p = *p;
	return 0;
}

static void acc_free(struct pub_acc *a)
{
	struct zone_acc *z, *tmp;

	HASH_ITER(hh, a->zones, z, tmp) {
		HASH_DEL(a->zones, z);
		free(z);
	}
	free(a);
}

void pubscore_release(struct pubscore *ps)
{
	struct pub_acc *a, *tmp;

	table_release(&ps->addrs);
	HASH_ITER(hh, ps->pubs, a, tmp) {
		HASH_DEL(ps->pubs, a);
		acc_free(a);
	}
	ps->npubs = 0;
}

/* ---- clicking addresses of the day ---- */

#define ADDR_PUBS 4

/* One clicking address: its clicks and impressions over the day (the
 * impressions of the hours it clicked in, as the rules estimated them),
 * and its valid clicks on up to ADDR_PUBS publishers. */
struct pub_addr {
	uint64_t addr;                 /* the key */
	uint32_t clicks, imps;
	uint32_t last_hour;            /* hour of day + 1 its imps were added */
	uint32_t pub[ADDR_PUBS];
	uint16_t pub_clicks[ADDR_PUBS];
	bool spread;                   /* clicked more than ADDR_PUBS
					  publishers: no coalition's */
};

/* The entry of addr, added when absent; NULL when full or out of memory
 * (counted in addrs_full). */
static struct pub_addr *addr_get(struct pubscore *ps, uint64_t addr)
{
	bool isnew;

	if (!ps->addrs.slots &&
	    table_init(&ps->addrs, sizeof(addr), sizeof(struct pub_addr),
		       PUBSCORE_ADDR_MAX, &ps->addrs_full)) {
		ps->addrs_full++;
		return NULL;
	}
	return table_put(&ps->addrs, mix_u64(addr), &addr, &isnew);
}

/* Count n valid clicks of x on pub. */
static void addr_pub_add(struct pub_addr *x, uint32_t pub, uint32_t n)
{
	for (int i = 0; i < ADDR_PUBS; i++)
		if (x->pub[i] == pub || !x->pub_clicks[i]) {
			x->pub[i] = pub;
			x->pub_clicks[i] = (uint16_t)(x->pub_clicks[i] + n >
						      UINT16_MAX ? UINT16_MAX :
						      x->pub_clicks[i] + n);
			return;
		}
	x->spread = true;
}

/* Count e among a's flagged events of its address and of its visitor
 * (its kept uid, else its address): a burst is one source's, whether
 * many uids behind one address or one person on a phone roaming a
 * carrier's addresses. */
static void flagged_add(struct pub_acc *a, const struct pub_event *e)
{
	a->flagged++;
	sketch_topk_add(&a->ftop, e->addr, 1);
	sketch_topk_add(&a->vtop, e->visitor ? e->visitor : e->addr, 1);
}

static void addr_click(struct pubscore *ps, const struct pub_event *e)
{
	struct pub_addr *x = addr_get(ps, e->addr);

	if (!x)
		return;
	x->clicks++;
	if (x->last_hour != e->hour + 1u) {
		x->last_hour = e->hour + 1u;
		x->imps += e->addr_imps;
	}
	/* valid, or flagged by hot_addr or the day pass alone: an hour's
	 * (or the day's) view of what the day-long test sees, so it counts
	 * the click as it did before those rules */
	if (!(e->reasons & ~PUB_OPEN_BITS))
		addr_pub_add(x, e->pub, 1);
}

/* The accumulator of pub, created when absent; NULL when out of memory. */
static struct pub_acc *acc_get(struct pubscore *ps, uint32_t pub)
{
	struct pub_acc *a;

	HASH_FIND(hh, ps->pubs, &pub, sizeof(pub), a);
	if (a)
		return a;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->pub = pub;
	/* 16 counters per reported address keep the top-k error small */
	sketch_topk_init(&a->top, 16 * ps->p.top_addrs);
	sketch_topk_init(&a->ftop, 16 * ps->p.top_addrs);
	sketch_topk_init(&a->vtop, 16 * ps->p.top_addrs);
	sketch_topk_init(&a->utop, 16 * ps->p.top_addrs);
	HASH_ADD(hh, ps->pubs, pub, sizeof(a->pub), a);
	ps->npubs++;
	return a;
}

static struct zone_acc *zone_get(struct pub_acc *a, uint32_t zone)
{
	struct zone_acc *z;

	HASH_FIND(hh, a->zones, &zone, sizeof(zone), z);
	if (z)
		return z;
	if (!(z = calloc(1, sizeof(*z))))
		return NULL;
	z->zone = zone;
	HASH_ADD(hh, a->zones, zone, sizeof(z->zone), z);
	return z;
}

/* A click on an ad the publisher's pages never showed: unsigned where
 * the ad needs a token (ingest's bit alone), or without its impression
 * (analyze's).  unshown_clicks' trials are the clicks ingest left valid
 * and those. */
static void count_unshown(struct pub_acc *a, const struct pub_event *e)
{
	uint32_t ingest = e->reasons & INGEST_BITS;

	if (ingest && ingest != SEG_R_UNSIGNED_DENY)
		return;
	a->unshown_n++;
	if (ingest || (e->reasons & IVT_NO_IMPRESSION)) {
		a->unshown++;
		sketch_topk_add(&a->utop, e->addr, 1);
	}
}

int pubscore_event(struct pubscore *ps, const struct pub_event *e)
{
	struct pub_acc *a;
	struct zone_acc *z = NULL;
	unsigned h = e->hour < 24 ? e->hour : 23;
	uint32_t an = e->reasons & IVT_MASK;

	if (e->type == EVENT_SERVED || (e->type == EVENT_IMPRESSION && e->render)) {
		/* every one, bots' too: bots fetch ads, people render them */
		if (!(a = acc_get(ps, e->pub)))
			return -ENOMEM;
		a->served += e->type == EVENT_SERVED;
		a->rendered += e->type != EVENT_SERVED;
		if (e->type == EVENT_SERVED)
			return 0;
	}
	if (!(a = acc_get(ps, e->pub)))
		return -ENOMEM;
	if (e->type == EVENT_CLICK)
		count_unshown(a, e);
	if (e->reasons & INGEST_BITS) {
		/* declared bots say nothing of the publisher */
		a->suffered[PUB_S_GIVT]++;
		return 0;
	}
	a->all_imps += e->type != EVENT_CLICK;
	a->all_clicks += e->type == EVENT_CLICK;
	a->valid_imps += e->reasons == 0 && e->type != EVENT_CLICK;
	a->valid_clicks += e->reasons == 0 && e->type == EVENT_CLICK;
	if (an && (!(an & ~(uint32_t)PUBSCORE_SUFFERED_BITS) ||
		   (an & IVT_NO_IMPRESSION))) {
		/* a visitor's duplicates, and clicks on ads never shown
		 * (whatever else the rules said of them): out of the rates,
		 * but many visitors' are invalid_share's, bursts out; not a
		 * duplicate click alone, which earns no one anything (the
		 * first click on the impression is the one billed) */
		a->suffered[an & IVT_NO_IMPRESSION ? PUB_S_NO_IMPRESSION :
			    an & IVT_DUP_CLICK ? PUB_S_DUP_CLICK :
			    PUB_S_IMP_FLOOD]++;
		if (an == IVT_DUP_CLICK)
			return 0;
		a->dedup++;
		flagged_add(a, e);
		return 0;
	}
	/* the hourly profile: valid events only, so that bots the rules
	 * (the day pass's too) flagged on every publisher they reached bend
	 * no honest publisher's clicks by hour */
	if (!e->reasons && !(z = zone_get(a, e->zone)))
		return -ENOMEM;
	if (e->reasons & PUBSCORE_SHARE_BITS)
		flagged_add(a, e);
	if (e->ref != PUB_REF_NONE) {
		a->ref_known++;
		a->ref_outside += e->ref == PUB_REF_OUTSIDE ||
				  e->ref == PUB_REF_NO_HOST;
	}
	if (e->type == EVENT_CLICK) {
		a->clicks++;
		a->clicks_h[h] += !e->reasons;    /* as z: valid only */
		if (z)
			z->clicks++;
		a->pool_clicks += e->reasons == IVT_HOT_ADDR;
		a->cookieless_clicks += !e->has_uid || e->uid_new;
		a->cookieless_valid += !e->reasons &&
				       (!e->has_uid || e->uid_new);
		sketch_topk_add(&a->top, e->addr, 1);
		addr_click(ps, e);
	} else {
		a->imps++;
		if (z) {
			z->imps++;
			z->imps_h[h]++;
		}
	}
	return 0;
}

int pubscore_one_shot(struct pubscore *ps, uint32_t pub, uint32_t zone,
		      const struct pub_visits *v)
{
	struct pub_acc *a = acc_get(ps, pub);
	struct zone_acc *z = a ? zone_get(a, zone) : NULL;

	if (!z)
		return -ENOMEM;
	z->firsts += v->firsts;
	z->rfirsts += v->rfirsts;
	a->firsts += v->firsts;
	a->oneshot += v->oneshot;
	a->reshot += v->reshot;
	return 0;
}

static int zones_merge(struct pub_acc *d, const struct pub_acc *s)
{
	const struct zone_acc *x, *tmp;

	HASH_ITER(hh, s->zones, x, tmp) {
		struct zone_acc *y = zone_get(d, x->zone);

		if (!y)
			return -ENOMEM;
		y->imps += x->imps;
		y->clicks += x->clicks;
		y->firsts += x->firsts;
		y->rfirsts += x->rfirsts;
		for (int h = 0; h < 24; h++)
			y->imps_h[h] += x->imps_h[h];
	}
	return 0;
}

int pubscore_merge(struct pubscore *dst, const struct pubscore *src)
{
	const struct pub_acc *s, *tmp;
	const struct pub_addr *x;

	HASH_ITER(hh, src->pubs, s, tmp) {
		struct pub_acc *d = acc_get(dst, s->pub);

		if (!d)
			return -ENOMEM;
		d->all_imps += s->all_imps;
		d->all_clicks += s->all_clicks;
		d->imps += s->imps;
		d->clicks += s->clicks;
		for (int k = 0; k < PUB_S__COUNT; k++)
			d->suffered[k] += s->suffered[k];
		d->valid_imps += s->valid_imps;
		d->valid_clicks += s->valid_clicks;
		d->served += s->served;
		d->rendered += s->rendered;
		for (int h = 0; h < 24; h++) {
			d->clicks_h[h] += s->clicks_h[h];
		}
		d->cookieless_clicks += s->cookieless_clicks;
		d->cookieless_valid += s->cookieless_valid;
		d->ref_known += s->ref_known;
		d->ref_outside += s->ref_outside;
		d->flagged += s->flagged;
		d->dedup += s->dedup;
		d->firsts += s->firsts;
		d->pool_clicks += s->pool_clicks;
		d->oneshot += s->oneshot;
		d->reshot += s->reshot;
		sketch_topk_merge(&d->top, &s->top);
		sketch_topk_merge(&d->ftop, &s->ftop);
		sketch_topk_merge(&d->vtop, &s->vtop);
		d->unshown += s->unshown;
		d->unshown_n += s->unshown_n;
		sketch_topk_merge(&d->utop, &s->utop);
		if (zones_merge(d, s))
			return -ENOMEM;
	}
	for (size_t i = 0; (x = table_next(&src->addrs, &i, NULL)); ) {
		struct pub_addr *y = addr_get(dst, x->addr);

		if (!y)
			continue;
		y->clicks += x->clicks;
		y->imps += x->imps;
		y->spread |= x->spread;
		for (int k = 0; k < ADDR_PUBS; k++)
			if (x->pub_clicks[k])
				addr_pub_add(y, x->pub[k], x->pub_clicks[k]);
	}
	return 0;
}

/* ---- statistics ---- */

/* P(chi-square with dof degrees of freedom >= x). */
double pubscore_chi2_sf(double x, double dof)
{
	return exp(excess_log_gammq(dof / 2, x / 2));
}

double pubscore_chi2_log10sf(double x, double dof)
{
	return excess_log_gammq(dof / 2, x / 2) / log(10.0);
}

/* P(non-central chi-square >= x), log10: Patnaik's two-moment fit, a
 * scaled central chi-square with the same mean and variance (Patnaik,
 * Biometrika 36, 1949), kept in log space as the central one. */
double pubscore_ncchi2_log10sf(double x, double dof, double lambda)
{
	double c = (dof + 2 * lambda) / (dof + lambda);
	double nu = (dof + lambda) * (dof + lambda) / (dof + 2 * lambda);

	return pubscore_chi2_log10sf(x / c, nu);
}

double pubscore_sidak(double log10p, unsigned m)
{
	double p;

	m = m ? m : 1;
	if (!(log10p < 0))
		return 0;
	if (log10p < -8)        /* 1 - (1 - p)^m = m p to 1e-7 relative */
		return -log10p - log10((double)m);
	p = pow(10, log10p);
	return -log10(-expm1((double)m * log1p(-p)));
}

double pubscore_flag_score(const struct pubscore_params *p)
{
	return -log10(p->alpha);
}

/* Test k ran: its statistic and the log10 of its p-value. */
static void verdict(struct pub_result *r, unsigned k, double stat,
		    double log10p)
{
	r->stat[k] = stat;
	r->log10p[k] = log10p < 0 ? log10p : 0;
	r->pvalue[k] = pow(10, r->log10p[k]);
	r->tested |= 1u << k;
}

/* The score from the tests run: each test's evidence Sidak-corrected for
 * their number, the score the strongest, fired where it reaches the
 * flag score. */
static void finalize(const struct pubscore_params *p, struct pub_result *r)
{
	double thr = pubscore_flag_score(p);
	unsigned m = 0;

	for (unsigned k = 0; k < PUB_R__COUNT; k++)
		m += (r->tested >> k) & 1u;
	r->score = 0;
	r->fired = 0;
	for (unsigned k = 0; k < PUB_R__COUNT; k++) {
		r->evidence[k] = r->tested & (1u << k) ?
				 pubscore_sidak(r->log10p[k], m) : 0;
		if (r->evidence[k] > r->score)
			r->score = r->evidence[k];
		if (r->evidence[k] >= thr)
			r->fired |= 1u << k;
	}
}

/* The null rate of an excess test: ratio times the peers', at most 1. */
static double null_rate(double ratio, double peer)
{
	return ratio * peer < 1 ? ratio * peer : 1;
}

/* Jensen-Shannon distance (square root of the divergence, base 2, so in
 * [0, 1]) between two 24-bin distributions. */
static double js_distance(const double *p, const double *q)
{
	double d = 0;

	for (int i = 0; i < 24; i++) {
		double m = (p[i] + q[i]) / 2;

		if (p[i] > 0)
			d += p[i] * log2(p[i] / m) / 2;
		if (q[i] > 0)
			d += q[i] * log2(q[i] / m) / 2;
	}
	return d > 0 ? sqrt(d) : 0;
}

struct totals {
	uint64_t imps, clicks, cookieless;
	uint64_t valid_clicks, cookieless_valid;
	double hot, hot_addrs;          /* high_ctr_addrs' addresses */
	uint64_t all_imps;              /* unshown_clicks' traffic */
	uint64_t flagged, share_n;      /* invalid_share's, bursts out */
	uint64_t oneshot;
	double oneshot_base, oneshot_firsts;
	uint64_t ref_known, ref_outside;
	uint64_t unshown, unshown_n;    /* unshown_clicks', bursts out */
};

/* The others' CTR: all publishers' clicks and impressions less a's;
 * 0 when a has them all. */
static double others_ctr(const struct pub_acc *a, const struct totals *t)
{
	return t->imps > a->imps ? (double)(t->clicks - a->clicks) /
				   (double)(t->imps - a->imps) : 0;
}

static void test_ctr(const struct pubscore_params *p, const struct pub_acc *a,
		     const struct totals *t, struct pub_result *r)
{
	double peer, ratio;

	if (a->imps < p->min_imps)
		return;
	peer = others_ctr(a, t);
	if (peer <= 0)
		return;
	ratio = ((double)a->clicks / (double)a->imps) / peer;
	verdict(r, PUB_R_CTR, ratio, excess_binom_log10sf(a->clicks, a->imps,
			  null_rate(p->ctr_ratio, peer)));
}

static void test_concentration(const struct pubscore_params *p,
			       const struct pub_acc *a, struct pub_result *r)
{
	uint64_t err, top;
	double share;

	if (a->clicks < p->min_clicks)
		return;
	top = sketch_topk_top(&a->top, p->top_addrs, &err);
	share = (double)(top - err) / (double)a->clicks;  /* a lower bound */
	verdict(r, PUB_R_ADDR_CONC, share,
		excess_binom_log10sf(top - err, a->clicks, p->top_share));
}

/* The others' share: all publishers' tk of tn less one's k of n,
 * add-one-half. */
static double others_share(uint64_t tk, uint64_t tn, uint64_t k, uint64_t n)
{
	return ((double)(tk - k) + 0.5) / ((double)(tn - n) + 1);
}

/* The others' cookieless share of the same clicks as the publisher's:
 * its valid clicks at the others' valid share, its flagged ones at the
 * others' flagged share (a botnet clicking every publisher, flagged or
 * not, is no one publisher's doing), the mean weighted by its clicks. */
static double cookieless_peer(const struct pub_acc *a,
			      const struct totals *t)
{
	uint64_t nv = a->valid_clicks, nf = a->clicks - nv;
	uint64_t kv = a->cookieless_valid, kf = a->cookieless_clicks - kv;

	return ((double)nv * others_share(t->cookieless_valid, t->valid_clicks,
					  kv, nv) +
		(double)nf * others_share(t->cookieless - t->cookieless_valid,
					  t->clicks - t->valid_clicks, kf,
					  nf)) / (double)a->clicks;
}

/* The publisher's cookieless share against that, one binomial at the
 * mean rate (wider than the sum of the two, so conservative). */
static void test_cookieless(const struct pubscore_params *p,
			    const struct pub_acc *a, const struct totals *t,
			    struct pub_result *r)
{
	double peer, share;

	if (a->clicks < p->min_clicks || t->clicks <= a->clicks)
		return;
	peer = cookieless_peer(a, t);
	share = (double)a->cookieless_clicks / (double)a->clicks;
	verdict(r, PUB_R_COOKIELESS, share,
		excess_binom_log10sf(a->cookieless_clicks, a->clicks,
				     peer + p->cookieless_excess < 1 ?
				     peer + p->cookieless_excess : 1));
}

static void test_referer(const struct pubscore_params *p,
			 const struct pub_acc *a, const struct totals *t,
			 struct pub_result *r)
{
	double peer, ratio;

	if (a->ref_known < p->min_clicks || t->ref_known <= a->ref_known)
		return;
	peer = others_share(t->ref_outside, t->ref_known, a->ref_outside,
			    a->ref_known);
	ratio = ((double)a->ref_outside / (double)a->ref_known) / peer;
	verdict(r, PUB_R_REFERER, ratio,
		excess_binom_log10sf(a->ref_outside, a->ref_known,
				     null_rate(p->ctr_ratio, peer)));
}

/* The Pearson chi-square divergence sum (p - q)^2 / q of two nearby
 * distributions at Jensen-Shannon distance js (base 2): to second order
 * the JS divergence in nats is an eighth of it, so it is 8 ln 2 js^2. */
static double js_chi2_divergence(double js)
{
	return 8 * log(2.0) * js * js;
}

/* The clicks a publisher's zones' impressions by hour make at each zone's
 * CTR of the day (a zone without impressions: at the publisher's profile). */
static void hourly_expected(const struct pub_acc *a, double imps,
			    double exp_h[24])
{
	const struct zone_acc *z, *tmp;
	double pub_h[24] = { 0 };

	HASH_ITER(hh, a->zones, z, tmp)
		for (int h = 0; h < 24; h++)
			pub_h[h] += (double)z->imps_h[h];
	memset(exp_h, 0, 24 * sizeof(*exp_h));
	HASH_ITER(hh, a->zones, z, tmp)
		for (int h = 0; h < 24; h++)
			exp_h[h] += z->imps ?
				    (double)z->imps_h[h] * z->clicks / z->imps :
				    pub_h[h] * z->clicks / imps;
}

/* Clicks by hour against what the publisher's own impressions by hour
 * make, zone by zone: the same visitors click, so the profiles match
 * unless clicks come from elsewhere (a click farm's shift, a bot's
 * schedule).  Comparing with its own impressions, not with peers, keeps
 * publishers in other time zones out; zone by zone, so does a publisher
 * whose zones differ in CTR and in the time zones they are seen from. */
static void test_hourly(const struct pubscore_params *p,
			const struct pub_acc *a, struct pub_result *r)
{
	uint64_t imps = a->valid_imps, clicks = a->valid_clicks;
	double q[24], c[24], exp_h[24], chi2 = 0, n = (double)clicks, js;
	double ctr = n / (double)imps;

	if (imps < p->min_imps || clicks < p->hourly_min_clicks)
		return;
	hourly_expected(a, (double)imps, exp_h);
	for (int h = 0; h < 24; h++) {
		/* add-one-half smoothing: a click in an hour without
		 * impressions is very unlikely, not impossible */
		double e;

		q[h] = (exp_h[h] + 0.5 * ctr) / (n + 12 * ctr);
		c[h] = (double)a->clicks_h[h] / n;
		e = n * q[h];
		chi2 += (a->clicks_h[h] - e) * (a->clicks_h[h] - e) / e;
	}
	js = js_distance(c, q);
	/* a distance under the floor is no evidence, however many clicks;
	 * above it, the null is a profile at the floor (minimum effect):
	 * its Pearson statistic is non-central, lambda = n x the floor's
	 * chi-square divergence */
	verdict(r, PUB_R_HOURLY, js, js >= p->hourly_js ?
		pubscore_ncchi2_log10sf(chi2, 23,
					n * js_chi2_divergence(p->hourly_js)) :
		0);
}

/* invalid_share's events of the publisher's top_addrs heaviest flagged
 * addresses of the day past one each (Space-Saving lower bound): one
 * visitor's burst is that visitor's behaviour, filtered event by event,
 * not the publisher's, whether it lasts a minute or a day (a tab left
 * reloading a zone).  A few sources flagged all day look the same whoever
 * runs them, and every event of theirs is filtered: what makes a
 * publisher's share is many sources' flagged traffic. */
static uint64_t acc_burst(const struct pubscore_params *p,
			  const struct sketch_topk *s)
{
	uint64_t err, top = sketch_topk_top(s, p->top_addrs, &err);

	top = top > err ? top - err : 0;
	return top > p->top_addrs ? top - p->top_addrs : 0;
}

/* a's flagged events of its heaviest sources past one each: of its
 * addresses or of its visitors, whichever are more. */
static uint64_t flagged_burst(const struct pubscore_params *p,
			      const struct pub_acc *a)
{
	uint64_t by_addr = acc_burst(p, &a->ftop);
	uint64_t by_uid = acc_burst(p, &a->vtop);

	return by_addr > by_uid ? by_addr : by_uid;
}

/* invalid_share's flagged events of a, bursts out, and its events. */
static uint64_t share_flagged(const struct pubscore_params *p,
			      const struct pub_acc *a)
{
	return a->flagged - flagged_burst(p, a);
}

static uint64_t share_events(const struct pubscore_params *p,
			     const struct pub_acc *a)
{
	return a->imps + a->clicks + a->dedup - flagged_burst(p, a);
}

/* The share of the publisher's events that analyze's rules of profit
 * flagged (PUBSCORE_SHARE_BITS: its traffic stacked, farmed, botted...),
 * bursts of single addresses counted once, against the pooled others'
 * share: bots that land on every publisher by popularity raise every share
 * alike, traffic bought or made for one publisher raises its own. */
static void test_invalid(const struct pubscore_params *p,
			 const struct pub_acc *a, const struct totals *t,
			 struct pub_result *r)
{
	uint64_t k = share_flagged(p, a), n = share_events(p, a);
	double peer, ratio;

	r->suffered[PUB_S_BURST] = flagged_burst(p, a);
	if (a->imps < p->min_imps || t->share_n <= n || t->flagged <= k)
		return;
	peer = (double)(t->flagged - k) / (double)(t->share_n - n);
	ratio = ((double)k / (double)n) / peer;
	verdict(r, PUB_R_INVALID, ratio, excess_binom_log10sf(k, n,
			  null_rate(p->ctr_ratio, peer)));
}

/* The one-sided confidence level of the lower bound on a publisher's own
 * returning visits' one-shot share: the conventional 95%. */
#define OWN_SHARE_LEVEL 0.95

/* The exact lower confidence bound, at level, of a Poisson mean from k
 * counts (Garwood, Biometrika 1936): the mean at which k or more has
 * probability 1 - level, P(Poisson(m) >= k) = P(chi-square(2k) <= 2m). */
static double poisson_lower(uint64_t k, double level)
{
	double lo = 0, hi = (double)k;

	if (!k)
		return 0;
	for (int i = 0; i < 60; i++) {
		double m = (lo + hi) / 2;

		if (pubscore_chi2_sf(2 * m, 2 * (double)k) > level)
			lo = m;
		else
			hi = m;
	}
	return lo;
}

/* The clicks a publisher's new (or returning) visits' first impressions
 * make at each zone's CTR of the day (add-one-half): what its people's
 * one-shot clicks are a share of, the visits that click their first
 * impression and leave. */
static double one_shot_base(const struct pub_acc *a, bool returning)
{
	const struct zone_acc *z, *tmp;
	double base = 0;

	HASH_ITER(hh, a->zones, z, tmp)
		base += (returning ? z->rfirsts : z->firsts) *
			((double)z->clicks + 0.5) / ((double)z->imps + 1);
	return base;
}

/* People's one-shot clicks per base click on publisher a: the larger of
 * the pooled others' (add-one-half) and its own returning visits', as
 * low as their count allows (the same pages make both, and a fresh
 * address per click returns to none). */
static double one_shot_share(const struct pub_acc *a, const struct totals *t,
			     double base)
{
	double peer = ((double)(t->oneshot - a->oneshot) + 0.5) /
		      (t->oneshot_base - base + 0.5);
	double own = poisson_lower(a->reshot, OWN_SHARE_LEVEL) /
		     (one_shot_base(a, true) + 0.5);

	return own > peer ? own : peer;
}

/* The publisher's one-shot clicks against its base times people's
 * one-shot clicks per base click (one_shot_share): a publisher clicking
 * its own ads from a fresh address per click adds one-shot clicks
 * without the visits and the CTR people's come with.  Its new visits,
 * not its single-impression ones, are the trials: a click ends most
 * visits, so among visits of one impression the clicked ones are
 * over-represented by a factor the publisher's pages set (zones a page,
 * pages a visit), while a visit's first impression is clicked at its
 * zone's rate whatever comes after.  And per new visit against the
 * others' one-shot clicks per new visit: a source spraying one-shot
 * clicks over every publisher's visits (a botnet from fresh addresses)
 * raises each publisher's count per visit alike, and per base click most
 * where people click least.  The weaker evidence is kept. */
static void test_one_shot(const struct pubscore_params *p,
			  const struct pub_acc *a, const struct totals *t,
			  struct pub_result *r)
{
	uint64_t n = (uint64_t)llround(a->firsts);
	double base = one_shot_base(a, false), share, vpeer, by_base, by_visit;

	n = n > a->oneshot ? n : a->oneshot;
	if (a->oneshot < p->min_clicks || base <= 0 ||
	    t->oneshot_base <= base)
		return;
	share = one_shot_share(a, t, base);
	if (share * base >= (double)n)
		return;
	by_base = excess_binom_log10sf(a->oneshot, n,
			null_rate(p->ctr_ratio, share * base / (double)n));
	vpeer = ((double)(t->oneshot - a->oneshot) + 0.5) /
		(t->oneshot_firsts - a->firsts + 1);
	by_visit = excess_binom_log10sf(a->oneshot, n,
					null_rate(p->ctr_ratio, vpeer));
	if (by_visit > by_base)
		verdict(r, PUB_R_ONE_SHOT,
			(double)a->oneshot / (double)n / vpeer, by_visit);
	else
		verdict(r, PUB_R_ONE_SHOT, (double)a->oneshot / base / share,
			by_base);
}

/* The binomial excess of k unshown clicks in n trials over the others'
 * share (add-one-half), others' unshown clicks in others_n trials. */
static double unshown_excess(const struct pubscore_params *p, uint64_t k,
			     uint64_t n, uint64_t others, uint64_t others_n,
			     double *ratio)
{
	double peer = ((double)others + 0.5) / ((double)others_n + 1);

	*ratio = ((double)k / (double)n) / peer;
	return excess_binom_log10sf(k, n, null_rate(p->ctr_ratio, peer));
}

/* The publisher's clicks on ads its pages never showed (count_unshown),
 * its three heaviest addresses' bursts out, against the pooled others',
 * twice: as a share of its clicks (an impression lost on the way rides
 * on a click) and as a share of its impressions and those clicks (a
 * botnet spraying click URLs picks publishers by their traffic, and a
 * publisher whose people click little would otherwise look like it
 * made them).  The weaker of the two is the evidence.  One spammer is a
 * few addresses, taken out; a page that makes its every visitor fetch
 * click URLs unseen (cookie stuffing) is many visitors, in excess on
 * both counts. */
static void test_unshown(const struct pubscore_params *p,
			 const struct pub_acc *a, const struct totals *t,
			 struct pub_result *r)
{
	uint64_t burst = acc_burst(p, &a->utop);
	uint64_t k = a->unshown - burst, n = a->unshown_n - burst;
	uint64_t m = a->all_imps + k, tm = t->all_imps + t->unshown;
	double by_click, by_imp, rc, ri;

	if (n < p->min_clicks || t->unshown_n <= n || tm <= m)
		return;
	by_click = unshown_excess(p, k, n, t->unshown - k, t->unshown_n - n, &rc);
	by_imp = unshown_excess(p, k, m, t->unshown - k, tm - m, &ri);
	if (by_click >= by_imp)
		verdict(r, PUB_R_UNSHOWN, rc, by_click);
	else
		verdict(r, PUB_R_UNSHOWN, ri, by_imp);
}

/* The addresses credited to one publisher (below): clicking, and hot,
 * each its share of one address. */
struct hot_credit {
	uint32_t pub;
	double addrs, hot;
};

static int cmp_credit(const void *x, const void *y)
{
	const struct hot_credit *a = x, *b = y;

	return (a->pub > b->pub) - (a->pub < b->pub);
}

/* The entry of pub in c[0..n), sorted by pub; NULL when absent. */
static struct hot_credit *credit_find(struct hot_credit *c, size_t n,
				      uint32_t pub)
{
	struct hot_credit key = { .pub = pub };

	return n ? bsearch(&key, c, n, sizeof(key), cmp_credit) : NULL;
}

/* The day's clicking addresses, and among them the hot ones, whose day is
 * improbable for a person: at least min_clicks / 4 clicks (5 by default),
 * binomial p-value under alpha at the day's CTR.  Each is one address,
 * credited to the publishers it clicked in the shares of its clicks there
 * and summed per publisher into *out (sorted by pub, *nout entries), the
 * sums into t: a bot pool shared by a few publishers, each address
 * clicking a little every hour, shows only when its hours are summed.
 * The address is the unit, not its clicks, which one person or office
 * adds together; one working a publisher's pages that lands on another's
 * once is the first's.  An address that clicked more than ADDR_PUBS
 * publishers is a bot landing on every publisher, which each of them
 * suffers, and is credited to none.  Returns 0 or -ENOMEM. */
static int credit_hot_addrs(const struct pubscore *ps, struct totals *t,
			    struct hot_credit **out, size_t *nout)
{
	double p0 = t->imps ? (double)t->clicks / (double)t->imps : 0;
	uint64_t min = ps->p.min_clicks / 4 > 2 ? ps->p.min_clicks / 4 : 2;
	const struct pub_acc *a, *tmp;
	const struct pub_addr *x;
	struct hot_credit *c;
	size_t n = 0;

	*out = NULL;
	*nout = 0;
	c = calloc(ps->npubs ? ps->npubs : 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	HASH_ITER(hh, ps->pubs, a, tmp)
		if (n < ps->npubs)
			c[n++].pub = a->pub;
	qsort(c, n, sizeof(*c), cmp_credit);
	*out = c;
	*nout = n;
	if (p0 <= 0 || p0 >= 1)
		return 0;
	for (size_t i = 0; (x = table_next(&ps->addrs, &i, NULL)); ) {
		double all = 0;
		bool hot;

		if (x->spread)
			continue;
		for (int k = 0; k < ADDR_PUBS && x->pub_clicks[k]; k++)
			all += x->pub_clicks[k];
		hot = x->clicks >= min &&
		      excess_binom_sf(x->clicks, x->imps > x->clicks ?
				      x->imps : x->clicks, p0) < ps->p.alpha;
		for (int k = 0; k < ADDR_PUBS && x->pub_clicks[k]; k++) {
			struct hot_credit *e = credit_find(c, n, x->pub[k]);
			double w = x->pub_clicks[k] / all;

			if (!e)
				continue;
			e->addrs += w;
			e->hot += hot ? w : 0;
			t->hot_addrs += w;
			t->hot += hot ? w : 0;
		}
	}
	return 0;
}

/* The share of the publisher's clicking addresses that are hot (credited
 * above) against the others' share (add-one-half when the others have
 * none), once it has min_clicks valid clicks. */
static void test_hot_addrs(const struct pubscore_params *p,
			   const struct pub_acc *a, const uint64_t own[2],
			   const uint64_t total[2], struct pub_result *r)
{
	/* clicks hot_addr flagged are the same evidence, an hour at a time */
	uint64_t clicks = a->valid_clicks + a->pool_clicks;
	uint64_t hot = own[0], n = own[1];
	double peer, ratio;

	if (clicks < p->min_clicks || !n || total[1] <= n)
		return;
	peer = ((double)(total[0] - hot) + 0.5) / (double)(total[1] - n);
	ratio = ((double)hot / (double)n) / peer;
	verdict(r, PUB_R_HOT_ADDRS, ratio, excess_binom_log10sf(hot, n,
			  null_rate(p->ctr_ratio, peer)));
}

/* Clear test k's verdict on r, to run it again. */
static void verdict_clear(struct pub_result *r, unsigned k)
{
	r->tested &= ~(1u << k);
	r->stat[k] = 0;
	r->log10p[k] = 0;
	r->pvalue[k] = 1;
}

/* A test measured against the pooled others, run again against the
 * publishers where it did not fire: a publisher's count and trials (own),
 * and the test run with totals in place of everyone's. */
struct retest {
	unsigned k;                               /* PUB_R_ */
	void (*own)(const struct pubscore *ps, const struct pub_acc *a,
		    const void *ctx, uint64_t own[2]);
	void (*run)(const struct pubscore *ps, const struct pub_acc *a,
		    const void *ctx, const uint64_t own[2],
		    const uint64_t total[2], struct pub_result *r);
};

/* Run x again on every publisher of res[0..n) (in the order of ps->pubs,
 * as pubscore_finish made them) against the publishers where it did not
 * fire, the publisher itself among them. */
static void retest(const struct pubscore *ps, const struct retest *x,
		   const void *ctx, struct pub_result *res, size_t n)
{
	const struct pub_acc *a, *tmp;
	uint64_t rest[2] = { 0, 0 }, own[2];
	bool any = false;
	size_t i = 0;

	HASH_ITER(hh, ps->pubs, a, tmp) {
		if (!a->all_imps && !a->all_clicks)
			continue;
		if (i >= n)
			break;
		if (res[i++].fired & (1u << x->k)) {
			any = true;
			continue;
		}
		x->own(ps, a, ctx, own);
		rest[0] += own[0];
		rest[1] += own[1];
	}
	if (!any)
		return;
	i = 0;
	HASH_ITER(hh, ps->pubs, a, tmp) {
		struct pub_result *r;
		uint64_t total[2] = { rest[0], rest[1] };

		if (!a->all_imps && !a->all_clicks)
			continue;
		if (i >= n)
			break;
		r = &res[i++];
		x->own(ps, a, ctx, own);
		if (r->fired & (1u << x->k)) {
			total[0] += own[0];
			total[1] += own[1];
		}
		verdict_clear(r, x->k);
		x->run(ps, a, ctx, own, total, r);
		finalize(&ps->p, r);
	}
}

/* invalid_share's count and trials: flagged events and events. */
static void invalid_own(const struct pubscore *ps, const struct pub_acc *a,
			const void *ctx, uint64_t own[2])
{
	(void)ctx;
	own[0] = share_flagged(&ps->p, a);
	own[1] = share_events(&ps->p, a);
}

static void invalid_run(const struct pubscore *ps, const struct pub_acc *a,
			const void *ctx, const uint64_t own[2],
			const uint64_t total[2], struct pub_result *r)
{
	struct totals t = { .flagged = total[0], .share_n = total[1] };

	(void)ctx;
	(void)own;
	test_invalid(&ps->p, a, &t, r);
}

/* A publisher whose own traffic is flagged far beyond its peers' (a page
 * of injected or stacked ads, a farm working its pages) is no honest
 * publisher's peer, and one big one raises the pooled share past every
 * other's. */
static const struct retest retest_invalid = {
	PUB_R_INVALID, invalid_own, invalid_run
};

/* ctr_high's count and trials: clicks and impressions. */
static void ctr_own(const struct pubscore *ps, const struct pub_acc *a,
		    const void *ctx, uint64_t own[2])
{
	(void)ps;
	(void)ctx;
	own[0] = a->clicks;
	own[1] = a->imps;
}

static void ctr_run(const struct pubscore *ps, const struct pub_acc *a,
		    const void *ctx, const uint64_t own[2],
		    const uint64_t total[2], struct pub_result *r)
{
	struct totals t = { .clicks = total[0], .imps = total[1] };

	(void)ctx;
	(void)own;
	test_ctr(&ps->p, a, &t, r);
}

/* Clicks every publisher gets (a botnet clicking all of them, flagged or
 * not) are no one publisher's doing: the first test is against the others'
 * CTR of the same clicks; a publisher far above it (its own farm or
 * botnet) is no one's peer, and one big one raises the pooled CTR past
 * every other's. */
static const struct retest retest_ctr = {
	PUB_R_CTR, ctr_own, ctr_run
};

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* The median of v[0..n), n > 0, sorting v. */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A test's effect on a log scale against its null's centre (*y) and its
 * sampling variance (*v); false when the publisher has none. */
typedef bool (*effect_fn)(const struct pub_acc *a, const struct pub_result *r,
			  const struct totals *t, double *y, double *v);

/* The fewest events the null expects of each outcome, n p and n (1 - p),
 * for the normal approximation of an effect to hold (the textbook rule
 * for the binomial: Larson and Farber, "Elementary Statistics: Picturing
 * the World", 5.5); a publisher short of it is out of the spread and left
 * to its binomial. */
#define NORMAL_MIN_EXPECTED 5.0

static bool normal_holds(double n, double p)
{
	return n * p >= NORMAL_MIN_EXPECTED &&
	       n * (1 - p) >= NORMAL_MIN_EXPECTED;
}

/* ctr_high's: the log CTR ratio, of variance 1 / clicks. */
static bool ctr_effect(const struct pub_acc *a, const struct pub_result *r,
		       const struct totals *t, double *y, double *v)
{
	if (!a->clicks || !normal_holds((double)a->imps, others_ctr(a, t)))
		return false;
	*y = log(r->stat[PUB_R_CTR]);
	*v = 1 / (double)a->clicks;
	return true;
}

static double logit(double p)
{
	return log(p / (1 - p));
}

/* cookieless_clicks': the log odds ratio of its share (add-one-half) to
 * the others' of the same clicks, of variance 1 / (n p (1 - p)). */
static bool cookieless_effect(const struct pub_acc *a,
			      const struct pub_result *r,
			      const struct totals *t, double *y, double *v)
{
	double n = (double)a->clicks + 1;
	double s = ((double)a->cookieless_clicks + 0.5) / n;
	double peer = cookieless_peer(a, t);

	(void)r;
	if (!normal_holds((double)a->clicks, peer))
		return false;
	*y = logit(s) - logit(peer);
	*v = 1 / (n * s * (1 - s));
	return true;
}

/* The spread of a test's effects between publishers: their median
 * (*mu) and their variance beyond the sampling variance (*tau2, 0 when
 * there is none), from the median absolute deviation (1.4826 MAD
 * estimates a normal SD) less the median sampling variance.  Returns
 * the publishers with an effect, 0 when fewer than 3 (one outlier must
 * be a minority).  y[i], v[i] are res[i]'s (has[i]); w holds n values. */
static size_t spread_null(const double *y, const double *v, const bool *has,
			  size_t n, double *w, double *mu, double *tau2)
{
	size_t m = 0;
	double s, vm;

	for (size_t i = 0; i < n; i++)
		if (has[i])
			w[m++] = v[i];
	if (m < 3)
		return 0;
	vm = median(w, m);
	for (size_t i = 0, j = 0; i < n; i++)
		if (has[i])
			w[j++] = y[i];
	*mu = median(w, m);
	for (size_t i = 0; i < m; i++)
		w[i] = fabs(w[i] - *mu);
	s = 1.4826 * median(w, m);
	*tau2 = s * s > vm ? s * s - vm : 0;
	return m;
}

/* Test k's evidence, at most that of the publisher's effect against the
 * spread of everyone's (Efron's empirical null; the between-publisher
 * variance of a random-effects model, DerSimonian and Laird 1986):
 * publishers differ by placement and audience, so an effect the others'
 * spread makes likely is no evidence however many events make it.
 * y, v: 3 n values of scratch; has: n.  The spread into *sp. */
static void spread_cap(const struct pubscore *ps, struct pub_result *res,
		       size_t n, const struct totals *t, unsigned k,
		       effect_fn effect, double *y, bool *has,
		       struct pub_spread *sp)
{
	const struct pub_acc *a, *tmp;
	double *v = y + n, *w = y + 2 * n, mu = 0, tau2 = 0;
	size_t i = 0;

	HASH_ITER(hh, ps->pubs, a, tmp) {       /* as pubscore_finish */
		if ((!a->all_imps && !a->all_clicks) || i >= n)
			continue;
		has[i] = (res[i].tested & (1u << k)) &&
			 effect(a, &res[i], t, &y[i], &v[i]);
		i++;
	}
	sp->n = spread_null(y, v, has, n, w, &mu, &tau2);
	sp->mu = mu;
	sp->tau = sqrt(tau2);
	if (!sp->n)
		return;
	for (i = 0; i < n; i++) {
		struct pub_result *r = &res[i];
		double z = (y[i] - mu) / sqrt(tau2 + v[i]);

		if (!has[i])
			continue;
		r->log10p[k] = fmax(r->log10p[k],
				    fmin(0, excess_normal_log10sf(z)));
		r->pvalue[k] = pow(10, r->log10p[k]);
		finalize(&ps->p, r);
	}
}

/* ctr_high and cookieless_clicks held to the spread of their effects,
 * which go into *sp. */
static int spread_caps(const struct pubscore *ps, struct pub_result *res,
		       size_t n, const struct totals *t, struct pub_spreads *sp)
{
	double *y = malloc((n ? n : 1) * 3 * sizeof(*y));
	bool *has = malloc((n ? n : 1) * sizeof(*has));

	if (!y || !has) {
		free(y);
		free(has);
		return -ENOMEM;
	}
	spread_cap(ps, res, n, t, PUB_R_CTR, ctr_effect, y, has, &sp->ctr);
	spread_cap(ps, res, n, t, PUB_R_COOKIELESS, cookieless_effect, y,
		   has, &sp->cookieless);
	free(y);
	free(has);
	return 0;
}

/* The day's hot-address credit, as pubscore_finish made it. */
struct hot_table {
	struct hot_credit *v;
	size_t n;
};

/* high_ctr_addrs' count and trials: hot addresses and clicking ones. */
static void hot_own(const struct pubscore *ps, const struct pub_acc *a,
		    const void *ctx, uint64_t own[2])
{
	const struct hot_table *h = ctx;
	const struct hot_credit *c = credit_find(h->v, h->n, a->pub);

	(void)ps;
	own[0] = c ? (uint64_t)llround(c->hot) : 0;
	own[1] = c ? (uint64_t)llround(c->addrs) : 0;
}

static void hot_run(const struct pubscore *ps, const struct pub_acc *a,
		    const void *ctx, const uint64_t own[2],
		    const uint64_t total[2], struct pub_result *r)
{
	(void)ctx;
	test_hot_addrs(&ps->p, a, own, total, r);
}

/* Publishers sharing one pool are each other's peers. */
static const struct retest retest_hot_addrs = {
	PUB_R_HOT_ADDRS, hot_own, hot_run
};

/* Append "name=value" to buf at *off unless it would not fit whole. */
static void text_add(char *buf, size_t cap, size_t *off, const char *name,
		     int decimals, double v)
{
	char one[64];
	int len = snprintf(one, sizeof(one), "%s%s=%.*f", *off ? "," : "",
			   name, decimals, v);

	if (len < 0 || (size_t)len >= sizeof(one) || *off + (size_t)len >= cap)
		return;
	memcpy(buf + *off, one, (size_t)len + 1);
	*off += (size_t)len;
}

size_t pubscore_evidence_text(const struct pub_result *r, char *buf,
			      size_t cap)
{
	bool done[PUB_R__COUNT] = { false };
	size_t off = 0;

	if (!cap)
		return 0;
	buf[0] = '\0';
	for (;;) {                       /* strongest first */
		unsigned best = PUB_R__COUNT;

		for (unsigned k = 0; k < PUB_R__COUNT; k++)
			if (!done[k] && r->evidence[k] >= 1 &&
			    (best == PUB_R__COUNT ||
			     r->evidence[k] > r->evidence[best]))
				best = k;
		if (best == PUB_R__COUNT)
			return off;
		done[best] = true;
		text_add(buf, cap, &off, pub_names[best], 1,
			 r->evidence[best]);
	}
}

size_t pubscore_suffered_text(const struct pub_result *r, char *buf,
			      size_t cap)
{
	size_t off = 0;

	if (!cap)
		return 0;
	buf[0] = '\0';
	for (unsigned k = 0; k < PUB_S__COUNT; k++)
		if (r->suffered[k])
			text_add(buf, cap, &off, suffered_names[k], 0,
				 (double)r->suffered[k]);
	return off;
}

static int cmp_score(const void *x, const void *y)
{
	const struct pub_result *a = x, *b = y;

	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	return (a->pub > b->pub) - (a->pub < b->pub);
}

int pubscore_finish(const struct pubscore *ps, struct pub_result **out,
		    size_t *n)
{
	struct pub_spreads sp;

	return pubscore_finish_spread(ps, out, n, &sp);
}

int pubscore_finish_spread(const struct pubscore *ps, struct pub_result **out,
			   size_t *n, struct pub_spreads *sp)
{
	const struct pub_acc *a, *tmp;
	struct totals t = { 0 };
	struct hot_credit *hot;
	struct hot_table ht;
	uint64_t own[2], hot_total[2];
	size_t nhot;
	struct pub_result *res;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	*sp = (struct pub_spreads){ { 0, 0, 0 }, { 0, 0, 0 } };
	HASH_ITER(hh, ps->pubs, a, tmp) {
		t.imps += a->imps;
		t.clicks += a->clicks;
		t.cookieless += a->cookieless_clicks;
		t.valid_clicks += a->valid_clicks;
		t.cookieless_valid += a->cookieless_valid;
		t.flagged += share_flagged(&ps->p, a);
		t.share_n += share_events(&ps->p, a);
		t.unshown += a->unshown - acc_burst(&ps->p, &a->utop);
		t.unshown_n += a->unshown_n - acc_burst(&ps->p, &a->utop);
		t.all_imps += a->all_imps;
		t.oneshot_base += one_shot_base(a, false);
		t.oneshot_firsts += a->firsts;
		t.oneshot += a->oneshot;
		t.ref_known += a->ref_known;
		t.ref_outside += a->ref_outside;
	}
	if (credit_hot_addrs(ps, &t, &hot, &nhot))
		return -ENOMEM;
	ht = (struct hot_table){ hot, nhot };
	hot_total[0] = (uint64_t)llround(t.hot);
	hot_total[1] = (uint64_t)llround(t.hot_addrs);
	res = calloc(ps->npubs ? ps->npubs : 1, sizeof(*res));
	if (!res) {
		free(hot);
		return -ENOMEM;
	}
	HASH_ITER(hh, ps->pubs, a, tmp) {
		struct pub_result *r;

		if (!a->all_imps && !a->all_clicks)
			continue;
		r = &res[i++];
		r->pub = a->pub;
		r->imps = a->all_imps;
		r->clicks = a->all_clicks;
		r->valid_imps = a->valid_imps;
		r->valid_clicks = a->valid_clicks;
		r->served = a->served;
		r->rendered = a->rendered;
		for (int k = 0; k < PUB_R__COUNT; k++)
			r->pvalue[k] = 1;
		for (int k = 0; k < PUB_S__COUNT; k++)
			r->suffered[k] = a->suffered[k];
		test_ctr(&ps->p, a, &t, r);
		test_concentration(&ps->p, a, r);
		test_cookieless(&ps->p, a, &t, r);
		test_referer(&ps->p, a, &t, r);
		test_hourly(&ps->p, a, r);
		test_invalid(&ps->p, a, &t, r);
		hot_own(ps, a, &ht, own);
		test_hot_addrs(&ps->p, a, own, hot_total, r);
		test_one_shot(&ps->p, a, &t, r);
		test_unshown(&ps->p, a, &t, r);
		finalize(&ps->p, r);
	}
	/* capped before ctr_high's retest, so that only a publisher past
	 * the spread leaves the others, and again after it, which ran the
	 * test anew */
	if (spread_caps(ps, res, i, &t, sp)) {
		free(hot);
		free(res);
		return -ENOMEM;
	}
	retest(ps, &retest_ctr, NULL, res, i);
	retest(ps, &retest_invalid, NULL, res, i);
	retest(ps, &retest_hot_addrs, &ht, res, i);
	free(hot);
	if (spread_caps(ps, res, i, &t, sp)) {
		free(res);
		return -ENOMEM;
	}
	qsort(res, i, sizeof(*res), cmp_score);
	*out = res;
	*n = i;
	return 0;
}
