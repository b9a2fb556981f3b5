/* main.c - adlog-eval: how well the anti-cheating rules do on adlog-gen's
 * labelled traffic.  Reads the label side file (adlog-gen --labels), the
 * segments ingest wrote, judges every hour with analyze's own code path
 * (analyzer_hour, each event's verdict taken from its per-event hook, the
 * one adlog-analyze --events writes), scores publishers with pubscore,
 * scores the same events
 * with Revive Adserver's floor, and prints the figures as markdown
 * (docs/rules.md, "Measured on labelled traffic"). */
#define _GNU_SOURCE     /* strcasestr */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uthash.h>

#include "config.h"
#include "diag.h"
#include "parse.h"
#include "segment.h"
#include "cidr.h"
#include "hourdir.h"
#include "inventory.h"
#include "utchour.h"
#include "../analyze/analyzer.h"
#include "../gen/gen.h"
#include "labels.h"

static const char usage[] =
"usage: adlog-eval --data DIR --labels FILE [options]\n"
"\n"
"Judge the segments under DIR with analyze's rules and publisher scores,\n"
"and with Revive Adserver's floor, against adlog-gen's labels; print the\n"
"figures as markdown.\n"
"\n"
"  -c FILE            config file for the rule thresholds (default\n"
"                     $ADLOG_CONF or /etc/adlog/adlog.conf; missing: defaults)\n"
"  --data DIR         segments folder (ingest --data)\n"
"  --labels FILE      adlog-gen --labels output\n"
"  --inventory FILE   publishers' domains for the referer test\n"
"  --datacenters FILE the baseline's address list (data/datacenters.txt)\n"
"  --name TEXT        title of the run (e.g. \"seed 1\")\n"
"  --summary FILE     append one markdown row of the headline figures\n"
"  --curve FILE       append one line per family: run, family, class,\n"
"                     events a day, events, events caught (TSV)\n"
"  --ranks FILE       append one line per fraudulent publisher with fraud\n"
"                     in the run: run, family, its fraudulent events a\n"
"                     day, 1 when it scores above every honest one (TSV)\n"
"  --html FILE        also write the report as a small HTML file\n"
"  --help, --version\n";

/* Flat prices, since generated campaigns have none: CPM $2, CPC $0.50. */
#define CPM_MICROS 2000000ull
#define CPC_MICROS 500000ull
/* The baseline's click window per visitor and ad, kept in the cookie. */
#define REVIVE_CLICK_WINDOW_MS 60000

/* ---- Revive Adserver's floor ---- */

/* Substrings of user agents, case-insensitive, as an operator fills
 * Revive's "ignore user agents" setting from the usual crawler lists. */
static const char *const revive_uas[] = {
	"bot", "crawl", "spider", "slurp", "curl", "wget", "python",
	"java/", "libwww", "httpclient", "go-http", "okhttp", "headless",
};

struct click_slot {
	uint64_t key;            /* uid and ad */
	int64_t ts;
	UT_hash_handle hh;
};

struct revive {
	struct cidr_table dc;
	struct click_slot *clicks;
};

static bool revive_filters(struct revive *rv, const struct seg_record *rec,
			   struct span ua)
{
	char buf[1024];
	size_t n = ua.len < sizeof(buf) - 1 ? ua.len : sizeof(buf) - 1;

	memcpy(buf, ua.ptr, n);
	buf[n] = 0;
	for (size_t i = 0; i < sizeof(revive_uas) / sizeof(revive_uas[0]); i++)
		if (strcasestr(buf, revive_uas[i]))
			return true;
	struct event_addr a;
	segment_record_addr(rec, &a);
	if (cidr_contains(&rv->dc, &a))
		return true;
	/* the window lives in the cookie: a fresh or missing one has none */
	if (rec->type != 'c' || !rec->has_uid || (rec->flags & EVENT_F_UID_NEW))
		return false;
	uint64_t key;
	memcpy(&key, rec->uid, 8);
	key ^= (uint64_t)rec->ad * 0x9e3779b97f4a7c15ull;
	struct click_slot *s;
	HASH_FIND(hh, rv->clicks, &key, sizeof(key), s);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return false;
		s->key = key;
		s->ts = rec->ts_ms;
		HASH_ADD(hh, rv->clicks, key, sizeof(key), s);
		return false;
	}
	bool within = rec->ts_ms - s->ts < REVIVE_CLICK_WINDOW_MS;
	s->ts = rec->ts_ms;
	return within;
}

/* ---- the tallies ---- */

struct tally {
	uint64_t ev[LABELS_MAX][2];                /* [label][imp, click] */
	uint64_t caught[LABELS_MAX][2];
	uint64_t base[LABELS_MAX][2];
	uint64_t bit[LABELS_MAX][32];              /* events with bit set */
	uint64_t spend_caught, spend_invalid, spend_base;
	uint64_t prefetch, prefetch_caught;        /* valid, HEAD or prefetch */
	uint64_t unlabelled_missing;
};

static uint64_t price(const struct seg_record *rec)
{
	return rec->type == 'c' ? CPC_MICROS : CPM_MICROS / 1000;
}

static void tally_event(struct tally *t, struct labels *L, struct revive *rv,
			const struct seg_record *rec, struct span ua,
			unsigned label, uint32_t reasons)
{
	int c = rec->type == 'c';
	bool fraud = labels_fraud(L, label);
	bool base = revive_filters(rv, rec, ua);

	/* a prefetch or HEAD request is not a view: ingest flags it on
	 * purpose, so it is counted apart, not as a person wrongly filtered */
	if (label == GEN_LABEL_VALID &&
	    (rec->flags & (EVENT_F_HEAD | EVENT_F_PREFETCH))) {
		t->prefetch++;
		t->prefetch_caught += reasons != 0;
		return;
	}
	t->ev[label][c]++;
	t->caught[label][c] += reasons != 0;
	t->base[label][c] += base;
	for (unsigned b = 0; b < 32; b++)
		if (reasons & (1u << b))
			t->bit[label][b]++;
	if (fraud) {
		/* a publisher's fraud is its own family's events on it */
		for (size_t j = 0; j < L->npubs; j++)
			L->pub_fraud[j] += L->pubs[j] == rec->pub &&
					   L->pub_label[j] == label;
		t->spend_invalid += price(rec);
		t->spend_caught += reasons ? price(rec) : 0;
		t->spend_base += base ? price(rec) : 0;
	}
}

/* ---- one hour: analyzer_hour's own verdicts, event by event ---- */

struct evalrun {
	struct analyzer an;
	struct pubscore ps;
	struct labels L;
	struct revive rv;
	struct tally t;
	uint64_t invalid;           /* of the hour, told by the hook */
	long hours;                 /* hours of data judged */
	struct daymarks dm;         /* the day pass's marks of dm.day */
};

/* analyzer_hour's per-event hook: the verdict analyze bills by. */
static int eval_event(void *ctx, const struct segment_reader *r,
		      const struct seg_record *rec, uint32_t reasons)
{
	struct evalrun *e = ctx;
	struct span ua = { "", 0 };

	if (rec->ua != SEG_NO_STRING)
		segment_string_get(r, rec->ua, &ua);
	tally_event(&e->t, &e->L, &e->rv, rec, ua, labels_of(&e->L, rec->id),
		    reasons);
	e->invalid += reasons != 0;
	return 0;
}

/* The marks adlog-analyze --day would apply to the hours of day: the
 * figures are those of final hours (docs/analysts.md). */
static int eval_marks(struct evalrun *e, const char *data, uint32_t day)
{
	struct daymarks_params dp = daymarks_params_of(&e->an.rp);
	char err[1024];

	if (e->dm.day == day)
		return 0;
	daymarks_release(&e->dm);
	e->an.marks = NULL;
	if (daymarks_compute(&e->dm, data, day, &dp, err, sizeof(err))) {
		diag_err("%s", err);
		return -1;
	}
	e->an.marks = &e->dm;
	return 0;
}

static int eval_hour(struct evalrun *e, const char *data, uint32_t hour)
{
	struct analyzer *a = &e->an;
	struct hour_set h;
	struct rollup ro;
	char err[1024];
	int rc;

	if (eval_marks(e, data, hour / 100))
		return -1;

	if (rollup_init(&ro, hour) ||
	    hour_scan(&h, data, hour, err, sizeof(err))) {
		diag_err("cannot set up hour %010u", hour);
		return -1;
	}
	e->invalid = 0;
	a->ps = &e->ps;
	a->on_event = eval_event;
	a->on_event_ctx = e;
	rc = analyzer_hour(a, &h, &ro, err, sizeof(err));
	a->ps = NULL;
	a->on_event = NULL;
	if (rc)
		diag_err("%s", err);
	else if (ro.events - ro.vimps - ro.vclicks != e->invalid) {
		diag_err("hour %010u: the rollup counts %llu invalid events, "
			 "the verdicts %llu", hour,
			 (unsigned long long)(ro.events - ro.vimps - ro.vclicks),
			 (unsigned long long)e->invalid);
		rc = -1;
	}
	hour_release(&h);
	rollup_release(&ro);
	return rc;
}

/* ---- the report ---- */

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

static const char *class_name(const struct labels *L, unsigned l)
{
	static const char *const n[] = { "valid", "GIVT", "SIVT", "trap" };

	return n[L->cls[l]];
}

struct figures {
	double givt_min, sivt_min, vclick_fp, vimp_fp, trap_max;
	double b_givt_min, b_sivt_min, b_vclick_fp, b_vimp_fp, b_trap_max;
	int pubs_ok, pubs_total, pubs_listed;
	double auc;                 /* -1: no fraudulent or no honest one */
};

static bool pub_fraudulent(const struct labels *L, uint32_t pub, size_t *j)
{
	for (size_t k = 0; k < L->npubs; k++)
		if (L->pubs[k] == pub) {
			if (j)
				*j = k;
			return true;
		}
	return false;
}

/* The best honest score of the run and its rank (*rank, 1-based; 0 when
 * no honest publisher scores above 0). */
static double honest_best(const struct labels *L,
			  const struct pub_result *res, size_t nres,
			  size_t *rank)
{
	double best = 0;

	*rank = 0;
	for (size_t i = 0; i < nres; i++)
		if (!pub_fraudulent(L, res[i].pub, NULL) &&
		    res[i].score > best) {
			best = res[i].score;
			*rank = i + 1;
		}
	return best;
}

/* pub's rank among res (1-based), 0 when it has no score. */
static size_t pub_rank(const struct pub_result *res, size_t nres,
		       uint32_t pub)
{
	for (size_t i = 0; i < nres; i++)
		if (res[i].pub == pub)
			return i + 1;
	return 0;
}

/* ROC AUC over publishers: the chance that a fraudulent publisher with
 * fraud in the data scores above an honest one (ties count half). */
static double pub_auc(const struct labels *L, const struct pub_result *res,
		      size_t nres)
{
	double above = 0, pairs = 0;
	size_t j;

	for (size_t i = 0; i < nres; i++) {
		if (!pub_fraudulent(L, res[i].pub, &j) || !L->pub_fraud[j])
			continue;
		for (size_t k = 0; k < nres; k++) {
			if (pub_fraudulent(L, res[k].pub, NULL))
				continue;
			pairs++;
			above += res[i].score > res[k].score ? 1 :
				 res[i].score == res[k].score ? 0.5 : 0;
		}
	}
	return pairs ? above / pairs : -1;
}

static void report(FILE *f, struct evalrun *e, const char *name,
		   struct pub_result *res, size_t nres, struct figures *fg)
{
	struct tally *t = &e->t;
	struct labels *L = &e->L;
	char rb[32];

	fprintf(f, "### %s\n\n", name);
	fprintf(f, "| scenario | class | events (imps/clicks) | events a day | adlog caught %% | baseline caught %% | by rules (events with each bit) |\n");
	fprintf(f, "|---|---|---|---|---|---|---|\n");
	fg->givt_min = fg->sivt_min = fg->b_givt_min = fg->b_sivt_min = 100;
	fg->trap_max = fg->b_trap_max = 0;
	for (unsigned l = 1; l < L->nlabels; l++) {
		uint64_t n = t->ev[l][0] + t->ev[l][1];
		uint64_t c = t->caught[l][0] + t->caught[l][1];
		uint64_t b = t->base[l][0] + t->base[l][1];
		double p = pct(c, n), pb = pct(b, n);
		/* a trap's budget is 0.1%: two decimals */
		int dec = L->cls[l] == GEN_CLASS_TRAP ? 2 : 1;

		if (!labels_shown(L, l))
			continue;
		if (!n) {
			fprintf(f, "| %s | %s | 0 | 0 | - | - | (none this run) |\n",
				L->names[l], class_name(L, l));
			continue;
		}
		fprintf(f, "| %s | %s | %llu (%llu/%llu) | %.0f | %.*f | %.*f | ",
			L->names[l], class_name(L, l), (unsigned long long)n,
			(unsigned long long)t->ev[l][0],
			(unsigned long long)t->ev[l][1],
			(double)n * 24 / (double)e->hours, dec, p, dec, pb);
		for (unsigned bit = 0, k = 0; bit < 32; bit++)
			if (L->cls[l] == GEN_CLASS_TRAP && t->bit[l][bit])
				/* a trap's few: which rule, as the valid rows */
				fprintf(f, "%s%s %llu", k++ ? ", " : "",
					rollup_reason_name(bit, rb, sizeof(rb)),
					(unsigned long long)t->bit[l][bit]);
			else if (t->bit[l][bit] * 100 >= n)   /* bits on >= 1% */
				fprintf(f, "%s%s %.0f%%", k++ ? ", " : "",
					rollup_reason_name(bit, rb, sizeof(rb)),
					pct(t->bit[l][bit], n));
		fprintf(f, " |\n");
		switch (L->cls[l]) {
		case GEN_CLASS_GIVT:
			fg->givt_min = p < fg->givt_min ? p : fg->givt_min;
			fg->b_givt_min = pb < fg->b_givt_min ? pb : fg->b_givt_min;
			break;
		case GEN_CLASS_SIVT:
			fg->sivt_min = p < fg->sivt_min ? p : fg->sivt_min;
			fg->b_sivt_min = pb < fg->b_sivt_min ? pb : fg->b_sivt_min;
			break;
		case GEN_CLASS_TRAP:
			fg->trap_max = p > fg->trap_max ? p : fg->trap_max;
			fg->b_trap_max = pb > fg->b_trap_max ? pb : fg->b_trap_max;
			break;
		default:
			break;
		}
	}
	fg->vimp_fp = pct(t->caught[0][0], t->ev[0][0]);
	fg->vclick_fp = pct(t->caught[0][1], t->ev[0][1]);
	fg->b_vimp_fp = pct(t->base[0][0], t->ev[0][0]);
	fg->b_vclick_fp = pct(t->base[0][1], t->ev[0][1]);
	fprintf(f, "| valid impressions wrongly filtered | valid | %llu | | %.3f | %.3f | ",
		(unsigned long long)t->ev[0][0], fg->vimp_fp, fg->b_vimp_fp);
	for (unsigned bit = 0, k = 0; bit < 32; bit++)
		if (t->bit[0][bit])
			fprintf(f, "%s%s %llu", k++ ? ", " : "",
				rollup_reason_name(bit, rb, sizeof(rb)),
				(unsigned long long)t->bit[0][bit]);
	fprintf(f, " |\n| valid clicks wrongly filtered | valid | %llu | | %.3f | %.3f | (events of both types above) |\n",
		(unsigned long long)t->ev[0][1], fg->vclick_fp, fg->b_vclick_fp);
	fprintf(f, "| prefetches and HEAD requests (not views, not counted above) | valid | %llu | | %.1f | - | prefetch |\n\n",
		(unsigned long long)t->prefetch, pct(t->prefetch_caught, t->prefetch));

	fprintf(f, "| rule | events flagged | precision %% (flagged that are GIVT/SIVT) |\n|---|---|---|\n");
	for (unsigned bit = 0; bit < 32; bit++) {
		uint64_t all = 0, fraud = 0;

		for (unsigned l = 0; l < L->nlabels; l++) {
			all += t->bit[l][bit];
			if (labels_fraud(L, l))
				fraud += t->bit[l][bit];
		}
		if (all)
			fprintf(f, "| %s | %llu | %.1f |\n",
				rollup_reason_name(bit, rb, sizeof(rb)),
				(unsigned long long)all, pct(fraud, all));
	}
	uint64_t ball = 0, bfraud = 0;
	for (unsigned l = 0; l < L->nlabels; l++) {
		uint64_t b = t->base[l][0] + t->base[l][1];

		ball += b;
		if (labels_fraud(L, l))
			bfraud += b;
	}
	fprintf(f, "| baseline (Revive floor, all filters) | %llu | %.1f |\n\n",
		(unsigned long long)ball, pct(bfraud, ball));
	fprintf(f, "Advertiser spend on invalid events (flat CPM $2, CPC $0.50): "
		"$%.2f in all; adlog caught $%.2f (%.1f%%), baseline $%.2f (%.1f%%).\n\n",
		(double)t->spend_invalid / 1e6, (double)t->spend_caught / 1e6,
		pct(t->spend_caught, t->spend_invalid),
		(double)t->spend_base / 1e6, pct(t->spend_base, t->spend_invalid));

	/* publishers: fraudulent ones must all score above every honest one */
	size_t honest_rank;
	double honest_max = honest_best(L, res, nres, &honest_rank);
	char why[256] = "";
	if (honest_rank) {
		const struct pub_result *h = &res[honest_rank - 1];

		/* the evidence its score rests on, strongest first */
		if (!pubscore_evidence_text(h, why, sizeof(why)))
			snprintf(why, sizeof(why), "no test at evidence 1");
	}
	if (honest_rank)
		fprintf(f, "| fraudulent publisher | scenario | its fraudulent events | pubscore | rank of %zu | above every honest one (best honest: rank %zu, score %.3f: %s) | baseline |\n|---|---|---|---|---|---|---|\n",
			nres, honest_rank, honest_max, why);
	else
		fprintf(f, "| fraudulent publisher | scenario | its fraudulent events | pubscore | rank of %zu | above every honest one (every honest one scores 0) | baseline |\n|---|---|---|---|---|---|---|\n",
			nres);
	fg->pubs_ok = fg->pubs_total = 0;
	fg->pubs_listed = (int)L->npubs;
	for (size_t j = 0; j < L->npubs; j++) {
		size_t rank = pub_rank(res, nres, L->pubs[j]);
		double score = rank ? res[rank - 1].score : 0;
		char ev[256] = "";

		if (rank)
			pubscore_evidence_text(&res[rank - 1], ev, sizeof(ev));
		bool ok = rank && score > honest_max;
		/* a publisher whose family wrote nothing this run is listed,
		 * not counted */
		if (L->pub_fraud[j]) {
			fg->pubs_total++;
			fg->pubs_ok += ok;
		}
		fprintf(f, "| %u | %s | %llu | %.3f%s%s%s | %zu | %s | no publisher ranking |\n",
			L->pubs[j], L->names[L->pub_label[j]],
			(unsigned long long)L->pub_fraud[j], score,
			*ev ? " (" : "", ev, *ev ? ")" : "", rank,
			!L->pub_fraud[j] ? "(no fraud this run)" :
			ok ? "yes" : "NO");
	}
	fg->auc = pub_auc(L, res, nres);
	if (fg->auc >= 0)
		fprintf(f, "\nPublisher ranking: %d of %d fraudulent publishers with fraud in the data above every honest one; ROC AUC over publishers %.3f.\n\n",
			fg->pubs_ok, fg->pubs_total, fg->auc);
	else
		fprintf(f, "\nPublisher ranking: no fraudulent publisher with fraud in the data.\n\n");
}

static void summary_row(FILE *f, const char *name, const struct figures *g)
{
	char auc[16] = "-";

	if (g->auc >= 0)
		snprintf(auc, sizeof(auc), "%.3f", g->auc);
	fprintf(f, "| %s | %.1f (%.1f) | %.1f (%.1f) | %.2f (%.2f) | %.2f (%.2f) | %.2f (%.2f) | %d of %d | %s |\n",
		name, g->givt_min, g->b_givt_min, g->sivt_min, g->b_sivt_min,
		g->vclick_fp, g->b_vclick_fp, g->vimp_fp, g->b_vimp_fp,
		g->trap_max, g->b_trap_max, g->pubs_ok, g->pubs_total, auc);
}

/* One line per family for the intensity curve (scripts/eval.sh). */
static void curve_lines(FILE *f, const struct evalrun *e, const char *name)
{
	const struct tally *t = &e->t;
	static const char *const cn[] = { "valid", "GIVT", "SIVT", "trap" };

	for (unsigned l = 1; l < e->L.nlabels; l++) {
		uint64_t n = t->ev[l][0] + t->ev[l][1];

		if (!labels_shown(&e->L, l))
			continue;
		fprintf(f, "%s\t%s\t%s\t%.1f\t%llu\t%llu\n", name,
			e->L.names[l], cn[e->L.cls[l]],
			(double)n * 24 / (double)e->hours,
			(unsigned long long)n,
			(unsigned long long)(t->caught[l][0] + t->caught[l][1]));
	}
}

/* One line per fraudulent publisher with fraud in the run, for the
 * ranking against intensity (scripts/eval.sh). */
static void rank_lines(FILE *f, const struct evalrun *e, const char *name,
		       const struct pub_result *res, size_t nres)
{
	const struct labels *L = &e->L;
	size_t hr;
	double best = honest_best(L, res, nres, &hr);

	for (size_t j = 0; j < L->npubs; j++) {
		size_t rank = pub_rank(res, nres, L->pubs[j]);

		if (!L->pub_fraud[j])
			continue;
		fprintf(f, "%s\t%s\t%.1f\t%d\n", name,
			L->names[L->pub_label[j]],
			(double)L->pub_fraud[j] * 24 / (double)e->hours,
			rank && res[rank - 1].score > best);
	}
}

/* path opened to append; NULL (told, *rc 1) when it cannot be. */
static FILE *append_open(const char *path, int *rc)
{
	FILE *f = fopen(path, "a");

	if (!f) {
		diag_err("cannot open '%s': %s", path, strerror(errno));
		*rc = 1;
	}
	return f;
}

static int html_write(const char *path, const char *md)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs("<!doctype html><meta charset=utf-8><title>adlog eval</title>"
	      "<pre>\n", f);
	for (const char *p = md; *p; p++) {
		if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '&')
			fputs("&amp;", f);
		else
			fputc(*p, f);
	}
	fputs("</pre>\n", f);
	return fclose(f) ? -1 : 0;
}

int main(int argc, char **argv)
{
	static struct evalrun e;     /* the rules keep pointers into it */
	const char *conf = NULL, *data = NULL, *labels = NULL, *inv_path = NULL;
	const char *dc = NULL, *name = "run", *summary = NULL, *html = NULL;
	const char *curve = NULL, *ranks = NULL;
	struct config cfg;
	struct pubscore_params pp;
	struct inventory *inv = NULL;
	uint32_t *hours = NULL;
	char err[1024];
	int rc = 1;

	diag_init("adlog-eval");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf("adlog-eval %s\n", ADLOG_VERSION);
			return 0;
		}
		const char **dst = !strcmp(a, "-c") ? &conf :
			!strcmp(a, "--data") ? &data :
			!strcmp(a, "--labels") ? &labels :
			!strcmp(a, "--inventory") ? &inv_path :
			!strcmp(a, "--datacenters") ? &dc :
			!strcmp(a, "--name") ? &name :
			!strcmp(a, "--summary") ? &summary :
			!strcmp(a, "--html") ? &html :
			!strcmp(a, "--curve") ? &curve :
			!strcmp(a, "--ranks") ? &ranks : NULL;
		if (!dst || !v) {
			diag_err("unknown or incomplete option '%s'", a);
			fputs(usage, stderr);
			return 2;
		}
		*dst = v;
		i++;
	}
	if (!data || !labels) {
		diag_err("--data and --labels are required");
		return 2;
	}
	if (config_load(&cfg, config_path(conf), conf == NULL, err, sizeof(err))) {
		diag_err("%s", err);
		return 2;
	}
	if (labels_load(&e.L, labels, err, sizeof(err))) {
		diag_err("%s", err);
		return 1;
	}
	for (unsigned l = 0; l < e.L.nlabels; l++)
		if (e.L.undeclared & (1ull << l))
			diag_err("label '%s' has no class line: counted as SIVT",
				 e.L.names[l]);
	cidr_init(&e.rv.dc);
	if (dc && cidr_load_file(&e.rv.dc, dc, err, sizeof(err))) {
		diag_err("%s", err);
		return 2;
	}
	cidr_finish(&e.rv.dc);
	pubscore_params_from_config(&pp, &cfg);
	if (pubscore_init(&e.ps, &pp) ||
	    analyzer_init(&e.an, &cfg, data, err, sizeof(err))) {
		diag_err("cannot set up the rules");
		return 1;
	}
	if (inv_path) {
		if (inventory_load(inv_path, &inv, err, sizeof(err))) {
			diag_err("%s", err);
			goto out;
		}
		if (analyzer_domains(&e.an, inv, err, sizeof(err))) {
			diag_err("%s", err);
			goto out;
		}
	}
	long nh = hour_list(data, &hours, err, sizeof(err));
	if (nh < 0) {
		diag_err("%s", err);
		goto out;
	}
	e.hours = nh > 0 ? nh : 1;
	for (long i = 0; i < nh; i++)
		if (eval_hour(&e, data, hours[i]))
			goto out;

	struct pub_result *res = NULL;
	size_t nres = 0;
	struct figures fg;
	char *md = NULL;
	size_t mdlen = 0;
	FILE *mf = open_memstream(&md, &mdlen);

	if (!mf || pubscore_finish(&e.ps, &res, &nres)) {
		diag_err("out of memory");
		goto out;
	}
	report(mf, &e, name, res, nres, &fg);
	fclose(mf);
	fputs(md, stdout);
	rc = 0;
	if (html && html_write(html, md)) {
		diag_err("cannot write '%s'", html);
		rc = 1;
	}
	FILE *af;

	if (summary && (af = append_open(summary, &rc))) {
		summary_row(af, name, &fg);
		fclose(af);
	}
	if (curve && (af = append_open(curve, &rc))) {
		curve_lines(af, &e, name);
		fclose(af);
	}
	if (ranks && (af = append_open(ranks, &rc))) {
		rank_lines(af, &e, name, res, nres);
		fclose(af);
	}
	free(md);
	free(res);
out:
	free(hours);
	inventory_free(inv);
	daymarks_release(&e.dm);
	analyzer_release(&e.an);
	pubscore_release(&e.ps);
	cidr_release(&e.rv.dc);
	labels_release(&e.L);
	struct click_slot *s, *tmp;
	HASH_ITER(hh, e.rv.clicks, s, tmp) {
		HASH_DEL(e.rv.clicks, s);
		free(s);
	}
	return rc;
}
