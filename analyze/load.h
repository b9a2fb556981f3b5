/* load.h - analyze's side of MySQL: prices and revenue shares in, an
 * hour's rollups out (replaced in one transaction with the bookkeeping row
 * that names the segments they came from), the day's rows out.
 *
 * Ownership: the caller owns struct loader; load_close() frees it.  Every
 * int-returning call gives 0 or a db.h code (DB_ERR, DB_RETRY) with the
 * message in err. */
#ifndef ADLOG_ANALYZE_LOAD_H
#define ADLOG_ANALYZE_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "hour.h"
#include "pubscore.h"
#include "rollup.h"

#define LOAD_TRIES 5
#define LOAD_BULK 1000          /* rows per bulk execution */

struct load_price;
struct load_pub;

/* Where the last load_hour's time went, ms (of its successful try). */
struct load_timing {
	int64_t delete_ms, stats_ms, invalid_ms, commit_ms;
	size_t stats_written;       /* stats rows new or changed */
};

struct loader {
	struct db db;
	struct load_timing last;
	struct load_price *camps;   /* sorted by id */
	size_t ncamps;
	struct load_pub *pubs;      /* sorted by id */
	size_t npubs;
};

int load_connect(struct loader *l, const struct config *cfg, char *err,
		 size_t errlen);
void load_close(struct loader *l);

/* Take the database's analyze lock (GET_LOCK, one name per database, so
 * it holds across batch boxes; MariaDB releases it when the connection
 * ends, also after kill -9) before anything is read or written.  When
 * another connection holds it, say once on stderr who (connection id,
 * user@host, for how long) and wait up to wait_s seconds.  Returns 0,
 * LOAD_BUSY (the wait ran out; nothing was done) or a db.h code. */
#define LOAD_BUSY 3
#define LOAD_LOCK_NAME "adlog.analyze."   /* + DATABASE() */
int load_lock(struct loader *l, int64_t wait_s, char *err, size_t errlen);

/* Read campaigns' pricing, publishers' revenue shares and names.
 * (Publishers' domains come from the inventory file:
 * analyzer_domains_file.) */
int load_inventory(struct loader *l, char *err, size_t errlen);

/* rollup_money() callback over what load_inventory read (arg = loader). */
void load_price_fn(void *arg, uint32_t camp, uint32_t pub,
		   struct rollup_price *out);

/* The name of publisher pub as load_inventory read it, NULL when none
 * (a report_name_fn, arg = loader). */
const char *load_pub_name(void *arg, uint32_t pub);

/* The bookkeeping row of hour: *found, and its segments checksum, analyzer
 * version and the digest of the day marks it applied ("" for none) into
 * the buffers (cap >= 65, 33, 33). */
int load_hour_state(struct loader *l, uint32_t hour, bool *found,
		    char *digest, char *version, char *marks, char *err,
		    size_t errlen);

/* Replace hour h's rows of stats_hourly and invalid_hourly with r's, and
 * its analysed_hours row (with marks, the digest of the day marks r was
 * judged with, NULL or "" for none; its loads counter goes up by one), in
 * one transaction (retried on deadlock and lock wait timeout).  Stored
 * stats rows equal to r's are left as they are (the end state is the
 * same; l->last says how many were written).  r must be finished and
 * priced. */
int load_hour(struct loader *l, const struct hour_set *h,
	      const struct rollup *r, const char *marks, int64_t duration_ms,
	      char *err, size_t errlen);

/* Record that hour h's rows, loaded from h's segments without day marks,
 * stand as they are under the day marks named marks (the marks flag none
 * of its events, so its rows would not change): its analysed_hours row
 * gets the marks' digest, its rows and loads stay.  Returns 0 or a db.h
 * code. */
int load_hour_stamp(struct loader *l, const struct hour_set *h,
		    const char *marks, char *err, size_t errlen);

/* Replace day's rows: stats_daily from stats_hourly (INSERT ... SELECT ...
 * GROUP BY), publisher_daily from res, and analysed_days, in one
 * transaction.  day is YYYYMMDD. */
int load_day(struct loader *l, uint32_t day, const struct pub_result *res,
	     size_t nres, char *err, size_t errlen);

#endif
