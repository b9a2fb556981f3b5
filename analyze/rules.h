/* rules.h - analyze's activity rules: the invalid traffic that only a
 * sequence of events reveals (duplicate clicks, clicks without an
 * impression, impossible time to click, impression flooding and stacking,
 * addresses and networks clicking far more than people do, one cookie in
 * more browsers than one, publishers
 * with an improbable excess of one-shot or hot-address clicks).  Each
 * family of rules is one file, analyze/rule_<family>.c, listed in the
 * table of rules_table.c; docs/rules.md gives every rule, default and
 * source.
 *
 * Ownership: the caller owns struct rules storage; rules_init() allocates
 * every table with a fixed cap, rules_release() frees them.  Nothing the
 * caller passes in is kept past the call.
 *
 * One hour is judged in two passes over its records, each in time order:
 *
 *     rules_begin_hour(&r, hour_start_ms);
 *     (optional) rules_warm(&r, rec, ua) for the previous hour's last
 *                rules_warmup_ms(&r) ms, so windows span the hour boundary
 *     for each rec: rules_observe(&r, rec, ua);    pass 1: hour-wide facts
 *     rules_end_observe(&r);
 *     for each rec: reasons = rules_event(&r, rec, ua);   pass 2
 *
 * ua = segment_string_hash(reader, rec->ua).  The result of an hour depends
 * only on the records given and on what the look-back callbacks answer, so
 * rerunning an unchanged hour gives the same bits. */
#ifndef ADLOG_RULES_H
#define ADLOG_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "reason.h"
#include "segment.h"

/* What the driver knows about the look-back (the hours before this one and
 * this hour itself).  Called only for clicks: from rules_event(), and
 * impression() from rules_observe() too. */
struct rules_lookback {
	void *ctx;
	/* Was impression id imp logged within the look-back or this hour?
	 * If so set *imp_ts_ms to its time.  Required.  In pass 1 it may
	 * answer no for an impression of this hour not yet observed (one
	 * logged after the click). */
	bool (*impression)(void *ctx, uint64_t imp, int64_t *imp_ts_ms);
	/* For an unsigned click: was any impression of click->ad shown,
	 * within the look-back before the click, to a record that has
	 * visitor_key among its rules_saw_keys()?  Required.  Called with
	 * each of the click's rules_saw_keys() until one answers yes. */
	bool (*saw_ad)(void *ctx, const struct seg_record *click,
		       uint64_t visitor_key);
	/* Was impression id imp clicked, by a click ingest did not flag, in
	 * an hour BEFORE this one (within the look-back)?  May be NULL: then
	 * duplicates of an impression are found only within this hour and
	 * the warm-up. */
	bool (*clicked_before)(void *ctx, uint64_t imp);
	/* The clicks on distinct impressions and the impressions of address
	 * akey (rules_addr_key) in the look-back hours before this one, as
	 * this hour counts them.  May be NULL: then hot_addr judges an
	 * address on this hour alone.  Called after pass 1. */
	void (*addr_before)(void *ctx, uint64_t akey, uint32_t *distinct,
			    uint32_t *imps);
	/* Had address akey, clicking or sampled (rules_addr_sampled), an
	 * impression in the look-back hours before this one?  May be NULL:
	 * then one_shot counts every one-shot click, a household's too, and
	 * every single visit as new.  Called in and after pass 1. */
	bool (*addr_seen_before)(void *ctx, uint64_t akey);
};

/* What the driver knows of an event's referer: the segment's strings and
 * the publishers' registered domains (domains.h).  classify gives the
 * enum pub_ref of rec's referer for rec's publisher; called from
 * rules_event() only, for impressions and clicks with a referer.  Unset
 * (NULL), foreign_referer never fires. */
struct rules_referer {
	void *ctx;
	int (*classify)(void *ctx, const struct seg_record *rec);
};

/* Thresholds, from [analyze] (rules_params_from_config) or set by tests.
 * Each field is one key of [analyze] (times in ms here); its default, range
 * and meaning are the key's in conf/adlog.conf.example, and the rule family
 * that reads it is named in the table of rules (rules_table.c). */
struct rules_params {
	int64_t lookback_ms;             /* lookback */
	int64_t dup_click_window_ms;     /* dup_click_window */
	int64_t min_click_delay_ms;
	int64_t fast_click_window_ms;
	double fast_click_ratio;
	double fast_click_budget;
	double fast_click_precision;
	int64_t imp_flood_window_ms;
	double imp_stack_alpha;
	double refresh_timer_alpha;
	uint32_t refresh_min_interval_s;
	uint32_t fanout_uas;
	double addr_ctr_ratio;
	double addr_ctr_alpha;
	double oneshot_ratio;
	double oneshot_alpha;
	double hot_addr_alpha;
	double oneshot_precision;
	double day_addr_ratio;
	double day_addr_alpha;
	uint32_t day_addr_min_clicks;
	uint32_t table_max;
	uint32_t sketch_log2;
};

/* Fill p with the defaults of the [analyze] keys (config_keys()). */
void rules_params_default(struct rules_params *p);

/* Fill p from c->analyze. */
void rules_params_from_config(struct rules_params *p, const struct config *c);

/* Counters for the report and for tests (also: were caps hit). */
struct rules_stats {
	uint64_t observed, judged, warmed;
	uint64_t flagged[IVT__COUNT];    /* events per analyze reason bit */
	uint64_t table_full;             /* inserts refused by a full table */
	uint64_t addr_tracked;           /* clicking addresses this hour */
	uint64_t uid_multi;              /* uids with more than one UA */
	uint64_t refresh_listed;         /* (uid, zone) pairs the sketch put
					    past the refresh allowance */
	uint64_t oneshot_pubs;           /* publishers whose one-shot share fired */
	uint64_t hot_pubs;               /* publishers whose hot share fired */
};

struct table;            /* analyze's capped hash table, table.h */
struct rules_pending;    /* a pass-1 record waiting for its cache lines */
struct rules_hooks;
struct sketch_cms;
struct sketch_bloom;
#define RULES_FAMILY_MAX 16      /* families in the table of rules */

/* The facts every family may read (rule_family.h) and each family's own
 * state, fam[i] for the i-th family of the table. */
struct rules {
	struct rules_params p;
	struct rules_lookback lb;
	struct rules_referer ref;        /* rules_set_referer */
	int64_t hour_start_ms;
	int64_t epoch_ms;                /* base of 32-bit times in tables */
	/* pass 1, hour-wide facts */
	struct sketch_bloom *seen;       /* (uid, ua), uid */
	struct sketch_cms *addr;         /* address -> impressions */
	struct table *addr_clicks;       /* clicking address -> clicks */
	struct table *bad;               /* flagged addresses (and /24s) ->
					    the bits the events of their
					    clicking visitors get this hour */
	struct sketch_bloom *clickers;   /* visitor keys (vkey, alt) of the
					    hour's clicks */
	uint64_t hour_imps, hour_clicks; /* counted in pass 1 (not GIVT) */
	struct rules_pending *pend;      /* pass-1 queue, rules.c */
	unsigned npend, pend_head;
	void *fam[RULES_FAMILY_MAX];
	struct rules_hooks *hooks;       /* pass 2's hooks by kind, rules.c */
	struct rules_stats st;
};

/* Allocate every table and sketch (fixed size, rules_memory() bytes).
 * lb is copied.  Returns 0 or -ENOMEM / -EINVAL (bad params or callbacks). */
int rules_init(struct rules *r, const struct rules_params *p,
	       const struct rules_lookback *lb);

void rules_release(struct rules *r);

/* Tell the rules how to class a referer (copied; NULL classify unsets). */
void rules_set_referer(struct rules *r, const struct rules_referer *ref);

/* Bytes allocated by rules_init(): the memory bound, whatever the hour. */
size_t rules_memory(const struct rules *r);

/* Start an hour: forget every hour-wide fact and window. */
void rules_begin_hour(struct rules *r, int64_t hour_start_ms);

/* How far before the hour rules_warm() wants records (the longest window). */
int64_t rules_warmup_ms(const struct rules *r);

/* Feed a record from before the hour into the windows only (no verdict). */
void rules_warm(struct rules *r, const struct seg_record *rec, uint64_t ua);

/* Pass 1: one record of the hour. */
void rules_observe(struct rules *r, const struct seg_record *rec, uint64_t ua);

/* The same for n records at once (any n), records still in time order.
 * Either call is fine: rules_observe() queues a few records to overlap
 * their cache misses, and pass 2 touches a sketch only for clicks and
 * addresses past their base allowance (bench/rules.sh). */
#define RULES_BATCH 64
void rules_observe_batch(struct rules *r, const struct seg_record *const *recs,
			 const uint64_t *ua, size_t n);

/* Between the passes. */
void rules_end_observe(struct rules *r);

/* Pass 2: the analyze reason bits (IVT_*) of one record of the hour, in
 * the same order as pass 1.  The caller ORs them into rec->reasons. */
uint32_t rules_event(struct rules *r, const struct seg_record *rec,
		     uint64_t ua);

/* Pass 2 for n records at once; bits[i] gets record i's reason bits. */
void rules_event_batch(struct rules *r, const struct seg_record *const *recs,
		       const uint64_t *ua, size_t n, uint32_t *bits);

/* The keys that match an unsigned click with the impressions its visitor
 * saw: keys[0] = rules_visitor_key(), keys[1] (when there is a uid) the
 * uid if keys[0] is the address + user agent, else the address + user
 * agent.  A cookie kept by the browser matches through the uid (even from
 * another address); a cookieless browser, which serve gives a new uid on
 * every request, matches through the address + user agent.  Index each
 * impression under all its keys.  Returns 1 or 2. */
unsigned rules_saw_keys(const struct seg_record *rec, uint64_t ua,
			uint64_t keys[2]);

/* After pass 1: the estimated impressions of an address this hour
 * (rules_addr_key), as the address rules see them (docs/rules.md). */
uint32_t rules_addr_imps(const struct rules *r, uint64_t akey);

/* After pass 1: give ps each publisher's single-view counts of the
 * hour (pubscore_one_shot).  Returns 0 or -ENOMEM. */
struct pubscore;
int rules_pubscore(const struct rules *r, struct pubscore *ps);

/* Key of the visitor: the uid when the browser sent it back, else address +
 * user agent (a uid issued by this very response, UID_NEW, says nothing
 * about who asked: cookieless browsers get a new one on every request). */
uint64_t rules_visitor_key(const struct seg_record *rec, uint64_t ua);

/* Key of the address: IPv4 whole, IPv6 by its /64 (one subscriber). */
uint64_t rules_addr_key(const struct seg_record *rec);

/* The 1 in 2^RULES_ADDR_SAMPLE_BITS addresses (by key) whose freshness
 * the look-back probes whether they clicked or not: one_shot learns from
 * them how many of a publisher's single-view visits come from
 * addresses never seen before (docs/rules.md).  Chosen by the key's high
 * bits: tables place keys by the low ones. */
#define RULES_ADDR_SAMPLE_BITS 4
static inline bool rules_addr_sampled(uint64_t akey)
{
	return akey >> (64 - RULES_ADDR_SAMPLE_BITS) == 0;
}

/* Key of the network: IPv4 /24, IPv6 /48 (one site or one ISP pool). */
uint64_t rules_net_key(const struct seg_record *rec);

#endif
