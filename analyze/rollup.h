/* rollup.h - the hourly aggregates analyze writes: per publisher, zone,
 * campaign and ad (events, valid events, estimated uniques, money) and the
 * invalid events per zone, ad, type and reason.  A pure function of the
 * events added: the same events in the same order give the same rows.
 *
 * Ownership: the caller owns struct rollup; rollup_release() frees the
 * tables.  Rows returned by rollup_stats()/rollup_invalid() live until
 * rollup_release(). */
#ifndef ADLOG_ANALYZE_ROLLUP_H
#define ADLOG_ANALYZE_ROLLUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "segment.h"
#include "table.h"

struct rollup_key {
	uint32_t pub, zone, camp, ad;
};

struct rollup_hll;

struct rollup_row {
	struct rollup_key k;
	uint64_t imps, clicks, vimps, vclicks;
	uint64_t served;            /* ads answered to /ad or /f ('s') */
	uint64_t rendered;          /* impressions reported by a render (/r) */
	uint64_t uniques;           /* after rollup_finish */
	uint64_t spend, earnings;   /* micros, after rollup_money */
	struct rollup_hll *hll;
};

struct rollup_inv {
	struct rollup_key k;
	uint8_t type;               /* 'i' or 'c' */
	uint8_t bit;                /* reason bit 0..31 */
	uint64_t events;
};

struct rollup {
	uint32_t hour;
	struct table rowt;          /* row numbers by key, until rollup_finish */
	struct table invt;          /* invalid rows by key and reason */
	struct rollup_row *rows;    /* in order met; after rollup_finish,
				     * sorted by key */
	size_t nrows, rows_cap;
	struct rollup_inv *inv;     /* after rollup_finish: sorted */
	size_t ninv;
	bool finished;
	uint64_t events, imps, clicks, vimps, vclicks;
	uint64_t served, rendered;  /* not in events: served is not billed */
	/* events of each type (0 i, 1 c) with reason bit b set, counting every
	 * bit, and the same with each event under its first bit only */
	uint64_t by_bit[2][32];
	uint64_t by_first[2][32];
	uint64_t copies;            /* events met again, not counted (set by
				     * the analyzer, not by rollup_add) */
	size_t hll_bytes;           /* memory held by the unique-visitor sketches */
	size_t hll_peak;            /* its largest value */
};

/* Order of keys: publisher, zone, campaign, ad, each ascending (the order
 * of rows after rollup_finish, and of the tables' primary keys).  <0, 0, >0. */
int rollup_key_cmp(const struct rollup_key *a, const struct rollup_key *b);

/* Returns 0 or -ENOMEM. */
int rollup_init(struct rollup *r, uint32_t hour);
void rollup_release(struct rollup *r);

/* Make room for n rows without growing again (a hint: the table grows
 * anyway when needed).  Returns 0 or -ENOMEM. */
int rollup_reserve(struct rollup *r, size_t n);

/* Count one event under its (publisher, zone, campaign, ad), or under the
 * key 0, 0, 0, 0 when ingest marked its ids unknown to the inventory
 * (SEG_R_UNKNOWN): client-chosen ids never make rows of their own.  A
 * served ad ('s') only adds to served: it is neither an impression nor
 * invalid.  visitor: a hash naming the visitor (uid, else address and
 * user agent).  reasons: why it is not billable (bits 0..15 from
 * ingest, 16..31 from analyze), 0 when valid.  An invalid event is counted
 * once in the invalid table, under its lowest reason bit (the first rule
 * in documented order).  Returns 0 or -ENOMEM. */
int rollup_add(struct rollup *r, const struct seg_record *rec,
	       uint64_t visitor, uint32_t reasons);

/* Up to ROLLUP_BATCH events at once: the same as rollup_add for each in
 * order, faster (the table's cache misses overlap).  Returns 0 or
 * -ENOMEM / -EINVAL. */
#define ROLLUP_BATCH 32
struct rollup_ev {
	const struct seg_record *rec;
	uint64_t visitor;
	uint32_t reasons;
};
int rollup_add_batch(struct rollup *r, const struct rollup_ev *ev, size_t n);

/* Hint that x will be counted soon (say, in the next batch): its row is
 * fetched into the cache meanwhile. */
void rollup_prefetch(const struct rollup *r, const struct seg_record *x);

/* Price of a campaign and revenue share of a publisher, as the loader
 * knows them: pricing 0 = unknown (no money), 1 = CPM, 2 = CPC. */
struct rollup_price {
	int pricing;
	uint64_t price_micros;      /* CPM: per 1000 valid impressions */
	uint32_t share_bp;          /* publisher's share, basis points */
};
typedef void (*rollup_price_fn)(void *arg, uint32_t camp, uint32_t pub,
				struct rollup_price *out);

/* Estimate uniques and sort every table by key.  Call once, after the last
 * rollup_add. */
void rollup_finish(struct rollup *r);

/* Fill spend and earnings of every row (after rollup_finish):
 * CPM spend = floor(valid impressions * price / 1000), CPC spend = valid
 * clicks * price, earnings = floor(spend * share_bp / 10000). */
void rollup_money(struct rollup *r, rollup_price_fn fn, void *arg);

/* Short stable name of reason bit b ("bot_ua", "dup_click", "bit23"),
 * into buf (cap >= 16); returns buf. */
const char *rollup_reason_name(unsigned bit, char *buf, size_t cap);

/* The rows as TSV, one per line, first field the table:
 *   stats  HOUR PUB ZONE CAMP AD IMPS CLICKS VIMPS VCLICKS UNIQ SPEND EARN
 *          SERVED RENDERED
 *   invalid HOUR PUB ZONE CAMP AD TYPE REASON EVENTS
 * HOUR is YYYYMMDDHH.  Returns 0 or -EIO. */
int rollup_write_tsv(const struct rollup *r, FILE *f);

#endif
