/* status.c - what adlog-admin status knows and how it finds out: closed
 * spool files against ingest's manifests, segment hours and their digests
 * against MySQL's analysed_hours (the test adlog-analyze --pending makes),
 * or against the last good analyze run of adlog-cron when MySQL is down,
 * the quarantine by reason, the cron status files and serve's /status.
 * Everything here only reads. */
#include "status.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "db.h"
#include "fsutil.h"
#include "hourdir.h"
#include "httpget.h"
#include "manifest.h"
#include "parse.h"
#include "spool.h"

/* ---- pure parts ---- */

int64_t status_hour_lag(uint32_t hour, int64_t now_ms)
{
	int64_t start = hour_start_ms(hour);

	if (start < 0 || now_ms <= start + HOUR_MS)
		return 0;
	return (now_ms - start - HOUR_MS) / 1000;
}

const char *status_duration(int64_t s, char *buf, size_t cap)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, cap, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, cap, "%lldm%02llds", (long long)(s / 60),
			 (long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, cap, "%lldh%02lldm", (long long)(s / 3600),
			 (long long)(s / 60 % 60));
	else
		snprintf(buf, cap, "%lldd%02lldh", (long long)(s / 86400),
			 (long long)(s / 3600 % 24));
	return buf;
}

void status_count_add(struct status_count *v, unsigned *n, unsigned max,
		      const char *name, size_t len, uint64_t add)
{
	unsigned i;

	if (len >= sizeof(v->name))
		len = sizeof(v->name) - 1;
	for (i = 0; i < *n; i++)
		if (!strncmp(v[i].name, name, len) && v[i].name[len] == '\0')
			break;
	if (i == *n) {
		if (*n == max)
			return;
		memcpy(v[i].name, name, len);
		v[i].name[len] = '\0';
		v[i].value = 0;
		(*n)++;
	}
	v[i].value += add;
}

static void set_str(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static int64_t dec_or(const char *s, size_t len, int64_t dflt)
{
	uint64_t v;

	return parse_dec(s, len, INT64_MAX, &v) ? dflt : (int64_t)v;
}

int status_job_parse(const char *text, size_t len, struct status_job *j)
{
	const char *p = text, *end = text + len;

	memset(j, 0, sizeof(*j));
	j->exit_code = -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *eq = memchr(p, '=', (size_t)(le - p));

		if (eq) {
			size_t kl = (size_t)(eq - p), vl = (size_t)(le - eq - 1);
			const char *v = eq + 1;

#define KEY(k) (kl == sizeof(k) - 1 && !memcmp(p, k, kl))
			if (KEY("job"))
				set_str(j->job, sizeof(j->job), v, vl);
			else if (KEY("state"))
				set_str(j->state, sizeof(j->state), v, vl);
			else if (KEY("start"))
				set_str(j->start, sizeof(j->start), v, vl);
			else if (KEY("end"))
				set_str(j->end, sizeof(j->end), v, vl);
			else if (KEY("host"))
				set_str(j->host, sizeof(j->host), v, vl);
			else if (KEY("last_ok"))
				set_str(j->last_ok, sizeof(j->last_ok), v, vl);
			else if (KEY("message"))
				set_str(j->message, sizeof(j->message), v, vl);
			else if (KEY("exit"))
				j->exit_code = dec_or(v, vl, -1) > 255 ? -1
					       : (int)dec_or(v, vl, -1);
			else if (KEY("start_unix"))
				j->start_unix = dec_or(v, vl, 0);
			else if (KEY("end_unix"))
				j->end_unix = dec_or(v, vl, 0);
			else if (KEY("pid"))
				j->pid = dec_or(v, vl, 0);
			else if (kl > 6 && !memcmp(p, "count.", 6) &&
				 !KEY("count.records") && dec_or(v, vl, -1) >= 0)
				status_count_add(j->counts, &j->ncounts,
						 STATUS_MAX_COUNTS, p + 6, kl - 6,
						 (uint64_t)dec_or(v, vl, 0));
#undef KEY
		}
		p = nl ? nl + 1 : end;
	}
	return j->job[0] ? 0 : -1;
}

/* The string value of "key":"..." in line, without escapes (analyze's
 * keys and values have none). */
static bool json_field(const char *line, size_t len, const char *key,
		       const char **val, size_t *vlen)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i + kl + 4 <= len; i++) {
		const char *q;

		if (line[i] != '"' || memcmp(line + i + 1, key, kl) ||
		    memcmp(line + i + 1 + kl, "\":\"", 3))
			continue;
		*val = line + i + kl + 4;
		q = memchr(*val, '"', (size_t)(line + len - *val));
		if (!q)
			return false;
		*vlen = (size_t)(q - *val);
		return true;
	}
	return false;
}

bool status_analyze_line(const char *line, size_t len, uint32_t *hour,
			 char *digest, size_t cap)
{
	const char *v;
	size_t vl;

	if (!json_field(line, len, "action", &v, &vl) ||
	    !((vl == 6 && !memcmp(v, "loaded", 6)) ||
	      (vl == 9 && !memcmp(v, "unchanged", 9)) ||
	      (vl == 13 && !memcmp(v, "marks-applied", 13))))
		return false;
	if (!json_field(line, len, "hour", &v, &vl) || hour_parse(v, vl, hour))
		return false;
	if (!json_field(line, len, "digest", &v, &vl) || vl == 0 || vl >= cap)
		return false;
	for (size_t i = 0; i < vl; i++)
		if (hex_digit(v[i]) < 0)
			return false;
	set_str(digest, cap, v, vl);
	return true;
}

static void attention(struct status *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void attention(struct status *s, const char *fmt, ...)
{
	va_list ap;

	if (s->nattention == STATUS_MAX_ATTENTION)
		return;
	va_start(ap, fmt);
	vsnprintf(s->attention[s->nattention++], sizeof(s->attention[0]), fmt,
		  ap);
	va_end(ap);
}

bool status_verdict(struct status *s)
{
	char a[32], b[32];

	s->nattention = 0;
	if (!s->mysql_ok)
		attention(s, "MySQL %s: %s", s->mysql_connected ? "query failed"
				: "unreachable", s->mysql_err);
	for (unsigned i = 0; i < s->njobs; i++)
		if (!strcmp(s->jobs[i].state, "failed"))
			attention(s, "cron job %s failed (exit %d): %s",
				  s->jobs[i].job, s->jobs[i].exit_code,
				  s->jobs[i].message);
	if (s->ingest_lag_s > s->max_lag_s)
		attention(s, "ingest lags %s (max_lag %s): %lu closed file%s waiting",
			  status_duration(s->ingest_lag_s, a, sizeof(a)),
			  status_duration(s->max_lag_s, b, sizeof(b)),
			  s->closed_waiting, s->closed_waiting == 1 ? "" : "s");
	if (s->analyze_lag_s > s->max_lag_s)
		attention(s, "analyze lags %s (max_lag %s): %zu hour%s waiting",
			  status_duration(s->analyze_lag_s, a, sizeof(a)),
			  status_duration(s->max_lag_s, b, sizeof(b)),
			  s->nwaiting, s->nwaiting == 1 ? "" : "s");
	if (s->spool_err && s->spool_err != ENOENT)
		attention(s, "cannot read the spool: %s", strerror(s->spool_err));
	if (s->data_err)
		attention(s, "cannot read the segments: %s", s->data_errmsg);
	if (s->cron_err && s->cron_err != ENOENT)
		attention(s, "cannot read the cron status folder: %s",
			  strerror(s->cron_err));
	return s->nattention == 0;
}

/* ---- gathering ---- */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);

	return n > k && !strcmp(s + n - k, suf);
}

/* Names of dir's entries that keep() accepts, sorted; -errno. */
static long list_dir(const char *dir, bool (*keep)(const char *),
		     char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!keep(de->d_name))
			continue;
		if (n == cap) {
			char **p = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*p));

			if (!p)
				break;
			v = p;
		}
		if (!(v[n] = strdup(de->d_name)))
			break;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_name);
	*out = v;
	return (long)n;
}

static void free_list(char **v, long n)
{
	for (long i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool spool_entry(const char *name)
{
	return spool_is_closed(name) ||
	       (name[0] != '.' && ends_with(name, ".open"));
}

static int64_t mtime_age(const char *dir, const char *name, int64_t now_ms)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(path, &st))
		return 0;
	return now_ms / 1000 > st.st_mtime ? now_ms / 1000 - st.st_mtime : 0;
}

static void collect_spool(struct status *s, const struct config *cfg)
{
	const char *dir = cfg->common.spool_dir;
	char **names, *mtext = NULL, stem[256], mpath[4096];
	size_t mlen = 0;
	uint32_t mhour = 0;
	long n = list_dir(dir, spool_entry, &names);

	if (n < 0) {
		s->spool_err = (int)-n;
		return;
	}
	for (long i = 0; i < n; i++) {
		uint32_t hour = 0;
		int64_t age;

		if (ends_with(names[i], ".open")) {
			s->open_files++;
			continue;
		}
		if (spool_stem(names[i], stem, sizeof(stem)) &&
		    spool_hour(stem, &hour)) {
			if (hour != mhour) {
				free(mtext);
				snprintf(mpath, sizeof(mpath), "%s/%010u/%s",
					 cfg->common.data_dir, hour, MANIFEST_NAME);
				mtext = fs_read_file(mpath, &mlen);
				mhour = hour;
			}
			/* in the manifest: ingested, the source not yet moved
			 * (after = keep, or a crash before the archive step) */
			if (mtext && manifest_lists(mtext, mlen, stem)) {
				s->closed_ingested++;
				continue;
			}
		}
		s->closed_waiting++;
		age = hour ? status_hour_lag(hour, s->now_ms)
			   : mtime_age(dir, names[i], s->now_ms);
		if (!s->oldest[0] || age > s->ingest_lag_s) {
			snprintf(s->oldest, sizeof(s->oldest), "%s/%s", dir,
				 names[i]);
			s->oldest_hour = hour;
			s->ingest_lag_s = age;
		}
	}
	free(mtext);
	free_list(names, n);
}

struct hour_ctx {
	uint32_t hour;
	char ctx[HOUR_DIGEST_HEX + 1];
};

/* Every hour with segments and its digest as analyze computes it. */
static size_t collect_segments(struct status *s, const struct config *cfg,
			       struct hour_ctx **out)
{
	const char *data = cfg->common.data_dir;
	uint32_t *hours;
	struct hour_ctx *hc;
	long n = hour_list(data, &hours, s->data_errmsg,
			   sizeof(s->data_errmsg));
	size_t k = 0;

	*out = NULL;
	if (n < 0) {
		s->data_err = 1;
		return 0;
	}
	hc = calloc(n ? (size_t)n : 1, sizeof(*hc));
	if (!hc) {
		s->data_err = 1;
		snprintf(s->data_errmsg, sizeof(s->data_errmsg), "out of memory");
		free(hours);
		return 0;
	}
	for (long i = 0; i < n; i++) {
		struct hour_set h;
		char err[512];

		if (hour_scan(&h, data, hours[i], err, sizeof(err)) ||
		    (h.n && hour_context(&h, data, err, sizeof(err)))) {
			s->data_err = 1;
			snprintf(s->data_errmsg, sizeof(s->data_errmsg), "%s", err);
			hour_release(&h);
			continue;
		}
		if (h.n) {
			hc[k].hour = hours[i];
			memcpy(hc[k].ctx, h.context, sizeof(hc[k].ctx));
			if (!s->first_hour)
				s->first_hour = hours[i];
			s->newest_hour = hours[i];
			k++;
		}
		hour_release(&h);
	}
	s->seg_hours = k;
	free(hours);
	*out = hc;
	return k;
}

/* One analysed hour: from MySQL's analysed_hours or a cron JSON line. */
struct done_hour {
	uint32_t hour;
	char digest[STATUS_DIGEST_MAX + 1];
	bool current;               /* analysed by this version of analyze */
};

static int cmp_done(const void *a, const void *b)
{
	const struct done_hour *x = a, *y = b;

	return x->hour < y->hour ? -1 : x->hour > y->hour;
}

static int push_done(struct done_hour **v, size_t *n, size_t *cap,
		     const struct done_hour *d)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		struct done_hour *p = realloc(*v, c * sizeof(*p));

		if (!p)
			return -1;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = *d;
	return 0;
}

/* Add hour to s->provisional when column 5 (marks_digest IS NULL) says
 * its day's marks were not applied.  -1 when out of memory. */
static int provisional(struct status *s, struct db_stmt *st, uint32_t hour)
{
	uint64_t none;
	uint32_t *p;

	if (db_col_u64(st, 5, &none) || !none)
		return 0;
	if (s->nprovisional % 256 == 0) {
		size_t c = s->nprovisional + 256;

		if (!(p = realloc(s->provisional, c * sizeof(*p))))
			return -1;
		s->provisional = p;
	}
	s->provisional[s->nprovisional++] = hour;
	return 0;
}

/* analysed_hours, ascending; -1 with s->mysql_err when MySQL fails. */
static long done_from_mysql(struct status *s, const struct config *cfg,
			    struct done_hour **out)
{
	struct db db = { 0 };
	struct db_stmt st;
	struct done_hour *v = NULL, d;
	size_t n = 0, cap = 0;
	char *err = s->mysql_err;
	size_t errlen = sizeof(s->mysql_err);
	int rc;

	*out = NULL;
	if (db_connect(&db, cfg, err, errlen))
		goto out_fail;
	s->mysql_ok = s->mysql_connected = true;
	if (db_prepare(&db, &st,
		       "SELECT DATE_FORMAT(hour, '%Y%m%d%H'), segments_checksum, "
		       "analyzer_version, DATE_FORMAT(analysed_at, "
		       "'%Y-%m-%dT%H:%i:%sZ'), copies, marks_digest IS NULL "
		       "FROM analysed_hours ORDER BY hour",
		       err, errlen))
		goto out_fail;
	rc = db_execute(&st, NULL, err, errlen);
	while (!rc && (rc = db_fetch(&st, err, errlen)) == 1) {
		const char *h = db_col(&st, 0, NULL), *dg = db_col(&st, 1, NULL);
		const char *ver = db_col(&st, 2, NULL), *at = db_col(&st, 3, NULL);

		rc = 0;     /* a row: fetch the next */
		memset(&d, 0, sizeof(d));
		if (!h || hour_parse(h, strlen(h), &d.hour))
			continue;
		snprintf(d.digest, sizeof(d.digest), "%s", dg ? dg : "");
		d.current = ver && !strcmp(ver, ADLOG_VERSION);
		if (status_hour_lag(d.hour, s->now_ms) <= 86400) {
			uint64_t c;

			if (!db_col_u64(&st, 4, &c))
				s->copies_24h += c;
		}
		snprintf(s->last_analysed_at, sizeof(s->last_analysed_at), "%s",
			 at ? at : "");
		if (provisional(s, &st, d.hour) || push_done(&v, &n, &cap, &d)) {
			snprintf(err, errlen, "out of memory");
			rc = DB_ERR;
		}
	}
	db_stmt_close(&st);
	if (rc)
		goto out_fail;
	db_close(&db);
	*out = v;
	return (long)n;
out_fail:
	s->mysql_ok = false;
	free(v);
	if (db.conn)
		db_close(&db);
	return -1;
}

/* STATUS_DIR/analyze.ok.json (cron/adlog-cron keeps the output of the last
 * analyze run that succeeded): the hours it loaded or found unchanged.
 * -1 when there is no such file. */
static long done_from_cron(const struct config *cfg, struct done_hour **out)
{
	char path[4096], *text;
	struct done_hour *v = NULL, d;
	size_t len, n = 0, cap = 0;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/analyze.ok.json", cfg->cron.status_dir);
	if (!(text = fs_read_file(path, &len)))
		return -1;
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((nl ? nl : end) - p);

		memset(&d, 0, sizeof(d));
		d.current = true;
		if (status_analyze_line(p, l, &d.hour, d.digest,
					sizeof(d.digest)) &&
		    push_done(&v, &n, &cap, &d))
			break;
		p = nl ? nl + 1 : end;
	}
	free(text);
	if (n)
		qsort(v, n, sizeof(*v), cmp_done);
	*out = v;
	return (long)n;
}

static void collect_analyze(struct status *s, const struct config *cfg,
			    const struct hour_ctx *hc, size_t nhc)
{
	struct done_hour *done;
	long nd = done_from_mysql(s, cfg, &done);
	size_t j = 0;

	if (nd >= 0) {
		s->waiting_from = STATUS_SRC_MYSQL;
	} else if ((nd = done_from_cron(cfg, &done)) >= 0) {
		s->waiting_from = STATUS_SRC_CRON;
		for (unsigned i = 0; i < s->njobs; i++)
			if (!strcmp(s->jobs[i].job, "analyze"))
				snprintf(s->last_analysed_at,
					 sizeof(s->last_analysed_at), "%s",
					 s->jobs[i].last_ok);
	} else {
		s->waiting_from = STATUS_SRC_NONE;
		return;
	}
	if (nd > 0)
		s->last_analysed = done[nd - 1].hour;
	s->waiting = calloc(nhc ? nhc : 1, sizeof(*s->waiting));
	for (size_t i = 0; i < nhc && s->waiting; i++) {
		bool same;

		/* both ascending: the same test as analyze's unchanged() */
		while (j < (size_t)nd && done[j].hour < hc[i].hour)
			j++;
		same = j < (size_t)nd && done[j].hour == hc[i].hour &&
		       done[j].current && !strcmp(done[j].digest, hc[i].ctx);
		if (same)
			continue;
		if (!s->nwaiting)
			s->analyze_lag_s = status_hour_lag(hc[i].hour, s->now_ms);
		s->waiting[s->nwaiting++] = hc[i].hour;
	}
	free(done);
}

static bool rej_entry(const char *name)
{
	return name[0] != '.' && ends_with(name, ".rej");
}

/* Records "OFFSET<TAB>REASON<TAB>raw[<TAB>COUNT]" of one quarantine file
 * (COUNT: a run of that many identical rejected lines), rejected lines by
 * reason, reading at most *budget bytes (decremented). */
static void count_rejects(struct status *s, const char *path,
			  uint64_t *budget)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return;
	while ((n = getline(&line, &cap, f)) > 0) {
		const char *t1 = memchr(line, '\t', (size_t)n), *t2;

		if ((uint64_t)n > *budget) {
			s->quar_partial = true;
			*budget = 0;
			break;
		}
		*budget -= (uint64_t)n;
		t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(line + n - t1 - 1)) : NULL;
		if (t2) {
			const char *t3 = memchr(t2 + 1, '\t',
						(size_t)(line + n - t2 - 1));
			uint64_t count = 1;
			size_t cl;

			if (t3) {
				cl = (size_t)(line + n - t3 - 1);
				cl -= cl && t3[cl] == '\n';
				if (parse_dec(t3 + 1, cl, UINT64_MAX, &count))
					count = 1;
			}
			s->quar_lines += count;
			status_count_add(s->reasons, &s->nreasons,
					 STATUS_MAX_REASONS, t1 + 1,
					 (size_t)(t2 - t1 - 1), count);
		} else {
			s->quar_lines++;
			status_count_add(s->reasons, &s->nreasons,
					 STATUS_MAX_REASONS, "unreadable", 10, 1);
		}
	}
	free(line);
	fclose(f);
}

static void collect_quarantine(struct status *s, const struct config *cfg)
{
	const char *dir = cfg->ingest.quarantine_dir;
	uint64_t budget = STATUS_QUARANTINE_READ;
	char **names, path[4096];
	long n = list_dir(dir, rej_entry, &names);

	if (n < 0) {
		s->quar_err = (int)-n;
		return;
	}
	for (long i = 0; i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		s->quar_files++;
		s->quar_bytes += (uint64_t)st.st_size;
		if (budget)
			count_rejects(s, path, &budget);
		else
			s->quar_partial = true;
	}
	free_list(names, n);
}

static bool status_entry(const char *name)
{
	return name[0] != '.' && ends_with(name, ".status");
}

/* The pipeline's order first, then by name. */
static int job_rank(const char *job)
{
	static const char *const order[] = {
		"ingest", "analyze", "daily", "export", "purge",
	};

	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (!strcmp(job, order[i]))
			return (int)i;
	return 99;
}

static int cmp_job(const void *a, const void *b)
{
	const struct status_job *x = a, *y = b;
	int rx = job_rank(x->job), ry = job_rank(y->job);

	return rx != ry ? rx - ry : strcmp(x->job, y->job);
}

/* A run marked running whose wrapper is gone (kill -9, power loss). */
static bool pid_gone(const struct status_job *j)
{
	char host[256];

	if (strcmp(j->state, "running") || j->pid <= 0 || j->pid > INT32_MAX ||
	    gethostname(host, sizeof(host)) || strcmp(host, j->host))
		return false;
	return kill((pid_t)j->pid, 0) && errno == ESRCH;
}

static void collect_cron(struct status *s, const struct config *cfg)
{
	const char *dir = cfg->cron.status_dir;
	char **names, path[4096], *text;
	long n = list_dir(dir, status_entry, &names);
	size_t len;

	if (n < 0) {
		s->cron_err = (int)-n;
		return;
	}
	for (long i = 0; i < n && s->njobs < STATUS_MAX_JOBS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!(text = fs_read_file(path, &len)))
			continue;
		if (!status_job_parse(text, len, &s->jobs[s->njobs])) {
			s->jobs[s->njobs].pid_gone = pid_gone(&s->jobs[s->njobs]);
			s->njobs++;
		}
		free(text);
	}
	free_list(names, n);
	qsort(s->jobs, s->njobs, sizeof(s->jobs[0]), cmp_job);
}

static void collect_serve(struct status *s, const struct config *cfg)
{
	const char *url = cfg->admin.serve_status_url;
	size_t len;

	if (!*url)
		return;
	s->serve_asked = true;
	s->serve_code = http_get(url, STATUS_SERVE_TIMEOUT_MS, &s->serve_body,
				 &len, s->serve_err, sizeof(s->serve_err));
	if (s->serve_code == 200)
		s->serve_ok = true;
	else if (s->serve_code > 0)
		snprintf(s->serve_err, sizeof(s->serve_err), "HTTP status %d",
			 s->serve_code);
}

void status_collect(struct status *s, const struct config *cfg)
{
	struct hour_ctx *hc;
	size_t nhc;

	memset(s, 0, sizeof(*s));
	s->now_ms = clock_now_ms();
	s->max_lag_s = cfg->admin.max_lag;
	collect_cron(s, cfg);
	collect_spool(s, cfg);
	nhc = collect_segments(s, cfg, &hc);
	collect_analyze(s, cfg, hc, nhc);
	free(hc);
	collect_quarantine(s, cfg);
	collect_serve(s, cfg);
	status_lists_collect(s, cfg);
	status_verdict(s);
}

void status_release(struct status *s)
{
	free(s->waiting);
	free(s->serve_body);
	free(s->provisional);
	s->provisional = NULL;
	s->waiting = NULL;
	s->serve_body = NULL;
}
