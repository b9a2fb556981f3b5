/* people.c - sessions of people and of the trap populations.  Parameters
 * are drawn per seed from the ranges in docs/redteam.md. */
#include "people.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "utchour.h"

static void draw_params(struct rt_people_params *pp, struct rt_rng *r)
{
	pp->sub1s = rt_range(r, 0.01, 0.03);
	pp->ttc_median = rt_logrange(r, 3000, 15000);
	pp->tail_share = rt_range(r, 0.04, 0.15);
	pp->tail_median = rt_logrange(r, 40000, 400000);
	/* the main log-normal puts sub1s of the clicks below 1 s */
	pp->ttc_sigma = log(pp->ttc_median / 1000.0) /
			-rt_probit(pp->sub1s / (1.0 - pp->tail_share));
	pp->pv_mean = rt_range(r, 1.5, 5.0);
	pp->pv_gap = rt_logrange(r, 15000, 90000);
	pp->mobile = rt_range(r, 0.45, 0.75);
	pp->inapp = rt_range(r, 0.10, 0.35);
	pp->v6 = rt_range(r, 0.10, 0.50);
	pp->household = rt_range(r, 1.6, 2.8);
	pp->cell = rt_range(r, 0.3, 0.7);
	pp->nat_users = rt_logrange(r, 20, 400);
	pp->cookie_clear = rt_range(r, 0.03, 0.15);
	pp->chrome_block = rt_range(r, 0.01, 0.05);
	pp->itp_block = rt_range(r, 0.9, 1.0);
	pp->nolang_inapp = rt_range(r, 0.01, 0.2);
	pp->nolang_browser = rt_range(r, 0.001, 0.01);
	pp->nref_browser = rt_range(r, 0.01, 0.06);
	pp->nref_inapp = rt_range(r, 0.1, 0.5);
	pp->unsigned_click = rt_range(r, 0.1, 0.5);
	pp->dbl_click = rt_range(r, 0.003, 0.03);
	pp->click_sigma = rt_range(r, 0.5, 1.2);
	pp->proxy_ref = rt_range(r, 0.002, 0.03);
	for (unsigned g = 0; g < RT_REGIONS; g++) {
		pp->trough[g] = rt_range(r, 0.08, 0.3);
		pp->morning[g] = rt_range(r, 0.3, 0.8);
		pp->lunch[g] = rt_range(r, 0.3, 0.9);
		pp->evening[g] = rt_range(r, 0.8, 1.2);
		pp->width[g] = rt_range(r, 1.5, 3.0);
	}
	pp->viral_mult = rt_logrange(r, 3, 30);
	pp->viral_len = 1 + rt_below(r, 3);
}

static double bump(double x, double mu, double w)
{
	double d = fabs(x - mu);

	if (d > 12)
		d = 24 - d;
	return exp(-0.5 * d * d / (w * w));
}

static double local_hour(const struct rt_net *net, unsigned g, int64_t t)
{
	double h = fmod((double)t / HOUR_MS + net->reg[g].utc_off_min / 60.0, 24.0);

	return h < 0 ? h + 24 : h;
}

double rt_people_curve(const struct rt_people *pe, const struct rt_net *net,
		       unsigned g, int64_t t)
{
	const struct rt_people_params *pp = &pe->pp;
	double h = local_hour(net, g, t);

	return pp->trough[g] + pp->morning[g] * bump(h, 8.5, pp->width[g]) +
	       pp->lunch[g] * bump(h, 12.5, pp->width[g]) +
	       pp->evening[g] * bump(h, 21.0, pp->width[g]);
}

static double office_curve(const struct rt_net *net, unsigned g, int64_t t)
{
	double h = local_hour(net, g, t);
	/* 1970-01-01 was a Thursday: day 0 of the week is Thursday */
	int64_t day = (t + (int64_t)net->reg[g].utc_off_min * 60000) / (24 * HOUR_MS);
	int wd = (int)((day + 3) % 7);   /* 0 Monday .. 6 Sunday */

	return wd < 5 && h >= 8.5 && h < 18 ? 1.0 : 0.03;
}

static double popn_curve(const struct rt_people *pe, const struct rt_net *net,
			 unsigned pop, int64_t t)
{
	const struct rt_popn *po = &pe->pop[pop];
	double c = 0;

	if (pop == POP_MAIN) {
		for (unsigned g = 0; g < RT_REGIONS; g++)
			c += net->reg_share[g] * rt_people_curve(pe, net, g, t);
		return c;
	}
	if (po->curve == CURVE_OFFICE)
		return office_curve(net, po->region, t);
	return rt_people_curve(pe, net, po->region, t);
}

static void person_init(struct rt_people *pe, const struct rt_uas *uas,
			struct rt_person *q, uint8_t region, bool mobile,
			bool inapp, struct rt_rng *r)
{
	const struct rt_people_params *pp = &pe->pp;
	struct event_addr home = q->home;

	memset(q, 0, sizeof(*q));
	q->home = home;
	q->region = region;
	q->mobile = mobile;
	q->inapp = inapp;
	q->ua = rt_ua_pick(uas, !mobile ? UA_DESKTOP : inapp ? UA_INAPP : UA_MOBILE, r);
	if (rt_ua_has(uas, q->ua, UA_T_WEBKIT_ITP))
		q->cookie = rt_chance(r, pp->itp_block) ? CK_BLOCK : CK_KEEP;
	else if (rt_chance(r, pp->chrome_block))
		q->cookie = CK_BLOCK;
	else
		q->cookie = rt_chance(r, inapp ? 0.5 : pp->cookie_clear) ?
			    CK_SESSION : CK_KEEP;
	q->nolang = rt_chance(r, inapp ? pp->nolang_inapp : pp->nolang_browser);
	q->click_prop = (float)(rt_lognormal(r, 1.0, pp->click_sigma) /
				exp(pp->click_sigma * pp->click_sigma / 2));
	q->fav = rt_table_pick(&pe->net->pub_by_region[region], r);
}

/* Households of about pp->household people behind one address (IPv4) or
 * one /64 (IPv6, each device its own address). */
static void households(struct rt_people *pe, struct rt_person *q, uint32_t n,
		       uint8_t region, struct rt_rng *r)
{
	const struct rt_region *g = &pe->net->reg[region];
	uint32_t i = 0;

	while (i < n) {
		uint32_t size = 1 + rt_poisson(r, pe->pp.household - 1);
		bool v6 = rt_chance(r, pe->pp.v6);
		struct event_addr home;

		rt_addr_in(&g->b[v6 ? BK_HOME6 : BK_HOME4], r, &home);
		for (uint32_t k = 0; k < size && i < n; k++, i++) {
			if (v6)
				rt_addr_near(&home, r, &q[i].home);
			else
				q[i].home = home;
		}
	}
}

static int activity_table(struct rt_table *t, uint32_t n, struct rt_rng *r)
{
	double *w = malloc((n ? n : 1) * sizeof(*w));
	int rc;

	if (!w)
		return -ENOMEM;
	/* heavy readers come back far more often than light ones */
	for (uint32_t i = 0; i < n; i++)
		w[i] = rt_lognormal(r, 1.0, 1.2);
	rc = rt_table_init(t, w, n);
	free(w);
	return rc;
}

static int popn_alloc(struct rt_popn *po, uint32_t n, struct rt_rng *r)
{
	po->n = n;
	if (!(po->p = calloc(n ? n : 1, sizeof(*po->p))))
		return -ENOMEM;
	return activity_table(&po->pick, n, r);
}

/* Name, label, home region and share of sessions of a trap population. */
static struct rt_popn *popn_head(struct rt_people *pe, unsigned k, const char *name,
				 unsigned label, double share, struct rt_rng *r)
{
	struct rt_popn *po = &pe->pop[k];

	po->name = name;
	po->label = label;
	po->region = (uint8_t)rt_table_pick(&pe->net->reg_pick, r);
	po->share = share;
	return po;
}

static int pool_alloc(struct rt_popn *po, uint32_t n, const struct rt_blocks *b,
		      struct rt_rng *r)
{
	po->npool = n;
	if (!(po->pool = calloc(n, sizeof(*po->pool))))
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		rt_addr_in(b, r, &po->pool[i]);
	return 0;
}

static int main_population(struct rt_people *pe, const struct rt_uas *uas,
			   struct rt_rng *r)
{
	const struct rt_net *net = pe->net;
	struct rt_popn *po = &pe->pop[POP_MAIN];
	/* each person makes a handful to a few dozen lines a day */
	double per_person = rt_range(r, 6, 20) * (pe->hours < 24 ? pe->hours / 24.0 + 0.2 : 1);
	uint32_t n = (uint32_t)fmax(2000, pe->events / per_person);
	int rc;

	po->name = "people";
	po->label = RT_VALID;
	if ((rc = popn_alloc(po, n, r)))
		return rc;
	uint32_t at = 0;

	for (unsigned g = 0; g < RT_REGIONS; g++) {
		uint32_t k = g + 1 == RT_REGIONS ? n - at :
			     (uint32_t)(n * net->reg_share[g]);
		uint32_t mob = 0;

		if (k > n - at)
			k = n - at;
		pe->region_first[g] = at;
		pe->region_n[g] = k;
		households(pe, po->p + at, k, (uint8_t)g, r);
		for (uint32_t i = at; i < at + k; i++) {
			bool mobile = rt_chance(r, pe->pp.mobile);

			person_init(pe, uas, &po->p[i], (uint8_t)g, mobile,
				    mobile && rt_chance(r, pe->pp.inapp), r);
			mob += mobile;
		}
		/* carrier NAT: pp.nat_users phones per public address */
		pe->ncarrier[g] = 4 + (uint32_t)(mob * pe->pp.cell / pe->pp.nat_users);
		if (!(pe->carrier[g] = calloc(pe->ncarrier[g], sizeof(struct event_addr))))
			return -ENOMEM;
		for (uint32_t i = 0; i < pe->ncarrier[g]; i++)
			rt_addr_in(&net->reg[g].b[BK_MOBILE4], r, &pe->carrier[g][i]);
		if ((rc = activity_table(&pe->region_people[g], k ? k : 1, r)))
			return rc;
		at += k;
	}
	return 0;
}

static int traps(struct rt_people *pe, const struct rt_uas *uas, struct rt_rng *r)
{
	const struct rt_net *net = pe->net;
	struct rt_popn *po;
	int rc;

	/* a carrier NAT: thousands of phones behind a few addresses */
	po = popn_head(pe, POP_CGNAT, "cgnat", RT_TRAP_CGNAT, rt_logrange(r, 0.003, 0.02), r);
	po->cell = 1.0;
	if ((rc = pool_alloc(po, 1 + rt_below(r, 12), &net->reg[po->region].b[BK_MOBILE4], r)) ||
	    (rc = popn_alloc(po, (uint32_t)fmin(30000, po->npool * rt_logrange(r, 200, 3000)), r)))
		return rc;
	for (uint32_t i = 0; i < po->n; i++)
		person_init(pe, uas, &po->p[i], po->region, true,
			    rt_chance(r, pe->pp.inapp), r);

	/* an office or campus behind one proxy: one managed browser build */
	po = popn_head(pe, POP_OFFICE, "office", RT_TRAP_OFFICE, rt_logrange(r, 0.002, 0.01), r);
	po->curve = CURVE_OFFICE;
	po->cell = 1.0;
	if ((rc = pool_alloc(po, 1 + rt_below(r, 4), &net->reg[po->region].b[BK_HOME4], r)) ||
	    (rc = popn_alloc(po, 100 + rt_below(r, 2900), r)))
		return rc;
	uint32_t builds[2] = { rt_ua_pick(uas, UA_DESKTOP, r), rt_ua_pick(uas, UA_DESKTOP, r) };

	for (uint32_t i = 0; i < po->n; i++) {
		person_init(pe, uas, &po->p[i], po->region, false, false, r);
		po->p[i].ua = builds[rt_chance(r, 0.8) ? 0 : 1];
		po->p[i].cookie = CK_KEEP;
	}

	/* a crowd arriving in social apps' in-app browsers */
	po = popn_head(pe, POP_INAPP, "inapp", RT_TRAP_INAPP, rt_logrange(r, 0.005, 0.03), r);
	po->nolang = rt_range(r, 0.05, 0.4);
	po->nref = rt_range(r, 0.1, 0.4);
	if ((rc = popn_alloc(po, 5000 + rt_below(r, 35000), r)))
		return rc;
	households(pe, po->p, po->n, po->region, r);
	for (uint32_t i = 0; i < po->n; i++)
		person_init(pe, uas, &po->p[i], po->region, true, true, r);

	/* people on commercial VPNs: hosting addresses, cookies blocked */
	po = popn_head(pe, POP_VPN, "vpn", RT_TRAP_VPN, rt_logrange(r, 0.001, 0.01), r);
	po->cell = 1.0;
	po->nref = rt_range(r, 0.0, 0.3);
	if ((rc = pool_alloc(po, 20 + rt_below(r, 180), &net->dc[DC_VPN], r)) ||
	    (rc = popn_alloc(po, 500 + rt_below(r, 4500), r)))
		return rc;
	for (uint32_t i = 0; i < po->n; i++) {
		person_init(pe, uas, &po->p[i], po->region, rt_chance(r, 0.3), false, r);
		if (rt_chance(r, 0.5))
			po->p[i].cookie = CK_BLOCK;
	}

	/* a viral story: one publisher, new readers from social apps */
	po = &pe->pop[POP_VIRAL];
	po->name = "viral";
	po->label = RT_TRAP_VIRAL;
	/* any publisher can be the one whose story spreads */
	pe->pp.viral_pub = rt_below(r, net->npubs);
	po->region = net->pubs[pe->pp.viral_pub].region;
	pe->pp.viral_hour = rt_below(r, pe->hours);
	if ((rc = popn_alloc(po, 20000 + rt_below(r, 80000), r)))
		return rc;
	households(pe, po->p, po->n, po->region, r);
	for (uint32_t i = 0; i < po->n; i++) {
		bool mobile = rt_chance(r, 0.8);

		person_init(pe, uas, &po->p[i], po->region, mobile,
			    mobile && rt_chance(r, 0.6), r);
		po->p[i].fav = pe->pp.viral_pub;
	}
	return 0;
}

int rt_people_init(struct rt_people *pe, const struct rt_net *net,
		   const struct rt_uas *uas, uint64_t seed, uint64_t events,
		   uint32_t hours, int64_t start_ms)
{
	struct rt_rng r = rt_rng_fork(seed, "people", 0);
	double zones_per_page = 0, popsum = 0;
	int rc;

	memset(pe, 0, sizeof(*pe));
	pe->net = net;
	pe->events = events;
	pe->hours = hours;
	pe->start_ms = start_ms;
	draw_params(&pe->pp, &r);
	if (!(pe->pub_full_ref = calloc(net->npubs, 1)))
		return -ENOMEM;
	for (uint32_t i = 0; i < net->npubs; i++) {
		const struct rt_pub *p = &net->pubs[i];
		double z = 0;

		/* a referrer policy that sends the whole URL, or the default
		 * (strict-origin-when-cross-origin) that sends the origin */
		pe->pub_full_ref[i] = rt_chance(&r, 0.4);
		for (uint32_t k = 0; k < p->zone_n; k++)
			z += net->zones[p->zone_first + k].presence;
		zones_per_page += p->pop * z;
		popsum += p->pop;
	}
	zones_per_page /= popsum;
	pe->sessions_per_hour_unit = 1.0 / (pe->pp.pv_mean * zones_per_page);
	if ((rc = main_population(pe, uas, &r)) || (rc = traps(pe, uas, &r)))
		return rc;
	for (unsigned k = 0; k < POP__N; k++)
		for (uint32_t h = 0; h < hours; h++)
			pe->den[k] += popn_curve(pe, net, k,
						 start_ms + h * HOUR_MS + HOUR_MS / 2);
	return 0;
}

void rt_people_release(struct rt_people *pe)
{
	for (unsigned k = 0; k < POP__N; k++) {
		free(pe->pop[k].p);
		free(pe->pop[k].pool);
		rt_table_release(&pe->pop[k].pick);
	}
	for (unsigned g = 0; g < RT_REGIONS; g++) {
		rt_table_release(&pe->region_people[g]);
		free(pe->carrier[g]);
	}
	free(pe->pub_full_ref);
	memset(pe, 0, sizeof(*pe));
}

void rt_person_cookie(struct rt_person *q, struct rt_ev *ev, struct rt_rng *r)
{
	ev->has_uid = 1;
	if (q->cookie == CK_BLOCK || !q->uid_set) {
		for (unsigned i = 0; i < 16; i += 8) {
			uint64_t v = rt_u64(r);

			memcpy(q->uid + i, &v, 8);
		}
		q->uid_set = q->cookie != CK_BLOCK;
		ev->flags |= EVENT_F_UID_NEW;
	} else {
		ev->flags &= ~(uint32_t)EVENT_F_UID_NEW;
	}
	memcpy(ev->uid, q->uid, 16);
}

void rt_person_request(const struct rt_people *pe, const struct rt_popn *po,
		       struct rt_person *q, struct rt_ev *ev, bool new_session,
		       struct rt_rng *r)
{
	const struct rt_net *net = pe->net;

	if (new_session && q->cookie == CK_SESSION)
		q->uid_set = 0;
	if (po && po->npool && rt_chance(r, po->cell))
		ev->ip = po->pool[rt_below(r, po->npool)];
	else if (q->mobile && rt_chance(r, pe->pp.cell)) {
		if (rt_chance(r, pe->pp.v6))
			rt_addr_in(&net->reg[q->region].b[BK_MOBILE6], r, &ev->ip);
		else
			ev->ip = pe->carrier[q->region][rt_below(r, pe->ncarrier[q->region])];
	} else {
		ev->ip = q->home;
	}
	ev->ua = q->ua;
	ev->flags = q->nolang || (po && rt_chance(r, po->nolang)) ?
		    EVENT_F_NO_ACCEPT_LANG : 0;
}

int64_t rt_people_ttc(const struct rt_people_params *pp, struct rt_rng *r)
{
	double ms = rt_chance(r, pp->tail_share) ?
		    rt_lognormal(r, pp->tail_median, 1.0) :
		    rt_lognormal(r, pp->ttc_median, pp->ttc_sigma);

	if (ms > 1800000)
		ms = 1800000;
	return ms < 1 ? 1 : (int64_t)ms;
}

/* One visit of person q to publisher pub from t0. */
static void session(struct rt_people *pe, struct rt_popn *po, struct rt_person *q,
		    uint32_t pub, int64_t t0, unsigned label, struct rt_out *o,
		    struct rt_rng *r)
{
	const struct rt_net *net = pe->net;
	const struct rt_people_params *pp = &pe->pp;
	const struct rt_pub *p = &net->pubs[pub];
	struct rt_ev req;
	uint32_t pages = rt_geom(r, pp->pv_mean);
	int64_t t = t0;
	uint8_t ref_kind;

	memset(&req, 0, sizeof(req));
	rt_person_request(pe, po, q, &req, true, r);
	if (label == RT_TRAP_PROXY_REF)
		ref_kind = rt_chance(r, 0.6) ? REF_AMP : REF_TRANSLATE;
	else if (rt_chance(r, (q->inapp ? pp->nref_inapp : pp->nref_browser) + po->nref))
		ref_kind = REF_NONE;
	else
		ref_kind = pe->pub_full_ref[pub] ? REF_PAGE : REF_ORIGIN;
	req.ref_kind = ref_kind;
	req.ref_a = pub;
	for (uint32_t pg = 0; pg < pages; pg++) {
		uint32_t page = (uint32_t)(p->pages * pow(rt_unit(r), 3));
		bool left = false;

		req.ref_b = page | (q->mobile ? 0x80000000u : 0) |
			    (p->domain2[0] && rt_chance(r, 0.3) ? 0x40000000u : 0);
		req.ts = t;
		if (pe->hook)
			pe->hook(pe->hook_ctx, &req, q, pub, r);
		for (uint32_t k = 0; k < p->zone_n && !left; k++) {
			uint32_t z = p->zone_first + k;
			int64_t ti = t + (int64_t)rt_lognormal(r, 400, 0.8);
			struct rt_ev *imp;

			if (!rt_chance(r, net->zones[z].presence))
				continue;
			imp = rt_out_like(o, &req, ti, EVENT_IMPRESSION, label);
			rt_ev_zone(o, imp, z, r);
			rt_person_cookie(q, imp, r);
			if (!rt_chance(r, net->zones[z].ctr * q->click_prop))
				continue;
			struct rt_ev im = *imp;
			int64_t tc = ti + rt_people_ttc(pp, r);
			struct rt_ev *c = rt_out_like(o, &im, tc, EVENT_CLICK, label);
			uint32_t ad_idx = im.ad - 1;

			c->ad = im.ad;
			c->zone = im.zone;
			c->pub = im.pub;
			c->camp = im.camp;
			if (net->ads[ad_idx].unsigned_ok && rt_chance(r, pp->unsigned_click)) {
				c->flags |= EVENT_F_NO_TOKEN;
			} else {
				c->flags |= EVENT_F_TOKEN_VALID;
				c->imp = im.id;
			}
			rt_person_cookie(q, c, r);
			if (rt_chance(r, pp->dbl_click)) {
				struct rt_ev cc = *c;
				struct rt_ev *d = rt_out_like(o, &cc, tc + 60 +
					rt_below(r, 540), EVENT_CLICK, RT_DOUBLE_CLICK);

				d->flags = cc.flags & ~(uint32_t)EVENT_F_UID_NEW;
				d->imp = cc.imp;
				rt_person_cookie(q, d, r);
			}
			t = tc;
			left = rt_chance(r, 0.6);
		}
		if (left)
			break;
		t += (int64_t)rt_lognormal(r, pp->pv_gap, 1.0);
	}
}

static uint32_t session_count(struct rt_people *pe, unsigned k, double curve,
			      double mult, struct rt_rng *r)
{
	double share = k == POP_MAIN ? 1.0 : pe->pop[k].share;

	if (pe->den[k] <= 0)
		return 0;
	return rt_poisson(r, pe->events * pe->sessions_per_hour_unit * share *
			  mult * curve / pe->den[k]);
}

void rt_people_hour(struct rt_people *pe, const struct rt_net *net,
		    struct rt_out *o, uint32_t h, struct rt_rng *r)
{
	int64_t hs = pe->start_ms + (int64_t)h * HOUR_MS, mid = hs + HOUR_MS / 2;
	struct rt_popn *main = &pe->pop[POP_MAIN];

	for (unsigned g = 0; g < RT_REGIONS; g++) {
		double c = net->reg_share[g] * rt_people_curve(pe, net, g, mid);
		uint32_t n = session_count(pe, POP_MAIN, c, 1.0, r);

		if (!pe->region_n[g])
			continue;
		for (uint32_t s = 0; s < n; s++) {
			struct rt_person *q = &main->p[pe->region_first[g] +
				rt_table_pick(&pe->region_people[g], r)];
			uint32_t pub = rt_chance(r, 0.5) ? q->fav :
				       rt_table_pick(&net->pub_by_region[g], r);
			unsigned label = rt_chance(r, pe->pp.proxy_ref) ?
					 RT_TRAP_PROXY_REF : RT_VALID;

			session(pe, main, q, pub, hs + rt_below(r, HOUR_MS), label, o, r);
		}
	}
	for (unsigned k = POP_CGNAT; k < POP_VIRAL; k++) {
		struct rt_popn *po = &pe->pop[k];
		uint32_t n = session_count(pe, k, popn_curve(pe, net, k, mid), 1.0, r);

		for (uint32_t s = 0; s < n; s++) {
			struct rt_person *q = &po->p[rt_table_pick(&po->pick, r)];
			uint32_t pub = rt_chance(r, 0.5) ? q->fav :
				       rt_table_pick(&net->pub_by_region[q->region], r);

			session(pe, po, q, pub, hs + rt_below(r, HOUR_MS), po->label, o, r);
		}
	}
	if (h >= pe->pp.viral_hour && h < pe->pp.viral_hour + pe->pp.viral_len) {
		struct rt_popn *po = &pe->pop[POP_VIRAL];
		const struct rt_pub *vp = &net->pubs[pe->pp.viral_pub];
		/* the publisher's usual sessions this hour times the spike, at
		 * most a third of the network's hour */
		double c = 0;

		for (unsigned g = 0; g < RT_REGIONS; g++)
			c += net->reg_share[g] * rt_people_curve(pe, net, g, mid);
		uint32_t n = rt_poisson(r, pe->events * pe->sessions_per_hour_unit *
					c / pe->den[POP_MAIN] *
					fmin(0.33, vp->pop * pe->pp.viral_mult));

		for (uint32_t s = 0; s < n; s++) {
			/* most readers arrive once: new visitors */
			struct rt_person *q = &po->p[rt_below(r, po->n)];

			session(pe, po, q, pe->pp.viral_pub, hs + rt_below(r, HOUR_MS),
				po->label, o, r);
		}
	}
}
