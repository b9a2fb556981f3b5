/* fraud.c - the invalid-traffic families.  Each family's parameters are
 * drawn from its own stream, so one family's draws never move another's;
 * docs/redteam.md gives every range and the public source it comes from. */
#include "fraud.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eventid.h"
#include "utchour.h"

static const char *const am_name[AM__N] = { "fresh", "few", "slash24", "pool", "carrier" };
static const char *const cm_name[CM__N] = { "keep", "fresh", "session" };
static const char *const rm_name[RM__N] = { "own", "foreign", "none", "search", "mix" };

/* A publisher nobody else uses: fraud sits mostly on small sites (uniform
 * over publishers, who are mostly small), never on the viral one. */
static uint32_t fraud_pub(struct rt_fraud *fr, struct rt_rng *r)
{
	for (int tries = 0; tries < 1000; tries++) {
		uint32_t p = rt_below(r, fr->net->npubs);

		if (!fr->used_pub[p] && p != fr->pe->pp.viral_pub) {
			fr->used_pub[p] = 1;
			return p;
		}
	}
	return 0;
}

static void uid_new(uint8_t uid[16], struct rt_rng *r)
{
	uint64_t a = rt_u64(r), b = rt_u64(r);

	memcpy(uid, &a, 8);
	memcpy(uid + 8, &b, 8);
}

static void actor_cookie(struct rt_actor *a, enum rt_cookie_mode cm,
			 struct rt_ev *ev, struct rt_rng *r)
{
	ev->has_uid = 1;
	if (cm == CM_FRESH || !a->uid_set) {
		uid_new(a->uid, r);
		a->uid_set = cm != CM_FRESH;
		ev->flags |= EVENT_F_UID_NEW;
	} else {
		ev->flags &= ~(uint32_t)EVENT_F_UID_NEW;
	}
	memcpy(ev->uid, a->uid, 16);
}

static void actor_addr(struct rt_fraud *fr, const struct rt_fam *fm,
		       const struct rt_actor *a, struct event_addr *ip,
		       struct rt_rng *r)
{
	switch (fm->am) {
	case AM_FRESH:
		rt_addr_in(fm->blocks, r, ip);
		break;
	case AM_CARRIER:
		*ip = fr->pe->carrier[fm->region][rt_below(r, fr->pe->ncarrier[fm->region])];
		break;
	default:
		*ip = a->ip;
		break;
	}
}

static int actors_init(struct rt_fraud *fr, struct rt_fam *fm, uint32_t n,
		       struct rt_rng *r)
{
	struct event_addr few[5], base;
	uint32_t nfew = 1 + rt_below(r, 5);

	fm->na = n ? n : 1;
	if (!(fm->a = calloc(fm->na, sizeof(*fm->a))))
		return -ENOMEM;
	for (uint32_t i = 0; i < nfew; i++)
		rt_addr_in(fm->blocks, r, &few[i]);
	rt_addr_in(fm->blocks, r, &base);
	for (uint32_t i = 0; i < fm->na; i++) {
		struct rt_actor *a = &fm->a[i];

		switch (fm->am) {
		case AM_FEW: a->ip = few[i % nfew]; break;
		case AM_SLASH24: rt_addr_near(&base, r, &a->ip); break;
		default: rt_addr_in(fm->blocks, r, &a->ip); break;
		}
		a->ua = rt_ua_pick(fr->uas, (enum rt_ua_kind)fm->ua_kind, r);
	}
	return 0;
}

static uint32_t target_pub(const struct rt_fraud *fr, const struct rt_fam *fm,
			   struct rt_rng *r)
{
	if (fm->npubs)
		return fm->pubs[rt_below(r, fm->npubs)];
	return rt_table_pick(&fr->net->pub_by_region[rt_table_pick(&fr->net->reg_pick, r)], r);
}

static void set_ref(const struct rt_fraud *fr, const struct rt_fam *fm,
		    struct rt_ev *ev, uint32_t pub, struct rt_rng *r)
{
	const struct rt_pub *p = &fr->net->pubs[pub];
	enum rt_ref_mode m = fm->rm;

	if (m == RM_MIX)
		m = (enum rt_ref_mode)rt_below(r, RM_MIX);
	ev->ref_a = pub;
	ev->ref_b = (uint32_t)(p->pages * pow(rt_unit(r), 3));
	switch (m) {
	case RM_OWN: ev->ref_kind = rt_chance(r, 0.5) ? REF_PAGE : REF_ORIGIN; break;
	case RM_FOREIGN:
		ev->ref_kind = REF_FOREIGN;
		ev->ref_a = rt_below(r, fr->net->nforeign);
		break;
	case RM_SEARCH:
		ev->ref_kind = REF_SEARCH;
		ev->ref_a = rt_below(r, 6);
		break;
	default: ev->ref_kind = REF_NONE; break;
	}
}

static int64_t fam_ttc(const struct rt_fam *fm, struct rt_rng *r)
{
	double ms = rt_lognormal(r, fm->ttc_median, fm->ttc_sigma);

	return ms < 1 ? 1 : ms > 1800000 ? 1800000 : (int64_t)ms;
}

/* A click on the impression im, ttc later, as serve logs a good token. */
static struct rt_ev *click_on(struct rt_out *o, const struct rt_ev *im,
			      int64_t ttc, unsigned label)
{
	struct rt_ev c0 = *im;
	struct rt_ev *c = rt_out_like(o, &c0, im->ts + ttc, EVENT_CLICK, label);

	c->ad = c0.ad;
	c->zone = c0.zone;
	c->pub = c0.pub;
	c->camp = c0.camp;
	c->flags |= EVENT_F_TOKEN_VALID;
	c->imp = c0.id;
	return c;
}

/* An unsigned click on zone z without an impression (/c?ad=A&zone=Z). */
static struct rt_ev *unsigned_click(struct rt_fraud *fr, const struct rt_ev *req,
				    uint32_t z, int64_t t, unsigned label,
				    struct rt_rng *r)
{
	struct rt_ev *c = rt_out_like(fr->o, req, t, EVENT_CLICK, label);

	rt_ev_zone(fr->o, c, z, r);
	c->flags |= EVENT_F_NO_TOKEN;
	if (!fr->net->ads[c->ad - 1].unsigned_ok)
		c->flags |= EVENT_F_UNSIGNED_DENY;
	return c;
}

/* One page load by actor a at publisher pub: its zones' impressions, each
 * clicked with the family's probability after its time to click. */
static void visit(struct rt_fraud *fr, struct rt_fam *fm, struct rt_actor *a,
		  uint32_t pub, int64_t t, struct rt_rng *r)
{
	const struct rt_net *net = fr->net;
	const struct rt_pub *p = &net->pubs[pub];
	struct rt_ev req;

	memset(&req, 0, sizeof(req));
	actor_addr(fr, fm, a, &req.ip, r);
	req.ua = a->ua;
	req.flags = rt_chance(r, fm->nolang) ? EVENT_F_NO_ACCEPT_LANG : 0;
	set_ref(fr, fm, &req, pub, r);
	for (uint32_t k = 0; k < p->zone_n; k++) {
		uint32_t z = p->zone_first + k;
		struct rt_ev *im;

		if (k && !rt_chance(r, net->zones[z].presence))
			continue;
		im = rt_out_like(fr->o, &req, t + (int64_t)rt_lognormal(r, 300, 0.7),
				 EVENT_IMPRESSION, fm->label);
		rt_ev_zone(fr->o, im, z, r);
		actor_cookie(a, fm->cm, im, r);
		if (rt_chance(r, fm->p_click)) {
			struct rt_ev i0 = *im;
			struct rt_ev *c = click_on(fr->o, &i0, fam_ttc(fm, r), fm->label);

			actor_cookie(a, fm->cm, c, r);
		}
	}
}

static double mean_curve(const struct rt_fraud *fr, unsigned g)
{
	double s = 0;

	for (int h = 0; h < 24; h++)
		s += rt_people_curve(fr->pe, fr->net, g, (int64_t)h * HOUR_MS);
	return s / 24;
}

static uint32_t fam_count(const struct rt_fraud *fr, const struct rt_fam *fm,
			  int64_t mid, struct rt_rng *r)
{
	double f = fm->diurnal ? rt_people_curve(fr->pe, fr->net, fm->region, mid) /
				 mean_curve(fr, fm->region) : 1.0;

	return rt_poisson(r, fm->per_hour * f);
}

/* Common draws of a scripted family. */
static void fam_base(struct rt_fraud *fr, struct rt_fam *fm, unsigned label,
		     double vol_lo, double vol_hi, struct rt_rng *r)
{
	fm->label = label;
	fm->per_hour = fr->valid_per_hour * rt_logrange(r, vol_lo, vol_hi);
	fm->diurnal = rt_chance(r, 0.6);
	fm->region = (uint8_t)rt_table_pick(&fr->net->reg_pick, r);
	fm->blocks = &fr->net->reg[fm->region].b[BK_HOME4];
	fm->ua_kind = UA_DESKTOP;
	fm->nolang = rt_range(r, 0, 0.05);
}

static void own_pubs(struct rt_fraud *fr, struct rt_fam *fm, uint32_t n,
		     struct rt_rng *r)
{
	fm->npubs = n > 6 ? 6 : n;
	for (uint32_t i = 0; i < fm->npubs; i++)
		fm->pubs[i] = fraud_pub(fr, r);
}

/* Family l, with its own stream of draws in *r. */
static struct rt_fam *family(struct rt_fraud *fr, unsigned l, uint64_t seed,
			     struct rt_rng *r)
{
	*r = rt_rng_fork(seed, rt_label_name(l), 0);
	return &fr->f[l];
}

static int draw_families(struct rt_fraud *fr, uint64_t seed)
{
	struct rt_net *net = fr->net;
	struct rt_fam *fm;
	struct rt_rng r;
	int rc;

	/* GIVT: declared crawlers render pages and load their ads */
	fm = family(fr, RT_CRAWLER, seed, &r);
	fam_base(fr, fm, RT_CRAWLER, 0.001, 0.02, &r);
	fm->diurnal = false;
	fm->p_click = rt_range(&r, 0, 0.005);
	fm->ttc_median = rt_logrange(&r, 50, 5000);
	fm->ttc_sigma = rt_range(&r, 0.1, 1.0);
	fm->cm = CM_FRESH;
	fm->rm = rt_chance(&r, 0.7) ? RM_OWN : RM_NONE;
	fm->ua_kind = UA_CRAWLER;
	fm->am = AM_FEW;
	fm->nolang = rt_range(&r, 0.3, 1.0);

	/* GIVT: browser prerendering and link-preview fetchers */
	fm = family(fr, RT_PREVIEW, seed, &r);
	fam_base(fr, fm, RT_PREVIEW, 0.0005, 0.005, &r);
	fm->extra[0] = rt_range(&r, 0.5, 0.9);     /* share that is prerender */
	fm->ua_kind = UA_PREVIEW;
	fm->am = AM_FEW;
	fm->cm = CM_FRESH;

	/* GIVT: HTTP libraries and headless browsers in data centres */
	fm = family(fr, RT_DC_SCRIPT, seed, &r);
	fam_base(fr, fm, RT_DC_SCRIPT, 1e-5, 0.02, &r);
	fm->diurnal = rt_chance(&r, 0.2);
	fm->blocks = &net->dc[DC_CLOUD];
	fm->am = (enum rt_addr_mode)rt_below(&r, 4);
	fm->cm = rt_chance(&r, 0.7) ? CM_FRESH : CM_KEEP;
	fm->rm = (enum rt_ref_mode)rt_below(&r, RM__N);
	fm->ua_kind = rt_chance(&r, 0.6) ? UA_SCRIPT : UA_HEADLESS;
	fm->p_click = rt_logrange(&r, 0.001, 0.5);
	fm->ttc_median = rt_logrange(&r, 5, 8000);
	fm->ttc_sigma = rt_range(&r, 0.05, 1.0);
	fm->nolang = rt_range(&r, 0.2, 1.0);
	if ((rc = actors_init(fr, fm, 1 + rt_below(&r, 60), &r)))
		return rc;

	/* GIVT: browser user agents from data-centre addresses */
	fm = family(fr, RT_DC_SPOOF, seed, &r);
	fam_base(fr, fm, RT_DC_SPOOF, 1e-5, 0.02, &r);
	fm->blocks = &net->dc[DC_CLOUD];
	fm->am = (enum rt_addr_mode)rt_below(&r, 4);
	fm->cm = (enum rt_cookie_mode)rt_below(&r, CM__N);
	fm->rm = (enum rt_ref_mode)rt_below(&r, RM__N);
	fm->ua_kind = rt_chance(&r, 0.7) ? UA_DESKTOP : UA_MOBILE;
	fm->p_click = rt_logrange(&r, 0.005, 0.3);
	fm->ttc_median = rt_logrange(&r, 100, 20000);
	fm->ttc_sigma = rt_range(&r, 0.1, 1.2);
	if ((rc = actors_init(fr, fm, 5 + rt_below(&r, 500), &r)))
		return rc;

	/* SIVT: residential botnet (malware on home computers) */
	fm = family(fr, RT_BOTNET, seed, &r);
	fam_base(fr, fm, RT_BOTNET, 1e-4, 0.03, &r);
	fm->am = rt_chance(&r, 0.8) ? AM_POOL : AM_FRESH;
	fm->cm = (enum rt_cookie_mode)rt_below(&r, CM__N);
	fm->rm = (enum rt_ref_mode)rt_below(&r, RM__N);
	fm->ua_kind = rt_chance(&r, 0.8) ? UA_DESKTOP : UA_MOBILE;
	fm->p_click = rt_logrange(&r, 0.02, 0.6);
	if (rt_chance(&r, 0.5)) {        /* mimics people, or does not try */
		fm->ttc_median = rt_logrange(&r, 1000, 10000);
		fm->ttc_sigma = rt_range(&r, 0.5, 1.2);
	} else {
		fm->ttc_median = rt_logrange(&r, 50, 800);
		fm->ttc_sigma = rt_range(&r, 0.1, 0.6);
	}
	fm->extra[0] = rt_chance(&r, 0.5) ? rt_range(&r, 0, 0.5) : 0;  /* clicks with no impression */
	fm->extra[1] = rt_range(&r, 0.5, 1.0);   /* bots in people's households */
	own_pubs(fr, fm, rt_chance(&r, 0.5) ? 1 + rt_below(&r, 2) : 0, &r);
	if ((rc = actors_init(fr, fm, (uint32_t)rt_logrange(&r, 50, 20000), &r)))
		return rc;
	for (uint32_t i = 0; i < fm->na; i++)
		if (rt_chance(&r, fm->extra[1])) {
			/* an infected computer in a household of the people */
			struct rt_popn *po = &fr->pe->pop[POP_MAIN];

			fm->a[i].ip = po->p[rt_below(&r, po->n)].home;
		}

	/* SIVT: click farm: people paid to click, on cheap phones */
	fm = family(fr, RT_CLICK_FARM, seed, &r);
	fam_base(fr, fm, RT_CLICK_FARM, 1e-4, 0.02, &r);
	{
		static const uint8_t farm_regions[] = { 4, 5, 6, 7 };

		fm->region = farm_regions[rt_below(&r, 4)];
	}
	fm->blocks = &net->reg[fm->region].b[BK_HOME4];
	fm->am = (enum rt_addr_mode)(rt_below(&r, 3) == 0 ? AM_CARRIER :
		 rt_chance(&r, 0.5) ? AM_SLASH24 : AM_FEW);
	fm->cm = rt_chance(&r, 0.5) ? CM_KEEP : CM_SESSION;
	fm->rm = RM_OWN;
	fm->ua_kind = UA_CHEAP_PHONE;
	fm->p_click = rt_range(&r, 0.3, 1.0);
	fm->ttc_median = rt_logrange(&r, 2000, 8000);
	fm->ttc_sigma = rt_range(&r, 0.5, 1.0);
	fm->extra[0] = rt_range(&r, 8, 11);      /* shift starts, local hour */
	fm->extra[1] = rt_range(&r, 8, 12);      /* shift length, hours */
	fm->extra[2] = rt_range(&r, 0, 0.1);     /* skeleton crew off shift */
	own_pubs(fr, fm, 1 + rt_below(&r, 3), &r);
	if ((rc = actors_init(fr, fm, (uint32_t)rt_logrange(&r, 10, 1500), &r)))
		return rc;

	/* SIVT: a publisher clicking its own ads, low and slow */
	fm = family(fr, RT_SELF_CLICK, seed, &r);
	fam_base(fr, fm, RT_SELF_CLICK, 1, 1, &r);
	own_pubs(fr, fm, 1 + rt_below(&r, 2), &r);
	fm->region = net->pubs[fm->pubs[0]].region;
	fm->blocks = &net->reg[fm->region].b[BK_HOME4];
	fm->per_hour = rt_logrange(&r, 5, 300) / 24;   /* clicks a day */
	fm->diurnal = true;
	fm->am = rt_below(&r, 3) == 0 ? AM_FRESH : AM_FEW;
	if (fm->am == AM_FRESH && rt_chance(&r, 0.5))
		fm->blocks = &net->dc[DC_VPN];     /* rotating through a VPN */
	fm->cm = (enum rt_cookie_mode)rt_below(&r, CM__N);
	fm->rm = RM_OWN;
	fm->p_click = rt_range(&r, 0.3, 1.0);
	fm->ttc_median = rt_logrange(&r, 1500, 30000);
	fm->ttc_sigma = rt_range(&r, 0.3, 1.0);
	fm->nolang = 0;
	if ((rc = actors_init(fr, fm, 1 + rt_below(&r, 3), &r)))
		return rc;
	for (uint32_t i = 1; i < fm->na; i++)
		fm->a[i].ua = rt_ua_pick(fr->uas, UA_MOBILE, &r);

	/* SIVT: hidden and stacked ads on a publisher's pages, or its zones
	 * stuffed as invisible frames into other sites */
	fm = family(fr, RT_HIDDEN_ADS, seed, &r);
	fam_base(fr, fm, RT_HIDDEN_ADS, 1e-4, 0.03, &r);
	own_pubs(fr, fm, 1, &r);
	fm->extra[0] = rt_below(&r, 3);          /* 0 own pages, 1 foreign, 2 both */
	fm->extra[1] = rt_range(&r, 0.2, 1.0);   /* own pages carrying them */
	fm->extra[2] = 1 + rt_below(&r, 6);      /* hidden ads per page */
	fm->extra[3] = rt_range(&r, 0, 0.0005);  /* accidental clicks on them */
	fm->extra[4] = rt_chance(&r, 0.5);       /* new hidden zones, or its own */
	fr->nhidden = fm->extra[4] ? 1 + rt_below(&r, 4) : 0;
	for (uint32_t i = 0; i < fr->nhidden; i++)
		if ((fr->hidden_zone[i] = rt_net_add_hidden_zone(net, fm->pubs[0])) == UINT32_MAX)
			return -ENOMEM;
	fm->rm = RM_FOREIGN;
	fm->ttc_median = fr->pe->pp.ttc_median;
	fm->ttc_sigma = fr->pe->pp.ttc_sigma;

	/* SIVT: ad injection by browser extensions and adware */
	fm = family(fr, RT_AD_INJECTION, seed, &r);
	fam_base(fr, fm, RT_AD_INJECTION, 1e-4, 0.03, &r);
	own_pubs(fr, fm, 1, &r);
	fm->diurnal = true;
	fm->p_click = rt_logrange(&r, 0.0005, 0.005);
	fm->ttc_median = fr->pe->pp.ttc_median;
	fm->ttc_sigma = fr->pe->pp.ttc_sigma;
	fm->extra[0] = rt_logrange(&r, 0.001, 0.03);   /* people infected */
	{
		struct rt_popn *po = &fr->pe->pop[POP_MAIN];

		fr->ninfected = 1 + (uint32_t)(po->n * fm->extra[0]);
		if (!(fr->infected = calloc(fr->ninfected, sizeof(uint32_t))))
			return -ENOMEM;
		for (uint32_t i = 0; i < fr->ninfected; i++)
			fr->infected[i] = rt_below(&r, po->n);
	}

	/* SIVT: forced clicks ("cookie stuffing") on the publisher's pages */
	fm = family(fr, RT_COOKIE_STUFFING, seed, &r);
	fam_base(fr, fm, RT_COOKIE_STUFFING, 1, 1, &r);
	own_pubs(fr, fm, 1, &r);
	fm->per_hour = 0;                              /* rides on page views */
	fm->extra[0] = rt_logrange(&r, 0.02, 1.0);     /* page views stuffed */
	fm->extra[1] = rt_chance(&r, 0.5);             /* unsigned, no impression */
	fm->ttc_median = rt_logrange(&r, 30, 1500);
	fm->ttc_sigma = rt_range(&r, 0.1, 0.8);

	/* SIVT: a pool of sources shared by a coalition of publishers */
	fm = family(fr, RT_POOL, seed, &r);
	fam_base(fr, fm, RT_POOL, 1, 1, &r);
	own_pubs(fr, fm, 2 + rt_below(&r, 3), &r);
	fm->per_hour = fm->npubs * rt_logrange(&r, 0.3, 100);   /* visits per pub-hour */
	fm->am = rt_chance(&r, 0.7) ? AM_POOL : AM_SLASH24;
	fm->cm = (enum rt_cookie_mode)rt_below(&r, CM__N);
	fm->rm = rt_chance(&r, 0.7) ? RM_OWN : RM_MIX;
	fm->ua_kind = rt_chance(&r, 0.6) ? UA_DESKTOP : UA_MOBILE;
	fm->p_click = rt_logrange(&r, 0.03, 0.5);
	fm->ttc_median = rt_logrange(&r, 300, 10000);
	fm->ttc_sigma = rt_range(&r, 0.2, 1.0);
	if ((rc = actors_init(fr, fm, (uint32_t)rt_logrange(&r, 20, 2000), &r)))
		return rc;

	/* SIVT: low and slow through a residential proxy network */
	fm = family(fr, RT_LOW_SLOW, seed, &r);
	fam_base(fr, fm, RT_LOW_SLOW, 1, 1, &r);
	own_pubs(fr, fm, 1 + rt_below(&r, 2), &r);
	fm->per_hour = rt_logrange(&r, 10, 2000) / 24;   /* clicks a day */
	fm->diurnal = true;
	fm->region = net->pubs[fm->pubs[0]].region;
	fm->blocks = &net->reg[fm->region].b[BK_HOME4];
	fm->am = AM_FRESH;
	fm->cm = CM_FRESH;
	fm->rm = rt_chance(&r, 0.7) ? RM_OWN : RM_SEARCH;
	fm->p_click = rt_range(&r, 0.5, 1.0);
	fm->ttc_median = rt_logrange(&r, 2000, 10000);
	fm->ttc_sigma = rt_range(&r, 0.4, 1.0);
	if ((rc = actors_init(fr, fm, 1, &r)))
		return rc;

	/* SIVT: forged, replayed and expired click tokens, unsigned clicks */
	fm = family(fr, RT_TOKEN_ABUSE, seed, &r);
	fam_base(fr, fm, RT_TOKEN_ABUSE, 1e-5, 0.005, &r);
	fm->diurnal = false;
	for (unsigned k = 0; k < 5; k++)
		fm->extra[k] = rt_unit(&r);   /* mix: forged, expired, replay, unsigned, unknown ad */
	fm->am = rt_chance(&r, 0.5) ? AM_FRESH : AM_FEW;
	if (rt_chance(&r, 0.4))
		fm->blocks = &net->dc[DC_CLOUD];
	fm->ua_kind = rt_chance(&r, 0.5) ? UA_SCRIPT : UA_DESKTOP;
	fm->cm = CM_FRESH;
	if ((rc = actors_init(fr, fm, 1 + rt_below(&r, 30), &r)))
		return rc;

	/* SIVT: one source reloading zones for hours (auto-refresh) */
	fm = family(fr, RT_IMP_FLOOD, seed, &r);
	fam_base(fr, fm, RT_IMP_FLOOD, 1, 1, &r);
	fm->extra[0] = rt_logrange(&r, 500, 30000);  /* period, ms */
	fm->per_hour = fm->extra[0] > 0 ? 3600000 / fm->extra[0] : 0;
	fm->extra[1] = 1 + rt_below(&r, 12);         /* hours it runs */
	fm->extra[2] = rt_below(&r, 24);             /* first hour */
	fm->extra[3] = rt_chance(&r, 0.5);           /* the publisher's own refresher */
	if (fm->extra[3])
		own_pubs(fr, fm, 1, &r);
	else {
		fm->npubs = 1;
		fm->pubs[0] = target_pub(fr, &(struct rt_fam){ 0 }, &r);
	}
	fm->am = AM_FEW;
	fm->cm = rt_chance(&r, 0.7) ? CM_KEEP : CM_FRESH;
	fm->rm = RM_OWN;
	if (rt_chance(&r, 0.3)) {
		fm->blocks = &net->dc[DC_CLOUD];
		fm->ua_kind = UA_HEADLESS;
	}
	fm->p_click = 0;
	if ((rc = actors_init(fr, fm, 1 + rt_below(&r, 3), &r)))
		return rc;
	return 0;
}

int rt_fraud_init(struct rt_fraud *fr, struct rt_net *net,
		  struct rt_people *pe, const struct rt_uas *uas, uint64_t seed,
		  uint64_t events, uint32_t hours, int64_t start_ms)
{
	memset(fr, 0, sizeof(*fr));
	fr->net = net;
	fr->pe = pe;
	fr->uas = uas;
	fr->hours = hours;
	fr->start_ms = start_ms;
	fr->valid_per_hour = (double)events / hours;
	if (!(fr->used_pub = calloc(net->npubs, 1)))
		return -ENOMEM;
	return draw_families(fr, seed);
}

void rt_fraud_release(struct rt_fraud *fr)
{
	for (unsigned l = 0; l < RT_LABEL__COUNT; l++)
		free(fr->f[l].a);
	free(fr->infected);
	free(fr->used_pub);
	memset(fr, 0, sizeof(*fr));
}

void rt_fraud_label_pubs(const struct rt_fraud *fr, struct rt_out *o)
{
	for (unsigned l = 1; l < RT_LABEL__COUNT; l++) {
		const struct rt_fam *fm = &fr->f[l];

		/* an auto-refresher a publisher suffers does not make it fraudulent */
		if (l == RT_IMP_FLOOD && !fm->extra[3])
			continue;
		for (uint32_t i = 0; i < fm->npubs; i++)
			rt_out_label_pub(o, fr->net->pubs[fm->pubs[i]].id, l);
	}
}

void rt_fraud_describe(const struct rt_fraud *fr, FILE *f)
{
	for (unsigned l = 1; l < RT_LABEL__COUNT; l++) {
		const struct rt_fam *fm = &fr->f[l];

		if (rt_label_class(l) == RT_CLASS_TRAP || !fm->label)
			continue;
		fprintf(f, "%s per_hour=%.3f diurnal=%d p_click=%.4f ttc_median_ms=%.0f "
			"ttc_sigma=%.2f addr=%s actors=%u cookie=%s referer=%s pubs=",
			rt_label_name(l), fm->per_hour, fm->diurnal, fm->p_click,
			fm->ttc_median, fm->ttc_sigma, am_name[fm->am], fm->na,
			cm_name[fm->cm], rm_name[fm->rm]);
		for (uint32_t i = 0; i < fm->npubs; i++)
			fprintf(f, "%s%u", i ? "," : "", fr->net->pubs[fm->pubs[i]].id);
		fprintf(f, "%s extra=%.4g,%.4g,%.4g,%.4g,%.4g\n", fm->npubs ? "" : "-",
			fm->extra[0], fm->extra[1], fm->extra[2], fm->extra[3],
			fm->extra[4]);
	}
}

/* Where a declared crawler or preview fetcher says it comes from. */
static const struct rt_blocks *bot_blocks(const struct rt_net *net, const char *ua)
{
	static const struct { const char *mark; enum rt_dc_kind k; } m[] = {
		{ "Google", DC_GOOGLE }, { "bingbot", DC_BING }, { "Applebot", DC_APPLE },
		{ "Yandex", DC_YANDEX }, { "Baidu", DC_BAIDU }, { "GPTBot", DC_AI },
		{ "Ahrefs", DC_SEO }, { "Semrush", DC_SEO }, { "MJ12", DC_SEO },
		{ "DotBot", DC_SEO }, { "facebookexternalhit", DC_META },
		{ "Twitterbot", DC_TWITTER }, { "TelegramBot", DC_TELEGRAM },
		{ "LinkedInBot", DC_LINKEDIN },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(*m); i++)
		if (strstr(ua, m[i].mark))
			return &net->dc[m[i].k];
	return &net->dc[DC_CLOUD];
}

static struct rt_person *main_person(struct rt_fraud *fr, uint32_t i)
{
	return &fr->pe->pop[POP_MAIN].p[i];
}

static uint64_t past_imp_id(int64_t t, struct rt_rng *r)
{
	return eventid_make(t, rt_below(r, 4), rt_below(r, 4096));
}

static void crawler_hour(struct rt_fraud *fr, struct rt_fam *fm, int64_t hs,
			 int64_t mid, struct rt_rng *r)
{
	uint32_t n = fam_count(fr, fm, mid, r);

	for (uint32_t i = 0; i < n; i++) {
		struct rt_actor a = { .ua = rt_ua_pick(fr->uas, UA_CRAWLER, r) };
		uint32_t pub = rt_chance(r, 0.5) ? rt_below(r, fr->net->npubs) :
			       target_pub(fr, fm, r);

		rt_addr_in(bot_blocks(fr->net, rt_ua_str(fr->uas, a.ua)), r, &a.ip);
		visit(fr, fm, &a, pub, hs + rt_below(r, HOUR_MS), r);
	}
}

static void preview_hour(struct rt_fraud *fr, struct rt_fam *fm, int64_t hs,
			 int64_t mid, struct rt_rng *r)
{
	uint32_t n = fam_count(fr, fm, mid, r);
	struct rt_popn *po = &fr->pe->pop[POP_MAIN];

	for (uint32_t i = 0; i < n; i++) {
		int64_t t = hs + rt_below(r, HOUR_MS);
		struct rt_person *q = main_person(fr, rt_below(r, po->n));
		uint32_t pub = rt_table_pick(&fr->net->pub_by_region[q->region], r);
		struct rt_ev req;

		memset(&req, 0, sizeof(req));
		rt_person_request(fr->pe, po, q, &req, false, r);
		if (rt_chance(r, fm->extra[0])) {
			/* a page the browser prerendered and the person never opened */
			struct rt_pub *p = &fr->net->pubs[pub];

			req.ref_kind = REF_PAGE;
			req.ref_a = pub;
			req.ref_b = (uint32_t)(p->pages * pow(rt_unit(r), 3));
			for (uint32_t k = 0; k < p->zone_n; k++) {
				struct rt_ev *im = rt_out_like(fr->o, &req, t + k * 3,
							       EVENT_IMPRESSION, fm->label);

				rt_ev_zone(fr->o, im, p->zone_first + k, r);
				im->flags |= EVENT_F_PREFETCH;
				rt_person_cookie(q, im, r);
			}
			continue;
		}
		/* a chat app fetching the ad's click link someone pasted */
		uint32_t ua = rt_ua_pick(fr->uas, UA_PREVIEW, r);
		const char *s = rt_ua_str(fr->uas, ua);
		const struct rt_pub *p = &fr->net->pubs[pub];
		struct rt_ev *c;

		if (!strstr(s, "WhatsApp"))   /* WhatsApp previews from the phone */
			rt_addr_in(bot_blocks(fr->net, s), r, &req.ip);
		req.ua = ua;
		req.flags = rt_chance(r, 0.8) ? EVENT_F_NO_ACCEPT_LANG : 0;
		req.ref_kind = REF_NONE;
		c = rt_out_like(fr->o, &req, t, EVENT_CLICK, fm->label);
		rt_ev_zone(fr->o, c, p->zone_first + rt_below(r, p->zone_n), r);
		c->flags |= EVENT_F_TOKEN_VALID;
		c->imp = past_imp_id(t - 5000 - rt_below(r, 600000), r);
		c->has_uid = 1;
		uid_new(c->uid, r);
		c->flags |= EVENT_F_UID_NEW;
	}
}

static void actors_hour(struct rt_fraud *fr, struct rt_fam *fm, int64_t hs,
			double mult, struct rt_rng *r)
{
	uint32_t n = rt_poisson(r, fm->per_hour * mult);

	for (uint32_t i = 0; i < n; i++) {
		struct rt_actor *a = &fm->a[rt_below(r, fm->na)];
		uint32_t pub = target_pub(fr, fm, r);
		int64_t t = hs + rt_below(r, HOUR_MS);

		if (fm->label == RT_LOW_SLOW) {
			/* a new exit of the proxy network, a new browser profile */
			a->ua = rt_ua_pick(fr->uas, rt_chance(r, 0.5) ? UA_DESKTOP :
					   UA_MOBILE, r);
		}
		if (fm->extra[0] > 0 && fm->label == RT_BOTNET &&
		    rt_chance(r, fm->extra[0])) {
			struct rt_ev req;
			const struct rt_pub *p = &fr->net->pubs[pub];

			memset(&req, 0, sizeof(req));
			actor_addr(fr, fm, a, &req.ip, r);
			req.ua = a->ua;
			set_ref(fr, fm, &req, pub, r);
			actor_cookie(a, fm->cm, unsigned_click(fr, &req,
				p->zone_first + rt_below(r, p->zone_n), t, fm->label, r), r);
			continue;
		}
		visit(fr, fm, a, pub, t, r);
	}
}

static double curve_mult(struct rt_fraud *fr, const struct rt_fam *fm, int64_t mid)
{
	return fm->diurnal ? rt_people_curve(fr->pe, fr->net, fm->region, mid) /
			     mean_curve(fr, fm->region) : 1.0;
}

static void farm_hour(struct rt_fraud *fr, struct rt_fam *fm, int64_t hs,
		      int64_t mid, struct rt_rng *r)
{
	double lh = fmod((double)mid / HOUR_MS +
			 fr->net->reg[fm->region].utc_off_min / 60.0 + 48, 24.0);
	double into = fmod(lh - fm->extra[0] + 24, 24.0);

	actors_hour(fr, fm, hs, into < fm->extra[1] ? 1.0 : fm->extra[2], r);
}

/* Hidden frames of the publisher's zones inside other sites' pages. */
static void hidden_foreign_hour(struct rt_fraud *fr, struct rt_fam *fm,
				int64_t hs, int64_t mid, struct rt_rng *r)
{
	uint32_t n = fam_count(fr, fm, mid, r);
	struct rt_popn *po = &fr->pe->pop[POP_MAIN];

	for (uint32_t i = 0; i < n; i++) {
		struct rt_person *q = main_person(fr, rt_below(r, po->n));
		struct rt_ev req;

		memset(&req, 0, sizeof(req));
		rt_person_request(fr->pe, po, q, &req, false, r);
		req.ts = hs + rt_below(r, HOUR_MS);
		set_ref(fr, fm, &req, fm->pubs[0], r);
		rt_fraud_on_page(fr, &req, q, UINT32_MAX, r);
	}
}

static void injection_hour(struct rt_fraud *fr, struct rt_fam *fm, int64_t hs,
			   int64_t mid, struct rt_rng *r)
{
	uint32_t n = fam_count(fr, fm, mid, r);
	struct rt_popn *po = &fr->pe->pop[POP_MAIN];
	const struct rt_pub *p = &fr->net->pubs[fm->pubs[0]];

	for (uint32_t i = 0; i < n; i++) {
		struct rt_person *q = main_person(fr, fr->infected[rt_below(r, fr->ninfected)]);
		struct rt_ev req;
		int64_t t = hs + rt_below(r, HOUR_MS);
		uint32_t pages = rt_geom(r, 3);

		memset(&req, 0, sizeof(req));
		rt_person_request(fr->pe, po, q, &req, true, r);
		req.ref_kind = REF_FOREIGN;
		req.ref_a = rt_below(r, 20);     /* the big shopping and news sites */
		for (uint32_t pg = 0; pg < pages; pg++) {
			uint32_t ads = 1 + rt_below(r, 3);

			req.ref_b = rt_below(r, 100000);
			for (uint32_t k = 0; k < ads; k++) {
				struct rt_ev *im = rt_out_like(fr->o, &req, t + rt_below(r, 1500),
							       EVENT_IMPRESSION, fm->label);

				rt_ev_zone(fr->o, im, p->zone_first + rt_below(r, p->zone_n), r);
				rt_person_cookie(q, im, r);
				if (rt_chance(r, fm->p_click)) {
					struct rt_ev i0 = *im;

					rt_person_cookie(q, click_on(fr->o, &i0,
						rt_people_ttc(&fr->pe->pp, r), fm->label), r);
				}
			}
			t += (int64_t)rt_lognormal(r, fr->pe->pp.pv_gap, 1.0);
		}
	}
}

static void token_hour(struct rt_fraud *fr, struct rt_fam *fm, int64_t hs,
		       int64_t mid, struct rt_rng *r)
{
	uint32_t n = fam_count(fr, fm, mid, r);
	const struct rt_net *net = fr->net;
	double sum = 0;

	for (unsigned k = 0; k < 5; k++)
		sum += fm->extra[k];
	for (uint32_t i = 0; i < n; i++) {
		struct rt_actor *a = &fm->a[rt_below(r, fm->na)];
		uint32_t pub = target_pub(fr, fm, r);
		const struct rt_pub *p = &net->pubs[pub];
		uint32_t z = p->zone_first + rt_below(r, p->zone_n);
		int64_t t = hs + rt_below(r, HOUR_MS);
		double x = rt_unit(r) * sum;
		unsigned mode = 0;
		struct rt_ev req, *c;

		while (mode < 4 && x >= fm->extra[mode])
			x -= fm->extra[mode++];
		memset(&req, 0, sizeof(req));
		actor_addr(fr, fm, a, &req.ip, r);
		req.ua = a->ua;
		set_ref(fr, fm, &req, pub, r);
		switch (mode) {
		case 0:   /* forged: garbage, or a decodable token badly signed */
			c = rt_out_like(fr->o, &req, t, EVENT_CLICK, fm->label);
			c->flags |= EVENT_F_TOKEN_BAD;
			if (rt_chance(r, 0.5))
				c->flags |= EVENT_F_UNKNOWN;
			else
				rt_ev_zone(fr->o, c, z, r);
			break;
		case 1:   /* a captured token replayed hours or days later */
			c = rt_out_like(fr->o, &req, t, EVENT_CLICK, fm->label);
			rt_ev_zone(fr->o, c, z, r);
			c->flags |= EVENT_F_TOKEN_EXPIRED;
			c->imp = past_imp_id(t - (int64_t)rt_logrange(r, 2, 72) * HOUR_MS, r);
			break;
		case 2: { /* one impression, its token replayed from many addresses */
			struct rt_ev *im = rt_out_like(fr->o, &req, t, EVENT_IMPRESSION, fm->label);
			struct rt_ev i0;
			uint32_t k = 2 + (uint32_t)rt_logrange(r, 1, 100);

			rt_ev_zone(fr->o, im, z, r);
			actor_cookie(a, fm->cm, im, r);
			i0 = *im;
			c = NULL;
			for (uint32_t j = 0; j < k; j++) {
				struct rt_ev *cj = click_on(fr->o, &i0, 200 + rt_below(r, 600000),
							    fm->label);

				rt_addr_in(fm->blocks, r, &cj->ip);
				actor_cookie(a, fm->cm, cj, r);
			}
			break;
		}
		case 3:   /* unsigned clicks */
			c = unsigned_click(fr, &req, z, t, fm->label, r);
			break;
		default:  /* an ad id the inventory does not have */
			c = rt_out_like(fr->o, &req, t, EVENT_CLICK, fm->label);
			c->ad = net->nads + 1 + rt_below(r, 100000);
			c->zone = net->zones[z].id;
			c->pub = net->pubs[pub].id;
			c->flags |= EVENT_F_NO_TOKEN | EVENT_F_UNKNOWN;
			break;
		}
		if (c)
			actor_cookie(a, fm->cm, c, r);
	}
}

static void flood_hour(struct rt_fraud *fr, struct rt_fam *fm, int64_t hs,
		       struct rt_rng *r)
{
	uint32_t hod = (uint32_t)((hs / HOUR_MS) % 24);
	uint32_t from = (uint32_t)fm->extra[2], len = (uint32_t)fm->extra[1];
	const struct rt_pub *p = &fr->net->pubs[fm->pubs[0]];

	if ((hod + 24 - from) % 24 >= len)
		return;
	for (uint32_t i = 0; i < fm->na; i++) {
		struct rt_actor *a = &fm->a[i];
		uint32_t z = p->zone_first + i % p->zone_n;
		struct rt_ev req;

		memset(&req, 0, sizeof(req));
		req.ip = a->ip;
		req.ua = a->ua;
		set_ref(fr, fm, &req, fm->pubs[0], r);
		for (int64_t t = hs + rt_below(r, (uint32_t)fm->extra[0]); t < hs + HOUR_MS;
		     t += (int64_t)(fm->extra[0] * rt_range(r, 0.9, 1.1))) {
			struct rt_ev *im = rt_out_like(fr->o, &req, t, EVENT_IMPRESSION, fm->label);

			rt_ev_zone(fr->o, im, z, r);
			actor_cookie(a, fm->cm, im, r);
		}
	}
}

void rt_fraud_hour(struct rt_fraud *fr, struct rt_out *o, uint32_t h,
		   struct rt_rng *r)
{
	int64_t hs = fr->start_ms + (int64_t)h * HOUR_MS, mid = hs + HOUR_MS / 2;
	struct rt_fam *f = fr->f;

	fr->o = o;
	crawler_hour(fr, &f[RT_CRAWLER], hs, mid, r);
	preview_hour(fr, &f[RT_PREVIEW], hs, mid, r);
	actors_hour(fr, &f[RT_DC_SCRIPT], hs, curve_mult(fr, &f[RT_DC_SCRIPT], mid), r);
	actors_hour(fr, &f[RT_DC_SPOOF], hs, curve_mult(fr, &f[RT_DC_SPOOF], mid), r);
	actors_hour(fr, &f[RT_BOTNET], hs, curve_mult(fr, &f[RT_BOTNET], mid), r);
	farm_hour(fr, &f[RT_CLICK_FARM], hs, mid, r);
	actors_hour(fr, &f[RT_SELF_CLICK], hs, curve_mult(fr, &f[RT_SELF_CLICK], mid), r);
	if (f[RT_HIDDEN_ADS].extra[0] >= 1)
		hidden_foreign_hour(fr, &f[RT_HIDDEN_ADS], hs, mid, r);
	injection_hour(fr, &f[RT_AD_INJECTION], hs, mid, r);
	actors_hour(fr, &f[RT_POOL], hs, curve_mult(fr, &f[RT_POOL], mid), r);
	actors_hour(fr, &f[RT_LOW_SLOW], hs, curve_mult(fr, &f[RT_LOW_SLOW], mid), r);
	token_hour(fr, &f[RT_TOKEN_ABUSE], hs, mid, r);
	flood_hour(fr, &f[RT_IMP_FLOOD], hs, r);
}

void rt_fraud_on_page(void *ctx, const struct rt_ev *req, struct rt_person *q,
		      uint32_t pub, struct rt_rng *r)
{
	struct rt_fraud *fr = ctx;
	struct rt_fam *hid = &fr->f[RT_HIDDEN_ADS], *st = &fr->f[RT_COOKIE_STUFFING];
	const struct rt_net *net = fr->net;
	bool foreign = pub == UINT32_MAX;

	if (foreign || (pub == hid->pubs[0] && hid->extra[0] != 1 &&
			rt_chance(r, hid->extra[1]))) {
		/* stacked or one-pixel frames: loaded, never seen */
		const struct rt_pub *p = &net->pubs[hid->pubs[0]];
		uint32_t depth = (uint32_t)hid->extra[2];

		for (uint32_t k = 0; k < depth; k++) {
			uint32_t z = fr->nhidden ? fr->hidden_zone[k % fr->nhidden] :
				     p->zone_first + rt_below(r, p->zone_n);
			struct rt_ev *im = rt_out_like(fr->o, req, req->ts + 20 +
						       rt_below(r, 40), EVENT_IMPRESSION,
						       hid->label);

			rt_ev_zone(fr->o, im, z, r);
			rt_person_cookie(q, im, r);
			if (rt_chance(r, hid->extra[3])) {
				struct rt_ev i0 = *im;

				rt_person_cookie(q, click_on(fr->o, &i0,
					rt_people_ttc(&fr->pe->pp, r), hid->label), r);
			}
		}
	}
	if (!foreign && pub == st->pubs[0] && rt_chance(r, st->extra[0])) {
		/* the page opens the click URL in an invisible frame */
		const struct rt_pub *p = &net->pubs[pub];
		uint32_t z = p->zone_first + rt_below(r, p->zone_n);

		if (st->extra[1]) {
			rt_person_cookie(q, unsigned_click(fr, req, z, req->ts +
				fam_ttc(st, r), st->label, r), r);
		} else {
			struct rt_ev *im = rt_out_like(fr->o, req, req->ts + 50,
						       EVENT_IMPRESSION, st->label);
			struct rt_ev i0;

			rt_ev_zone(fr->o, im, z, r);
			rt_person_cookie(q, im, r);
			i0 = *im;
			rt_person_cookie(q, click_on(fr->o, &i0, fam_ttc(st, r),
						     st->label), r);
		}
	}
}
