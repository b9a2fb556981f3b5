/* status_out.c - adlog-admin status as text for a person on call (one
 * line per stage, what needs attention first) and as one JSON object with
 * the same facts for a monitor (docs/operations.md, "Status"). */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "parse.h"
#include "status.h"

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t k;

	if (c >= 0xc2 && c <= 0xdf)
		k = 2;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < k || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return k;
}

void status_json_str(FILE *f, const char *str)
{
	const unsigned char *p = (const unsigned char *)str;
	size_t n = strlen(str);

	fputc('"', f);
	while (n) {
		unsigned char c = *p;
		size_t k = 1;

		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
		} else if (c < 0x80) {
			fputc(c, f);
		} else if ((k = utf8_len(p, n))) {
			fwrite(p, 1, k, f);
		} else {
			fputs("\\ufffd", f);
			k = 1;
		}
		p += k;
		n -= k;
	}
	fputc('"', f);
}

static void iso_time(int64_t ms, char *buf, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Call fn for each non-empty line of serve's /status body. */
static void serve_lines(const struct status *s,
			void (*fn)(FILE *, bool *, const char *, size_t),
			FILE *f, bool *first)
{
	const char *p = s->serve_ok ? s->serve_body : NULL;

	while (p && *p) {
		size_t l = strcspn(p, "\r\n");

		if (l)
			fn(f, first, p, l);
		p += l;
		p += strspn(p, "\r\n");
	}
}

static const char *source_name(enum status_source w)
{
	return w == STATUS_SRC_MYSQL ? "mysql" : w == STATUS_SRC_CRON ? "cron"
								      : "none";
}

/* ---- text ---- */

#define WAITING_SHOWN 24

static void text_spool(const struct status *s, const struct config *cfg,
		       FILE *f)
{
	char d[32];

	fprintf(f, "spool       %s\n", cfg->common.spool_dir);
	if (s->spool_err) {
		fprintf(f, "  closed    cannot read: %s\n", strerror(s->spool_err));
		return;
	}
	fprintf(f, "  closed    %lu waiting", s->closed_waiting);
	if (s->closed_ingested)
		fprintf(f, " (and %lu ingested, kept in the spool)",
			s->closed_ingested);
	if (s->oldest[0]) {
		fprintf(f, "; oldest %s", s->oldest);
		if (s->oldest_hour)
			fprintf(f, " (hour %010u, ended %s ago)", s->oldest_hour,
				status_duration(s->ingest_lag_s, d, sizeof(d)));
		else
			fprintf(f, " (written %s ago)",
				status_duration(s->ingest_lag_s, d, sizeof(d)));
	}
	fprintf(f, "\n  open      %lu (serve's current hours)\n", s->open_files);
}

/* The hours whose figures may still go down, a line's summary per day:
 * "2026-01-01 00..23 (24 hours)" (docs/analysts.md, the billing cut-off). */
static void text_provisional(const struct status *s, FILE *f)
{
	if (!s->mysql_ok)
		return;
	fprintf(f, "  provisional %zu hour%s", s->nprovisional,
		s->nprovisional == 1 ? "" : "s");
	if (s->nprovisional)
		fprintf(f, " analysed but not judged by their day's pass "
			"(adlog-analyze --day): their figures can still go down");
	fputc('\n', f);
	for (size_t i = 0, j; i < s->nprovisional; i = j) {
		uint32_t day = s->provisional[i] / 100;

		for (j = i; j < s->nprovisional && s->provisional[j] / 100 == day; j++)
			;
		fprintf(f, "    %04u-%02u-%02u %02u..%02u (%zu hour%s)\n",
			day / 10000, day / 100 % 100, day % 100,
			s->provisional[i] % 100, s->provisional[j - 1] % 100,
			j - i, j - i == 1 ? "" : "s");
	}
}

static void text_analyze(const struct status *s, const struct config *cfg,
			 FILE *f)
{
	char d[32];

	fprintf(f, "segments    %s: ", cfg->common.data_dir);
	if (s->seg_hours)
		fprintf(f, "%lu hour%s, %010u .. %010u, newest %010u\n",
			s->seg_hours, s->seg_hours == 1 ? "" : "s",
			s->first_hour, s->newest_hour, s->newest_hour);
	else
		fprintf(f, "none\n");
	if (s->data_err)
		fprintf(f, "  error     %s\n", s->data_errmsg);
	fprintf(f, "analyze     last hour analysed ");
	if (s->last_analysed)
		fprintf(f, "%010u", s->last_analysed);
	else
		fprintf(f, "%s", s->waiting_from == STATUS_SRC_NONE ? "unknown" : "none");
	if (s->last_analysed_at[0])
		fprintf(f, " (run at %s)", s->last_analysed_at);
	fputc('\n', f);
	if (s->copies_24h)
		fprintf(f, "  copies    %llu events met twice in the last 24 h, "
			"counted once (a file shipped twice, doubled lines)\n",
			(unsigned long long)s->copies_24h);
	if (s->waiting_from == STATUS_SRC_NONE) {
		fprintf(f, "  waiting   unknown: MySQL is down and there is no "
			"analyze.ok.json from adlog-cron (%lu hours have segments)\n",
			s->seg_hours);
		return;
	}
	fprintf(f, "  waiting   %zu hour%s", s->nwaiting,
		s->nwaiting == 1 ? "" : "s");
	for (size_t i = 0; i < s->nwaiting && i < WAITING_SHOWN; i++)
		fprintf(f, "%s%010u", i ? " " : ": ", s->waiting[i]);
	if (s->nwaiting > WAITING_SHOWN)
		fprintf(f, " ... (%zu more)", s->nwaiting - WAITING_SHOWN);
	if (s->nwaiting)
		fprintf(f, "; oldest ended %s ago",
			status_duration(s->analyze_lag_s, d, sizeof(d)));
	if (s->waiting_from == STATUS_SRC_CRON)
		fprintf(f, " (MySQL down: compared with the last good analyze "
			"run of adlog-cron)");
	fputc('\n', f);
	text_provisional(s, f);
}

static void text_quarantine(const struct status *s, const struct config *cfg,
			    FILE *f)
{
	fprintf(f, "quarantine  %s: ", cfg->ingest.quarantine_dir);
	if (s->quar_err) {
		fprintf(f, "%s\n", s->quar_err == ENOENT ? "empty (no folder)"
							 : strerror(s->quar_err));
		return;
	}
	fprintf(f, "%lu file%s, %llu bytes, %s%llu lines", s->quar_files,
		s->quar_files == 1 ? "" : "s",
		(unsigned long long)s->quar_bytes,
		s->quar_partial ? "at least " : "",
		(unsigned long long)s->quar_lines);
	for (unsigned i = 0; i < s->nreasons; i++)
		fprintf(f, "%s%s=%llu", i ? " " : ": ", s->reasons[i].name,
			(unsigned long long)s->reasons[i].value);
	fputc('\n', f);
}

static void text_serve_line(FILE *f, bool *first, const char *p, size_t l)
{
	(void)first;
	fprintf(f, "    %.*s\n", (int)l, p);
}

static void text_serve(const struct status *s, const struct config *cfg,
		       FILE *f)
{
	if (!s->serve_asked) {
		fprintf(f, "serve       not asked ([admin] serve_status_url is empty)\n");
		return;
	}
	fprintf(f, "serve       %s: ", cfg->admin.serve_status_url);
	if (!s->serve_ok) {
		fprintf(f, "unreachable (%s)\n", s->serve_err);
		return;
	}
	fprintf(f, "ok\n");
	serve_lines(s, text_serve_line, f, NULL);
}

static void text_cron(const struct status *s, const struct config *cfg,
		      FILE *f)
{
	fprintf(f, "cron        %s", cfg->cron.status_dir);
	if (s->cron_err) {
		fprintf(f, ": %s\n", s->cron_err == ENOENT ? "no runs recorded"
							   : strerror(s->cron_err));
		return;
	}
	if (!s->njobs) {
		fprintf(f, ": no runs recorded\n");
		return;
	}
	fprintf(f, "\n  %-8s %-8s %-4s %-20s %-20s %s\n", "JOB", "STATE", "EXIT",
		"START", "END", "COUNTS (or MESSAGE)");
	for (unsigned i = 0; i < s->njobs; i++) {
		const struct status_job *j = &s->jobs[i];
		char ex[16] = "-";

		if (j->exit_code >= 0)
			snprintf(ex, sizeof(ex), "%d", j->exit_code);
		fprintf(f, "  %-8s %-8s %-4s %-20s %-20s", j->job, j->state, ex,
			j->start[0] ? j->start : "-", j->end[0] ? j->end : "-");
		if (j->pid_gone)
			fprintf(f, " pid %lld is gone: the run was killed; the "
				"next one starts afresh", (long long)j->pid);
		else if (j->ncounts && strcmp(j->state, "failed"))
			for (unsigned k = 0; k < j->ncounts; k++)
				fprintf(f, " %s=%llu", j->counts[k].name,
					(unsigned long long)j->counts[k].value);
		else if (j->message[0])
			fprintf(f, " %s", j->message);
		fputc('\n', f);
	}
}

static void text_lists(const struct status *s, FILE *f)
{
	for (unsigned i = 0; i < 3; i++) {
		const struct status_list *l = &s->lists[i];
		char when[32], age[32];

		fprintf(f, "%-11s %s", i ? "" : "lists", l->name);
		if (!l->path[0]) {
			fputs(": none\n", f);
			continue;
		}
		if (l->err) {
			fprintf(f, " %s: %s\n", l->path, strerror(l->err));
			continue;
		}
		iso_time(l->as_of_ms, when, sizeof(when));
		fprintf(f, " %s: %lu entries, %s %s (%s old)\n", l->path, l->entries,
			l->age_from_mtime ? "written" : "as of", when,
			status_duration(l->age_s, age, sizeof(age)));
		for (unsigned k = 0; k < l->nsources; k++)
			fprintf(f, "              source %s\n", l->sources[k]);
	}
}

void status_print_text(const struct status *s, const struct config *cfg,
		       FILE *f)
{
	char now[32], a[32], b[32], c[32];

	iso_time(s->now_ms, now, sizeof(now));
	fprintf(f, "adlog status at %s: %s\n", now,
		s->nattention ? "ATTENTION" : "ok");
	for (unsigned i = 0; i < s->nattention; i++)
		fprintf(f, "  ! %s\n", s->attention[i]);
	fprintf(f, "lag         ingest %s, analyze %s (max_lag %s)\n",
		status_duration(s->ingest_lag_s, a, sizeof(a)),
		status_duration(s->analyze_lag_s, b, sizeof(b)),
		status_duration(s->max_lag_s, c, sizeof(c)));
	text_spool(s, cfg, f);
	text_analyze(s, cfg, f);
	fprintf(f, "mysql       %s%s\n", s->mysql_ok ? "up" : "DOWN: ",
		s->mysql_ok ? "" : s->mysql_err);
	text_quarantine(s, cfg, f);
	text_serve(s, cfg, f);
	text_cron(s, cfg, f);
	text_lists(s, f);
}

/* ---- JSON ---- */

static void json_key(FILE *f, bool *first, const char *key)
{
	fputs(*first ? "" : ",", f);
	*first = false;
	status_json_str(f, key);
	fputc(':', f);
}

static void json_kv_str(FILE *f, bool *first, const char *key,
			const char *val)
{
	json_key(f, first, key);
	if (val)
		status_json_str(f, val);
	else
		fputs("null", f);
}

static void json_kv_num(FILE *f, bool *first, const char *key, long long v)
{
	json_key(f, first, key);
	fprintf(f, "%lld", v);
}

static void json_kv_hour(FILE *f, bool *first, const char *key, uint32_t h)
{
	json_key(f, first, key);
	if (h)
		fprintf(f, "\"%010u\"", h);
	else
		fputs("null", f);
}

static void json_counts(FILE *f, const struct status_count *v, unsigned n)
{
	bool first = true;

	fputc('{', f);
	for (unsigned i = 0; i < n; i++)
		json_kv_num(f, &first, v[i].name, (long long)v[i].value);
	fputc('}', f);
}

static void json_spool(const struct status *s, const struct config *cfg,
		       FILE *f)
{
	bool first = true;

	fputc('{', f);
	json_kv_str(f, &first, "dir", cfg->common.spool_dir);
	json_kv_str(f, &first, "error", s->spool_err ? strerror(s->spool_err)
						     : NULL);
	json_kv_num(f, &first, "closed_waiting", (long long)s->closed_waiting);
	json_kv_num(f, &first, "closed_ingested", (long long)s->closed_ingested);
	json_kv_num(f, &first, "open", (long long)s->open_files);
	json_key(f, &first, "oldest");
	if (s->oldest[0]) {
		bool o = true;

		fputc('{', f);
		json_kv_str(f, &o, "path", s->oldest);
		json_kv_hour(f, &o, "hour", s->oldest_hour);
		json_kv_num(f, &o, "age_seconds", (long long)s->ingest_lag_s);
		fputc('}', f);
	} else {
		fputs("null", f);
	}
	fputc('}', f);
}

static void json_analyze(const struct status *s, FILE *f)
{
	bool first = true;

	fputc('{', f);
	json_kv_str(f, &first, "waiting_from", source_name(s->waiting_from));
	json_kv_hour(f, &first, "last_hour", s->last_analysed);
	json_kv_str(f, &first, "last_run",
		    s->last_analysed_at[0] ? s->last_analysed_at : NULL);
	json_key(f, &first, "hours_waiting");
	if (s->waiting_from == STATUS_SRC_NONE) {
		fputs("null", f);
	} else {
		fputc('[', f);
		for (size_t i = 0; i < s->nwaiting; i++)
			fprintf(f, "%s\"%010u\"", i ? "," : "", s->waiting[i]);
		fputc(']', f);
	}
	json_kv_num(f, &first, "lag_seconds", (long long)s->analyze_lag_s);
	json_kv_num(f, &first, "copies_24h", (long long)s->copies_24h);
	json_key(f, &first, "hours_provisional");
	if (!s->mysql_ok) {
		fputs("null", f);
	} else {
		fputc('[', f);
		for (size_t i = 0; i < s->nprovisional; i++)
			fprintf(f, "%s\"%010u\"", i ? "," : "",
				s->provisional[i]);
		fputc(']', f);
	}
	fputc('}', f);
}

static void json_serve_line(FILE *f, bool *first, const char *p, size_t l)
{
	char line[512];

	snprintf(line, sizeof(line), "%.*s", (int)l, p);
	fputs(*first ? "" : ",", f);
	*first = false;
	status_json_str(f, line);
}

/* "name N" lines (events_written 5) as "name":N; others only in lines */
static void json_serve_counter(FILE *f, bool *first, const char *p, size_t l)
{
	const char *sp = memchr(p, ' ', l);
	uint64_t v;
	char name[64];

	if (!sp || sp == p || (size_t)(sp - p) >= sizeof(name) ||
	    parse_u64(sp + 1, l - (size_t)(sp - p) - 1, &v))
		return;
	for (const char *q = p; q < sp; q++)
		if (!((*q >= 'a' && *q <= 'z') || *q == '_'))
			return;
	snprintf(name, sizeof(name), "%.*s", (int)(sp - p), p);
	json_kv_num(f, first, name, (long long)v);
}

static void json_serve(const struct status *s, const struct config *cfg,
		       FILE *f)
{
	bool first = true, inner = true;

	if (!s->serve_asked) {
		fputs("null", f);
		return;
	}
	fputc('{', f);
	json_kv_str(f, &first, "url", cfg->admin.serve_status_url);
	json_key(f, &first, "reachable");
	fputs(s->serve_ok ? "true" : "false", f);
	json_kv_str(f, &first, "error", s->serve_ok ? NULL : s->serve_err);
	json_key(f, &first, "counters");
	fputc('{', f);
	serve_lines(s, json_serve_counter, f, &inner);
	fputc('}', f);
	json_key(f, &first, "lines");
	fputc('[', f);
	inner = true;
	serve_lines(s, json_serve_line, f, &inner);
	fputs("]}", f);
}

static void json_job(const struct status_job *j, FILE *f)
{
	bool first = true;

	fputc('{', f);
	json_kv_str(f, &first, "job", j->job);
	json_kv_str(f, &first, "state", j->state);
	json_key(f, &first, "exit");
	if (j->exit_code >= 0)
		fprintf(f, "%d", j->exit_code);
	else
		fputs("null", f);
	json_kv_str(f, &first, "start", j->start[0] ? j->start : NULL);
	json_kv_str(f, &first, "end", j->end[0] ? j->end : NULL);
	json_kv_num(f, &first, "start_unix", (long long)j->start_unix);
	json_kv_num(f, &first, "end_unix", (long long)j->end_unix);
	json_kv_str(f, &first, "last_ok", j->last_ok[0] ? j->last_ok : NULL);
	json_kv_str(f, &first, "host", j->host[0] ? j->host : NULL);
	json_kv_num(f, &first, "pid", (long long)j->pid);
	json_key(f, &first, "pid_gone");
	fputs(j->pid_gone ? "true" : "false", f);
	json_kv_str(f, &first, "message", j->message);
	json_key(f, &first, "counts");
	json_counts(f, j->counts, j->ncounts);
	fputc('}', f);
}

void status_print_json(const struct status *s, const struct config *cfg,
		       FILE *f)
{
	bool first = true, q = true;
	char now[32];

	iso_time(s->now_ms, now, sizeof(now));
	fputc('{', f);
	json_kv_str(f, &first, "time", now);
	json_key(f, &first, "ok");
	fputs(s->nattention ? "false" : "true", f);
	json_key(f, &first, "attention");
	fputc('[', f);
	for (unsigned i = 0; i < s->nattention; i++) {
		fputs(i ? "," : "", f);
		status_json_str(f, s->attention[i]);
	}
	fputc(']', f);
	json_kv_num(f, &first, "max_lag_seconds", (long long)s->max_lag_s);
	json_key(f, &first, "spool");
	json_spool(s, cfg, f);
	json_key(f, &first, "segments");
	fputc('{', f);
	json_kv_str(f, &q, "dir", cfg->common.data_dir);
	json_kv_str(f, &q, "error", s->data_err ? s->data_errmsg : NULL);
	json_kv_num(f, &q, "hours", (long long)s->seg_hours);
	json_kv_hour(f, &q, "first_hour", s->first_hour);
	json_kv_hour(f, &q, "newest_hour", s->newest_hour);
	fputc('}', f);
	json_key(f, &first, "analyze");
	json_analyze(s, f);
	json_key(f, &first, "mysql");
	q = true;
	fputc('{', f);
	json_key(f, &q, "reachable");
	fputs(s->mysql_ok ? "true" : "false", f);
	json_kv_str(f, &q, "error", s->mysql_ok ? NULL : s->mysql_err);
	fputc('}', f);
	json_key(f, &first, "quarantine");
	q = true;
	fputc('{', f);
	json_kv_str(f, &q, "dir", cfg->ingest.quarantine_dir);
	json_kv_str(f, &q, "error", s->quar_err && s->quar_err != ENOENT
					    ? strerror(s->quar_err) : NULL);
	json_kv_num(f, &q, "files", (long long)s->quar_files);
	json_kv_num(f, &q, "bytes", (long long)s->quar_bytes);
	json_kv_num(f, &q, "lines", (long long)s->quar_lines);
	json_key(f, &q, "complete");
	fputs(s->quar_partial ? "false" : "true", f);
	json_key(f, &q, "by_reason");
	json_counts(f, s->reasons, s->nreasons);
	fputc('}', f);
	json_key(f, &first, "serve");
	json_serve(s, cfg, f);
	json_key(f, &first, "cron");
	q = true;
	fputc('{', f);
	json_kv_str(f, &q, "status_dir", cfg->cron.status_dir);
	json_key(f, &q, "jobs");
	fputc('[', f);
	for (unsigned i = 0; i < s->njobs; i++) {
		fputs(i ? "," : "", f);
		json_job(&s->jobs[i], f);
	}
	fputs("]}", f);
	json_key(f, &first, "lists");
	fputc('[', f);
	for (unsigned i = 0; i < 3; i++) {
		const struct status_list *l = &s->lists[i];
		char when[32];

		q = true;
		fputs(i ? ",{" : "{", f);
		json_kv_str(f, &q, "name", l->name);
		json_kv_str(f, &q, "path", l->path);
		json_kv_str(f, &q, "error", l->err ? strerror(l->err) : NULL);
		json_kv_num(f, &q, "entries", (long long)l->entries);
		iso_time(l->as_of_ms, when, sizeof(when));
		json_kv_str(f, &q, "as_of", l->path[0] && !l->err ? when : NULL);
		json_kv_num(f, &q, "age_seconds", (long long)l->age_s);
		json_key(f, &q, "sources");
		fputc('[', f);
		for (unsigned k = 0; k < l->nsources; k++) {
			fputs(k ? "," : "", f);
			status_json_str(f, l->sources[k]);
		}
		fputs("]}", f);
	}
	fputs("]}\n", f);
}
