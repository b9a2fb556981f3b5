/* load.c - write analyze's results to MariaDB so that each hour counts
 * exactly once: an hour's old rows go and its new rows and bookkeeping row
 * come in one transaction (a crash leaves the old state whole).  Rows go
 * in with prepared one-row INSERTs run for many rows at once (MariaDB's
 * bulk execution); an hour loaded before has only its changed stats rows
 * written (stats_diff).  Prices and revenue shares
 * are read from the inventory tables; money is computed in C from valid
 * events only. */
#include "load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "grow.h"
#include "parse.h"

struct load_price {
	uint32_t id;
	int pricing;                /* 1 CPM, 2 CPC */
	uint64_t price_micros;
};

struct load_pub {
	uint32_t id;
	uint32_t share_bp;
	char *name;                 /* publishers.name, or NULL */
};

int load_connect(struct loader *l, const struct config *cfg, char *err,
		 size_t errlen)
{
	memset(l, 0, sizeof(*l));
	return db_connect(&l->db, cfg, err, errlen);
}

void load_close(struct loader *l)
{
	for (size_t i = 0; i < l->npubs; i++)
		free(l->pubs[i].name);
	free(l->pubs);
	free(l->camps);
	if (l->db.conn)
		db_close(&l->db);
	memset(l, 0, sizeof(*l));
}

static int col_u32(const struct db_stmt *s, unsigned i, uint32_t *out)
{
	uint64_t v;

	if (db_col_u64(s, i, &v) || v > UINT32_MAX)
		return DB_ERR;
	*out = (uint32_t)v;
	return 0;
}

/* One number from a one-row query with one text parameter (or none);
 * *isnull when the value is SQL NULL. */
static int query_u64(struct db *db, const char *sql, int64_t arg, bool with_arg,
		     uint64_t *out, bool *isnull, char *err, size_t errlen)
{
	struct db_stmt s;
	int rc;

	*isnull = true;
	if ((rc = db_prepare(db, &s, sql, err, errlen)))
		return rc;
	if (with_arg)
		db_bind_i64(&s, 0, arg);
	if (!(rc = db_execute(&s, NULL, err, errlen)) &&
	    (rc = db_fetch(&s, err, errlen)) == 1) {
		*isnull = db_col(&s, 0, NULL) == NULL;
		rc = *isnull ? 0 : db_col_u64(&s, 0, out);
		while (rc == 0 && (rc = db_fetch(&s, err, errlen)) == 1)
			rc = 0;
	}
	db_stmt_close(&s);
	return rc < 0 ? rc : 0;
}

/* "connection N (user@host, T s in its state)" of the lock's holder. */
static void lock_holder(struct loader *l, char *out, size_t cap)
{
	struct db_stmt s;
	char e[256];
	uint64_t id = 0;
	bool isnull;

	snprintf(out, cap, "another connection");
	if (query_u64(&l->db, "SELECT IS_USED_LOCK(CONCAT('" LOAD_LOCK_NAME
		      "', DATABASE()))", 0, false, &id, &isnull, e, sizeof(e)) ||
	    isnull)
		return;
	snprintf(out, cap, "connection %llu", (unsigned long long)id);
	if (db_prepare(&l->db, &s, "SELECT USER, HOST, TIME FROM "
		       "information_schema.PROCESSLIST WHERE ID = ?", e,
		       sizeof(e)))
		return;
	db_bind_u64(&s, 0, id);
	if (!db_execute(&s, NULL, e, sizeof(e)) && db_fetch(&s, e, sizeof(e)) == 1) {
		const char *u = db_col(&s, 0, NULL), *h = db_col(&s, 1, NULL),
			   *t = db_col(&s, 2, NULL);

		snprintf(out, cap, "connection %llu (%s@%s, %s s in its state)",
			 (unsigned long long)id, u ? u : "?", h ? h : "?",
			 t ? t : "?");
		while (db_fetch(&s, e, sizeof(e)) == 1)
			;
	}
	db_stmt_close(&s);
}

int load_lock(struct loader *l, int64_t wait_s, char *err, size_t errlen)
{
	static const char get[] = "SELECT GET_LOCK(CONCAT('" LOAD_LOCK_NAME
				  "', DATABASE()), ?)";
	char who[512];
	int64_t waited = 0;
	uint64_t got = 0;
	bool isnull;
	int rc;

	if ((rc = query_u64(&l->db, get, 0, true, &got, &isnull, err, errlen)))
		return rc;
	if (!isnull && got == 1)
		return 0;
	lock_holder(l, who, sizeof(who));
	fprintf(stderr, "analyze: another run holds the analyze lock: %s; "
		"waiting up to %lld s\n", who, (long long)wait_s);
	/* in steps, each well inside the connection's read timeout */
	while (waited < wait_s) {
		int64_t step = wait_s - waited < 60 ? wait_s - waited : 60;

		if ((rc = query_u64(&l->db, get, step, true, &got, &isnull, err,
				    errlen)))
			return rc;
		if (!isnull && got == 1)
			return 0;
		waited += step;
	}
	lock_holder(l, who, sizeof(who));
	snprintf(err, errlen, "another run still holds the analyze lock after "
		 "%lld s: %s; nothing done", (long long)wait_s, who);
	return LOAD_BUSY;
}

int load_inventory(struct loader *l, char *err, size_t errlen)
{
	struct db_stmt s;
	size_t cap = 0;
	int rc;

	rc = db_prepare(&l->db, &s, "SELECT id, pricing, price_micros FROM campaigns ORDER BY id",
			err, errlen);
	if (rc)
		return rc;
	if ((rc = db_execute(&s, NULL, err, errlen)))
		goto out_stmt;
	while ((rc = db_fetch(&s, err, errlen)) == 1) {
		struct load_price *p;
		const char *pr = db_col(&s, 1, NULL);

		if ((rc = grow_array((void **)&l->camps, &cap, l->ncamps,
				     sizeof(*l->camps)))) {
			snprintf(err, errlen, "out of memory");
			rc = DB_ERR;
			goto out_stmt;
		}
		p = &l->camps[l->ncamps];
		if (col_u32(&s, 0, &p->id) || db_col_u64(&s, 2, &p->price_micros) || !pr) {
			snprintf(err, errlen, "mysql: bad row in campaigns");
			rc = DB_ERR;
			goto out_stmt;
		}
		p->pricing = !strcmp(pr, "CPC") ? 2 : 1;
		l->ncamps++;
	}
	if (rc)
		goto out_stmt;
	db_stmt_close(&s);

	cap = 0;
	rc = db_prepare(&l->db, &s,
			"SELECT id, revenue_share_bp, name FROM publishers "
			"ORDER BY id",
			err, errlen);
	if (rc)
		return rc;
	if ((rc = db_execute(&s, NULL, err, errlen)))
		goto out_stmt;
	while ((rc = db_fetch(&s, err, errlen)) == 1) {
		struct load_pub *p;
		const char *nm = db_col(&s, 2, NULL);

		if (grow_array((void **)&l->pubs, &cap, l->npubs,
			       sizeof(*l->pubs))) {
			snprintf(err, errlen, "out of memory");
			rc = DB_ERR;
			goto out_stmt;
		}
		p = &l->pubs[l->npubs];
		memset(p, 0, sizeof(*p));
		if (col_u32(&s, 0, &p->id) || col_u32(&s, 1, &p->share_bp)) {
			snprintf(err, errlen, "mysql: bad row in publishers");
			rc = DB_ERR;
			goto out_stmt;
		}
		if (nm && !(p->name = strdup(nm))) {
			snprintf(err, errlen, "out of memory");
			rc = DB_ERR;
			goto out_stmt;
		}
		l->npubs++;
	}
out_stmt:
	db_stmt_close(&s);
	return rc;
}

/* The element of a sorted array of n elements of size bytes, each
 * starting with its uint32_t id, whose id is id; NULL when none. */
static const void *find_id(const void *arr, size_t n, size_t size,
			   uint32_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const void *e = (const uint8_t *)arr + mid * size;
		uint32_t x;

		memcpy(&x, e, sizeof(x));
		if (x < id)
			lo = mid + 1;
		else if (x > id)
			hi = mid;
		else
			return e;
	}
	return NULL;
}

void load_price_fn(void *arg, uint32_t camp, uint32_t pub,
		   struct rollup_price *out)
{
	const struct loader *l = arg;
	const struct load_price *c = find_id(l->camps, l->ncamps,
					     sizeof(*l->camps), camp);
	const struct load_pub *p = find_id(l->pubs, l->npubs,
					   sizeof(*l->pubs), pub);

	out->pricing = c ? c->pricing : 0;
	out->price_micros = c ? c->price_micros : 0;
	out->share_bp = p ? p->share_bp : 0;
}

const char *load_pub_name(void *arg, uint32_t pub)
{
	const struct loader *l = arg;
	const struct load_pub *p = find_id(l->pubs, l->npubs,
					   sizeof(*l->pubs), pub);

	return p ? p->name : NULL;
}

int load_hour_state(struct loader *l, uint32_t hour, bool *found,
		    char *digest, char *version, char *marks, char *err,
		    size_t errlen)
{
	struct db_stmt s;
	char hs[24];
	int rc;

	*found = false;
	hour_sql(hour, hs, sizeof(hs));
	rc = db_prepare(&l->db, &s,
			"SELECT segments_checksum, analyzer_version, "
			"COALESCE(marks_digest, '') "
			"FROM analysed_hours WHERE hour = ?", err, errlen);
	if (rc)
		return rc;
	db_bind_text(&s, 0, hs, strlen(hs));
	if ((rc = db_execute(&s, NULL, err, errlen)))
		goto out_stmt;
	while ((rc = db_fetch(&s, err, errlen)) == 1) {
		const char *d = db_col(&s, 0, NULL), *v = db_col(&s, 1, NULL);
		const char *m = db_col(&s, 2, NULL);

		*found = true;
		snprintf(digest, 65, "%s", d ? d : "");
		snprintf(version, 33, "%s", v ? v : "");
		snprintf(marks, 33, "%s", m ? m : "");
	}
out_stmt:
	db_stmt_close(&s);
	return rc;
}

/* ---- one hour in one transaction ---- */

struct hour_txn {
	const struct hour_set *h;
	const struct rollup *r;
	int64_t duration_ms;
	char hs[24];
	char *segs;
	struct load_timing *timing;
	const char *marks;          /* "" = none */
};

#define STATS_COLS 14
#define INV_COLS 8

static const char STATS_SQL[] =
	"INSERT INTO stats_hourly (hour, publisher_id, zone_id, campaign_id, "
	"ad_id, impressions, clicks, valid_impressions, valid_clicks, "
	"uniques_est, spend_micros, earnings_micros, served, rendered) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char STATS_UPSERT[] =
	" ON DUPLICATE KEY UPDATE impressions = VALUES(impressions), "
	"clicks = VALUES(clicks), valid_impressions = VALUES(valid_impressions), "
	"valid_clicks = VALUES(valid_clicks), uniques_est = VALUES(uniques_est), "
	"spend_micros = VALUES(spend_micros), "
	"earnings_micros = VALUES(earnings_micros), served = VALUES(served), "
	"rendered = VALUES(rendered)";

/* Every parameter is a number (db_execute_rows): the hour as
 * YYYYMMDDhh0000, the type as its ENUM index (1 impression, 2 click), the
 * reason as its bit, named by ELT() over the reason names (ours, plain
 * [a-z0-9_]).  Returns 0, or -1 when out of room. */
static int inv_sql(char *sql, size_t cap)
{
	size_t off = (size_t)snprintf(sql, cap,
		"INSERT INTO invalid_hourly (hour, publisher_id, zone_id, "
		"campaign_id, ad_id, type, reason, events) "
		"VALUES (?, ?, ?, ?, ?, ?, ELT(? + 1");
	char name[32];

	for (unsigned b = 0; b < 32 && off < cap; b++)
		off += (size_t)snprintf(sql + off, cap - off, ", '%s'",
					rollup_reason_name(b, name, sizeof(name)));
	if (off < cap)
		off += (size_t)snprintf(sql + off, cap - off, "), ?)");
	return off < cap ? 0 : -1;
}

/* Row i of a bulk INSERT into out (its parameters, all numbers). */
typedef void (*row_fill_fn)(const void *ctx, size_t i, uint64_t *out);

struct fill_ctx {
	uint64_t hour;              /* YYYYMMDDhh0000 */
	const struct rollup *r;
	const size_t *idx;          /* stats rows to write, NULL = all */
};

static void fill_stats(const void *ctx, size_t i, uint64_t *o)
{
	const struct fill_ctx *c = ctx;
	const struct rollup_row *x = &c->r->rows[c->idx ? c->idx[i] : i];

	o[0] = c->hour;
	o[1] = x->k.pub;
	o[2] = x->k.zone;
	o[3] = x->k.camp;
	o[4] = x->k.ad;
	o[5] = x->imps;
	o[6] = x->clicks;
	o[7] = x->vimps;
	o[8] = x->vclicks;
	o[9] = x->uniques;
	o[10] = x->spend;
	o[11] = x->earnings;
	o[12] = x->served;
	o[13] = x->rendered;
}

static void fill_inv(const void *ctx, size_t i, uint64_t *o)
{
	const struct fill_ctx *c = ctx;
	const struct rollup_inv *x = &c->r->inv[i];

	o[0] = c->hour;
	o[1] = x->k.pub;
	o[2] = x->k.zone;
	o[3] = x->k.camp;
	o[4] = x->k.ad;
	o[5] = x->type == 'c' ? 2 : 1;
	o[6] = x->bit;
	o[7] = x->events;
}

/* Run sql, a one-row INSERT of cols parameters, for n rows with MariaDB's
 * bulk execution, LOAD_BULK rows a round trip (5 M events: the stats rows'
 * server time median 1.45 -> 1.21 s against 500-row multi-row INSERTs;
 * about that of LOAD DATA). */
static int insert_bulk(struct db *db, const char *sql, unsigned cols,
		       size_t n, row_fill_fn fill, const struct fill_ctx *ctx,
		       char *err, size_t errlen)
{
	struct db_stmt st;
	uint64_t *v;
	int rc;

	if (!n)
		return 0;
	v = malloc(LOAD_BULK * cols * sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return DB_ERR;
	}
	rc = db_prepare(db, &st, sql, err, errlen);
	for (size_t done = 0; done < n && !rc;) {
		size_t m = n - done < LOAD_BULK ? n - done : LOAD_BULK;

		for (size_t i = 0; i < m; i++)
			fill(ctx, done + i, v + i * cols);
		rc = db_execute_rows(&st, v, (unsigned)m, err, errlen);
		done += m;
	}
	if (st.st)
		db_stmt_close(&st);
	free(v);
	return rc;
}

/* ---- replacing an hour's stats rows: write only what changed ----
 * Rerunning an hour (--force, a late segment, new prices) mostly gives the
 * rows it has already: deleting them all and inserting them again costs
 * two writes to every index for every row (~10^5 rows an hour).  Instead
 * the stored rows are read (locked) in key order and merged with the new
 * ones: rows equal to the stored ones are left alone, changed and new ones
 * are upserted, keys no longer there deleted.  Same end state, in the same
 * transaction. */

struct stats_diff {
	size_t *write;              /* indexes of r->rows to write */
	size_t nwrite;
	struct rollup_key *gone;    /* stored keys r does not have */
	size_t ngone, gcap;
	size_t nold;                /* rows stored before */
};

static bool row_same(const struct rollup_row *x, const uint64_t v[9])
{
	return x->imps == v[0] && x->clicks == v[1] && x->vimps == v[2] &&
	       x->vclicks == v[3] && x->uniques == v[4] && x->spend == v[5] &&
	       x->earnings == v[6] && x->served == v[7] && x->rendered == v[8];
}

/* Fill d from the stored rows of hour hs.  Returns 0, DB_ERR / DB_RETRY,
 * or 1 when the server's order is not ours (the caller replaces all). */
static int stats_diff(struct db *db, const char *hs, const struct rollup *r,
		      struct stats_diff *d, char *err, size_t errlen)
{
	struct db_stmt s;
	struct rollup_key last = { 0, 0, 0, 0 };
	bool *same = NULL;
	size_t i = 0;
	int rc, f;

	memset(d, 0, sizeof(*d));
	rc = db_prepare(db, &s,
			"SELECT publisher_id, zone_id, campaign_id, ad_id, "
			"impressions, clicks, valid_impressions, valid_clicks, "
			"uniques_est, spend_micros, earnings_micros, served, "
			"rendered FROM stats_hourly WHERE hour = ? "
			"ORDER BY publisher_id, zone_id, campaign_id, ad_id "
			"FOR UPDATE", err, errlen);
	if (rc)
		return rc;
	db_bind_text(&s, 0, hs, strlen(hs));
	if ((rc = db_execute(&s, NULL, err, errlen)))
		goto out_stmt;
	same = calloc(r->nrows ? r->nrows : 1, sizeof(*same));
	d->write = malloc((r->nrows ? r->nrows : 1) * sizeof(*d->write));
	if (!same || !d->write) {
		snprintf(err, errlen, "out of memory");
		rc = DB_ERR;
		goto out_stmt;
	}
	while ((f = db_fetch(&s, err, errlen)) == 1) {
		struct rollup_key k;
		uint64_t v[9];
		int c = 1;

		if (col_u32(&s, 0, &k.pub) || col_u32(&s, 1, &k.zone) ||
		    col_u32(&s, 2, &k.camp) || col_u32(&s, 3, &k.ad)) {
			snprintf(err, errlen, "mysql: bad row in stats_hourly");
			rc = DB_ERR;
			goto out_stmt;
		}
		for (unsigned j = 0; j < 9; j++)
			if (db_col_u64(&s, 4 + j, &v[j]))
				v[j] = UINT64_MAX;    /* never equal: rewritten */
		if (d->nold++ && rollup_key_cmp(&k, &last) <= 0) {
			rc = 1;
			goto out_stmt;
		}
		last = k;
		while (i < r->nrows && (c = rollup_key_cmp(&r->rows[i].k, &k)) < 0)
			i++;
		if (i < r->nrows && c == 0) {
			same[i] = row_same(&r->rows[i], v);
			i++;
			continue;
		}
		if (d->ngone == d->gcap &&
		    grow_array((void **)&d->gone, &d->gcap, d->ngone,
			       sizeof(k))) {
			snprintf(err, errlen, "out of memory");
			rc = DB_ERR;
			goto out_stmt;
		}
		d->gone[d->ngone++] = k;
	}
	if (f < 0) {
		rc = f;
		goto out_stmt;
	}
	for (i = 0; i < r->nrows; i++)
		if (!same[i])
			d->write[d->nwrite++] = i;
out_stmt:
	free(same);
	db_stmt_close(&s);
	return rc;
}

static void stats_diff_release(struct stats_diff *d)
{
	free(d->write);
	free(d->gone);
	memset(d, 0, sizeof(*d));
}

static int delete_gone(struct db *db, const char *hs,
		       const struct stats_diff *d, char *err, size_t errlen)
{
	struct db_stmt s;
	int rc;

	if (!d->ngone)
		return 0;
	rc = db_prepare(db, &s,
			"DELETE FROM stats_hourly WHERE hour = ? AND "
			"publisher_id = ? AND zone_id = ? AND campaign_id = ? "
			"AND ad_id = ?", err, errlen);
	if (rc)
		return rc;
	db_bind_text(&s, 0, hs, strlen(hs));
	for (size_t i = 0; i < d->ngone && !rc; i++) {
		db_bind_u64(&s, 1, d->gone[i].pub);
		db_bind_u64(&s, 2, d->gone[i].zone);
		db_bind_u64(&s, 3, d->gone[i].camp);
		db_bind_u64(&s, 4, d->gone[i].ad);
		rc = db_execute(&s, NULL, err, errlen);
	}
	db_stmt_close(&s);
	return rc;
}

/* One statement with only the hour as parameter. */
static int exec_hour(struct db *db, const char *sql, const char *hs,
		     char *err, size_t errlen)
{
	struct db_stmt s;
	int rc = db_prepare(db, &s, sql, err, errlen);

	if (rc)
		return rc;
	db_bind_text(&s, 0, hs, strlen(hs));
	rc = db_execute(&s, NULL, err, errlen);
	db_stmt_close(&s);
	return rc;
}

static void now_sql(char *buf, size_t cap)
{
	int64_t ms = clock_now_ms();
	uint32_t h = hour_of_ms(ms);
	int64_t in = ms - hour_start_ms(h);

	snprintf(buf, cap, "%04u-%02u-%02u %02u:%02u:%02u.%03u", h / 1000000,
		 h / 10000 % 100, h / 100 % 100, h % 100,
		 (unsigned)(in / 60000), (unsigned)(in / 1000 % 60),
		 (unsigned)(in % 1000));
}

static int hour_txn_fn(struct db *db, void *arg, char *err, size_t errlen)
{
	struct hour_txn *t = arg;
	const struct rollup *r = t->r;
	struct db_stmt s;
	char now[32];
	int64_t t0 = clock_mono_ms(), t1, t2;
	struct stats_diff d;
	struct fill_ctx fc;
	char isql[2048];
	char stats_upsert[sizeof(STATS_SQL) + sizeof(STATS_UPSERT)];
	int rc;

	memcpy(stats_upsert, STATS_SQL, sizeof(STATS_SQL) - 1);
	memcpy(stats_upsert + sizeof(STATS_SQL) - 1, STATS_UPSERT,
	       sizeof(STATS_UPSERT));

	rc = stats_diff(db, t->hs, r, &d, err, errlen);
	if (rc == 1) {
		/* not in our order: replace every row */
		stats_diff_release(&d);
		rc = exec_hour(db, "DELETE FROM stats_hourly WHERE hour = ?",
			       t->hs, err, errlen);
	} else if (!rc) {
		rc = delete_gone(db, t->hs, &d, err, errlen);
	}
	if (!rc)
		rc = exec_hour(db, "DELETE FROM invalid_hourly WHERE hour = ?",
			       t->hs, err, errlen);
	if (rc) {
		stats_diff_release(&d);
		return rc;
	}
	t1 = clock_mono_ms();
	t->timing->delete_ms = t1 - t0;
	t->timing->stats_written = d.write ? d.nwrite : r->nrows;
	/* an hour new to the table takes plain INSERTs */
	fc.hour = (uint64_t)t->h->hour * 10000;
	fc.r = r;
	fc.idx = d.write;
	rc = insert_bulk(db, d.nold ? stats_upsert : STATS_SQL, STATS_COLS,
			 d.write ? d.nwrite : r->nrows, fill_stats, &fc, err,
			 errlen);
	stats_diff_release(&d);
	if (rc)
		return rc;
	t2 = clock_mono_ms();
	t->timing->stats_ms = t2 - t1;
	fc.idx = NULL;
	if (inv_sql(isql, sizeof(isql))) {
		snprintf(err, errlen, "reason names too long");
		return DB_ERR;
	}
	if ((rc = insert_bulk(db, isql, INV_COLS, r->ninv, fill_inv, &fc,
			      err, errlen)))
		return rc;
	t->timing->invalid_ms = clock_mono_ms() - t2;
	rc = db_prepare(db, &s,
			"INSERT INTO analysed_hours (hour, segments_checksum, "
			"segments, events, invalid_events, analysed_at, "
			"duration_ms, analyzer_version, copies, marks_digest) "
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
			"ON DUPLICATE KEY UPDATE "
			"segments_checksum = VALUES(segments_checksum), "
			"segments = VALUES(segments), events = VALUES(events), "
			"invalid_events = VALUES(invalid_events), "
			"analysed_at = VALUES(analysed_at), "
			"duration_ms = VALUES(duration_ms), "
			"analyzer_version = VALUES(analyzer_version), "
			"copies = VALUES(copies), "
			"marks_digest = VALUES(marks_digest), loads = loads + 1",
			err, errlen);
	if (rc)
		return rc;
	now_sql(now, sizeof(now));
	db_bind_text(&s, 0, t->hs, strlen(t->hs));
	db_bind_text(&s, 1, t->h->context, strlen(t->h->context));
	db_bind_text(&s, 2, t->segs, strlen(t->segs));
	db_bind_u64(&s, 3, r->events);
	db_bind_u64(&s, 4, r->events - r->vimps - r->vclicks);
	db_bind_text(&s, 5, now, strlen(now));
	db_bind_u64(&s, 6, (uint64_t)(t->duration_ms > 0 ? t->duration_ms : 0));
	db_bind_text(&s, 7, ADLOG_VERSION, strlen(ADLOG_VERSION));
	db_bind_u64(&s, 8, r->copies);
	if (*t->marks)
		db_bind_text(&s, 9, t->marks, strlen(t->marks));
	else
		db_bind_null(&s, 9);
	rc = db_execute(&s, NULL, err, errlen);
	db_stmt_close(&s);
	return rc;
}

int load_hour(struct loader *l, const struct hour_set *h,
	      const struct rollup *r, const char *marks, int64_t duration_ms,
	      char *err, size_t errlen)
{
	struct hour_txn t = { h, r, duration_ms, "", NULL, &l->last,
			      marks ? marks : "" };
	int64_t t0;
	int rc;

	hour_sql(h->hour, t.hs, sizeof(t.hs));
	t.segs = hour_segment_list(h);
	if (!t.segs) {
		snprintf(err, errlen, "out of memory");
		return DB_ERR;
	}
	memset(&l->last, 0, sizeof(l->last));
	t0 = clock_mono_ms();
	rc = db_transaction(&l->db, LOAD_TRIES, hour_txn_fn, &t, err, errlen);
	/* what the try that committed did not spend in its statements */
	l->last.commit_ms = clock_mono_ms() - t0 - l->last.delete_ms -
			    l->last.stats_ms - l->last.invalid_ms;
	free(t.segs);
	return rc;
}

/* ---- one day ---- */

struct day_txn {
	char d0[24], d1[24], day[16];
	const struct pub_result *res;
	size_t nres;
};

static void day_sql(uint32_t day, char *buf, size_t cap)
{
	snprintf(buf, cap, "%04u-%02u-%02u", day / 10000, day / 100 % 100,
		 day % 100);
}

/* "ctr_high,hourly_profile" and a line of figures per test that ran */
static void pub_text(const struct pub_result *p, char *reasons, size_t rcap,
		     char *details, size_t dcap)
{
	size_t ro = 0, dof = 0;

	reasons[0] = details[0] = 0;
	for (unsigned i = 0; i < PUB_R__COUNT; i++) {
		if (!(p->fired & (1u << i)))
			continue;
		ro += (size_t)snprintf(reasons + ro, rcap - ro, "%s%s",
				       ro ? "," : "", pub_reason_name(i));
		if (ro >= rcap)
			ro = rcap - 1;
	}
	for (unsigned i = 0; i < PUB_R__COUNT; i++) {
		if (!(p->tested & (1u << i)))
			continue;
		dof += (size_t)snprintf(details + dof, dcap - dof,
					"%s%s stat=%.4g log10p=%.4g evidence=%.2f",
					dof ? "; " : "", pub_reason_name(i),
					p->stat[i], p->log10p[i],
					p->evidence[i]);
		if (dof >= dcap)
			dof = dcap - 1;
	}
}

static int day_txn_fn(struct db *db, void *arg, char *err, size_t errlen)
{
	struct day_txn *t = arg;
	struct db_stmt s;
	char now[32];
	int rc;

	if ((rc = exec_hour(db, "DELETE FROM stats_daily WHERE day = ?",
			    t->day, err, errlen)) ||
	    (rc = exec_hour(db, "DELETE FROM publisher_daily WHERE day = ?",
			    t->day, err, errlen)))
		return rc;
	/* uniques are not additive: the day's estimate is the largest hour's,
	 * a lower bound (docs/analyze.md) */
	rc = db_prepare(db, &s,
			"INSERT INTO stats_daily (day, publisher_id, zone_id, "
			"campaign_id, ad_id, impressions, clicks, "
			"valid_impressions, valid_clicks, uniques_est, "
			"spend_micros, earnings_micros, served, rendered) "
			"SELECT ?, publisher_id, zone_id, campaign_id, ad_id, "
			"SUM(impressions), SUM(clicks), SUM(valid_impressions), "
			"SUM(valid_clicks), MAX(uniques_est), SUM(spend_micros), "
			"SUM(earnings_micros), SUM(served), SUM(rendered) "
			"FROM stats_hourly "
			"WHERE hour >= ? AND hour < ? "
			"GROUP BY publisher_id, zone_id, campaign_id, ad_id",
			err, errlen);
	if (rc)
		return rc;
	db_bind_text(&s, 0, t->day, strlen(t->day));
	db_bind_text(&s, 1, t->d0, strlen(t->d0));
	db_bind_text(&s, 2, t->d1, strlen(t->d1));
	rc = db_execute(&s, NULL, err, errlen);
	db_stmt_close(&s);
	if (rc)
		return rc;
	rc = db_prepare(db, &s,
			"INSERT INTO publisher_daily (day, publisher_id, "
			"impressions, clicks, valid_impressions, valid_clicks, "
			"fraud_score, flagged, reasons, details, evidence, "
			"suffered) "
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", err, errlen);
	if (rc)
		return rc;
	for (size_t i = 0; i < t->nres && !rc; i++) {
		const struct pub_result *p = &t->res[i];
		char reasons[1024], details[2048], ev[1024], suf[1024];

		pub_text(p, reasons, sizeof(reasons), details, sizeof(details));
		pubscore_evidence_text(p, ev, sizeof(ev));
		pubscore_suffered_text(p, suf, sizeof(suf));
		db_bind_text(&s, 0, t->day, strlen(t->day));
		db_bind_u64(&s, 1, p->pub);
		db_bind_u64(&s, 2, p->imps);
		db_bind_u64(&s, 3, p->clicks);
		db_bind_u64(&s, 4, p->valid_imps);
		db_bind_u64(&s, 5, p->valid_clicks);
		db_bind_double(&s, 6, p->score);
		db_bind_u64(&s, 7, p->fired != 0);
		db_bind_text(&s, 8, reasons, strlen(reasons));
		db_bind_text(&s, 9, details, strlen(details));
		db_bind_text(&s, 10, ev, strlen(ev));
		db_bind_text(&s, 11, suf, strlen(suf));
		rc = db_execute(&s, NULL, err, errlen);
	}
	db_stmt_close(&s);
	if (rc)
		return rc;
	rc = db_prepare(db, &s,
			"REPLACE INTO analysed_days (day, hours, hours_checksum, "
			"analysed_at) SELECT ?, COUNT(*), "
			"COALESCE(SHA2(GROUP_CONCAT(segments_checksum ORDER BY hour), 256), ''), ? "
			"FROM analysed_hours WHERE hour >= ? AND hour < ?",
			err, errlen);
	if (rc)
		return rc;
	now_sql(now, sizeof(now));
	db_bind_text(&s, 0, t->day, strlen(t->day));
	db_bind_text(&s, 1, now, strlen(now));
	db_bind_text(&s, 2, t->d0, strlen(t->d0));
	db_bind_text(&s, 3, t->d1, strlen(t->d1));
	rc = db_execute(&s, NULL, err, errlen);
	db_stmt_close(&s);
	return rc;
}

int load_day(struct loader *l, uint32_t day, const struct pub_result *res,
	     size_t nres, char *err, size_t errlen)
{
	struct day_txn t;
	uint32_t h0 = day * 100;

	day_sql(day, t.day, sizeof(t.day));
	hour_sql(h0, t.d0, sizeof(t.d0));
	hour_sql(hour_add(h0, 24), t.d1, sizeof(t.d1));
	t.res = res;
	t.nres = nres;
	return db_transaction(&l->db, LOAD_TRIES, day_txn_fn, &t, err, errlen);
}

struct stamp_txn {
	char hs[24];
	const char *context, *marks;
};

static int stamp_txn_fn(struct db *db, void *arg, char *err, size_t errlen)
{
	struct stamp_txn *t = arg;
	struct db_stmt s;
	int rc = db_prepare(db, &s,
			    "UPDATE analysed_hours SET marks_digest = ? "
			    "WHERE hour = ? AND segments_checksum = ? "
			    "AND marks_digest IS NULL", err, errlen);

	if (rc)
		return rc;
	db_bind_text(&s, 0, t->marks, strlen(t->marks));
	db_bind_text(&s, 1, t->hs, strlen(t->hs));
	db_bind_text(&s, 2, t->context, strlen(t->context));
	rc = db_execute(&s, NULL, err, errlen);
	db_stmt_close(&s);
	return rc;
}

int load_hour_stamp(struct loader *l, const struct hour_set *h,
		    const char *marks, char *err, size_t errlen)
{
	struct stamp_txn t = { "", h->context, marks };

	hour_sql(h->hour, t.hs, sizeof(t.hs));
	return db_transaction(&l->db, LOAD_TRIES, stamp_txn_fn, &t, err,
			      errlen);
}
