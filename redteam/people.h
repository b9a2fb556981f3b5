/* people.h - the valid traffic of adlog-redteam, and the traps: people who
 * read publishers' pages in sessions that follow each region's day, in
 * households behind one address, on phones behind carrier NAT, in in-app
 * browsers, with cookies kept, blocked or cleared, and who click ads after
 * a time with no floor.  Trap populations (a carrier NAT, an office proxy,
 * an in-app crowd, VPN users, a viral spike, pages read through proxies)
 * are the same people in odd places, labelled so eval can count them.
 *
 * Ownership: rt_people_init() allocates the populations;
 * rt_people_release() frees them. */
#ifndef ADLOG_REDTEAM_PEOPLE_H
#define ADLOG_REDTEAM_PEOPLE_H

#include <stdbool.h>
#include <stdint.h>

#include "net.h"
#include "out.h"
#include "rtrand.h"
#include "uas.h"

enum rt_cookie { CK_KEEP, CK_BLOCK, CK_SESSION };

struct rt_person {
	struct event_addr home;
	uint32_t ua;
	uint32_t fav;            /* favourite publisher */
	uint8_t uid[16];
	float click_prop;        /* this person's propensity to click, mean 1 */
	uint8_t region, mobile, cookie, inapp, nolang, uid_set;
};

enum rt_curve { CURVE_HOME, CURVE_OFFICE };

struct rt_popn {
	const char *name;
	unsigned label;
	struct rt_person *p;
	uint32_t n;
	struct rt_table pick;          /* by activity */
	double share;                  /* of the people's sessions */
	enum rt_curve curve;
	uint8_t region;                /* for a one-region population */
	double cell;                   /* sessions from the shared pool below */
	struct event_addr *pool;       /* carrier NAT or VPN exit addresses */
	uint32_t npool;
	double nolang;                 /* extra share without Accept-Language */
	double nref;                   /* extra share without a referer */
};

/* What a page view calls for the fraud riding on people's pages. */
typedef void (*rt_page_hook)(void *ctx, const struct rt_ev *req,
			     struct rt_person *q, uint32_t pub, struct rt_rng *r);

struct rt_people_params {
	double sub1s;          /* share of clicks within 1 s of the impression */
	double ttc_median, ttc_sigma, tail_share, tail_median;
	double pv_mean, pv_gap;
	double mobile, inapp, v6, household, cell, nat_users;
	double cookie_clear, chrome_block, itp_block;
	double nolang_inapp, nolang_browser, nref_browser, nref_inapp;
	double unsigned_click, dbl_click, click_sigma, proxy_ref;
	double trough[RT_REGIONS], morning[RT_REGIONS], lunch[RT_REGIONS],
	       evening[RT_REGIONS], width[RT_REGIONS];
	double viral_mult;
	uint32_t viral_pub, viral_hour, viral_len;
};

enum { POP_MAIN, POP_CGNAT, POP_OFFICE, POP_INAPP, POP_VPN, POP_VIRAL, POP__N };

struct rt_people {
	struct rt_people_params pp;
	struct rt_popn pop[POP__N];
	struct rt_table region_people[RT_REGIONS];  /* main population by region */
	uint32_t region_first[RT_REGIONS], region_n[RT_REGIONS];
	struct event_addr *carrier[RT_REGIONS];     /* carrier NAT addresses */
	uint32_t ncarrier[RT_REGIONS];
	const struct rt_net *net;
	double den[POP__N];                         /* sum of the curve over the span */
	uint32_t hours;
	int64_t start_ms;
	uint8_t *pub_full_ref;                      /* sends the full page URL */
	double sessions_per_hour_unit;              /* sessions per valid line */
	double hour_weight_sum;
	uint64_t events;                            /* valid lines wanted */
	rt_page_hook hook;
	void *hook_ctx;
};

int rt_people_init(struct rt_people *pe, const struct rt_net *net,
		   const struct rt_uas *uas, uint64_t seed, uint64_t events,
		   uint32_t hours, int64_t start_ms);
void rt_people_release(struct rt_people *pe);

/* Relative traffic of region g at UTC ms t (the people's daily curve). */
double rt_people_curve(const struct rt_people *pe, const struct rt_net *net,
		       unsigned g, int64_t t);

/* Fill ev with person q's request facts at a session: address (pool or
 * home), user agent, cookie (issuing one as serve would), header flags. */
void rt_person_request(const struct rt_people *pe, const struct rt_popn *po,
		       struct rt_person *q, struct rt_ev *ev, bool new_session,
		       struct rt_rng *r);
/* A cookie as serve sends it for q's next request. */
void rt_person_cookie(struct rt_person *q, struct rt_ev *ev, struct rt_rng *r);

/* A person's time from impression to click, in ms (no floor). */
int64_t rt_people_ttc(const struct rt_people_params *pp, struct rt_rng *r);

/* Generate hour h (0-based) of every population into o. */
void rt_people_hour(struct rt_people *pe, const struct rt_net *net,
		    struct rt_out *o, uint32_t h, struct rt_rng *r);

#endif
