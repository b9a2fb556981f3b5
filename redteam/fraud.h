/* fraud.h - adlog-redteam's invalid traffic: one family per kind of fraud
 * described in public reports and studies (docs/redteam.md), each with its
 * parameters drawn per seed from wide ranges - address reuse, intensity,
 * time to click, referers, user agents, the publishers that profit.
 *
 * Ownership: rt_fraud_init() allocates the families' actors;
 * rt_fraud_release() frees them. */
#ifndef ADLOG_REDTEAM_FRAUD_H
#define ADLOG_REDTEAM_FRAUD_H

#include <stdint.h>
#include <stdio.h>

#include "labels.h"
#include "net.h"
#include "out.h"
#include "people.h"
#include "rtrand.h"
#include "uas.h"

/* A source of requests: one machine, phone or browser profile. */
struct rt_actor {
	struct event_addr ip;
	uint32_t ua;
	uint8_t uid[16];
	uint8_t uid_set;
};

enum rt_addr_mode { AM_FRESH, AM_FEW, AM_SLASH24, AM_POOL, AM_CARRIER, AM__N };
enum rt_cookie_mode { CM_KEEP, CM_FRESH, CM_SESSION, CM__N };
enum rt_ref_mode { RM_OWN, RM_FOREIGN, RM_NONE, RM_SEARCH, RM_MIX, RM__N };

/* Parameters shared by the families that act as scripted sources. */
struct rt_fam {
	unsigned label;
	double per_hour;           /* events, or visits, an hour at the peak */
	bool diurnal;              /* follows people's day, or flat */
	double p_click;            /* a loaded ad is clicked */
	double ttc_median, ttc_sigma;   /* ms */
	enum rt_addr_mode am;
	enum rt_cookie_mode cm;
	enum rt_ref_mode rm;
	uint32_t pubs[6], npubs;   /* its publishers; 0: spread by popularity */
	struct rt_actor *a;
	uint32_t na;
	uint8_t region;
	uint8_t ua_kind;
	const struct rt_blocks *blocks;   /* where its addresses come from */
	double nolang;             /* requests without Accept-Language */
	double extra[6];           /* family-specific */
};

struct rt_fraud {
	struct rt_fam f[RT_LABEL__COUNT];
	struct rt_people *pe;
	struct rt_net *net;
	const struct rt_uas *uas;
	struct rt_out *o;
	uint32_t hidden_zone[4], nhidden;
	uint32_t *infected;            /* main-population people with an injector */
	uint32_t ninfected;
	uint32_t hours;
	int64_t start_ms;
	double valid_per_hour;
	uint8_t *used_pub;
};

/* Draw every family.  Hidden zones are added to net here, so call before
 * the inventory is written.  0 or -ENOMEM. */
int rt_fraud_init(struct rt_fraud *fr, struct rt_net *net,
		  struct rt_people *pe, const struct rt_uas *uas, uint64_t seed,
		  uint64_t events, uint32_t hours, int64_t start_ms);
void rt_fraud_release(struct rt_fraud *fr);

/* The publishers each family makes fraudulent, as label-file lines. */
void rt_fraud_label_pubs(const struct rt_fraud *fr, struct rt_out *o);
/* One line per family with its drawn parameters. */
void rt_fraud_describe(const struct rt_fraud *fr, FILE *f);

/* Generate hour h of every family into o. */
void rt_fraud_hour(struct rt_fraud *fr, struct rt_out *o, uint32_t h,
		   struct rt_rng *r);
/* The people hook: fraud riding on a person's page view. */
void rt_fraud_on_page(void *ctx, const struct rt_ev *req,
		      struct rt_person *q, uint32_t pub, struct rt_rng *r);

#endif
