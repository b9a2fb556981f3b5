/* report.c - the HTML page behind --report: what an analyst reads in the
 * morning.  Charts are inline SVG drawn here (no script, no fonts, nothing
 * fetched), so the file can be mailed or opened offline. */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rollup.h"

#define W 760
#define BAR_H 180

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* Invalid share of each hour, on its own scale: invalid traffic is often a
 * sliver of the stacked bars above. */
static void share(FILE *f, const char *what, const struct report_hour *h,
		  size_t n, bool clicks, double bw)
{
	double max = 0.0001;

	for (size_t i = 0; i < n; i++) {
		uint64_t t = clicks ? h[i].clicks : h[i].imps;
		uint64_t v = clicks ? h[i].vclicks : h[i].vimps;
		double sh = t ? (double)(t - v) / (double)t : 0;

		if (sh > max)
			max = sh;
	}
	fprintf(f, "<svg width=\"%d\" height=\"70\" role=\"img\" "
		"aria-label=\"invalid share of %s by hour\">\n"
		"<text x=\"0\" y=\"12\" class=\"ax\">%.2f %%</text>\n"
		"<line x1=\"55\" y1=\"60\" x2=\"%d\" y2=\"60\" class=\"base\"/>\n",
		W, what, 100 * max, W);
	for (size_t i = 0; i < n; i++) {
		uint64_t t = clicks ? h[i].clicks : h[i].imps;
		uint64_t v = clicks ? h[i].vclicks : h[i].vimps;
		double sh = t ? (double)(t - v) / (double)t : 0;
		double hh = sh * 50 / max;

		fprintf(f, "<g><title>%010u: %.3f %% invalid</title><rect x=\"%.1f\" "
			"y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"i\"/></g>\n",
			h[i].hour, 100 * sh, 60 + (double)i * bw, 60 - hh,
			bw * 0.8, hh);
	}
	fprintf(f, "</svg>\n<p class=\"key\">invalid share of %s, own scale</p>\n",
		what);
}

/* Stacked bars per hour: valid (below) and invalid (above). */
static void bars(FILE *f, const char *what, const struct report_hour *h,
		 size_t n, bool clicks)
{
	uint64_t max = 1;
	double bw;

	for (size_t i = 0; i < n; i++) {
		uint64_t t = clicks ? h[i].clicks : h[i].imps;

		if (t > max)
			max = t;
	}
	bw = n ? (double)(W - 60) / (double)n : 1;
	fprintf(f, "<h2>%s by hour</h2>\n<svg width=\"%d\" height=\"%d\" "
		"role=\"img\" aria-label=\"%s by hour\">\n", what, W,
		BAR_H + 40, what);
	fprintf(f, "<text x=\"0\" y=\"12\" class=\"ax\">%llu</text>\n"
		"<line x1=\"55\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"base\"/>\n",
		(unsigned long long)max, BAR_H + 10, W, BAR_H + 10);
	for (size_t i = 0; i < n; i++) {
		uint64_t t = clicks ? h[i].clicks : h[i].imps;
		uint64_t v = clicks ? h[i].vclicks : h[i].vimps;
		double hv = (double)v * BAR_H / (double)max;
		double hi = (double)(t - v) * BAR_H / (double)max;
		double x = 60 + (double)i * bw;

		fprintf(f, "<g><title>%010u: %llu valid, %llu invalid</title>"
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"v\"/>"
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"i\"/></g>\n",
			h[i].hour, (unsigned long long)v,
			(unsigned long long)(t - v), x, BAR_H + 10 - hv,
			bw * 0.8, hv, x, BAR_H + 10 - hv - hi, bw * 0.8, hi);
		if (n <= 48 && (n <= 24 || i % 2 == 0))
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"ax\">%02u</text>\n",
				x, BAR_H + 28, h[i].hour % 100);
	}
	fputs("</svg>\n<p class=\"key\"><span class=\"kv\"></span> valid "
	      "<span class=\"ki\"></span> invalid</p>\n", f);
	share(f, what, h, n, clicks, bw);
}

static void reasons(FILE *f, const struct report_hour *h, size_t n)
{
	uint64_t by[2][32] = { { 0 } }, max = 1;
	char name[32];
	unsigned rows = 0;

	for (size_t i = 0; i < n; i++)
		for (unsigned t = 0; t < 2; t++)
			for (unsigned b = 0; b < 32; b++)
				by[t][b] += h[i].by_reason[t][b];
	for (unsigned b = 0; b < 32; b++) {
		if (by[0][b] + by[1][b] > max)
			max = by[0][b] + by[1][b];
		rows += by[0][b] + by[1][b] > 0;
	}
	fputs("<h2>Invalid traffic by reason</h2>\n", f);
	if (!rows) {
		fputs("<p>No invalid events.</p>\n", f);
		return;
	}
	fprintf(f, "<svg width=\"%d\" height=\"%u\" role=\"img\" "
		"aria-label=\"invalid events by reason\">\n", W, rows * 22 + 4);
	rows = 0;
	for (unsigned b = 0; b < 32; b++) {
		uint64_t t = by[0][b] + by[1][b];
		double wi, wc;

		if (!t)
			continue;
		wi = (double)by[0][b] * (W - 330) / (double)max;
		wc = (double)by[1][b] * (W - 330) / (double)max;
		fprintf(f, "<text x=\"0\" y=\"%u\" class=\"lab\">%s</text>"
			"<rect x=\"150\" y=\"%u\" width=\"%.1f\" height=\"16\" class=\"imp\"/>"
			"<rect x=\"%.1f\" y=\"%u\" width=\"%.1f\" height=\"16\" class=\"clk\"/>"
			"<text x=\"%.1f\" y=\"%u\" class=\"ax\">%llu imp, %llu clk</text>\n",
			rows * 22 + 15, rollup_reason_name(b, name, sizeof(name)),
			rows * 22 + 2, wi, 150 + wi, rows * 22 + 2, wc,
			156 + wi + wc, rows * 22 + 15,
			(unsigned long long)by[0][b],
			(unsigned long long)by[1][b]);
		rows++;
	}
	fputs("</svg>\n<p class=\"key\"><span class=\"kimp\"></span> impressions "
	      "<span class=\"kclk\"></span> clicks (each event under the first "
	      "reason that fired)</p>\n", f);
}

/* Publisher pub as a person reads it: "name (#id)", or "#id". */
static void pub_label(FILE *f, const struct report_names *names, uint32_t pub)
{
	const char *nm = names && names->fn ? names->fn(names->ctx, pub) : NULL;

	if (nm && *nm) {
		esc(f, nm);
		fprintf(f, " <span class=\"id\">#%u</span>", pub);
	} else {
		fprintf(f, "#%u", pub);
	}
}

/* The tests a score rests on, strongest first, and what was suffered. */
static void pub_evidence(FILE *f, const struct pub_result *p)
{
	char txt[1024];

	fputs("<td class=\"ev\">", f);
	if (pubscore_evidence_text(p, txt, sizeof(txt))) {
		for (char *c = txt; *c; c++)
			if (*c == ',')
				*c = ' ';
		esc(f, txt);
	} else {
		fputs("-", f);
	}
	fputs("</td><td class=\"ev\">", f);
	if (pubscore_suffered_text(p, txt, sizeof(txt))) {
		for (char *c = txt; *c; c++)
			if (*c == ',')
				*c = ' ';
		esc(f, txt);
	} else {
		fputs("-", f);
	}
	fputs("</td>", f);
}

/* One test's spread: the median publisher's ratio and the factor one
 * standard deviation between publishers spans, beyond sampling. */
static void spread_row(FILE *f, const char *test, const char *ratio,
		       const struct pub_spread *s)
{
	fprintf(f, "<tr><td><code>%s</code></td><td>%s</td>", test, ratio);
	if (s->n)
		fprintf(f, "<td>%zu</td><td>%.2f</td><td>%.2f</td></tr>\n",
			s->n, exp(s->mu), exp(s->tau));
	else
		fprintf(f, "<td>%zu</td><td colspan=\"2\">fewer than 3 "
			"publishers: the binomial alone</td></tr>\n", s->n);
}

static void spreads(FILE *f, const struct pub_spreads *s)
{
	fputs("<p class=\"key\"><b>The spread between publishers.</b> "
	      "Placements and audiences differ, so <code>ctr_high</code> and "
	      "<code>cookieless_clicks</code> count as evidence only what lies "
	      "beyond the day's spread of the publishers' ratios to the others "
	      "(docs/rules.md): the median publisher's ratio, and the factor "
	      "one standard deviation between publishers spans beyond what "
	      "their counts explain, over the publishers with at least 5 "
	      "events of each outcome expected (the rest are judged by their "
	      "counts alone).</p>\n<table class=\"spread\">"
	      "<tr><th>test</th>"
	      "<th>ratio</th><th>publishers</th><th>median</th>"
	      "<th>one SD, as a factor</th></tr>\n", f);
	spread_row(f, "ctr_high", "CTR to the others'", &s->ctr);
	spread_row(f, "cookieless_clicks", "cookieless odds to the others'",
		   &s->cookieless);
	fputs("</table>\n", f);
}

static void publishers(FILE *f, const struct report_day *d,
		       const struct report_names *names)
{
	const struct pub_result *p = d ? d->pubs : NULL;
	size_t n = d ? d->npubs : 0;
	double max = 1;

	fputs("<h2>Publishers by fraud score</h2>\n", f);
	if (!p) {
		fputs("<p>No day analysed in this run (use --day YYYYMMDD).</p>\n", f);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (p[i].score > max)
			max = p[i].score;
	fputs("<p class=\"key\">score: the strength of the evidence that the "
	      "publisher profits from invalid traffic, -log10 of its tests' "
	      "smallest p-value corrected for the tests run (0: none; each "
	      "unit ten times stronger); flagged rows reach -log10 "
	      "<code>pub_alpha</code>.  Profited: the tests the score rests "
	      "on (evidence 1 or more).  Suffered: traffic filtered event by "
	      "event that the publisher does not profit from (ingest's GIVT, "
	      "a visitor's duplicate clicks and reloads, one address's burst), "
	      "shown and not scored.</p>\n", f);
	spreads(f, &d->spread);
	fputs("<table class=\"pubs\"><tr><th>#</th><th>publisher</th>"
	      "<th>score</th>"
	      "<th>impressions</th><th>clicks</th><th>valid clicks</th>"
	      "<th>profited (evidence)</th><th>suffered (events)</th></tr>\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "<tr%s><td>%zu</td><td>", p[i].fired ?
			" class=\"flag\"" : "", i + 1);
		pub_label(f, names, p[i].pub);
		fprintf(f, "</td><td><svg width=\"80\" height=\"10\"><rect "
			"width=\"%.1f\" height=\"10\" class=\"%s\"/></svg> "
			"%.1f</td><td>%llu</td><td>%llu</td><td>%llu</td>",
			80 * p[i].score / max, p[i].fired ? "i" : "v",
			p[i].score, (unsigned long long)p[i].imps,
			(unsigned long long)p[i].clicks,
			(unsigned long long)p[i].valid_clicks);
		pub_evidence(f, &p[i]);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

int report_write(const char *path, const char *title,
		 const struct report_hour *hours, size_t nhours,
		 const struct report_day *day,
		 const struct report_names *names, char *err, size_t errlen)
{
	char tmp[4096];
	uint64_t ev = 0, inv = 0;
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path,
			     (long)getpid()) >= sizeof(tmp)) {
		snprintf(err, errlen, "report path too long '%s'", path);
		return -1;
	}
	f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write '%s': %s", tmp,
			 strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < nhours; i++) {
		ev += hours[i].imps + hours[i].clicks;
		inv += hours[i].imps + hours[i].clicks - hours[i].vimps -
		       hours[i].vclicks;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<title>", f);
	esc(f, title);
	fputs("</title>\n<style>\n"
	      "body{font:14px/1.4 sans-serif;margin:2em;color:#222;max-width:1100px}\n"
	      ".v{fill:#4a8}.i{fill:#d54}.imp{fill:#69c}.clk{fill:#e93}\n"
	      ".ax{font-size:11px;fill:#555}.lab{font-size:12px}\n"
	      ".base{stroke:#999}\n"
	      ".key span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}\n"
	      ".kv{background:#4a8}.ki{background:#d54}.kimp{background:#69c}.kclk{background:#e93}\n"
	      "table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}\n"
	      "tr.flag{background:#fdeaea}table.spread{margin-bottom:1.5em}\n"
	      ".id{color:#777;font-size:12px}.ev{font-size:12px}\n"
	      "</style></head><body>\n<h1>", f);
	esc(f, title);
	fprintf(f, "</h1>\n<p>%zu hours, %llu events, %llu invalid (%.2f %%).</p>\n",
		nhours, (unsigned long long)ev, (unsigned long long)inv,
		ev ? 100.0 * (double)inv / (double)ev : 0.0);
	bars(f, "Impressions", hours, nhours, false);
	bars(f, "Clicks", hours, nhours, true);
	reasons(f, hours, nhours);
	publishers(f, day, names);
	fputs("</body></html>\n", f);
	if (fflush(f) || ferror(f) || fsync(fileno(f))) {
		snprintf(err, errlen, "cannot write '%s': %s", tmp,
			 strerror(errno));
		fclose(f);
		unlink(tmp);
		return -1;
	}
	fclose(f);
	if (rename(tmp, path)) {
		snprintf(err, errlen, "cannot rename '%s': %s", tmp,
			 strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
