/* rule_publisher.c - rule family publisher (docs/rules.md): the clicks a
 * publisher's own traffic adds.  one_shot: a publisher whose one-shot
 * clicks (an address with one view this hour, clicking there) are
 * improbable for its peers' share; its one-shot clicks on the zones that
 * hold the excess are flagged.  hot_addr: a publisher whose share of
 * clicks from hot addresses (an hour improbable at the hour's CTR) is
 * improbable for its peers'; their clicks are flagged when they are
 * mostly excess.  Either flags the address's impressions on the
 * publisher with its clicks.  Both use the excess test (excess.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "excess.h"
#include "pubscore.h"
#include "rule_family.h"

struct pub_addr {
	uint64_t akey, nkey;
	uint64_t last_imp;           /* impression of its last click */
	uint32_t distinct;           /* clicks on another impression than
					the click before (hot_addr) */
	uint32_t pub;
	uint32_t zone;               /* of its last click */
	uint32_t n;                  /* its clicks on the pub in the hour */
	uint32_t bits;               /* IVT_ONE_SHOT, IVT_HOT_ADDR of its
					events on the pub, after pass 1 */
};

struct pub_oneshot {
	uint32_t pub;
	uint32_t imps, clicks;
	uint32_t single;             /* impressions of addresses with one
					view */
	uint32_t ssingle, sfresh;    /* of those, sampled ones
					(rules_addr_sampled), and of these the
					addresses never seen before */
	uint32_t oneshot;            /* clicks of those (one a visit) */
	uint32_t multi;              /* clicks of addresses with two views
					or more */
	uint32_t hot;                /* clicks of addresses hot this hour */
	uint32_t fired;              /* the bits its excess tests flag */
	uint32_t fresh;              /* single impressions of fresh addresses,
					estimated (end_observe) */
	uint32_t sfirst, sfirst_fresh; /* first impressions of the hour's
					  addresses (their visits), sampled
					  ones, and of these the addresses
					  never seen before */
};

/* A zone's share of its publisher's one_shot counts: where in the
 * publisher the excess is (judge_zones). */
struct zone_oneshot {
	uint32_t pub, zone;
	uint32_t imps;
	uint32_t single, oneshot;    /* as the publisher's */
	uint32_t reshot;             /* one-shot clicks but of addresses seen
					in the look-back (one_shot_clicks) */
	uint32_t first;              /* first impressions of the hour's
					addresses (their visits) */
	uint32_t multi;
	bool flag;                   /* its one-shot clicks are flagged */
	double honest;               /* one-shot clicks expected of people */
	double p;                    /* the chance people make its one-shot
					clicks or more */
};

/* The most impressions one page view holds here: a view with more ends
 * as if a second view had begun (its address is not single: the test
 * misses, never invents). */
#define VIEW_MAX 6

/* An address's one page view this hour, until its second: which
 * publisher and zones count it as a single view.  A view is the
 * address's impressions on one publisher, each within
 * imp_flood_window_ms of the one before (the tag loads every slot of a
 * page at once, as imp_stack's and imp_refresh's views). */
struct rules_first_slot {
	uint32_t tag;                /* high half of the address key, | 1 */
	uint32_t pub;
	uint32_t last;               /* its last impression's time, ms (the
					low 32 bits) */
	uint32_t zone[VIEW_MAX];     /* of its impressions */
	uint8_t n, sampled, fresh;
};

extern const struct rule_family rule_publisher;

struct publisher {
	struct table *pub_addr;          /* (address, pub) -> clicks */
	struct table *pubs;              /* pub -> one_shot counts */
	struct table *zones;             /* zone -> one_shot counts */
	struct rules_first_slot *first;  /* address -> pub, zone of its first
					    impression: direct-mapped */
	size_t first_mask;
	size_t pub_flagged;              /* pub_addr entries with bits */
};

/* The one_shot counts of publisher pub this hour; NULL when full. */
static struct pub_oneshot *pub_entry(struct publisher *pb, uint32_t pub)
{
	bool isnew;
	struct pub_oneshot *po = table_put(pb->pubs, (uint64_t)pub + 1, NULL,
					   &isnew);

	if (po && isnew)
		*po = (struct pub_oneshot){ .pub = pub };
	return po;
}

static uint64_t zone_key(uint32_t pub, uint32_t z)
{
	return ((uint64_t)pub << 32 | z) + 1;
}

/* The one_shot counts of zone z of publisher pub; NULL when full. */
static struct zone_oneshot *zone_entry(struct publisher *pb, uint32_t pub,
				       uint32_t z)
{
	bool isnew;
	struct zone_oneshot *zo = table_put(pb->zones, zone_key(pub, z), NULL,
					    &isnew);

	if (zo && isnew)
		*zo = (struct zone_oneshot){ .pub = pub, .zone = z };
	return zo;
}

static struct rules_first_slot *first_slot(const struct publisher *pb,
					   uint64_t akey)
{
	return &pb->first[(akey ^ (akey >> 29)) & pb->first_mask];
}

/* The tag of akey's slot: the high half of the key, never 0 (free). */
static uint32_t slot_tag(uint64_t akey)
{
	return (uint32_t)(akey >> 32) | 1;
}

/* The address was seen in the look-back's earlier hours. */
static bool seen_before(const struct rules *r, uint64_t akey)
{
	return r->lb.addr_seen_before &&
	       r->lb.addr_seen_before(r->lb.ctx, akey);
}

/* Count impression zone of a single view into f, po and zo. */
static void view_add(struct rules_first_slot *f, struct pub_oneshot *po,
		     struct zone_oneshot *zo, uint32_t zone)
{
	po->single++;
	po->ssingle += f->sampled;
	po->sfresh += f->fresh;
	if (zo)          /* a zone table full only loses zone detail */
		zo->single++;
	f->zone[f->n++] = zone;
}

/* A second view of f's address: take its first view's impressions back
 * from its publisher and zones. */
static void view_undo(struct publisher *pb, struct rules_first_slot *f)
{
	struct pub_oneshot *po = table_find(pb->pubs, (uint64_t)f->pub + 1,
					    NULL);

	for (unsigned i = 0; i < f->n; i++) {
		struct zone_oneshot *zo = table_find(pb->zones,
						     zone_key(f->pub,
							      f->zone[i]),
						     NULL);

		if (zo && zo->single)
			zo->single--;
		if (po && po->single) {
			po->single--;
			po->ssingle -= f->sampled && po->ssingle;
			po->sfresh -= f->fresh && po->sfresh;
		}
	}
	f->tag = 0;
}

/* Keep each publisher's impressions of single-view addresses: an
 * address's first impression opens its view, the impressions of its
 * page join it, and its next view takes them back.  A slot taken over by
 * another address leaves the first one counted: an over-count, never an
 * under-count, of single-view impressions. */
static void count_single(const struct rules *r, struct publisher *pb,
			 const struct rules_pending *o, struct pub_oneshot *po,
			 struct zone_oneshot *zo)
{
	struct rules_first_slot *f = first_slot(pb, o->k.akey);
	uint32_t tag = slot_tag(o->k.akey);

	if (o->addr_imps == 1 && po) {
		bool s = rules_addr_sampled(o->k.akey);
		bool fresh = s && !seen_before(r, o->k.akey);

		po->sfirst += s;
		po->sfirst_fresh += fresh;
		if (zo)
			zo->first++;
		*f = (struct rules_first_slot){ .tag = tag, .pub = po->pub,
						.last = (uint32_t)o->ts,
						.sampled = s, .fresh = fresh };
		view_add(f, po, zo, o->zone);
	} else if (o->addr_imps > 1 && f->tag == tag) {
		/* the low 32 bits' difference: within an hour, exact */
		int32_t gap = (int32_t)((uint32_t)o->ts - f->last);

		if (po && o->pub == f->pub && f->n < VIEW_MAX &&
		    absdiff(gap, 0) < r->p.imp_flood_window_ms) {
			f->last = (uint32_t)o->ts;
			view_add(f, po, zo, o->zone);
		} else {
			view_undo(pb, f);
		}
	}
}

/* The address of pa made one view this hour, on pa's publisher: its
 * slot holds it whole and the address's count of impressions agrees. */
static bool one_view(const struct rules *r, const struct publisher *pb,
		     const struct pub_addr *pa)
{
	const struct rules_first_slot *f = first_slot(pb, pa->akey);

	return f->tag == slot_tag(pa->akey) &&
	       f->pub == pa->pub && addr_imps(r, pa->akey) == f->n;
}

/* The share of po's single-impression visits from addresses never seen
 * before, as its sample tells, pulled toward 1 (all fresh: the test as
 * if every single impression could have made a one-shot click) by one
 * sampled address. */
static double fresh_share(uint32_t ssingle, uint32_t sfresh)
{
	return (sfresh + 1.0) / (ssingle + 1.0);
}

/* Its address saw one impression, or one page view, this hour and made
 * these clicks there and nothing else: one visit that clicked, counted
 * once however many of the view's ads it clicked. */
static bool single_shot(const struct rules *r, const struct publisher *pb,
			const struct pub_addr *pa)
{
	const struct addr_clicks *ac = table_find(r->addr_clicks, pa->akey,
						  NULL);

	return ac && ac->n == pa->n &&
	       (addr_imps(r, pa->akey) == 1 || one_view(r, pb, pa));
}

/* A hot address: two clicks or more this hour, improbable for its
 * impressions at the hour's CTR (p < hot_addr_alpha): alone, a member
 * of a pool that clicks a quarter of what it sees, or a keen person. */
static bool addr_hot(const struct rules *r, const struct pub_addr *pa)
{
	const struct addr_clicks *ac = table_find(r->addr_clicks, pa->akey,
						  NULL);
	uint32_t imps = addr_imps(r, pa->akey);
	double ctr = rules_hour_ctr(r);
	uint32_t k, n, k0 = 0, n0 = 0;

	/* an address the address rules flagged is theirs, not a pool's */
	if (rules_flagged(r, pa->akey, pa->nkey))
		return false;
	if (!ac || !ac->distinct || ctr >= 1)
		return false;
	/* the hours before and this one: a pool address is improbable
	 * over the day long before it is in any one hour, and clicks in
	 * most hours only once */
	if (r->lb.addr_before)
		r->lb.addr_before(r->lb.ctx, pa->akey, &k0, &n0);
	k = ac->distinct + k0;
	n = imps + n0;
	return k >= 2 &&
	       excess_binom_sf(k, n > k ? n : k, ctr) < r->p.hot_addr_alpha;
}

/* Pass 2, an impression of an address that did not click at its
 * publisher this hour: is the publisher's hot_addr excess flagged, and
 * is the address hot over the look-back hours (it clicked there) with
 * this hour's impressions? */
static bool addr_hot_before(const struct rules *r,
			    const struct publisher *pb, uint32_t pub,
			    uint64_t akey, uint64_t nkey)
{
	const struct pub_oneshot *po = table_find(pb->pubs, (uint64_t)pub + 1,
						  NULL);
	double ctr = rules_hour_ctr(r);
	uint32_t k = 0, n = 0;

	if (!po || !(po->fired & IVT_HOT_ADDR) || !r->lb.addr_before ||
	    ctr >= 1 || rules_flagged(r, akey, nkey))
		return false;
	r->lb.addr_before(r->lb.ctx, akey, &k, &n);
	if (k < 2)
		return false;
	n += addr_imps(r, akey);
	return excess_binom_sf(k, n > k ? n : k, ctr) < r->p.hot_addr_alpha;
}

/* The CTR of the addresses with two views or more (those with one make
 * the one-shot clicks), pulled toward prior_ctr by ZONE_PRIOR_IMPS
 * impressions of it. */
#define ZONE_PRIOR_IMPS 200.0

static double ctr_multi(uint32_t imps, uint32_t single, uint32_t clicks,
			double prior_ctr)
{
	double i = imps > single ? imps - single : 0;

	return (clicks + ZONE_PRIOR_IMPS * prior_ctr) / (i + ZONE_PRIOR_IMPS);
}

static int zone_cmp(const void *a, const void *b)
{
	const struct zone_oneshot *x = *(const struct zone_oneshot *const *)a;
	const struct zone_oneshot *y = *(const struct zone_oneshot *const *)b;

	return x->p < y->p ? -1 : x->p > y->p;
}

/* People's one-shot clicks on a zone whose people make honest of them
 * (Poisson) that a cut at p-value t takes: those of the outcomes k with
 * P(K >= k) <= t, sum of k P(K = k) = honest P(K >= m - 1), m the least
 * such k.  *m: a k known to be at most m (0: none), then m; a lower cut
 * has a larger m, so a caller lowering t keeps it. */
static double people_taken(double honest, double t, uint64_t *m)
{
	if (honest <= 0)
		return 0;
	if (!*m)          /* the median of a Poisson is above honest - 1 */
		*m = t < 0.5 && honest > 2 ? (uint64_t)honest - 1 : 1;
	while (excess_poisson_sf(*m, honest) > t)
		(*m)++;
	return honest * excess_poisson_sf(*m - 1, honest);
}

/* The one-shot clicks people are expected to make on zone zo of a
 * publisher whose new single visits are a share fresh of its single
 * ones, at a one-shot click per visit of q: its visits but the clicked
 * ones (each a visit of its own), at least one when it has a click, as
 * the share of new visits is the publisher's and a zone's may be more. */
static double zone_honest(const struct zone_oneshot *zo, double fresh,
			  double q)
{
	double visits = zo->single * fresh - zo->oneshot;

	if (visits < (zo->oneshot ? 1 : 0))
		visits = zo->oneshot ? 1 : 0;
	return q < 1 ? q * visits / (1 - q) : visits + zo->oneshot;
}

/* The zones of publisher po (*nz of them, of which the first *n have a
 * one-shot click), each with the one-shot clicks people are expected to
 * make there (zone_honest; q, the rate of a one-shot click per new
 * visit, is oneshot_rate times the zone's CTR) and the p-value of its own.
 * NULL when out of memory. */
static struct zone_oneshot **pub_zones(struct publisher *pb,
				       const struct pub_oneshot *po,
				       double rate, double pub_ctr,
				       size_t *nz, size_t *n)
{
	double fresh = po->single ? (double)po->fresh / po->single : 1;
	struct zone_oneshot **z = NULL, **grown;
	size_t cap = 0;
	void *v;

	*nz = *n = 0;
	for (size_t i = 0; (v = table_next(pb->zones, &i, NULL)); ) {
		struct zone_oneshot *zo = v;

		if (zo->pub != po->pub)
			continue;
		if (*nz == cap) {
			cap = cap ? 2 * cap : 64;
			grown = realloc(z, cap * sizeof(*z));
			if (!grown) {
				free(z);
				return NULL;
			}
			z = grown;
		}
		zo->honest = zone_honest(zo, fresh, rate *
					 ctr_multi(zo->imps, zo->single,
						   zo->multi, pub_ctr));
		zo->p = excess_poisson_sf(zo->oneshot, zo->honest);
		z[(*nz)++] = zo;
		if (zo->oneshot) {       /* the clicked zones first */
			z[*nz - 1] = z[*n];
			z[(*n)++] = zo;
		}
	}
	return z;
}

/* People's one-shot clicks per new single visit, over the CTR of
 * addresses with two views or more: the other publishers' (rest,
 * add-one-half), but never under 1.  Other publishers' new visitors may
 * click a single impression far less than their regulars click theirs
 * (an hour's in-app and carrier traffic: thousands of new addresses, few
 * clicks), but that measures their audiences, not this publisher's: a
 * viral article's new readers click at first sight as its regulars do.
 * People's one click on a zone is not assumed rarer than any click
 * there, so the bound of their clicks (oneshot_precision) never rests on
 * the others' audience mix, which the binomial null between publishers
 * does not describe (docs/rules.md, oneshot_ratio). */
static double oneshot_rate(const struct pub_oneshot *rest, double rest_ctr)
{
	double r = rest_ctr > 0 && rest->fresh ?
		   ((double)rest->oneshot + 0.5) / rest->fresh / rest_ctr : 1;

	return r > 1 ? r : 1;
}

/* Where in publisher po its one-shot excess is.  People's one-shot clicks
 * on a zone are its new single visits at the zone's CTR of its other
 * addresses, times oneshot_rate: Poisson, of mean zo->honest.  The
 * clicked zones are taken in order of their p-value, as many as keep the
 * people's clicks expected at most 1 - oneshot_precision of the clicks
 * taken: all of theirs on the zones taken, and on every other zone of the
 * publisher, clicked or not, those the same cut would take were they
 * people's alone (the expected false discoveries of a cut on discrete
 * p-values, summed over every zone it could take: Storey 2002, Heyse
 * 2011; the largest cut that keeps the bound, a step-up).  Returns
 * whether any zone is flagged. */
static bool judge_zones(struct rules *r, struct publisher *pb,
			const struct pub_oneshot *po,
			const struct pub_oneshot *rest)
{
	double rest_ctr = ctr_multi(rest->imps, rest->single, rest->multi, 0);
	double rate = oneshot_rate(rest, rest_ctr);
	double pub_ctr = ctr_multi(po->imps, po->single, po->multi, rest_ctr);
	double allow = 1 - r->p.oneshot_precision, clicks = 0, people;
	size_t nz, n, take = 0;
	struct zone_oneshot **z = pub_zones(pb, po, rate, pub_ctr, &nz, &n);
	uint64_t *m = z ? calloc(nz, sizeof(*m)) : NULL;

	if (!m) {
		free(z);
		return false;
	}
	qsort(z, n, sizeof(*z), zone_cmp);
	for (size_t i = 0; i < n; i++)
		clicks += z[i]->oneshot;
	/* the largest cut that keeps the bound; a cut takes ties together */
	for (size_t i = n; i > 0 && !take; i--) {
		if (i == n || z[i]->p != z[i - 1]->p) {
			people = 0;
			for (size_t j = 0; j < nz; j++)
				people += j < i ? z[j]->honest :
					  people_taken(z[j]->honest,
						       z[i - 1]->p, &m[j]);
			if (people <= allow * clicks)
				take = i;
		}
		clicks -= z[i - 1]->oneshot;
	}
	for (size_t i = 0; i < take; i++)
		z[i]->flag = true;
	free(m);
	free(z);
	return take > 0;
}

/* Count pa's clicks in its zone (the zone of its last click): one-shot,
 * a single shot of a returning address (reshot), or of an address with
 * two views or more. */
static void count_zone(const struct rules *r, struct publisher *pb,
		       const struct pub_addr *pa,
		       struct pub_oneshot *po, bool reshot)
{
	struct zone_oneshot *zo = zone_entry(pb, pa->pub, pa->zone);
	bool multi = addr_imps(r, pa->akey) >= 2 && !one_view(r, pb, pa);

	if (zo) {
		zo->oneshot += !!(pa->bits & IVT_ONE_SHOT);
		zo->reshot += reshot;
		zo->multi += multi ? pa->n : 0;
	}
	if (po)
		po->multi += multi ? pa->n : 0;
}

/* The publisher excess rules (docs/rules.md), known after pass 1.
 * one_shot: a publisher whose one-shot clicks are improbable for its
 * single-impression addresses' impressions at the others' CTR of those;
 * its one-shot clicks on the zones judge_zones picks are flagged.
 * hot_addr: a publisher whose share of clicks from hot addresses is
 * improbable for the others' share; its hot clicks are flagged when they
 * are at least oneshot_precision excess.  Either flags the address's
 * impressions on the publisher with its clicks. */
#define PUB_BINS 256

/* The hour's excess test of the publishers' counts k (hist, PUB_BINS
 * bins) at the pooled rate all_k / all_n: oneshot_alpha shared by the
 * publishers whose k could reach it (Tarone, excess.h), *tested of
 * them. */
static struct excess_test pub_test(const struct rules_params *p,
				   const uint32_t *hist, uint64_t all_k,
				   uint64_t all_n, size_t *tested)
{
	struct excess_test t = {
		.ratio = p->oneshot_ratio, .alpha = p->oneshot_alpha,
		.precision = p->oneshot_precision,
	};

	*tested = excess_tarone(hist, PUB_BINS,
				((double)all_k + 0.5) / ((double)all_n + 1),
				p->oneshot_alpha, &t.min);
	return t;
}

static void end_observe(struct rules *r, void *state)
{
	const struct rules_params *p = &r->p;
	struct excess_test t, th;
	struct publisher *pb = state;
	uint64_t all_single = 0, all_fresh = 0, all_one = 0, all_clicks = 0;
	uint64_t all_hot = 0;
	uint64_t all_imps = 0, all_multi = 0;
	uint64_t rest_clicks = 0, rest_hot = 0;
	uint32_t hist_one[PUB_BINS] = { 0 }, hist_hot[PUB_BINS] = { 0 };
	size_t tested_one, tested_hot;
	bool flag;
	void *v;

	for (size_t i = 0; (v = table_next(pb->pub_addr, &i, NULL)); ) {
		const struct pub_addr *pa = v;
		struct addr_clicks *ac = table_find(r->addr_clicks, pa->akey,
						    NULL);

		if (ac)
			ac->distinct += pa->distinct;
	}
	for (size_t i = 0; (v = table_next(pb->pub_addr, &i, NULL)); ) {
		struct pub_addr *pa = v;
		struct pub_oneshot *po = pub_entry(pb, pa->pub);
		/* a one-shot click: a single shot of an address not seen in
		 * the look-back's earlier hours (the mark of a fresh address
		 * per click; a household is seen) */
		bool single = single_shot(r, pb, pa);
		bool seen = single && seen_before(r, pa->akey);

		pa->bits = (single && !seen ? IVT_ONE_SHOT : 0) |
			   (addr_hot(r, pa) ? IVT_HOT_ADDR : 0);
		if (po) {
			po->clicks += pa->n;
			po->oneshot += !!(pa->bits & IVT_ONE_SHOT);
			po->hot += pa->bits & IVT_HOT_ADDR ? pa->n : 0;
		}
		count_zone(r, pb, pa, po, seen);
	}
	for (size_t i = 0; (v = table_next(pb->pubs, &i, NULL)); ) {
		struct pub_oneshot *po = v;

		/* the trials of its one-shot test: the single impressions
		 * that could have been one-shot clicks, at least its own */
		po->fresh = (uint32_t)lround(po->single *
				fresh_share(po->ssingle, po->sfresh));
		if (po->fresh < po->oneshot)
			po->fresh = po->oneshot;
		all_single += po->single;
		all_fresh += po->fresh;
		all_one += po->oneshot;
		all_clicks += po->clicks;
		all_imps += po->imps;
		all_multi += po->multi;
		all_hot += po->hot;
		hist_one[po->oneshot < PUB_BINS ? po->oneshot : PUB_BINS - 1]++;
		hist_hot[po->hot < PUB_BINS ? po->hot : PUB_BINS - 1]++;
	}
	t = pub_test(p, hist_one, all_one, all_fresh, &tested_one);
	th = pub_test(p, hist_hot, all_hot, all_clicks, &tested_hot);
	for (size_t i = 0; (v = table_next(pb->pubs, &i, NULL)); ) {
		struct pub_oneshot *po = v;

		if (excess_fires(&t, po->oneshot, po->fresh, all_one,
				 all_fresh, tested_one, &flag)) {
			struct pub_oneshot rest = {
				.imps = (uint32_t)(all_imps - po->imps),
				.clicks = (uint32_t)(all_clicks - po->clicks),
				.single = (uint32_t)(all_single - po->single),
				.fresh = (uint32_t)(all_fresh - po->fresh),
				.oneshot = (uint32_t)(all_one - po->oneshot),
				.multi = (uint32_t)(all_multi - po->multi),
			};

			r->st.oneshot_pubs++;
			po->fired |= judge_zones(r, pb, po, &rest) ?
				     IVT_ONE_SHOT : 0;
		}
		if (excess_fires(&th, po->hot, po->clicks, all_hot, all_clicks,
				 tested_hot, &flag)) {
			r->st.hot_pubs++;
			po->fired |= IVT_HOT_ADDR;
		} else {
			rest_clicks += po->clicks;
			rest_hot += po->hot;
		}
	}
	/* publishers sharing one pool are each other's peers: the excess
	 * is measured against the publishers that did not fire */
	for (size_t i = 0; (v = table_next(pb->pubs, &i, NULL)); ) {
		struct pub_oneshot *po = v;

		if (!(po->fired & IVT_HOT_ADDR))
			continue;
		excess_fires(&th, po->hot, po->clicks, rest_hot + po->hot,
			     rest_clicks + po->clicks, tested_hot, &flag);
		if (!flag)
			po->fired &= ~(uint32_t)IVT_HOT_ADDR;
	}
	for (size_t i = 0; (v = table_next(pb->pub_addr, &i, NULL)); ) {
		struct pub_addr *pa = v;
		const struct pub_oneshot *po = table_find(pb->pubs,
						(uint64_t)pa->pub + 1, NULL);

		pa->bits &= po ? po->fired : 0;
		if (pa->bits & IVT_ONE_SHOT) {
			const struct zone_oneshot *zo =
				table_find(pb->zones,
					   zone_key(pa->pub, pa->zone), NULL);

			if (!zo || !zo->flag)
				pa->bits &= ~(uint32_t)IVT_ONE_SHOT;
		}
		pb->pub_flagged += pa->bits != 0;
	}
}

/* Each zone's new visits (the first impressions of its addresses new to
 * the look-back: the share of the publisher's sampled first impressions
 * that are new, pulled toward 1 by one sampled address, fresh_share) and
 * its one-shot clicks, and the same of its returning visits (the rest),
 * for one_shot_clicks.  A zone the zone table refused is left out whole,
 * its clicks with its visits. */
int rules_pubscore(const struct rules *r, struct pubscore *ps)
{
	const struct publisher *pb = rules_state(r, &rule_publisher);
	const void *v;

	for (size_t i = 0; (v = table_next(pb->zones, &i, NULL)); ) {
		const struct zone_oneshot *zo = v;
		const struct pub_oneshot *po = table_find(pb->pubs,
						(uint64_t)zo->pub + 1, NULL);

		double fresh;
		struct pub_visits pv;

		if (!po || !(zo->first || zo->oneshot || zo->reshot))
			continue;
		fresh = fresh_share(po->sfirst, po->sfirst_fresh);
		pv = (struct pub_visits){
			.firsts = zo->first * fresh,
			.rfirsts = zo->first * (1 - fresh),
			.oneshot = zo->oneshot, .reshot = zo->reshot,
		};
		if (pubscore_one_shot(ps, zo->pub, zo->zone, &pv))
			return -ENOMEM;
	}
	return 0;
}


static bool params_ok(const struct rules_params *p)
{
	return p->oneshot_ratio >= 1 &&
	       p->oneshot_precision >= 0 && p->oneshot_precision <= 1;
}

static void release(void *state)
{
	struct publisher *pb = state;

	table_free(pb->pub_addr);
	table_free(pb->pubs);
	table_free(pb->zones);
	free(pb->first);
	free(pb);
}

static int init(struct rules *r, void **state)
{
	struct publisher *pb = calloc(1, sizeof(*pb));
	size_t max = r->p.table_max;

	*state = pb;
	if (!pb)
		return -ENOMEM;
	pb->pub_addr = table_new(0, sizeof(struct pub_addr), max,
				 &r->st.table_full);
	pb->pubs = table_new(0, sizeof(struct pub_oneshot), max,
			     &r->st.table_full);
	pb->zones = table_new(0, sizeof(struct zone_oneshot), max,
			      &r->st.table_full);
	pb->first_mask = ((size_t)1 << (r->p.sketch_log2 - 8)) - 1;
	pb->first = calloc(pb->first_mask + 1, sizeof(*pb->first));
	return pb->pub_addr && pb->pubs && pb->zones && pb->first ?
	       0 : -ENOMEM;
}

static size_t memory(const void *state)
{
	const struct publisher *pb = state;

	return table_bytes(pb->pub_addr) + table_bytes(pb->pubs) +
	       table_bytes(pb->zones) +
	       (pb->first_mask + 1) * sizeof(*pb->first);
}

static void begin_hour(struct rules *r, void *state)
{
	struct publisher *pb = state;

	(void)r;
	table_clear(pb->pub_addr);
	pb->pub_flagged = 0;
	table_clear(pb->pubs);
	table_clear(pb->zones);
	memset(pb->first, 0, (pb->first_mask + 1) * sizeof(*pb->first));
}

static void prefetch(const struct rules *r, const void *state,
		     const struct rules_pending *o, size_t n)
{
	const struct publisher *pb = state;

	(void)r;
	for (size_t i = 0; i < n; i++) {
		if (o[i].type != EVENT_CLICK)
			__builtin_prefetch(first_slot(pb, o[i].k.akey));
		table_prefetch(pb->zones, zone_key(o[i].pub, o[i].zone));
	}
}

static void observe_one(const struct rules *r, struct publisher *pb,
			const struct rules_pending *o)
{
	bool isnew;

	if (o->type == EVENT_CLICK) {
		struct pub_addr *pa = table_put(pb->pub_addr,
				hash2(o->k.akey, o->pub, TAG_PUB_ADDR), NULL,
				&isnew);

		if (!pa)
			return;
		if (isnew)
			*pa = (struct pub_addr){ o->k.akey, o->k.nkey, 0, 0,
						 o->pub, 0, 0, 0 };
		pa->n++;
		pa->zone = o->zone;
		/* a double click is not a second click of a pool */
		pa->distinct += !o->imp || o->imp != pa->last_imp;
		pa->last_imp = o->imp;
	} else {
		struct pub_oneshot *po = pub_entry(pb, o->pub);
		struct zone_oneshot *zo = zone_entry(pb, o->pub, o->zone);

		if (po)
			po->imps++;
		if (zo)
			zo->imps++;
		count_single(r, pb, o, po, zo);
	}
}

static void observe(struct rules *r, void *state,
		    const struct rules_pending *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		observe_one(r, state, &o[i]);
}

static uint32_t judge(struct rules *r, void *state,
		      const struct seg_record *rec, const struct rules_keys *k)
{
	const struct publisher *pb = state;
	const struct pub_addr *pa;

	if (!pb->pub_flagged)
		return 0;
	pa = table_find(pb->pub_addr, hash2(k->akey, rec->pub, TAG_PUB_ADDR),
			NULL);
	if (pa)
		return pa->bits;
	if (rec->type != EVENT_CLICK &&
	    addr_hot_before(r, pb, rec->pub, k->akey, k->nkey))
		return IVT_HOT_ADDR;
	return 0;
}

static const struct rule_reason reasons[] = {
	{ IVT_ONE_SHOT, "one_shot" },
	{ IVT_HOT_ADDR, "hot_addr" },
	{ 0, NULL },
};

static const struct rule_param params[] = {
	RULE_PARAM(oneshot_ratio, oneshot_ratio, RULE_DBL),
	RULE_PARAM(oneshot_alpha, oneshot_alpha, RULE_DBL),
	RULE_PARAM(oneshot_precision, oneshot_precision, RULE_DBL),
	RULE_PARAM(hot_addr_alpha, hot_addr_alpha, RULE_DBL),
	{ NULL, 0, RULE_I64 },
};

const struct rule_family rule_publisher = {
	.name = "publisher",
	.doc = "a publisher with improbably many one-shot clicks or clicks from hot addresses",
	.reasons = reasons,
	.params = params,
	.params_ok = params_ok,
	.init = init,
	.release = release,
	.memory = memory,
	.begin_hour = begin_hour,
	.prefetch = prefetch,
	.observe = observe,
	.end_observe = end_observe,
	.judges = RULE_IMPS | RULE_CLICKS,
	.judge = judge,
};
