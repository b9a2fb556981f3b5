/* main.c - adlog-analyze: hourly segments -> activity rules -> rollups in
 * MariaDB (or TSV with --dry-run), the daily publisher scores, and an HTML
 * report.  Every hour is replaced whole in one transaction with the list of
 * segments it came from, so reruns and crashes never count twice. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "clock.h"
#include "config.h"
#include "daymarks.h"
#include "diag.h"
#include "hour.h"
#include "load.h"
#include "parse.h"
#include "report.h"
#include "rollup.h"

static const char usage[] =
	"usage: adlog-analyze [-c FILE] [--data DIR]\n"
	"                     (--pending | --hour YYYYMMDDHH | --day YYYYMMDD)\n"
	"                     [--force] [--dry-run] [--json] [--report FILE.html]\n"
	"                     [--events FILE]\n"
	"\n"
	"Judge each hour's events with the activity rules and replace its rows\n"
	"in MySQL (stats_hourly, invalid_hourly, analysed_hours) in one\n"
	"transaction.\n"
	"\n"
	"  -c FILE           config file (default $ADLOG_CONF or " CONF_PATH_DEFAULT ")\n"
	"  --data DIR        segments folder (default [common] data_dir)\n"
	"  --pending         every hour under DIR whose segments (names and\n"
	"                    checksums) or day marks differ from what MySQL\n"
	"                    says was analysed\n"
	"  --hour H          one hour; skipped when unchanged unless --force\n"
	"  --day D           judge day D over a rolling day (D and the 24 hours\n"
	"                    before: DATA/day/D.marks), replace the rows of\n"
	"                    D's hours not judged with these marks yet, then\n"
	"                    publisher scores (publisher_daily) and the daily\n"
	"                    rollup (stats_daily)\n"
	"  --force           analyse hours even when unchanged\n"
	"  --dry-run         print the rollups as TSV on stdout; no MySQL at all\n"
	"  --json            one JSON object per hour (and day) on stdout\n"
	"  --report FILE     write an HTML report of the hours (and day) analysed\n"
	"  --events FILE     one line per event judged (- for stdout):\n"
	"                    ID TYPE REASONS_HEX NAMES, tab-separated; with\n"
	"                    --hour an unchanged hour is judged (not reloaded)\n"
	"  --help, --version\n"
	"\n"
	"Exit status: 0 done, 1 a failure (MySQL, a bad segment), 2 bad usage,\n"
	"3 another run held the analyze lock for [analyze] lock_wait seconds.\n";

struct opts {
	const char *conf, *data, *report, *events;
	bool pending, dry_run, json, force;
	uint32_t hour, day;
};

/* --events: the names of the 32 reason bits, rendered once */
struct verdicts {
	FILE *f;
	char names[32][32];
	uint64_t lines;
};

struct run {
	struct opts o;
	struct verdicts vd;
	struct config cfg;
	const char *data;
	struct analyzer an;
	struct loader ld;
	bool connected;
	struct report_hour *rh;
	size_t nrh, rhcap;
	int failures;
	struct daymarks dm;         /* the marks of day dm_day, if any */
	uint32_t dm_day;            /* 0: none looked up yet */
	unsigned loaded;            /* hours loaded by this run */
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			exit(0);
		} else if (!strcmp(a, "--version")) {
			printf("adlog-analyze %s\n", ADLOG_VERSION);
			exit(0);
		} else if (!strcmp(a, "--pending")) {
			o->pending = true;
		} else if (!strcmp(a, "--dry-run")) {
			o->dry_run = true;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--force")) {
			o->force = true;
		} else if (!v) {
			diag_err("option '%s' needs a value", a);
			return -1;
		} else if (!strcmp(a, "-c")) {
			o->conf = v, i++;
		} else if (!strcmp(a, "--data")) {
			o->data = v, i++;
		} else if (!strcmp(a, "--report")) {
			o->report = v, i++;
		} else if (!strcmp(a, "--events")) {
			o->events = v, i++;
		} else if (!strcmp(a, "--hour")) {
			if (hour_parse(v, strlen(v), &o->hour)) {
				diag_err("bad hour '%s' (want YYYYMMDDHH)", v);
				return -1;
			}
			i++;
		} else if (!strcmp(a, "--day")) {
			char h[16];
			uint32_t x;

			snprintf(h, sizeof(h), "%s00", v);
			if (strlen(v) != 8 || hour_parse(h, strlen(h), &x)) {
				diag_err("bad day '%s' (want YYYYMMDD)", v);
				return -1;
			}
			o->day = x / 100;
			i++;
		} else {
			diag_err("unknown option '%s'", a);
			return -1;
		}
	}
	if ((o->pending ? 1 : 0) + (o->hour ? 1 : 0) + (o->day ? 1 : 0) != 1) {
		diag_err("give exactly one of --pending, --hour, --day");
		return -1;
	}
	return 0;
}

/* Peak resident memory so far, kB (VmHWM), 0 if unknown. */
static long peak_rss_kb(void)
{
	char line[256];
	long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmHWM:", 6)) {
			const char *p = line + 6;
			uint64_t v = 0;

			while (*p == ' ' || *p == '\t')
				p++;
			while (*p >= '0' && *p <= '9')
				v = v * 10 + (uint64_t)(*p++ - '0');
			kb = (long)v;
		}
	}
	fclose(f);
	return kb;
}

/* "name":count,... of the reason bits with events of either type. */
static void print_reasons(const uint64_t by[2][32])
{
	char name[32];
	bool first = true;

	for (unsigned b = 0; b < 32; b++) {
		uint64_t n = by[0][b] + by[1][b];

		if (!n)
			continue;
		printf("%s\"%s\":%llu", first ? "" : ",",
		       rollup_reason_name(b, name, sizeof(name)),
		       (unsigned long long)n);
		first = false;
	}
}

static void print_json_hour(const struct run *r, const struct hour_set *h,
			    const struct rollup *ru, const char *action,
			    int64_t ms, int64_t load_ms)
{
	printf("{\"hour\":\"%010u\",\"action\":\"%s\",\"segments\":%zu,"
	       "\"digest\":\"%s\"", h->hour, action, h->n, h->context);
	if (ru) {
		printf(",\"events\":%llu,\"impressions\":%llu,\"clicks\":%llu,"
		       "\"valid_impressions\":%llu,\"valid_clicks\":%llu,"
		       "\"stats_rows\":%zu,\"invalid_rows\":%zu,\"ms\":%lld,"
		       "\"lookback_ms\":%lld,\"passes_ms\":%lld,\"load_ms\":%lld,"
		       "\"warmed\":%llu,\"out_of_order\":%llu,\"copies\":%llu,"
		       "\"day_marks\":\"%s\",\"day_marked\":%llu,"
		       "\"lookback_hours\":%u,\"rules_bytes\":%zu,"
		       "\"sketch_bytes\":%zu,\"peak_rss_kb\":%ld,"
		       "\"invalid_by_reason\":{",
		       (unsigned long long)ru->events,
		       (unsigned long long)ru->imps,
		       (unsigned long long)ru->clicks,
		       (unsigned long long)ru->vimps,
		       (unsigned long long)ru->vclicks, ru->nrows, ru->ninv,
		       (long long)ms, (long long)r->an.ms_lookback,
		       (long long)r->an.ms_passes, (long long)load_ms,
		       (unsigned long long)r->an.warmed,
		       (unsigned long long)r->an.out_of_order,
		       (unsigned long long)ru->copies,
		       r->dm.day ? r->dm.digest : "",
		       (unsigned long long)r->an.day_marked,
		       r->an.lb.hours_scanned, rules_memory(&r->an.rules),
		       ru->hll_peak, peak_rss_kb());
		print_reasons(ru->by_first);
		/* every bit, also those behind an event's first reason */
		printf("},\"events_with_reason\":{");
		print_reasons(ru->by_bit);
		printf("}");
		if (load_ms)
			printf(",\"stats_written\":%zu,"
			       "\"load_phases_ms\":{\"delete\":%lld,\"stats\":%lld,"
			       "\"invalid\":%lld,\"rest\":%lld}",
			       r->ld.last.stats_written,
			       (long long)r->ld.last.delete_ms,
			       (long long)r->ld.last.stats_ms,
			       (long long)r->ld.last.invalid_ms,
			       (long long)r->ld.last.commit_ms);
	}
	printf("}\n");
	fflush(stdout);
}

static int keep_for_report(struct run *r, const struct rollup *ru)
{
	struct report_hour *x;

	if (!r->o.report)
		return 0;
	if (r->nrh == r->rhcap) {
		size_t c = r->rhcap ? r->rhcap * 2 : 32;
		void *p = realloc(r->rh, c * sizeof(*r->rh));

		if (!p)
			return -1;
		r->rh = p;
		r->rhcap = c;
	}
	x = &r->rh[r->nrh++];
	x->hour = ru->hour;
	x->imps = ru->imps;
	x->clicks = ru->clicks;
	x->vimps = ru->vimps;
	x->vclicks = ru->vclicks;
	memcpy(x->by_reason, ru->by_first, sizeof(x->by_reason));
	return 0;
}

/* analyzer_hour's per-event hook for --events:
 * ID<TAB>TYPE<TAB>REASONS_HEX<TAB>NAMES (docs/analyze.md). */
static int verdict_line(void *ctx, const struct segment_reader *r,
			const struct seg_record *rec, uint32_t reasons)
{
	static const char hex[] = "0123456789abcdef";
	struct verdicts *v = ctx;
	char line[32 + 32 * 32];
	size_t n = 0;

	(void)r;
	for (int i = 15; i >= 0; i--)
		line[n++] = hex[(rec->id >> (i * 4)) & 15];
	line[n++] = '\t';
	line[n++] = rec->type == EVENT_CLICK ? 'c' : 'i';
	line[n++] = '\t';
	for (int i = 7; i >= 0; i--)
		line[n++] = hex[(reasons >> (i * 4)) & 15];
	line[n++] = '\t';
	if (!reasons)
		line[n++] = '-';
	for (unsigned b = 0, k = 0; b < 32; b++) {
		if (!(reasons & (1u << b)))
			continue;
		size_t l = strlen(v->names[b]);

		if (k++)
			line[n++] = ',';
		memcpy(line + n, v->names[b], l);
		n += l;
	}
	line[n++] = '\n';
	v->lines++;
	return fwrite(line, 1, n, v->f) == n ? 0 : -1;
}

static int verdicts_open(struct run *r)
{
	struct verdicts *v = &r->vd;

	for (unsigned b = 0; b < 32; b++)
		rollup_reason_name(b, v->names[b], sizeof(v->names[b]));
	if (!strcmp(r->o.events, "-")) {
		v->f = stdout;
	} else if (!(v->f = fopen(r->o.events, "w"))) {
		diag_err("cannot open '%s': %s", r->o.events, strerror(errno));
		return -1;
	}
	r->an.on_event = verdict_line;
	r->an.on_event_ctx = v;
	return 0;
}

static int verdicts_close(struct run *r)
{
	struct verdicts *v = &r->vd;
	int bad = ferror(v->f);

	if (v->f != stdout)
		bad |= fclose(v->f);
	else
		bad |= fflush(v->f);
	if (bad) {
		diag_err("cannot write '%s'", r->o.events);
		return -1;
	}
	return 0;
}

/* Is the hour's bookkeeping row up to date with its segments and its
 * day's marks (*same)?  *unmarked: with its segments, and loaded without
 * day marks (so if the marks flag none of its events, its rows stand). */
static int unchanged(struct run *r, const struct hour_set *h, bool *same,
		     bool *unmarked)
{
	char digest[65], version[33], marks[33], err[512];
	bool found;
	int rc;

	*same = *unmarked = false;
	if (r->o.dry_run || r->o.force)
		return 0;
	rc = load_hour_state(&r->ld, h->hour, &found, digest, version, marks,
			     err, sizeof(err));
	if (rc) {
		diag_err("%s", err);
		return -1;
	}
	*unmarked = found && !strcmp(digest, h->context) &&
		    !strcmp(version, ADLOG_VERSION) && !*marks;
	*same = found && !strcmp(digest, h->context) &&
		!strcmp(version, ADLOG_VERSION) &&
		!strcmp(marks, r->dm.day ? r->dm.digest : "");
	return 0;
}

/* The day marks an hour of day applies: DATA/day/day.marks when the day
 * pass wrote it, else none.  Returns 0, or -1 (a damaged file). */
static int marks_for(struct run *r, uint32_t day)
{
	char err[512];

	if (r->dm_day == day)
		return 0;
	daymarks_release(&r->dm);
	r->an.marks = NULL;
	if (daymarks_load(&r->dm, r->data, day, err, sizeof(err)) < 0) {
		diag_err("%s", err);
		return -1;
	}
	r->dm_day = day;
	r->an.marks = r->dm.day ? &r->dm : NULL;
	return 0;
}

/* Analyse hour and load (or print) it.  Returns 0, 1 when the hour could
 * not be analysed (bad segment: go on with others), -1 on a MySQL failure
 * (stop). */
static int do_hour(struct run *r, uint32_t hour, bool must_exist,
		   bool need_events)
{
	struct hour_set h;
	struct rollup ru;
	char err[1024];
	bool same, unmarked;
	const char *action;
	int64_t t0 = clock_mono_ms(), ms, load_ms = 0;
	int rc = 1;

	if (hour_scan(&h, r->data, hour, err, sizeof(err))) {
		diag_err("%s", err);
		return 1;
	}
	if (h.n && hour_context(&h, r->data, err, sizeof(err))) {
		diag_err("%s", err);
		hour_release(&h);
		return 1;
	}
	if (!h.n) {
		if (must_exist)
			diag_err("no segments in '%s'", h.dir);
		hour_release(&h);
		return must_exist ? 1 : 0;
	}
	if (marks_for(r, hour / 100) || unchanged(r, &h, &same, &unmarked)) {
		hour_release(&h);
		return -1;
	}
	if (same && !need_events) {
		if (r->o.json)
			print_json_hour(r, &h, NULL, "unchanged", 0, 0);
		else if (!r->o.pending)
			fprintf(stderr, "analyze: hour %010u unchanged, skipped (--force to redo)\n",
				hour);
		hour_release(&h);
		return 0;
	}
	if (rollup_init(&ru, hour)) {
		diag_err("out of memory");
		hour_release(&h);
		return -1;
	}
	if (analyzer_hour(&r->an, &h, &ru, err, sizeof(err))) {
		diag_err("hour %010u: %s", hour, err);
		goto out_rollup;
	}
	if (r->o.dry_run) {
		if (!r->o.json && rollup_write_tsv(&ru, stdout)) {
			diag_err("cannot write to stdout: %s", strerror(errno));
			rc = -1;
			goto out_rollup;
		}
	} else if (!same && unmarked && !r->an.day_marked) {
		/* the day's marks leave the loaded rows as they are */
		if (load_hour_stamp(&r->ld, &h, r->dm.digest, err, sizeof(err))) {
			diag_err("hour %010u not stamped: %s", hour, err);
			rc = -1;
			goto out_rollup;
		}
	} else if (!same) {
		int64_t t1 = clock_mono_ms();

		rollup_money(&ru, load_price_fn, &r->ld);
		if (load_hour(&r->ld, &h, &ru, r->dm.day ? r->dm.digest : "",
			      t1 - t0, err, sizeof(err))) {
			diag_err("hour %010u not loaded: %s", hour, err);
			rc = -1;
			goto out_rollup;
		}
		load_ms = clock_mono_ms() - t1;
		r->loaded++;
	}
	ms = clock_mono_ms() - t0;
	action = r->o.dry_run ? "dry-run" : same ? "unchanged" :
		 unmarked && !r->an.day_marked ? "marks-applied" : "loaded";
	if (r->o.json)
		print_json_hour(r, &h, &ru, action, ms, load_ms);
	else
		fprintf(stderr, "analyze: hour %010u: %llu events (%llu invalid) "
			"from %zu segments, %zu + %zu rows%s%s, %lld ms\n", hour,
			(unsigned long long)ru.events,
			(unsigned long long)(ru.events - ru.vimps - ru.vclicks),
			h.n, ru.nrows, ru.ninv, r->o.dry_run ? "" : " ",
			r->o.dry_run ? "" : action, (long long)ms);
	if (keep_for_report(r, &ru)) {
		diag_err("out of memory");
		rc = -1;
		goto out_rollup;
	}
	rc = 0;
out_rollup:
	rollup_release(&ru);
	hour_release(&h);
	return rc;
}

static int do_pending(struct run *r)
{
	uint32_t *hours;
	char err[512];
	long n = hour_list(r->data, &hours, err, sizeof(err));
	int rc = 0;

	if (n < 0) {
		diag_err("%s", err);
		return 1;
	}
	for (long i = 0; i < n; i++) {
		int e = do_hour(r, hours[i], false, false);

		if (e < 0) {
			rc = -1;
			break;
		}
		if (e > 0)
			rc = 1;
	}
	free(hours);
	return rc;
}

/* The day pass's marks of r->o.day into r->dm: read again when the file's
 * digest is the window's (a rerun, after a crash), else computed and
 * written (not with --dry-run).  Returns 0 or -1. */
static int day_marks(struct run *r, int64_t *ms, bool *reused)
{
	struct daymarks_params p = daymarks_params_of(&r->an.rp);
	char digest[DAYMARKS_DIGEST_HEX + 1], err[1024];
	int64_t t0 = clock_mono_ms();

	*reused = false;
	if (daymarks_digest(r->data, r->o.day, &p, digest, err, sizeof(err))) {
		diag_err("%s", err);
		return -1;
	}
	if (marks_for(r, r->o.day))
		return -1;
	if (r->dm.day && !strcmp(r->dm.digest, digest)) {
		*reused = true;
		*ms = clock_mono_ms() - t0;
		return 0;
	}
	daymarks_release(&r->dm);
	r->an.marks = NULL;
	r->dm_day = 0;
	if (daymarks_compute(&r->dm, r->data, r->o.day, &p, err, sizeof(err)) ||
	    (!r->o.dry_run && daymarks_save(&r->dm, r->data, err, sizeof(err)))) {
		diag_err("day %08u: %s", r->o.day, err);
		return -1;
	}
	r->dm_day = r->o.day;
	r->an.marks = &r->dm;
	*ms = clock_mono_ms() - t0;
	return 0;
}

/* A test's crash point (docs/analyze.md): ADLOG_TEST_DAY_KILL_AFTER=K
 * makes the day pass kill itself (SIGKILL) once it has loaded K hours. */
static void day_test_kill(const struct run *r, unsigned before)
{
	const char *k = getenv("ADLOG_TEST_DAY_KILL_AFTER");
	uint64_t v;

	if (k && *k && !parse_u64(k, strlen(k), &v) && r->loaded - before >= v)
		raise(SIGKILL);
}

/* ,"spread_NAME":{...}: the day's spread of one test between publishers
 * (its median and SD beyond sampling, on its log scale). */
static void spread_json(const char *name, const struct pub_spread *s)
{
	printf(",\"spread_%s\":{\"tested\":%zu", name, s->n);
	if (s->n)
		printf(",\"mu\":%.4f,\"tau\":%.4f", s->mu, s->tau);
	printf("}");
}

static int do_day(struct run *r)
{
	struct pubscore ps;
	struct pubscore_params pp;
	struct pub_result *res = NULL;
	struct pub_spreads sp = { { 0, 0, 0 }, { 0, 0, 0 } };
	size_t nres = 0;
	char err[1024];
	int rc = 0;
	int64_t marks_ms = 0;
	bool reused;
	unsigned before = r->loaded;

	if (day_marks(r, &marks_ms, &reused))
		return -1;
	if (r->o.json)
		printf("{\"day\":\"%08u\",\"action\":\"marks\",\"marks\":\"%s\","
		       "\"reused\":%s,\"events\":%llu,\"keys\":%llu,"
		       "\"tested\":%llu,\"tests\":%llu,\"addrs_marked\":%llu,"
		       "\"uids_marked\":%llu,\"parts_marked\":%llu,"
		       "\"addrs_split\":%llu,\"keys_narrowed\":%llu,"
		       "\"nets_tested\":%llu,\"nets_marked\":%llu,"
		       "\"addrs_by_net\":%llu,\"fast_tested\":%llu,"
		       "\"fast_marked\":%llu,\"shot_tested\":%llu,"
		       "\"shot_pubs\":%llu,\"shot_addrs\":%llu,\"ms\":%lld,"
		       "\"peak_rss_kb\":%ld}\n",
		       r->o.day, r->dm.digest, reused ? "true" : "false",
		       (unsigned long long)r->dm.events,
		       (unsigned long long)r->dm.keys,
		       (unsigned long long)r->dm.tested,
		       (unsigned long long)r->dm.tests,
		       (unsigned long long)r->dm.addrs_marked,
		       (unsigned long long)r->dm.uids_marked,
		       (unsigned long long)r->dm.parts_marked,
		       (unsigned long long)r->dm.addrs_split,
		       (unsigned long long)r->dm.keys_narrowed,
		       (unsigned long long)r->dm.nets_tested,
		       (unsigned long long)r->dm.nets_marked,
		       (unsigned long long)r->dm.addrs_by_net,
		       (unsigned long long)r->dm.fast_tested,
		       (unsigned long long)r->dm.fast_marked,
		       (unsigned long long)r->dm.shot.tested,
		       (unsigned long long)r->dm.shot.pubs_marked,
		       (unsigned long long)r->dm.shot.addrs_marked,
		       (long long)marks_ms, peak_rss_kb());
	else
		fprintf(stderr, "analyze: day %08u: marks %s%s: %zu keys marked "
			"(%llu tested), %lld ms\n", r->o.day, r->dm.digest,
			reused ? " (read again)" : "", r->dm.n,
			(unsigned long long)r->dm.tested, (long long)marks_ms);
	pubscore_params_from_config(&pp, &r->cfg);
	if (pubscore_init(&ps, &pp)) {
		diag_err("out of memory");
		return -1;
	}
	/* every hour of the day feeds the scores; changed hours are loaded */
	r->an.ps = &ps;
	for (unsigned hh = 0; hh < 24; hh++) {
		int e = do_hour(r, r->o.day * 100 + hh, false, true);

		if (e < 0) {
			rc = -1;
			goto out_ps;
		}
		if (e > 0)
			rc = 1;
		day_test_kill(r, before);
	}
	r->an.ps = NULL;
	if (rc)
		goto out_ps;
	if (pubscore_finish_spread(&ps, &res, &nres, &sp)) {
		diag_err("out of memory");
		rc = -1;
		goto out_ps;
	}
	if (r->o.dry_run && !r->o.json) {
		for (size_t i = 0; i < nres; i++) {
			char ev[1024], suf[1024];

			printf("publisher\t%08u\t%u\t%llu\t%llu\t%llu\t%llu\t%.6f\t%d\t",
			       r->o.day, res[i].pub,
			       (unsigned long long)res[i].imps,
			       (unsigned long long)res[i].clicks,
			       (unsigned long long)res[i].valid_imps,
			       (unsigned long long)res[i].valid_clicks,
			       res[i].score, res[i].fired != 0);
			for (unsigned b = 0, k = 0; b < PUB_R__COUNT; b++)
				if (res[i].fired & (1u << b))
					printf("%s%s", k++ ? "," : "",
					       pub_reason_name(b));
			pubscore_evidence_text(&res[i], ev, sizeof(ev));
			pubscore_suffered_text(&res[i], suf, sizeof(suf));
			printf("\t%s\t%s\n", ev, suf);
		}
	} else if (!r->o.dry_run) {
		if (load_day(&r->ld, r->o.day, res, nres, err, sizeof(err))) {
			diag_err("day %08u not loaded: %s", r->o.day, err);
			rc = -1;
			goto out_ps;
		}
	}
	if (r->o.json) {
		size_t flagged = 0;

		for (size_t i = 0; i < nres; i++)
			flagged += res[i].fired != 0;
		printf("{\"day\":\"%08u\",\"action\":\"%s\",\"publishers\":%zu,"
		       "\"flagged\":%zu", r->o.day,
		       r->o.dry_run ? "dry-run" : "loaded", nres, flagged);
		spread_json("ctr", &sp.ctr);
		spread_json("cookieless", &sp.cookieless);
		printf("}\n");
	} else {
		fprintf(stderr, "analyze: day %08u: %zu publishers scored%s\n",
			r->o.day, nres, r->o.dry_run ? "" : ", loaded");
	}
	if (r->o.report) {
		char title[64];

		snprintf(title, sizeof(title), "adlog day %04u-%02u-%02u",
			 r->o.day / 10000, r->o.day / 100 % 100, r->o.day % 100);
		/* names: the inventory file serve reads (as the domains), or
		 * the publishers table when there is none */
		struct report_names names = { analyzer_pub_name, &r->an };

		if (!r->an.inv && r->connected) {
			names.fn = load_pub_name;
			names.ctx = &r->ld;
		}

		struct report_day day = { res, nres, sp };

		if (report_write(r->o.report, title, r->rh, r->nrh, &day,
				 &names, err, sizeof(err))) {
			diag_err("%s", err);
			rc = 1;
		}
	}
out_ps:
	r->an.ps = NULL;
	free(res);
	pubscore_release(&ps);
	return rc;
}

int main(int argc, char **argv)
{
	static struct run r;    /* the rules keep pointers into it */
	char err[1024];
	int rc;

	diag_init("analyze");
	if (parse_args(argc, argv, &r.o)) {
		fputs(usage, stderr);
		return 2;
	}
	if (config_load(&r.cfg, config_path(r.o.conf), r.o.conf == NULL, err,
			sizeof(err))) {
		diag_err("%s", err);
		return 2;
	}
	r.data = r.o.data ? r.o.data : r.cfg.common.data_dir;
	if (!r.o.dry_run) {
		const struct config_mysql *m = &r.cfg.mysql;

		if (load_connect(&r.ld, &r.cfg, err, sizeof(err))) {
			if (*m->socket || !strcmp(m->host, "localhost"))
				diag_err("cannot connect to MySQL at %s: %s",
					 *m->socket ? m->socket : "the default socket",
					 err);
			else
				diag_err("cannot connect to MySQL at %s:%lld: %s",
					 m->host, (long long)m->port, err);
			return 1;
		}
		r.connected = true;
		rc = load_lock(&r.ld, r.cfg.analyze.lock_wait, err, sizeof(err));
		if (rc) {
			diag_err("%s", err);
			load_close(&r.ld);
			return rc == LOAD_BUSY ? 3 : 1;
		}
		if (load_inventory(&r.ld, err, sizeof(err))) {
			diag_err("cannot read the inventory: %s", err);
			load_close(&r.ld);
			return 1;
		}
	}
	if (analyzer_init(&r.an, &r.cfg, r.data, err, sizeof(err))) {
		diag_err("%s", err);
		rc = 1;
		goto out_close;
	}
	/* the domains serve grants: the same file in a loaded and a dry run */
	rc = analyzer_domains_file(&r.an, r.cfg.serve.inventory, err,
				   sizeof(err));
	if (rc > 0) {
		diag_err("warning: %s", err);
	} else if (rc < 0) {
		diag_err("cannot read the inventory: %s", err);
		rc = 1;
		goto out_release;
	}
	rc = 0;
	if (r.o.events && verdicts_open(&r)) {
		rc = 1;
		goto out_release;
	}
	if (r.o.pending) {
		rc = do_pending(&r);
	} else if (r.o.hour) {
		/* --events judges the hour even when it is loaded already */
		rc = do_hour(&r, r.o.hour, true, r.o.events != NULL);
	} else {
		rc = do_day(&r);
	}
	if (rc >= 0 && r.o.report && !r.o.day) {
		if (report_write(r.o.report, "adlog hours", r.rh, r.nrh, NULL,
				 NULL, err, sizeof(err))) {
			diag_err("%s", err);
			rc = 1;
		}
	}
	if (r.o.events && verdicts_close(&r) && rc == 0)
		rc = 1;
out_release:
	daymarks_release(&r.dm);
	analyzer_release(&r.an);
out_close:
	free(r.rh);
	if (r.connected)
		load_close(&r.ld);
	return rc == 0 ? 0 : 1;
}
