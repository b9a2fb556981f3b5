/* test_scenario.c - adlog-gen's labelled scenario families: the list
 * option, every family and trap present with its label at the intensity
 * its seed drew, the label file naming exactly the labelled events, the
 * accidental double click leaving its first click valid, the shapes the
 * families keep whatever the seed (one cookie from many addresses,
 * data-centre addresses, a few carrier NAT addresses), parameters that
 * vary widely across seeds, and people's clicks within a second at the
 * share their seed drew. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "eventid.h"
#include "../../gen/gen.h"
#include "../../gen/model.h"
#include "../../gen/scenario.h"

#define MAXEV 400000

struct seen {
	uint64_t n[GEN_LABEL__COUNT];
	uint64_t clicks[GEN_LABEL__COUNT];
	uint64_t bad_lines, ids_out_of_order;
	uint64_t *ids;           /* labelled event ids, in order */
	uint8_t *labels;
	size_t nids;
	uint64_t dbl_first_imp_ok, dbl_second;
	uint64_t last_valid_click_imp;
	uint64_t replay_addrs[64];
	size_t nreplay;
	uint64_t spoof_not_dc;
	uint32_t nat_addrs[8];
	size_t nnat;
	int64_t last_ts;
	uint32_t valid_zone_max, hit_zone_min;
};

static int s_open(void *ctx, int64_t h) { (void)ctx; (void)h; return 0; }
static int s_close(void *ctx, int64_t h) { (void)ctx; (void)h; return 0; }

static int s_event(void *ctx, const struct event *ev, uint32_t node,
		   uint32_t label)
{
	struct seen *s = ctx;
	char line[EVENT_LINE_MAX];
	struct event back;
	size_t len = event_render(ev, line, sizeof(line)), off;

	(void)node;
	if (!len || event_parse(line, len - 1, &back, &off) != EVENT_OK)
		s->bad_lines++;
	if (ev->ts_ms < s->last_ts)
		s->ids_out_of_order++;
	s->last_ts = ev->ts_ms;
	assert_true(label < GEN_LABEL__COUNT);
	s->n[label]++;
	s->clicks[label] += ev->type == EVENT_CLICK;
	if (label && s->nids < MAXEV) {
		s->ids[s->nids] = ev->id;
		s->labels[s->nids++] = (uint8_t)label;
	}
	if (label == GEN_LABEL_VALID && ev->type == EVENT_CLICK)
		s->last_valid_click_imp = ev->imp;
	if (label == GEN_LABEL_VALID && ev->zone > s->valid_zone_max)
		s->valid_zone_max = ev->zone;
	if (label == GEN_LABEL_HIT_INFLATION &&
	    (!s->hit_zone_min || ev->zone < s->hit_zone_min))
		s->hit_zone_min = ev->zone;
	if (label == GEN_LABEL_DOUBLE_CLICK) {
		s->dbl_second++;
		/* the first click of the pair is valid and came just before
		 * on the same impression (no other valid click is due within
		 * the 150-700 ms most of the time) */
		s->dbl_first_imp_ok += ev->imp && ev->imp == s->last_valid_click_imp;
	}
	uint32_t v4 = (uint32_t)ev->ip.bytes[0] << 24 |
		      (uint32_t)ev->ip.bytes[1] << 16 |
		      (uint32_t)ev->ip.bytes[2] << 8 | ev->ip.bytes[3];
	if (label == GEN_LABEL_COOKIE_REPLAY && s->nreplay < 64) {
		size_t i;

		for (i = 0; i < s->nreplay && s->replay_addrs[i] != v4; i++)
			;
		if (i == s->nreplay)
			s->replay_addrs[s->nreplay++] = v4;
	}
	if (label == GEN_LABEL_SPOOF_DC &&
	    (v4 >> 20) != (34u << 4 | 0xc) && (v4 >> 20) != (3u << 4 | 0xd))
		s->spoof_not_dc++;
	if (label == GEN_LABEL_TRAP_NAT) {
		size_t i;

		for (i = 0; i < s->nnat && s->nat_addrs[i] != v4; i++)
			;
		if (i == s->nnat && s->nnat < 8)
			s->nat_addrs[s->nnat++] = v4;
	}
	return 0;
}

static void test_parse_list(void **state)
{
	uint32_t m;

	(void)state;
	assert_int_equal(scenario_parse_list("none", &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(scenario_parse_list("all", &m), 0);
	assert_int_equal(m, ((1u << GEN_LABEL__COUNT) - 1) & ~1u);
	assert_int_equal(scenario_parse_list("botnet,trap_nat", &m), 0);
	assert_int_equal(m, 1u << GEN_LABEL_BOTNET | 1u << GEN_LABEL_TRAP_NAT);
	assert_int_not_equal(scenario_parse_list("botnet,nope", &m), 0);
	assert_int_not_equal(scenario_parse_list("valid", &m), 0);
	assert_int_not_equal(scenario_parse_list("", &m), 0);
	for (unsigned l = 0; l < GEN_LABEL__COUNT; l++)
		assert_int_equal(gen_label_parse(gen_label_name(l),
						 strlen(gen_label_name(l))), (int)l);
	assert_null(gen_label_name(GEN_LABEL__COUNT));
	assert_int_equal(gen_label_class(GEN_LABEL_CRAWLER), GEN_CLASS_GIVT);
	assert_int_equal(gen_label_class(GEN_LABEL_BOTNET), GEN_CLASS_SIVT);
	assert_int_equal(gen_label_class(GEN_LABEL_TRAP_VIRAL), GEN_CLASS_TRAP);
}

/* The families of seed (their parameters) on the default network. */
static void families_of(uint64_t seed, struct scenario *sc)
{
	static struct world w;
	static bool built;
	struct gen_opts o;
	char err[256];

	if (!built) {
		gen_opts_default(&o);
		assert_int_equal(world_build(&w, &o.world, err, sizeof(err)), 0);
		built = true;
	}
	assert_int_equal(scenario_init(sc, &w, seed, 1, 24, ~0u), 0);
}

/* The first seed from 1 whose family l (0: every family) writes at
 * least share of the valid lines. */
static uint64_t seed_with_shares(unsigned only, double share)
{
	struct scenario sc;

	for (uint64_t seed = 1; seed < 20000; seed++) {
		unsigned l;

		families_of(seed, &sc);
		for (l = 1; l < GEN_LABEL__COUNT &&
			    (sc.fam[l].share >= share || (only && l != only)); l++)
			;
		scenario_release(&sc);
		if (l == GEN_LABEL__COUNT)
			return seed;
	}
	fail_msg("no seed below 20000 draws every share >= %g", share);
	return 0;
}

static void test_all_scenarios(void **state)
{
	struct scenario sc;
	struct gen_opts o;
	struct gen_stats st;
	struct seen *s = calloc(1, sizeof(*s));
	struct gen_sink sink = { s, s_open, s_event, s_close };
	char err[256], *buf = NULL, line[128];
	size_t blen = 0, nlines = 0, pubs = 0;

	(void)state;
	assert_non_null(s);
	s->ids = calloc(MAXEV, sizeof(*s->ids));
	s->labels = calloc(MAXEV, 1);
	assert_non_null(s->ids);
	gen_opts_default(&o);
	o.seed = seed_with_shares(0, 3e-4);
	o.events = 200000;
	o.hours = 2;
	o.scenarios = ((1u << GEN_LABEL__COUNT) - 1) & ~1u;
	families_of(o.seed, &sc);
	o.labels = open_memstream(&buf, &blen);
	assert_non_null(o.labels);
	assert_int_equal(gen_run(&o, &sink, &st, err, sizeof(err)), 0);
	fclose(o.labels);

	assert_int_equal(s->bad_lines, 0);
	assert_int_equal(s->ids_out_of_order, 0);
	for (unsigned l = 1; l < GEN_LABEL__COUNT; l++)
		assert_true(s->n[l] >= 10);
	/* valid traffic is still most of it */
	assert_true(s->n[GEN_LABEL_VALID] > 60000);
	assert_true(s->clicks[GEN_LABEL_BOTNET] > 0);
	assert_int_equal(s->n[GEN_LABEL_DOUBLE_CLICK],
			 s->clicks[GEN_LABEL_DOUBLE_CLICK]);
	assert_true(s->dbl_first_imp_ok * 10 >= s->dbl_second * 9);
	assert_true(s->nreplay >= 8);
	assert_int_equal(s->spoof_not_dc, 0);
	assert_true(s->nnat >= 1 && s->nnat <= sc.fam[GEN_LABEL_TRAP_NAT].naddr);
	/* hit inflation loads the two hidden zones appended to the 2,000,
	 * which no person sees, when its seed hides them */
	assert_true(s->valid_zone_max <= 2000);
	assert_true((s->hit_zone_min > 2000) == sc.fam[GEN_LABEL_HIT_INFLATION].hidden);

	/* the label file: fraudulent publishers, then every labelled event
	 * in emission order, nothing else */
	FILE *f = fmemopen(buf, blen, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "pub\t", 4)) {
			assert_int_equal(nlines, 0);
			pubs++;
			continue;
		}
		char want[64];
		assert_true(nlines < s->nids);
		snprintf(want, sizeof(want), "%016llx\t%s\n",
			 (unsigned long long)s->ids[nlines],
			 gen_label_name(s->labels[nlines]));
		assert_string_equal(line, want);
		nlines++;
	}
	fclose(f);
	assert_int_equal(nlines, s->nids);
	assert_int_equal(pubs, 2 + sc.npool);
	scenario_release(&sc);
	free(buf);
	free(s->ids);
	free(s->labels);
	free(s);
}

/* Valid impressions and double clicks by (zone, hour of day). */
#define DAY_ZONES 2048
struct by_hour {
	uint32_t valid[DAY_ZONES][24], dbl[DAY_ZONES][24];
};

static int h_event(void *ctx, const struct event *ev, uint32_t node,
		   uint32_t label)
{
	struct by_hour *b = ctx;
	unsigned h = (unsigned)(ev->ts_ms / 3600000 % 24);

	(void)node;
	assert_true(ev->zone < DAY_ZONES);
	if (label == GEN_LABEL_VALID && ev->type == EVENT_IMPRESSION)
		b->valid[ev->zone][h]++;
	if (label == GEN_LABEL_DOUBLE_CLICK)
		b->dbl[ev->zone][h]++;
	return 0;
}

/* The people of double_click read when the others of their region do: a
 * double click lands in a zone's busy hours more than its quiet ones.
 * The mean, over double clicks, of their zone-hour's valid impressions
 * over the zone's hourly mean is about 1 for pairs spread alike over the
 * hours and well above it for pairs that follow the daily curves. */
static void test_people_follow_the_day(void **state)
{
	struct gen_opts o;
	struct gen_stats st;
	struct by_hour *b = calloc(1, sizeof(*b));
	struct gen_sink sink = { b, s_open, h_event, s_close };
	char err[256];
	double sum = 0;
	uint64_t n = 0;

	(void)state;
	assert_non_null(b);
	gen_opts_default(&o);
	o.seed = seed_with_shares(GEN_LABEL_DOUBLE_CLICK, 3e-4);
	o.events = 2000000;
	o.hours = 24;
	o.scenarios = 1u << GEN_LABEL_DOUBLE_CLICK;
	assert_int_equal(gen_run(&o, &sink, &st, err, sizeof(err)), 0);
	for (unsigned z = 0; z < DAY_ZONES; z++) {
		double mean = 0;

		for (unsigned h = 0; h < 24; h++)
			mean += b->valid[z][h] / 24.0;
		for (unsigned h = 0; h < 24 && mean > 0; h++) {
			sum += b->dbl[z][h] * (b->valid[z][h] / mean);
			n += b->dbl[z][h];
		}
	}
	assert_true(n > 500);
	assert_true(sum / (double)n > 1.2);
	free(b);
}

static void test_none_is_valid_only(void **state)
{
	struct gen_opts o;
	struct gen_stats st;
	struct seen *s = calloc(1, sizeof(*s));
	struct gen_sink sink = { s, s_open, s_event, s_close };
	char err[256];

	(void)state;
	s->ids = calloc(MAXEV, sizeof(*s->ids));
	s->labels = calloc(MAXEV, 1);
	gen_opts_default(&o);
	o.events = 20000;
	assert_int_equal(gen_run(&o, &sink, &st, err, sizeof(err)), 0);
	assert_int_equal(s->nids, 0);
	assert_int_equal(st.lines, 20000);
	free(s->ids);
	free(s->labels);
	free(s);
}

/* Across seeds, intensity spans from a few lines a day to thousands an
 * hour, and every way of reusing addresses, every referer and plain and
 * stacked frames occur. */
static void test_families_vary(void **state)
{
	double lo = 1, hi = 0;
	unsigned addr[4] = { 0 }, ref[3] = { 0 }, stacked = 0, plain = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= 60; seed++) {
		struct scenario sc;

		families_of(seed, &sc);
		for (unsigned l = GEN_LABEL_BOTNET; l <= GEN_LABEL_COOKIE_REPLAY; l++) {
			const struct scen_fam *f = &sc.fam[l];

			lo = f->share < lo ? f->share : lo;
			hi = f->share > hi ? f->share : hi;
			if (l == GEN_LABEL_SELF_CLICK)
				addr[f->addr]++;
			ref[f->ref]++;
		}
		stacked += sc.fam[GEN_LABEL_HIT_INFLATION].frames > 1;
		plain += sc.fam[GEN_LABEL_HIT_INFLATION].frames == 1;
		scenario_release(&sc);
	}
	/* 12 M valid lines a day: under 12 lines a day, over 1,000 an hour */
	assert_true(lo * 12e6 < 12);
	assert_true(hi * 12e6 / 24 > 1000);
	for (int i = 0; i < 4; i++)
		assert_true(addr[i] > 0);
	for (int i = 0; i < 3; i++)
		assert_true(ref[i] > 0);
	assert_true(stacked > 0 && plain > 0);
}

struct fast {
	uint64_t clicks, under_1s, before_imp;
};

static int f_event(void *ctx, const struct event *ev, uint32_t node,
		   uint32_t label)
{
	struct fast *f = ctx;

	(void)node;
	if (label != GEN_LABEL_VALID || ev->type != EVENT_CLICK || !ev->imp)
		return 0;
	int64_t d = ev->ts_ms - eventid_ms(ev->imp);
	f->clicks++;
	f->under_1s += d < 1000;
	f->before_imp += d < 0;
	return 0;
}

/* People's time to click has no floor: their seed's share of clicks
 * comes within a second (1-3%), none before its impression. */
static void test_people_click_fast_sometimes(void **state)
{
	struct gen_opts o;
	struct gen_stats st;
	struct fast f = { 0 };
	struct gen_sink sink = { &f, s_open, f_event, s_close };
	struct model m;
	struct world w;
	char err[256];

	(void)state;
	gen_opts_default(&o);
	o.seed = 3;
	o.events = 2000000;
	o.hours = 4;
	assert_int_equal(gen_run(&o, &sink, &st, err, sizeof(err)), 0);
	assert_int_equal(world_build(&w, &o.world, err, sizeof(err)), 0);
	assert_int_equal(model_init(&m, &w, o.seed, 1, 1000), 0);
	double want = m.pp.fast_clicks, got = (double)f.under_1s / (double)f.clicks;
	print_message("clicks %llu, within 1 s %.2f%% (drawn %.2f%%)\n",
		      (unsigned long long)f.clicks, 100 * got, 100 * want);
	assert_true(want >= 0.01 && want <= 0.03);
	assert_true(f.clicks > 3000);
	assert_true(got > want * 0.7 && got < want * 1.3);
	assert_int_equal(f.before_imp, 0);
	model_release(&m);
	world_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_all_scenarios),
		cmocka_unit_test(test_none_is_valid_only),
		cmocka_unit_test(test_people_follow_the_day),
		cmocka_unit_test(test_families_vary),
		cmocka_unit_test(test_people_click_fast_sometimes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
