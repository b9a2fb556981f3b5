/* pubscore.h - publisher-per-day scoring: statistics that flag a publisher
 * (CTR far above peers, clicks from few addresses, cookieless or fresh-cookie
 * clicks, referers outside its registered domains, clicks at hours its
 * impressions do not explain, single-impression visits clicked far more
 * often than peers').  Scores flag publishers; they never change an
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

/* Why a publisher scored.  Values are part of the contract with MySQL. */
enum pub_reason {
	PUB_R_CTR = 0,          /* "ctr_high": binomial test vs pooled peers */
	PUB_R_ADDR_CONC,        /* "click_addr_concentration": top-k share */
	PUB_R_COOKIELESS,       /* "cookieless_clicks": no uid or fresh uid */
	PUB_R_REFERER,          /* "referer_outside_domains" */
	PUB_R_HOURLY,           /* "hourly_profile": clicks vs own impressions */
	PUB_R_INVALID,          /* "invalid_share": events analyze flagged,
				   binomial test vs pooled peers */
	PUB_R_HOT_ADDRS,        /* "high_ctr_addrs": clicks from addresses
				   whose day's CTR is improbable */
	PUB_R_ONE_SHOT,         /* "one_shot_clicks": clicks of addresses
				   seen once in their hour, per impression
				   of such addresses, vs pooled peers */
	PUB_R__COUNT
};

/* Stable snake_case name of reason r; NULL past the end. */
const char *pub_reason_name(unsigned r);

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
	uint32_t addr_imps;     /* clicks: the address's impressions this
				   hour (rules_addr_imps), 0 if unknown */
};

struct pubscore_params {
	uint64_t min_imps;       /* 1000: below, CTR and hourly tests abstain */
	uint64_t min_clicks;     /* 20: below, click-share tests abstain */
	uint64_t hourly_min_clicks; /* 100: below, the hourly test abstains */
	double alpha;            /* 1e-6: p-value under which a test fires */
	double ctr_ratio;        /* 3.0: and CTR at least this times peers' */
	uint32_t top_addrs;      /* 3: k of the top-k address share */
	double top_share;        /* 0.5 */
	double cookieless_excess;/* 0.3: share above peers' share */
	double ref_outside_share;/* 0.2 */
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

/* One publisher's verdict for the day. */
struct pub_result {
	uint32_t pub;
	uint64_t imps, clicks;          /* not flagged by ingest (GIVT) */
	uint64_t valid_imps, valid_clicks; /* no reason bit at all */
	uint64_t served, rendered;      /* every ad served (/ad, /f) and every
					   render reported (/r), bots' too:
					   evidence for the rules, no test
					   of its own yet */
	double score;                   /* 0..1: noisy-or of the components */
	uint32_t fired;                 /* bit r set: reason r fired */
	double stat[PUB_R__COUNT];      /* the statistic of each test */
	double pvalue[PUB_R__COUNT];    /* its p-value (1 where none) */
	double comp[PUB_R__COUNT];      /* its component of the score, 0..1 */
};

int pubscore_init(struct pubscore *ps, const struct pubscore_params *p);
void pubscore_release(struct pubscore *ps);

/* Count one event.  Returns 0 or -ENOMEM. */
int pubscore_event(struct pubscore *ps, const struct pub_event *e);

/* Count one hour of publisher pub's single-impression addresses: their
 * impressions and the ones they clicked (rules_pubscore gives them).
 * Returns 0 or -ENOMEM. */
int pubscore_one_shot(struct pubscore *ps, uint32_t pub, uint64_t single,
		      uint64_t oneshot);

/* Add src's counts into dst.  Returns 0
 * or -ENOMEM. */
int pubscore_merge(struct pubscore *dst, const struct pubscore *src);

/* P(chi-square(dof) >= x): the hourly profile test's p-value (exact
 * incomplete gamma function; the binomial tests use excess_binom_sf). */
double pubscore_chi2_sf(double x, double dof);

/* Score every publisher with events.  *out (malloc'd, sorted by score, highest
 * first) and *n.  Returns 0 or -ENOMEM. */
int pubscore_finish(const struct pubscore *ps, struct pub_result **out,
		    size_t *n);

#endif
