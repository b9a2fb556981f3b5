/* pubscore.h - publisher-per-day scoring: statistics that flag a publisher
 * (CTR far above peers, clicks from few addresses, cookieless or fresh-cookie
 * clicks, referers outside its registered domains, clicks at hours its
 * impressions do not explain, new visits that click once and leave far
 * more often than their zones' CTR and the peers' share explain).  The score is the strength of the evidence that the
 * publisher profits from invalid traffic: -log10 of the smallest p-value
 * of its tests, Sidak-corrected for the tests run, uncapped.  Traffic it
 * suffers (events ingest flagged, a visitor's duplicates) is counted and
 * shown, never scored.  Scores flag publishers; they never change an
 * event's reasons.  docs/rules.md gives every test, default and source.
 *
 * Ownership: the caller owns struct pubscore storage; pubscore_init()
 * allocates, pubscore_release() frees.  pubscore_finish() returns an array
 * the caller frees with free().
 *
 * Use: init, pubscore_event() per event of the day (any order, any number
 * of hours; its referer classed by pub_domains_class, domains.h) and
 * rules_pubscore() per hour, or one pubscore per hour joined with
 * pubscore_merge(); then pubscore_finish(). */
#ifndef ADLOG_PUBSCORE_H
#define ADLOG_PUBSCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "domains.h"
#include "event.h"
#include "table.h"
#include "reason.h"

/* Why a publisher scored.  Values are part of the contract with MySQL. */
enum pub_reason {
	PUB_R_CTR = 0,          /* "ctr_high": binomial test vs pooled peers */
	PUB_R_ADDR_CONC,        /* "click_addr_concentration": top-k share */
	PUB_R_COOKIELESS,       /* "cookieless_clicks": no uid or fresh uid */
	PUB_R_REFERER,          /* "referer_outside_domains" */
	PUB_R_HOURLY,           /* "hourly_profile": clicks vs own impressions */
	PUB_R_INVALID,          /* "invalid_share": events analyze's rules
				   of profit flagged (PUBSCORE_SHARE_BITS),
				   binomial test vs pooled peers */
	PUB_R_HOT_ADDRS,        /* "high_ctr_addrs": clicking addresses
				   whose day's CTR is improbable */
	PUB_R_ONE_SHOT,         /* "one_shot_clicks": clicks of addresses
				   with one view in their hour, per click the
				   new visits' first impressions make at
				   their zones' CTR, vs pooled peers */
	PUB_R_UNSHOWN,          /* "unshown_clicks": clicks on ads never
				   shown, bursts out, vs pooled peers */
	PUB_R__COUNT
};

/* Stable snake_case name of reason r; NULL past the end. */
const char *pub_reason_name(unsigned r);

/* Analyze's bits of traffic a publisher suffers: a duplicate click, one
 * visitor's reloads, a click on an ad never shown.  An event whose
 * analyze bits are all of these, or that has no_impression, is counted
 * as suffered and left out of every rate; invalid_share counts it less
 * the bursts of its few heaviest addresses of the day (many visitors'
 * reloads are the publisher's), but for a duplicate click alone, which
 * earns no one anything.  Events ingest flagged are left out of all. */
#define PUBSCORE_SUFFERED_BITS (IVT_DUP_CLICK | IVT_IMP_FLOOD | \
				IVT_IMP_REFRESH | IVT_NO_IMPRESSION)
/* The bits invalid_share counts besides the suffered ones: analyze's bits
 * of profit, less the two with a publisher test of their own
 * (one_shot_clicks, high_ctr_addrs). */
#define PUBSCORE_SHARE_BITS (IVT_MASK & ~(PUBSCORE_SUFFERED_BITS | \
					 IVT_ONE_SHOT | IVT_HOT_ADDR))

/* One event, as pubscore needs it. */
struct pub_event {
	uint32_t pub;
	uint8_t type;           /* 'i', 'c' or 's' (served: only counted) */
	bool render;            /* an impression reported by /r */
	uint8_t hour;           /* hour of day, UTC, 0..23 */
	uint8_t ref;            /* enum pub_ref (pub_domains_class) */
	bool has_uid;
	bool uid_new;           /* EVENT_F_UID_NEW */
	uint32_t reasons;       /* seg_record.reasons with analyze's bits */
	uint32_t zone;
	uint64_t addr;          /* rules_addr_key() */
	uint64_t visitor;       /* whose burst the event is: its kept uid's
				   rules_visitor_key(); 0: its address's */
	uint32_t addr_imps;     /* clicks: the address's impressions this
				   hour (rules_addr_imps), 0 if unknown */
};

struct pubscore_params {
	uint64_t min_imps;       /* 1000: below, CTR and hourly tests abstain */
	uint64_t min_clicks;     /* 20: below, click-share tests abstain */
	uint64_t hourly_min_clicks; /* 100: below, the hourly test abstains */
	double alpha;            /* 1e-6: a publisher is flagged when its
				    corrected p-value is under it (score >=
				    -log10 alpha) */
	double ctr_ratio;        /* 3.0: and CTR at least this times peers' */
	uint32_t top_addrs;      /* 3: k of the top-k address share */
	double top_share;        /* 0.5 */
	double cookieless_excess;/* 0.3: share above peers' share */
	double hourly_js;        /* 0.15: Jensen-Shannon distance, base 2 */
};

void pubscore_params_default(struct pubscore_params *p);
void pubscore_params_from_config(struct pubscore_params *p,
				 const struct config *c);

struct pub_acc;

/* Clicking addresses of the day kept at most (each a 56-byte slot of a
 * table at most half full): further ones are not tested, counted in
 * addrs_full. */
#define PUBSCORE_ADDR_MAX (1u << 18)

struct pubscore {
	struct pubscore_params p;
	struct pub_acc *pubs;       /* uthash by pub id */
	size_t npubs;
	struct table addrs;         /* clicking addresses (table.h), made
				       by the first click */
	uint64_t addrs_full;
};

/* Suffered traffic of one publisher, by kind (shown, never scored). */
enum pub_suffered {
	PUB_S_GIVT = 0,         /* "givt": events ingest flagged (crawlers,
				   data-centre addresses, previews) */
	PUB_S_DUP_CLICK,        /* "dup_click": a second click on one
				   impression or ad */
	PUB_S_IMP_FLOOD,        /* "imp_flood": a visitor's reloads (imp_flood,
				   imp_refresh) */
	PUB_S_BURST,            /* "one_address_burst": invalid_share's
				   events of its heaviest addresses past
				   one each */
	PUB_S_NO_IMPRESSION,    /* "no_impression": clicks on ads its pages
				   never showed (click spam) */
	PUB_S__COUNT
};

/* Stable snake_case name of suffered kind s; NULL past the end. */
const char *pub_suffered_name(unsigned s);

/* One publisher's verdict for the day. */
struct pub_result {
	uint32_t pub;
	uint64_t imps, clicks;          /* not flagged by ingest (GIVT) */
	uint64_t valid_imps, valid_clicks; /* no reason bit at all */
	uint64_t served, rendered;      /* every ad served (/ad, /f) and every
					   render reported (/r), bots' too:
					   evidence for the rules, no test
					   of its own yet */
	double score;                   /* >= 0, uncapped: max of evidence[] */
	uint32_t fired;                 /* bit r set: evidence[r] alone
					   reaches -log10 alpha (flagged) */
	uint32_t tested;                /* bit r set: test r ran (the others
					   abstained) */
	double stat[PUB_R__COUNT];      /* the statistic of each test */
	double log10p[PUB_R__COUNT];    /* log10 of its p-value (0 where
					   none), exact where pvalue
					   underflows */
	double pvalue[PUB_R__COUNT];    /* its p-value (1 where none) */
	double evidence[PUB_R__COUNT];  /* -log10 of its p-value Sidak-
					   corrected for the tests run; 0
					   where it abstained */
	uint64_t suffered[PUB_S__COUNT]; /* events by enum pub_suffered */
};

/* The score at and above which a publisher is flagged: -log10 alpha. */
double pubscore_flag_score(const struct pubscore_params *p);

/* "one_shot_clicks=14.2,ctr_high=8.1": the tests whose evidence is at
 * least 1 (a corrected p-value under 0.1), strongest first, into buf (cap
 * bytes, NUL-terminated, cut at a whole entry).  Returns the length. */
size_t pubscore_evidence_text(const struct pub_result *r, char *buf,
			      size_t cap);

/* "givt=120,imp_flood=199": the non-zero suffered counts, as above. */
size_t pubscore_suffered_text(const struct pub_result *r, char *buf,
			      size_t cap);

int pubscore_init(struct pubscore *ps, const struct pubscore_params *p);
void pubscore_release(struct pubscore *ps);

/* Count one event.  Returns 0 or -ENOMEM. */
int pubscore_event(struct pubscore *ps, const struct pub_event *e);

/* One hour of a zone's visits, as rules_pubscore counts them: the first
 * impressions of the hour's addresses new to the look-back and of those
 * seen in it (estimated from the sample, rule_publisher.c), the one-shot
 * clicks (one view, an impression or a page's, that clicked in the
 * hour, an address new to the look-back) and the same clicks of
 * addresses seen in it. */
struct pub_visits {
	double firsts, rfirsts;
	uint64_t oneshot, reshot;
};

/* Count one hour of zone of publisher pub's visits.  Returns 0 or
 * -ENOMEM. */
int pubscore_one_shot(struct pubscore *ps, uint32_t pub, uint32_t zone,
		      const struct pub_visits *v);

/* Add src's counts into dst.  Returns 0
 * or -ENOMEM. */
int pubscore_merge(struct pubscore *dst, const struct pubscore *src);

/* P(chi-square(dof) >= x): the hourly profile test's p-value (exact
 * incomplete gamma function; the binomial tests use excess_binom_sf). */
double pubscore_chi2_sf(double x, double dof);

/* log10 of pubscore_chi2_sf(x, dof), kept in log space. */
double pubscore_chi2_log10sf(double x, double dof);

/* log10 P(non-central chi-square(dof, lambda) >= x), Patnaik's fit: the
 * hourly profile's minimum-effect null. */
double pubscore_ncchi2_log10sf(double x, double dof, double lambda);

/* -log10(1 - (1 - p)^m) for p = 10^log10p: the evidence of the least of m
 * p-values, Sidak-corrected; >= 0. */
double pubscore_sidak(double log10p, unsigned m);

/* The spread of one test's effects between the day's publishers
 * (docs/rules.md, "The spread between publishers"): over the n
 * publishers with an effect (n under 3: no spread, and the test's
 * binomial alone decides), their median effect mu and their standard
 * deviation beyond sampling tau, on the test's log scale. */
struct pub_spread {
	size_t n;
	double mu, tau;
};

/* ctr_high's (log CTR ratio) and cookieless_clicks' (log odds ratio),
 * as the scores were capped at last. */
struct pub_spreads {
	struct pub_spread ctr, cookieless;
};

/* Score every publisher with events.  *out (malloc'd, sorted by score, highest
 * first) and *n.  Returns 0 or -ENOMEM. */
int pubscore_finish(const struct pubscore *ps, struct pub_result **out,
		    size_t *n);

/* pubscore_finish, and the day's spreads into *sp. */
int pubscore_finish_spread(const struct pubscore *ps, struct pub_result **out,
			   size_t *n, struct pub_spreads *sp);

#endif
