/* test_pubscore.c - publisher scoring on hand-made days: a self-clicking
 * publisher ranks above honest ones, a small honest one is left alone,
 * clicks from three addresses, cookieless clicks, referers outside the
 * registered domains, clicks at hours without impressions, a viral spike
 * that is not fraud, and merging hours equals one pass. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../analyze/excess.h"
#include "../../analyze/pubscore.h"
#include "../../common/segment.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A daytime curve: hour h's weight. */
static const double day[24] = {
	1, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 6, 7, 7, 6, 6, 6, 7, 8, 8, 7, 5, 3, 2,
};

static unsigned pick_hour(const double *w)
{
	double sum = 0, x;

	for (int h = 0; h < 24; h++)
		sum += w[h];
	x = (double)(rnd() % 1000000) / 1e6 * sum;
	for (int h = 0; h < 24; h++) {
		if (x < w[h])
			return (unsigned)h;
		x -= w[h];
	}
	return 23;
}

struct day_spec {
	uint32_t pub, zone;
	uint64_t imps, clicks;
	uint32_t click_addrs;      /* distinct addresses clicks come from; 0: all */
	uint64_t addr_base;        /* the first of them */
	double cookieless;         /* share of clicks without a cookie */
	const double *imp_hours, *click_hours;
	enum pub_ref ref;
	double ref_outside;        /* share of events with an outside referer */
	double flagged;            /* share of events analyze flagged */
	uint32_t flag_bits;        /* their bits; 0: imp_stack's */
	uint32_t addr_imps;        /* clicks: their address's impressions in
				      the hour, as the rules estimate them */
};

static void feed(struct pubscore *ps, const struct day_spec *d)
{
	struct pub_event e;

	for (uint64_t i = 0; i < d->imps + d->clicks; i++) {
		bool click = i >= d->imps;

		memset(&e, 0, sizeof(e));
		e.pub = d->pub;
		e.zone = d->zone;
		e.type = click ? 'c' : 'i';
		e.hour = (uint8_t)pick_hour(click && d->click_hours ?
					    d->click_hours :
					    d->imp_hours ? d->imp_hours : day);
		e.has_uid = !(click && (double)(rnd() % 1000) < 1000 * d->cookieless);
		e.addr = click && d->click_addrs ?
			 d->addr_base + rnd() % d->click_addrs : rnd();
		e.ref = d->ref;
		if (d->ref != PUB_REF_NONE && (double)(rnd() % 1000) <
		    1000 * d->ref_outside)
			e.ref = PUB_REF_OUTSIDE;
		e.addr_imps = click ? d->addr_imps : 0;
		if ((double)(rnd() % 100000) < 100000 * d->flagged)
			e.reasons = d->flag_bits ? d->flag_bits :
				    IVT_IMP_STACK;     /* an analyze bit */
		assert_int_equal(pubscore_event(ps, &e), 0);
	}
}

/* One hand-made event. */
static void send(struct pubscore *ps, struct pub_event e)
{
	assert_int_equal(pubscore_event(ps, &e), 0);
}

/* Ten honest publishers, 100k impressions each, CTR 0.3% to 0.6%. */
static void honest_peers(struct pubscore *ps)
{
	for (uint32_t p = 1; p <= 10; p++) {
		struct day_spec d = { .pub = p, .imps = 100000,
				      .clicks = 300 + 30 * p,
				      .cookieless = 0.3 };

		feed(ps, &d);
	}
}

static const struct pub_result *find(const struct pub_result *r, size_t n,
				     uint32_t pub)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].pub == pub)
			return &r[i];
	fail_msg("publisher %u not scored", pub);
	return NULL;
}

static void start(struct pubscore *ps)
{
	struct pubscore_params p;

	pubscore_params_default(&p);
	assert_int_equal(pubscore_init(ps, &p), 0);
}

/* A botnet of d's shape on each of the ten honest publishers 1-10 */
static void feed_everywhere(struct pubscore *ps, const struct day_spec *d)
{
	for (uint32_t p = 1; p <= 10; p++) {
		struct day_spec bot = *d;

		bot.pub = p;
		feed(ps, &bot);
	}
}

/* start, then the ten honest publishers most tests measure against */
static void start_with_peers(struct pubscore *ps)
{
	start(ps);
	honest_peers(ps);
}

/* excess_fires' precision: a source with 100 of its 110 clicks fast,
 * against others' fast share of 3% (300 of 10000).  People's expected
 * among the 100 from all 110 clicks is 3.3, over 0.5% of them; from the
 * 10 slow ones (at most people's, who click 3 fast per 97 slow) 0.31. */
static void test_excess_precision(void **state)
{
	struct excess_test t = { .ratio = 2, .alpha = 0.01, .precision = 0.995,
				 .min = 2 };
	bool flag;

	(void)state;
	assert_true(excess_fires(&t, 100, 110, 400, 10110, 1, &flag));
	assert_false(flag);
	t.by_rest = true;
	assert_true(excess_fires(&t, 100, 110, 400, 10110, 1, &flag));
	assert_true(flag);
	/* 100 fast of 300: 200 slow clicks bring 6.2 people's fast ones */
	assert_true(excess_fires(&t, 100, 300, 400, 10300, 1, &flag));
	assert_false(flag);
	/* every click fast: nothing of people's expected, at any precision */
	t.precision = 1;
	assert_true(excess_fires(&t, 20, 20, 320, 10020, 1, &flag));
	assert_true(flag);
}

static void test_names_and_math(void **state)
{
	(void)state;
	assert_string_equal(pub_reason_name(PUB_R_CTR), "ctr_high");
	assert_string_equal(pub_reason_name(PUB_R_HOURLY), "hourly_profile");
	assert_null(pub_reason_name(PUB_R__COUNT));
	assert_true(fabs(excess_binom_sf(0, 10, 0.3) - 1) < 1e-12);
	assert_true(fabs(excess_binom_sf(3, 3, 0.5) - 0.125) < 1e-9);
	assert_true(fabs(excess_binom_sf(2, 10, 0.1) - 0.2639010709) < 1e-8);
	assert_true(excess_binom_sf(11, 10, 0.1) == 0);
	/* mean 500, sd 22.3: 600 or more is about 4.5 sd out */
	assert_true(excess_binom_sf(600, 100000, 0.005) < 1e-4);
	assert_true(excess_binom_sf(600, 100000, 0.005) > 1e-8);
	assert_true(excess_binom_sf(500, 100000, 0.005) > 0.4);
	/* the Poisson tail, from below and from above the mean */
	assert_true(excess_poisson_sf(0, 3) == 1);
	assert_true(excess_poisson_sf(1, 0) == 0);
	assert_true(fabs(excess_poisson_sf(1, 0.5) - 0.3934693403) < 1e-9);
	assert_true(fabs(excess_poisson_sf(3, 1) - 0.0803013971) < 1e-9);
	assert_true(fabs(excess_poisson_sf(10, 20) - 0.9950045877) < 1e-9);
	assert_true(fabs(excess_poisson_sf(3, 0.002) / 1.3313349e-9 - 1) <
		    1e-6);
	assert_true(fabs(excess_poisson_sf(50, 5) / 2.1810592e-32 - 1) <
		    1e-6);
	assert_true(fabs(pubscore_chi2_sf(2, 2) - exp(-1)) < 1e-9);
	assert_true(fabs(pubscore_chi2_sf(22.337, 23) - 0.5) < 0.01);
	/* the log tails agree with the plain ones and go on below 1e-308 */
	assert_true(fabs(excess_binom_log10sf(3, 3, 0.5) - log10(0.125)) < 1e-9);
	assert_true(fabs(excess_binom_log10sf(2, 10, 0.1) -
			 log10(0.2639010709)) < 1e-8);
	assert_true(excess_binom_log10sf(0, 10, 0.1) == 0);
	assert_true(excess_binom_log10sf(5000, 10000, 0.01) < -5000);
	assert_true(isfinite(excess_binom_log10sf(5000, 10000, 0.01)));
	/* more events of one kind than their total: k of k, never infinite */
	assert_true(fabs(excess_binom_log10sf(5, 3, 0.5) - log10(0.03125)) < 1e-9);
	assert_true(excess_binom_log10sf(5000, 10000, 0.01) <
		    excess_binom_log10sf(4000, 10000, 0.01));
	/* the normal tail: its middle, 2.5% and 84.1%, and far below 1e-300 */
	assert_true(fabs(excess_normal_log10sf(0) - log10(0.5)) < 1e-12);
	assert_true(fabs(excess_normal_log10sf(1.959963985) - log10(0.025)) <
		    1e-8);
	assert_true(fabs(excess_normal_log10sf(-1) - log10(0.8413447461)) <
		    1e-9);
	assert_true(fabs(excess_normal_log10sf(40) - -349.4370) < 1e-3);
	assert_true(fabs(pubscore_chi2_log10sf(2, 2) - log10(exp(-1))) < 1e-9);
	assert_true(pubscore_chi2_log10sf(5000, 23) < -900);
	/* Sidak: one of 8 p-values at 1e-10 is 8e-10; p = 1 is no evidence */
	assert_true(fabs(pubscore_sidak(-10, 8) - (10 - log10(8))) < 1e-6);
	assert_true(fabs(pubscore_sidak(log10(0.5), 2) - -log10(0.75)) < 1e-9);
	assert_true(pubscore_sidak(0, 8) == 0);
	assert_true(pubscore_sidak(-2000, 8) > 1999);
}

static void test_self_clicker_ranks_first(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec fraud = { .pub = 99, .imps = 100000, .clicks = 2200,
				  .cookieless = 0.3 };

	(void)state;
	start_with_peers(&ps);
	feed(&ps, &fraud);                  /* CTR 2.2%: about 5x peers */
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_int_equal(n, 11);
	assert_int_equal(r[0].pub, 99);
	assert_true(r[0].fired & (1u << PUB_R_CTR));
	assert_true(r[0].stat[PUB_R_CTR] > 4);
	assert_true(r[0].pvalue[PUB_R_CTR] < 1e-6);
	for (size_t i = 1; i < n; i++) {
		assert_int_equal(r[i].fired, 0);
		assert_true(r[i].score < r[0].score);
		assert_true(r[i].score < 0.5);
	}
	free(r);
	pubscore_release(&ps);
}

/* A botnet's own publisher (30% CTR, every event flagged addr_ctr) does
 * not raise the CTR a self-clicker at 2.2% is measured against: it is far
 * above the others, and the test runs again without it. */
static void test_peer_ctr_is_peoples(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec fraud = { .pub = 99, .imps = 100000, .clicks = 2200,
				  .cookieless = 0.3 };
	struct day_spec botnet = { .pub = 98, .imps = 100000, .clicks = 30000,
				   .cookieless = 0.3, .flagged = 1,
				   .flag_bits = IVT_ADDR_CTR };

	(void)state;
	start_with_peers(&ps);
	feed(&ps, &fraud);
	feed(&ps, &botnet);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_true(find(r, n, 99)->fired & (1u << PUB_R_CTR));
	assert_true(find(r, n, 99)->stat[PUB_R_CTR] > 4);
	free(r);
	pubscore_release(&ps);
}

/* A botnet clicking every publisher, in proportion to its traffic (4,000
 * impressions and 1,000 clicks on each of the ten, every event flagged
 * day_addr), is suffered by all of them: no publisher's CTR is high
 * against the others' of the same clicks. */
static void test_botnet_everywhere_not_ctr(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec bot = { .imps = 4000, .clicks = 1000, .flagged = 1,
				.flag_bits = IVT_DAY_ADDR };

	(void)state;
	start_with_peers(&ps);
	feed_everywhere(&ps, &bot);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_int_equal(n, 10);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(r[i].fired & (1u << PUB_R_CTR), 0);
	free(r);
	pubscore_release(&ps);
}

static void test_small_honest_not_flagged(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec small = { .pub = 50, .imps = 40, .clicks = 1 };

	(void)state;
	start_with_peers(&ps);
	feed(&ps, &small);          /* CTR 2.5%, but on 40 impressions */
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_int_equal(find(r, n, 50)->fired, 0);
	assert_true(find(r, n, 50)->score == 0);
	free(r);
	pubscore_release(&ps);
}

static void test_three_addresses(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	/* three carrier NAT addresses, thousands of impressions an hour */
	struct day_spec few = { .pub = 60, .imps = 20000, .clicks = 80,
				.click_addrs = 3, .cookieless = 0.3,
				.addr_imps = 5000 };
	struct day_spec many = { .pub = 61, .imps = 20000, .clicks = 80,
				 .cookieless = 0.3 };

	(void)state;
	start_with_peers(&ps);
	feed(&ps, &few);
	feed(&ps, &many);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_int_equal(find(r, n, 60)->fired, 1u << PUB_R_ADDR_CONC);
	assert_true(find(r, n, 60)->stat[PUB_R_ADDR_CONC] > 0.99);
	assert_int_equal(find(r, n, 61)->fired, 0);
	assert_true(find(r, n, 61)->score < find(r, n, 60)->score);
	free(r);
	pubscore_release(&ps);
}

static void test_cookieless_clicks(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec bot = { .pub = 70, .imps = 60000, .clicks = 250,
				.cookieless = 0.95 };

	(void)state;
	start_with_peers(&ps);
	feed(&ps, &bot);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_int_equal(find(r, n, 70)->fired, 1u << PUB_R_COOKIELESS);
	for (uint32_t p = 1; p <= 10; p++)
		assert_int_equal(find(r, n, p)->fired, 0);
	free(r);
	pubscore_release(&ps);
}

static void test_referer_outside(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	/* hidden zones on other sites: 1% of its events, a few hundred */
	struct day_spec hidden = { .pub = 80, .imps = 30000, .clicks = 100,
				   .cookieless = 0.3, .ref = PUB_REF_INSIDE,
				   .ref_outside = 0.01 };
	/* syndicated now and then, like its peers */
	struct day_spec syndicated = { .pub = 81, .imps = 30000, .clicks = 100,
				       .cookieless = 0.3, .ref = PUB_REF_INSIDE,
				       .ref_outside = 0.003 };

	(void)state;
	start_with_peers(&ps);
	/* ten peers with domains, 0.2% of whose referers are elsewhere */
	for (uint32_t p = 21; p <= 30; p++) {
		struct day_spec d = { .pub = p, .imps = 30000, .clicks = 100,
				      .cookieless = 0.3, .ref = PUB_REF_INSIDE,
				      .ref_outside = 0.002 };

		feed(&ps, &d);
	}
	feed(&ps, &hidden);
	feed(&ps, &syndicated);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_int_equal(find(r, n, 80)->fired, 1u << PUB_R_REFERER);
	assert_int_equal(find(r, n, 81)->fired, 0);
	for (uint32_t p = 21; p <= 30; p++)
		assert_int_equal(find(r, n, p)->fired & (1u << PUB_R_REFERER), 0);
	free(r);
	pubscore_release(&ps);
}

static void test_invalid_share(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	/* stacked frames: 12% of its events flagged by analyze */
	struct day_spec stacked = { .pub = 90, .imps = 50000, .clicks = 200,
				    .cookieless = 0.3, .flagged = 0.12 };
	/* a viral spike: many new visitors, nothing flagged */
	struct day_spec viral = { .pub = 91, .imps = 200000, .clicks = 900,
				  .cookieless = 0.3 };

	(void)state;
	start(&ps);
	/* bots that land everywhere by popularity: 0.3% of every honest
	 * publisher's events flagged */
	for (uint32_t p = 1; p <= 10; p++) {
		struct day_spec d = { .pub = p, .imps = 100000,
				      .clicks = 300 + 30 * p,
				      .cookieless = 0.3, .flagged = 0.003 };

		feed(&ps, &d);
	}
	feed(&ps, &stacked);
	feed(&ps, &viral);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_int_equal(r[0].pub, 90);
	assert_int_equal(find(r, n, 90)->fired, 1u << PUB_R_INVALID);
	assert_true(find(r, n, 90)->stat[PUB_R_INVALID] > 10);
	for (uint32_t p = 1; p <= 10; p++)
		assert_int_equal(find(r, n, p)->fired, 0);
	assert_int_equal(find(r, n, 91)->fired, 0);
	assert_true(find(r, n, 91)->score < 0.5);
	free(r);
	pubscore_release(&ps);
}

/* Publishers 95-97 sharing a pool of 60 addresses from base: each address
 * about 12 clicks in the day and 4 impressions in each hour it clicks
 * (CTR near 30%), beside their own honest traffic. */
static void feed_pool3(struct pubscore *ps, uint64_t base)
{
	for (uint32_t p = 95; p <= 97; p++) {
		struct day_spec own = { .pub = p, .imps = 30000, .clicks = 150,
					.cookieless = 0.3 };
		struct day_spec pool = { .pub = p, .clicks = 240,
					 .click_addrs = 60, .addr_base = base,
					 .cookieless = 0.3, .addr_imps = 4 };

		feed(ps, &own);
		feed(ps, &pool);
	}
}

static void test_high_ctr_addrs(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;

	(void)state;
	start_with_peers(&ps);
	feed_pool3(&ps, 0);
	/* a fourth, big publisher the pool clicks less: 60 of its 560
	 * clicks, one of each address's 13, about the pool-inflated share of
	 * all the others; it is credited a 13th of each address, against the
	 * publishers where the test did not fire evidence short of the flag
	 * (a farm's bots landing once on a victim between their own
	 * publisher's pages look the same) */
	struct day_spec own4 = { .pub = 94, .imps = 100000, .clicks = 500,
				 .cookieless = 0.3 };
	struct day_spec pool4 = { .pub = 94, .clicks = 60, .click_addrs = 60,
				  .cookieless = 0.3, .addr_imps = 4 };

	feed(&ps, &own4);
	feed(&ps, &pool4);
	/* a carrier NAT: 400 clicks from 5 addresses, 3000 impressions an
	 * hour each (concentrated, but a person's CTR) */
	struct day_spec nat = { .pub = 98, .imps = 60000, .clicks = 400,
				.click_addrs = 5, .cookieless = 0.3,
				.addr_imps = 3000 };
	/* a viral spike: 2000 clicks from new addresses */
	struct day_spec viral = { .pub = 99, .imps = 300000, .clicks = 2000,
				  .cookieless = 0.3 };

	feed(&ps, &nat);
	feed(&ps, &viral);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	for (uint32_t p = 95; p <= 97; p++) {
		assert_true(find(r, n, p)->fired & (1u << PUB_R_HOT_ADDRS));
		assert_true(find(r, n, p)->stat[PUB_R_HOT_ADDRS] > 3);
	}
	assert_true(find(r, n, 94)->stat[PUB_R_HOT_ADDRS] > 3);
	assert_true(find(r, n, 94)->evidence[PUB_R_HOT_ADDRS] > 1);
	for (size_t i = 0; i < 3; i++)
		assert_true(r[i].pub >= 95 && r[i].pub <= 97);
	assert_false(find(r, n, 98)->fired & (1u << PUB_R_HOT_ADDRS));
	assert_int_equal(find(r, n, 99)->fired, 0);
	for (uint32_t p = 1; p <= 10; p++)
		assert_int_equal(find(r, n, p)->fired, 0);
	free(r);
	pubscore_release(&ps);
}

/* A botnet clicking on every publisher is suffered by each: its hot
 * addresses, each on more publishers than a coalition's, are credited to
 * none, while a pool three publishers share still is. */
static void test_high_ctr_addrs_spread(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;

	(void)state;
	start_with_peers(&ps);
	/* 60 bots, about 30 clicks each over the day at a 30% CTR, 600 of
	 * them on a small victim (pub 90), 120 on each of the ten peers:
	 * about 10 publishers an address, most of the victim's clicks */
	struct day_spec own90 = { .pub = 90, .imps = 10000, .clicks = 50,
				  .cookieless = 0.3 };
	struct day_spec bots90 = { .pub = 90, .clicks = 600, .click_addrs = 60,
				   .addr_base = 1000, .cookieless = 0.3,
				   .addr_imps = 4 };

	feed(&ps, &own90);
	feed(&ps, &bots90);          /* first: its clicks take a slot */
	for (uint32_t p = 1; p <= 10; p++) {
		struct day_spec bots = { .pub = p, .clicks = 120,
					 .click_addrs = 60, .addr_base = 1000,
					 .cookieless = 0.3, .addr_imps = 4 };

		feed(&ps, &bots);
	}
	feed_pool3(&ps, 5000);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	for (uint32_t p = 95; p <= 97; p++)
		assert_true(find(r, n, p)->fired & (1u << PUB_R_HOT_ADDRS));
	assert_false(find(r, n, 90)->fired & (1u << PUB_R_HOT_ADDRS));
	assert_true(find(r, n, 90)->stat[PUB_R_HOT_ADDRS] < 1);
	for (uint32_t p = 1; p <= 10; p++)
		assert_false(find(r, n, p)->fired & (1u << PUB_R_HOT_ADDRS));
	free(r);
	pubscore_release(&ps);
}

/* One office address whose people click far above the day's CTR (15
 * clicks in about 120 impressions) is one hot address among the
 * publisher's 51 clicking ones: one person's or office's clicks are not
 * independent draws, and counted as such they would make 15 of its 65
 * clicks hot against the others' none. */
static void test_high_ctr_addrs_one_office(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;

	(void)state;
	start_with_peers(&ps);
	struct day_spec own = { .pub = 90, .imps = 10000, .clicks = 50,
				.cookieless = 0.3 };
	struct day_spec office = { .pub = 90, .clicks = 15, .click_addrs = 1,
				   .addr_base = 7, .addr_imps = 10 };

	feed(&ps, &own);
	feed(&ps, &office);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_true(find(r, n, 90)->tested & (1u << PUB_R_HOT_ADDRS));
	assert_true(find(r, n, 90)->stat[PUB_R_HOT_ADDRS] > 3);
	assert_true(find(r, n, 90)->evidence[PUB_R_HOT_ADDRS] < 3);
	assert_int_equal(find(r, n, 90)->fired, 0);
	free(r);
	pubscore_release(&ps);
}

/* A farm's 30 addresses click its publisher (80) about 100 times each
 * and land on an honest one (90) about once each between: each address
 * is 80's, and 90, 30 of whose 330 clicks they made, is credited about a
 * hundredth of each. */
static void test_high_ctr_addrs_farm_lands(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;

	(void)state;
	start_with_peers(&ps);
	struct day_spec farm = { .pub = 80, .imps = 20000, .clicks = 3000,
				 .click_addrs = 30, .addr_base = 5000,
				 .cookieless = 0.3, .addr_imps = 40 };
	struct day_spec own = { .pub = 90, .imps = 60000, .clicks = 300,
				.cookieless = 0.3 };
	struct day_spec lands = { .pub = 90, .clicks = 30, .click_addrs = 30,
				  .addr_base = 5000, .cookieless = 0.3,
				  .addr_imps = 40 };

	feed(&ps, &farm);
	feed(&ps, &own);
	feed(&ps, &lands);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_true(find(r, n, 80)->fired & (1u << PUB_R_HOT_ADDRS));
	assert_true(find(r, n, 90)->evidence[PUB_R_HOT_ADDRS] < 1);
	free(r);
	pubscore_release(&ps);
}

/* A botnet whose clicks are 90% cookieless, flagged day_addr, lands on
 * every publisher, 100 clicks each, and 2,000 on one (90) whose 200
 * people's clicks are as cookieless as the others' people's: its
 * cookieless share (0.85) is the botnet's, the others' of the same
 * clicks, not its own doing. */
static void test_botnet_cookieless_suffered(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec bot = { .clicks = 100, .cookieless = 0.9, .flagged = 1,
				.flag_bits = IVT_DAY_ADDR };

	(void)state;
	start_with_peers(&ps);
	feed_everywhere(&ps, &bot);
	struct day_spec own = { .pub = 90, .imps = 50000, .clicks = 200,
				.cookieless = 0.3 };
	struct day_spec bots = { .pub = 90, .clicks = 2000, .cookieless = 0.9,
				 .flagged = 1, .flag_bits = IVT_DAY_ADDR };

	feed(&ps, &own);
	feed(&ps, &bots);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_true(find(r, n, 90)->stat[PUB_R_COOKIELESS] > 0.8);
	assert_true(find(r, n, 90)->evidence[PUB_R_COOKIELESS] < 1);
	free(r);
	pubscore_release(&ps);
}

/* Publisher pub's new visits of the day: firsts first impressions, all
 * on zone, and oneshot of them clicked and left. */
static void new_visits(struct pubscore *ps, uint32_t pub, uint32_t zone,
		       uint64_t firsts, uint64_t oneshot)
{
	struct pub_visits v = { .firsts = (double)firsts, .oneshot = oneshot };

	assert_int_equal(pubscore_one_shot(ps, pub, zone, &v), 0);
}

/* A publisher with one ad a page, whose readers often read one page,
 * click and leave: a third of its new visits' first-impression clicks
 * are one-shot, five times its peers' share, and so are its returning
 * visits'.  Its own pages explain the share; a self-clicker's fresh
 * addresses never return, so its share has no such twin.  Two returning
 * single shots on a small base (a recycled exit address) establish no
 * share of its own: the self-clicker with them scores as without. */
static void test_one_shot_own_pages(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec one_zone = { .pub = 96, .imps = 100000, .clicks = 500,
				     .cookieless = 0.3 };
	struct day_spec self = { .pub = 99, .imps = 100000, .clicks = 600,
				 .cookieless = 0.3 };
	struct pub_visits own = { .firsts = 20000, .oneshot = 300,
				  .rfirsts = 30000, .reshot = 400 };
	struct day_spec self2 = { .pub = 94, .imps = 100000, .clicks = 600,
				  .cookieless = 0.3 };
	struct pub_visits recycled = { .firsts = 3000, .oneshot = 250,
				       .rfirsts = 300, .reshot = 2 };

	(void)state;
	start_with_peers(&ps);
	for (uint32_t p = 1; p <= 10; p++)
		new_visits(&ps, p, 0, 20000, (300 + 30 * p) * 12 / 100);
	feed(&ps, &one_zone);
	assert_int_equal(pubscore_one_shot(&ps, 96, 0, &own), 0);
	feed(&ps, &self);
	new_visits(&ps, 99, 0, 3000, 250);
	feed(&ps, &self2);
	assert_int_equal(pubscore_one_shot(&ps, 94, 0, &recycled), 0);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_true(find(r, n, 99)->fired & (1u << PUB_R_ONE_SHOT));
	assert_float_equal(find(r, n, 94)->evidence[PUB_R_ONE_SHOT],
			   find(r, n, 99)->evidence[PUB_R_ONE_SHOT], 1e-9);
	assert_false(find(r, n, 96)->fired & (1u << PUB_R_ONE_SHOT));
	assert_true(find(r, n, 96)->evidence[PUB_R_ONE_SHOT] < 1);
	free(r);
	pubscore_release(&ps);
}

static void test_one_shot_clicks(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec self = { .pub = 99, .imps = 100000, .clicks = 600,
				 .cookieless = 0.3 };
	struct day_spec viral = { .pub = 98, .imps = 100000, .clicks = 500,
				  .cookieless = 0.3 };
	/* a landing zone people click at 3%, and the rest of its pages at
	 * 0.3%: an ordinary CTR in all */
	struct day_spec landing = { .pub = 97, .zone = 1, .imps = 5000,
				    .clicks = 150, .cookieless = 0.3 };
	struct day_spec pages = { .pub = 97, .zone = 2, .imps = 95000,
				  .clicks = 285, .cookieless = 0.3 };

	(void)state;
	start_with_peers(&ps);
	/* people: 60% of the visits that click their first impression
	 * leave, so 0.6 of the peers' CTR of new visits are one-shot */
	for (uint32_t p = 1; p <= 10; p++)
		new_visits(&ps, p, 0, 20000, (300 + 30 * p) * 12 / 100);
	/* a big publisher at an ordinary CTR, 250 of whose clicks come
	 * from fresh addresses that see one impression and click it */
	feed(&ps, &self);
	new_visits(&ps, 99, 0, 3000, 250);
	/* a viral page: 40,000 new visits, as clicked as the peers' */
	feed(&ps, &viral);
	new_visits(&ps, 98, 0, 40000, 120);
	/* new visits all land on the 3% zone: one-shot at its rate, six
	 * times the peers' one-shot rate and people's */
	feed(&ps, &landing);
	feed(&ps, &pages);
	new_visits(&ps, 97, 1, 5000, 90);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_int_equal(r[0].pub, 99);
	assert_int_equal(r[0].fired, 1u << PUB_R_ONE_SHOT);
	assert_true(r[0].stat[PUB_R_ONE_SHOT] > 10);
	assert_true(r[0].score > 0.99);
	for (size_t i = 1; i < n; i++) {
		assert_int_equal(r[i].fired, 0);
		assert_true(r[i].score < 0.5);
	}
	assert_true(find(r, n, 98)->stat[PUB_R_ONE_SHOT] < 1.5);
	assert_true(find(r, n, 97)->stat[PUB_R_ONE_SHOT] < 1.5);
	free(r);
	pubscore_release(&ps);
}

/* A botnet clicking from a fresh address every visit lands on every
 * publisher by its traffic: 200 one-shot clicks in each 20,000 new
 * visits.  On a publisher whose people click little (0.05%) they are twenty
 * times what its base explains, against about three on its peers; per
 * visit they are its peers' share, so it is no evidence.  A
 * self-clicker's one-shot clicks stay far beyond both. */
static void test_one_shot_spray(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec low = { .pub = 93, .imps = 100000, .clicks = 50,
				.cookieless = 0.3 };
	struct day_spec self = { .pub = 99, .imps = 100000, .clicks = 600,
				 .cookieless = 0.3 };

	(void)state;
	start_with_peers(&ps);
	for (uint32_t p = 1; p <= 10; p++)
		new_visits(&ps, p, 0, 20000,
			   (300 + 30 * p) * 12 / 100 + 200);
	feed(&ps, &low);
	new_visits(&ps, 93, 0, 20000, 200);
	feed(&ps, &self);
	new_visits(&ps, 99, 0, 3000, 250 + 30);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_true(find(r, n, 99)->fired & (1u << PUB_R_ONE_SHOT));
	assert_false(find(r, n, 93)->fired & (1u << PUB_R_ONE_SHOT));
	assert_true(find(r, n, 93)->evidence[PUB_R_ONE_SHOT] < 1);
	free(r);
	pubscore_release(&ps);
}

static void test_hourly_profile(void **state)
{
	static const double night[24] = { 0, 0, 5, 5, 5, 5 };
	static double spike[24];
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec farm = { .pub = 90, .imps = 50000, .clicks = 200,
				 .cookieless = 0.3, .click_hours = night };
	struct day_spec viral = { .pub = 91, .imps = 80000, .clicks = 400,
				  .cookieless = 0.3, .imp_hours = spike,
				  .click_hours = spike };
	/* two zones of one publisher: one seen by day at 0.1%, one seen at
	 * night (another time zone) at 3%: most clicks come at night, as
	 * their zone's impressions do */
	struct day_spec by_day = { .pub = 92, .zone = 1, .imps = 40000,
				   .clicks = 40, .cookieless = 0.3 };
	struct day_spec by_night = { .pub = 92, .zone = 2, .imps = 5000,
				     .clicks = 150, .cookieless = 0.3,
				     .imp_hours = night, .click_hours = night };
	/* a publisher a botnet clicked at night, the bots' clicks marked by
	 * the day pass alone: its valid clicks follow its impressions */
	struct day_spec own93 = { .pub = 93, .imps = 50000, .clicks = 200,
				  .cookieless = 0.3 };
	struct day_spec bots93 = { .pub = 93, .clicks = 200, .cookieless = 0.3,
				   .click_hours = night, .flagged = 1,
				   .flag_bits = IVT_DAY_ADDR };

	(void)state;
	/* a viral story at 14:00: impressions and clicks spike together */
	memcpy(spike, day, sizeof(spike));
	spike[14] = 80;
	start_with_peers(&ps);
	feed(&ps, &farm);
	feed(&ps, &viral);
	feed(&ps, &by_day);
	feed(&ps, &by_night);
	feed(&ps, &own93);
	feed(&ps, &bots93);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_int_equal(find(r, n, 90)->fired, 1u << PUB_R_HOURLY);
	assert_false(find(r, n, 93)->fired & (1u << PUB_R_HOURLY));
	assert_false(find(r, n, 92)->fired & (1u << PUB_R_HOURLY));
	assert_true(find(r, n, 92)->pvalue[PUB_R_HOURLY] > 1e-3);
	assert_true(find(r, n, 90)->pvalue[PUB_R_HOURLY] < 1e-6);
	assert_int_equal(find(r, n, 91)->fired, 0);
	assert_true(find(r, n, 91)->score < 0.2);
	free(r);
	pubscore_release(&ps);
}

/* A big publisher whose evening readers click a little more than its
 * daytime ones (evening clicks 2.2 times its impressions' weight, a
 * Jensen-Shannon distance of about 0.16): just past the floor, with
 * thousands of clicks.  Against "no difference" that is a chi-square
 * far in the tail; against a profile at the floor it is no evidence.
 * A night shift of as many clicks still is. */
static void test_hourly_minimum_effect(void **state)
{
	static double evening[24];
	static const double night[24] = { 0, 0, 5, 5, 5, 5 };
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec tilted = { .pub = 94, .imps = 600000, .clicks = 3000,
				   .cookieless = 0.3, .click_hours = evening };
	struct day_spec farm = { .pub = 90, .imps = 600000, .clicks = 3000,
				 .cookieless = 0.3, .click_hours = night };

	(void)state;
	memcpy(evening, day, sizeof(evening));
	for (int h = 18; h < 24; h++)
		evening[h] *= 2.2;
	start_with_peers(&ps);
	feed(&ps, &tilted);
	feed(&ps, &farm);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_true(find(r, n, 94)->stat[PUB_R_HOURLY] > 0.15);
	assert_true(find(r, n, 94)->evidence[PUB_R_HOURLY] < 3);
	assert_false(find(r, n, 94)->fired & (1u << PUB_R_HOURLY));
	assert_true(find(r, n, 90)->fired & (1u << PUB_R_HOURLY));
	assert_true(find(r, n, 90)->evidence[PUB_R_HOURLY] > 100);
	free(r);
	pubscore_release(&ps);
}

/* Patnaik's fit: no non-centrality is the central chi-square; the
 * statistic at the non-central mean is near the middle. */
static void test_ncchi2(void **state)
{
	(void)state;
	assert_float_equal(pubscore_ncchi2_log10sf(30, 23, 0),
			   pubscore_chi2_log10sf(30, 23), 1e-12);
	assert_float_equal(pow(10, pubscore_ncchi2_log10sf(23 + 375, 23, 375)),
			   0.5, 0.05);
	assert_true(pubscore_ncchi2_log10sf(2000, 23, 375) < -100);
}

static void test_merge_equals_one_pass(void **state)
{
	struct pubscore all, hour[3], merged;
	struct pub_result *ra, *rm;
	size_t na, nm;
	struct day_spec d = { .imps = 20000, .clicks = 120, .cookieless = 0.4,
			      .click_addrs = 40 };

	(void)state;
	start(&all);
	start(&merged);
	for (int h = 0; h < 3; h++) {
		start(&hour[h]);
		for (uint32_t p = 1; p <= 4; p++) {
			uint64_t save = rng;

			d.pub = p;
			d.clicks = 120 + 600 * (p == 4);
			feed(&hour[h], &d);
			rng = save;          /* the same events into both */
			feed(&all, &d);
		}
		assert_int_equal(pubscore_merge(&merged, &hour[h]), 0);
		pubscore_release(&hour[h]);
	}
	assert_int_equal(pubscore_finish(&all, &ra, &na), 0);
	assert_int_equal(pubscore_finish(&merged, &rm, &nm), 0);
	assert_int_equal(na, 4);
	assert_int_equal(nm, 4);
	for (size_t i = 0; i < na; i++) {
		assert_int_equal(ra[i].pub, rm[i].pub);
		assert_int_equal(ra[i].imps, rm[i].imps);
		assert_int_equal(ra[i].clicks, rm[i].clicks);
		assert_int_equal(ra[i].fired, rm[i].fired);
		assert_true(fabs(ra[i].score - rm[i].score) < 1e-9);
	}
	assert_int_equal(ra[0].pub, 4);
	free(ra);
	free(rm);
	pubscore_release(&all);
	pubscore_release(&merged);
}

static void test_givt_ignored(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct pub_event e = { .pub = 3, .type = 'c', .reasons = 0x1 };

	(void)state;
	start(&ps);
	assert_int_equal(pubscore_event(&ps, &e), 0);
	e.type = 'i';
	e.reasons = 0;
	assert_int_equal(pubscore_event(&ps, &e), 0);
	e.reasons = 1u << 18;          /* an analyze reason: counted, not valid */
	assert_int_equal(pubscore_event(&ps, &e), 0);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].clicks, 0);
	assert_int_equal(r[0].imps, 2);
	assert_int_equal(r[0].valid_imps, 1);
	free(r);
	pubscore_release(&ps);
}

/* An honest small publisher that suffers: one visitor's tab reloading a
 * zone 200 times over ten hours (the event rules flag the reloads
 * imp_flood and imp_stack) and a crawler (ingest's bit) score below a
 * self-clicker, unflagged, with the suffered traffic counted; a publisher
 * stacking frames for sixty visitors all day is flagged. */
static void test_suffered_below_self_clicker(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec victim = { .pub = 50, .imps = 5000, .clicks = 22,
				   .cookieless = 0.3 };
	struct day_spec fraud = { .pub = 99, .imps = 10000, .clicks = 300,
				  .cookieless = 0.3 };
	const struct pub_result *v;

	(void)state;
	start_with_peers(&ps);
	feed(&ps, &victim);
	feed(&ps, &fraud);                  /* CTR 3%: about 7x peers */
	for (int i = 0; i < 200; i++) {
		send(&ps, (struct pub_event){
			.pub = 50, .type = 'i', .hour = (uint8_t)(8 + i % 10),
			.has_uid = true, .addr = 777,
			.reasons = IVT_IMP_STACK | (i % 4 ? IVT_IMP_FLOOD : 0) });
	}
	for (int i = 0; i < 40; i++) {     /* its second clicks */
		send(&ps, (struct pub_event){
			.pub = 50, .type = 'c', .hour = 14, .addr = 777,
			.reasons = IVT_DUP_CLICK });
	}
	for (int i = 0; i < 3000; i++) {   /* a crawler */
		send(&ps, (struct pub_event){
			.pub = 50, .type = 'i', .hour = (uint8_t)(i % 24),
			.addr = 888, .reasons = 0x1 });
	}
	for (int i = 0; i < 600; i++) {    /* a stacker's 60 visitors */
		send(&ps, (struct pub_event){
			.pub = 51, .type = 'i', .hour = (uint8_t)(i % 24),
			.has_uid = true, .addr = 900 + (uint64_t)(i % 60),
			.reasons = IVT_IMP_STACK });
	}
	victim.pub = 51;
	feed(&ps, &victim);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_true(find(r, n, 51)->fired & (1u << PUB_R_INVALID));
	assert_true(find(r, n, 51)->suffered[PUB_S_BURST] < 100);
	v = find(r, n, 50);
	assert_true(find(r, n, 99)->fired & (1u << PUB_R_CTR));
	assert_int_equal(v->fired, 0);
	assert_true(v->score < pubscore_flag_score(&ps.p));
	assert_true(v->score < find(r, n, 99)->score);
	assert_true(v->evidence[PUB_R_INVALID] < 1);
	assert_int_equal(v->suffered[PUB_S_GIVT], 3000);
	assert_int_equal(v->suffered[PUB_S_DUP_CLICK], 40);
	assert_int_equal(v->suffered[PUB_S_IMP_FLOOD], 0);  /* imp_stack too */
	assert_int_equal(v->suffered[PUB_S_BURST], 197);
	assert_int_equal(v->imps, 5200);
	assert_int_equal(v->clicks, 62);
	free(r);
	pubscore_release(&ps);
}

/* One keen person on a phone, a kept uid over 40 of a carrier's
 * addresses, clicks 70 of 600 impressions of an honest publisher, and
 * the day pass marks all of it (day_addr): one visitor's burst, as on
 * one address, taken out of invalid_share; 60 visitors' are not. */
static void test_suffered_roaming_visitor(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec honest = { .pub = 52, .imps = 20000, .clicks = 80,
				   .cookieless = 0.3 };
	const struct pub_result *v;

	(void)state;
	start_with_peers(&ps);
	feed(&ps, &honest);
	honest.pub = 53;
	feed(&ps, &honest);
	for (int i = 0; i < 670; i++) {
		send(&ps, (struct pub_event){
			.pub = 52, .type = i < 600 ? 'i' : 'c',
			.hour = (uint8_t)(i % 24), .has_uid = true,
			.addr = 5000 + (uint64_t)(i % 40), .visitor = 4242,
			.reasons = IVT_DAY_ADDR });
		send(&ps, (struct pub_event){
			.pub = 53, .type = i < 600 ? 'i' : 'c',
			.hour = (uint8_t)(i % 24), .has_uid = true,
			.addr = 6000 + (uint64_t)(i % 60),
			.visitor = 7000 + (uint64_t)(i % 60),
			.reasons = IVT_DAY_ADDR });
	}
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	v = find(r, n, 52);
	assert_true(v->evidence[PUB_R_INVALID] < 1);
	assert_true(v->suffered[PUB_S_BURST] >= 660);
	assert_true(find(r, n, 53)->fired & (1u << PUB_R_INVALID));
	free(r);
	pubscore_release(&ps);
}

/* An honest publisher a click spammer aims at: 100 cookieless clicks from
 * one address on ads its pages never showed (no_impression and
 * addr_ctr, half of them replays: dup_click too) are
 * suffered, and neither its cookieless, its address-concentration nor
 * its unshown_clicks test fires on them; a publisher whose pages make 300
 * visitors fetch click URLs unseen (cookie stuffing: unsigned_deny, or
 * no_impression) fires unshown_clicks and ranks first. */
static void test_click_spam_suffered(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec victim = { .pub = 60, .imps = 20000, .clicks = 80,
				   .cookieless = 0.3 };
	struct day_spec stuffer = { .pub = 61, .imps = 20000, .clicks = 80,
				    .cookieless = 0.3 };
	const struct pub_result *v;

	(void)state;
	start_with_peers(&ps);
	feed(&ps, &victim);
	for (int i = 0; i < 100; i++) {
		send(&ps, (struct pub_event){
			.pub = 60, .type = 'c', .hour = (uint8_t)(10 + i % 3),
			.addr = 4242, .reasons = IVT_NO_IMPRESSION | IVT_ADDR_CTR |
					      (i % 2 ? IVT_DUP_CLICK : 0) });
	}
	feed(&ps, &stuffer);
	for (int i = 0; i < 300; i++) {    /* its visitors' unseen clicks */
		send(&ps, (struct pub_event){
			.pub = 61, .type = 'c', .hour = (uint8_t)(i % 24),
			.has_uid = true, .addr = 5000 + (uint64_t)i,
			.reasons = i % 5 ? SEG_R_UNSIGNED_DENY : IVT_NO_IMPRESSION });
	}
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_int_equal(r[0].pub, 61);
	assert_true(r[0].fired & (1u << PUB_R_UNSHOWN));
	v = find(r, n, 60);
	assert_int_equal(v->fired, 0);
	assert_true(v->evidence[PUB_R_UNSHOWN] < 1);
	assert_true(v->score < pubscore_flag_score(&ps.p));
	assert_int_equal(v->suffered[PUB_S_NO_IMPRESSION] +
			 v->suffered[PUB_S_DUP_CLICK], 100);
	assert_int_equal(v->clicks, 180);   /* every click ingest kept */
	free(r);
	pubscore_release(&ps);
}

/* Ten more honest publishers (21-30), 50k impressions each, with the
 * 0.2% of events the rules flag on any publisher. */
static void flagged_background(struct pubscore *ps)
{
	for (uint32_t p = 21; p <= 30; p++) {
		struct day_spec d = { .pub = p, .imps = 50000, .clicks = 200,
				      .cookieless = 0.3, .flagged = 0.002,
				      .flag_bits = IVT_ADDR_CTR };

		feed(ps, &d);
	}
}

/* A token replayer clicks one impression's token from 600 addresses, one
 * click each: dup_click alone on all but the first.  A duplicate earns no
 * one anything, so the publisher suffers them however many addresses
 * send them: invalid_share stays quiet. */
static void test_replays_suffered(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec victim = { .pub = 63, .imps = 20000, .clicks = 80,
				   .cookieless = 0.3 };
	const struct pub_result *v;

	(void)state;
	start_with_peers(&ps);
	flagged_background(&ps);
	feed(&ps, &victim);
	for (uint64_t i = 0; i < 600; i++)
		send(&ps, (struct pub_event){
			.pub = 63, .type = 'c', .hour = (uint8_t)(i % 24),
			.has_uid = true, .addr = 70000 + i,
			.reasons = IVT_DUP_CLICK });
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	v = find(r, n, 63);
	assert_int_equal(v->suffered[PUB_S_DUP_CLICK], 600);
	assert_true(v->evidence[PUB_R_INVALID] < 1);
	assert_int_equal(v->fired, 0);
	free(r);
	pubscore_release(&ps);
}

/* One publisher whose own traffic is mostly flagged (600,000 injected
 * impressions, imp_stack from many addresses) is no one's peer: a farm
 * publisher with 6,000 flagged events in 200,000 is measured against the
 * publishers where invalid_share did not fire, and fires too. */
static void test_invalid_peers_exclude_fired(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec injector = { .pub = 64, .imps = 600000, .clicks = 300,
				     .cookieless = 0.3, .flagged = 0.95 };
	struct day_spec farm = { .pub = 65, .imps = 200000, .clicks = 800,
				 .cookieless = 0.3, .flagged = 0.03,
				 .flag_bits = IVT_ADDR_CTR };

	(void)state;
	start_with_peers(&ps);
	flagged_background(&ps);
	feed(&ps, &injector);
	feed(&ps, &farm);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_true(find(r, n, 64)->fired & (1u << PUB_R_INVALID));
	assert_true(find(r, n, 65)->fired & (1u << PUB_R_INVALID));
	for (uint32_t p = 1; p <= 30; p++)
		if (p <= 10 || p >= 21)
			assert_int_equal(find(r, n, p)->fired, 0);
	free(r);
	pubscore_release(&ps);
}

/* A botnet spraying click URLs it never saw picks publishers by their
 * traffic: one unshown click (unsigned_deny) in 2,000 impressions on
 * every publisher.  A big publisher whose people click little (40
 * clicks in 400k impressions) gets 200 of them, most of its clicks, but
 * no more per impression than its peers: unshown_clicks stays quiet. */
static void test_spray_suffered(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec quiet = { .pub = 62, .imps = 400000, .clicks = 40,
				  .cookieless = 0.3 };
	uint64_t addr = 90000;
	const struct pub_result *v;

	(void)state;
	start_with_peers(&ps);
	feed(&ps, &quiet);
	for (uint32_t p = 1; p <= 62; p++) {
		uint32_t sprayed = p == 62 ? 200 : p <= 10 ? 50 : 0;

		for (uint32_t i = 0; i < sprayed; i++) {
			send(&ps, (struct pub_event){
				.pub = p, .type = 'c',
				.hour = (uint8_t)(i % 24), .addr = addr++,
				.reasons = SEG_R_UNSIGNED_DENY });
		}
	}
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	v = find(r, n, 62);
	assert_true(v->tested & (1u << PUB_R_UNSHOWN));
	assert_true(v->evidence[PUB_R_UNSHOWN] < 1);
	assert_int_equal(v->fired, 0);
	free(r);
	pubscore_release(&ps);
}

/* Self-clickers of different strength order by strength, without ties and
 * without a cap: a publisher clicking a fifth of its impressions scores far
 * above one at 5%, whose p-value is already under 1e-300.  Thirty honest
 * peers, so that the self-clickers do not make the pooled peer CTR. */
static void test_strength_orders(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec d[] = {
		{ .pub = 95, .imps = 10000, .clicks = 250, .cookieless = 0.3 },
		{ .pub = 96, .imps = 10000, .clicks = 350, .cookieless = 0.3 },
		{ .pub = 97, .imps = 30000, .clicks = 1500, .cookieless = 0.3 },
		{ .pub = 98, .imps = 10000, .clicks = 2000, .cookieless = 0.3 },
	};

	(void)state;
	start(&ps);
	for (uint32_t p = 1; p <= 30; p++) {
		struct day_spec h = { .pub = p, .imps = 100000,
				      .clicks = 300 + 10 * p,
				      .cookieless = 0.3 };

		feed(&ps, &h);
	}
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		feed(&ps, &d[i]);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	assert_int_equal(r[0].pub, 98);
	assert_int_equal(r[1].pub, 97);
	assert_int_equal(r[2].pub, 96);
	assert_int_equal(r[3].pub, 95);
	for (size_t i = 0; i < 4; i++)
		assert_true(r[i].fired & (1u << PUB_R_CTR));
	for (size_t i = 0; i + 1 < 4; i++)
		assert_true(r[i].score > r[i + 1].score);      /* no ties */
	assert_true(r[0].score > 30);
	assert_true(isfinite(r[0].score));
	assert_true(r[1].score < r[0].score / 2);
	free(r);
	pubscore_release(&ps);
}

/* Forty honest publishers whose CTRs spread as placements' do (0.2% to
 * 1.1%, a log SD of about 0.5) and one more at 2%, 4 times the middle one:
 * its 2,000 clicks are far past 3 times the others' pooled CTR
 * (binomial), but a ratio the spread makes likely (z about 2.8) is no
 * evidence, and it stays among the peers the others are measured
 * against again.  A self-clicker at 30%, 60 times the middle one, still
 * is. */
/* Publisher p's clicks of 100,000 impressions: CTRs from 0.2% to 1.1%. */
static uint64_t spread_clicks(uint32_t p)
{
	return (uint64_t)(500 * exp(1.7 * ((p - 0.5) / 40 - 0.5)));
}

static void test_ctr_within_spread(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	uint64_t c = 2000;           /* the peers' clicks but 20's: 90's */
	struct day_spec high = { .pub = 90, .imps = 100000, .clicks = 2000,
				 .cookieless = 0.3 };
	struct day_spec self = { .pub = 91, .imps = 2000, .clicks = 600,
				 .cookieless = 0.3 };
	const struct pub_result *h, *f;
	struct pub_spreads sp;

	(void)state;
	start(&ps);
	for (uint32_t p = 1; p <= 40; p++) {
		struct day_spec d = { .pub = p, .imps = 100000,
				      .clicks = spread_clicks(p),
				      .cookieless = 0.3 };

		feed(&ps, &d);
		c += p == 20 ? 0 : d.clicks;
	}
	feed(&ps, &high);
	feed(&ps, &self);
	assert_int_equal(pubscore_finish_spread(&ps, &r, &n, &sp), 0);
	/* the spread the caps used, as the report shows it: all 42 tested;
	 * log CTRs uniform over 1.7, whose MAD is 1.7 / 4, times 1.4826
	 * (0.63; 42 points, two of them far out, make it 0.68); centred
	 * below 0, as the median CTR is under the others' pooled one (a
	 * log-uniform's mean is above its median, and 90's and 91's
	 * clicks are in the pool) */
	assert_int_equal(sp.ctr.n, 42);
	assert_true(fabs(sp.ctr.tau - 1.4826 * 1.7 / 4) < 0.08);
	assert_true(sp.ctr.mu > -0.25 && sp.ctr.mu < -0.05);
	h = find(r, n, 90);
	f = find(r, n, 91);
	assert_true(h->stat[PUB_R_CTR] > 3.5);
	assert_true(excess_binom_log10sf(h->clicks, h->imps,
					 3 * 0.005) < -20);
	assert_int_equal(h->fired, 0);
	assert_true(h->score < 3);
	assert_true(f->fired & (1u << PUB_R_CTR));
	assert_int_equal(r[0].pub, 91);
	/* the retest measures the others against every publisher but the
	 * one past the spread (91): 90 stays among 20's 40 peers */
	assert_true(fabs(find(r, n, 20)->stat[PUB_R_CTR] -
			 (double)spread_clicks(20) / 100000 /
			 ((double)c / (40 * 100000.0))) < 1e-9);
	free(r);
	pubscore_release(&ps);
}

/* Forty honest publishers whose cookieless shares spread as audiences'
 * do (25% to 65% of clicks) and one more at 85% with 4,000 clicks: past
 * the others' pooled share plus 0.3 (binomial), but a log odds ratio the
 * spread makes likely is no evidence.  A publisher with 97% of its
 * clicks cookieless still is. */
static void test_cookieless_within_spread(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec high = { .pub = 90, .imps = 400000, .clicks = 4000,
				 .cookieless = 0.85 };
	struct day_spec bot = { .pub = 91, .imps = 100000, .clicks = 1000,
				.cookieless = 0.97 };
	const struct pub_result *h, *f;

	(void)state;
	start(&ps);
	for (uint32_t p = 1; p <= 40; p++) {
		struct day_spec d = { .pub = p, .imps = 100000, .clicks = 450,
				      .cookieless = 0.25 + 0.4 * (p - 0.5) /
						    40 };

		feed(&ps, &d);
	}
	feed(&ps, &high);
	feed(&ps, &bot);
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	h = find(r, n, 90);
	f = find(r, n, 91);
	assert_true(excess_binom_log10sf(h->clicks * 17 / 20, h->clicks,
					 0.45 + 0.3) < -6);
	assert_int_equal(h->fired & (1u << PUB_R_COOKIELESS), 0);
	assert_true(h->evidence[PUB_R_COOKIELESS] < 3);
	assert_true(f->fired & (1u << PUB_R_COOKIELESS));
	free(r);
	pubscore_release(&ps);
}

/* Twenty publishers of 500 clicks whose audiences keep their cookies (one
 * cookieless click among them all): a publisher's share, add-one-half,
 * is no normal estimate when the others' share makes under 5 cookieless
 * clicks of its 500 expected, so none is in cookieless_clicks' spread
 * (the binomial alone decides), while all are in ctr_high's. */
static void test_spread_needs_counts(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct pub_spreads sp;

	(void)state;
	start(&ps);
	for (uint32_t p = 1; p <= 20; p++) {
		struct day_spec d = { .pub = p, .imps = 100000, .clicks = 500,
				      .cookieless = p == 1 ? 0.002 : 0 };

		feed(&ps, &d);
	}
	assert_int_equal(pubscore_finish_spread(&ps, &r, &n, &sp), 0);
	assert_int_equal(sp.cookieless.n, 0);
	assert_int_equal(sp.ctr.n, 20);
	free(r);
	pubscore_release(&ps);
}

/* A huge honest publisher whose CTR is 20% above its peers': a p-value
 * against the peers' CTR under 1e-30, but no evidence against the floor of
 * pub_ctr_ratio times it: not flagged. */
static void test_huge_honest_not_flagged(void **state)
{
	struct pubscore ps;
	struct pub_result *r;
	size_t n;
	struct day_spec big = { .pub = 40, .imps = 2000000, .clicks = 10800,
				.cookieless = 0.3 };
	const struct pub_result *b;

	(void)state;
	start_with_peers(&ps);
	feed(&ps, &big);                    /* 0.54% against 0.45% */
	assert_int_equal(pubscore_finish(&ps, &r, &n), 0);
	b = find(r, n, 40);
	assert_true(b->stat[PUB_R_CTR] > 1.1 && b->stat[PUB_R_CTR] < 1.3);
	assert_true(excess_binom_sf(b->clicks, b->imps, 0.0045) < 1e-30);
	assert_int_equal(b->fired, 0);
	assert_true(b->score < 1);
	free(r);
	pubscore_release(&ps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_math),
		cmocka_unit_test(test_excess_precision),
		cmocka_unit_test(test_self_clicker_ranks_first),
		cmocka_unit_test(test_peer_ctr_is_peoples),
		cmocka_unit_test(test_small_honest_not_flagged),
		cmocka_unit_test(test_three_addresses),
		cmocka_unit_test(test_cookieless_clicks),
		cmocka_unit_test(test_referer_outside),
		cmocka_unit_test(test_invalid_share),
		cmocka_unit_test(test_high_ctr_addrs),
		cmocka_unit_test(test_high_ctr_addrs_spread),
		cmocka_unit_test(test_hourly_profile),
		cmocka_unit_test(test_hourly_minimum_effect),
		cmocka_unit_test(test_one_shot_own_pages),
		cmocka_unit_test(test_one_shot_spray),
		cmocka_unit_test(test_ncchi2),
		cmocka_unit_test(test_one_shot_clicks),
		cmocka_unit_test(test_merge_equals_one_pass),
		cmocka_unit_test(test_givt_ignored),
		cmocka_unit_test(test_suffered_below_self_clicker),
		cmocka_unit_test(test_suffered_roaming_visitor),
		cmocka_unit_test(test_click_spam_suffered),
		cmocka_unit_test(test_spray_suffered),
		cmocka_unit_test(test_replays_suffered),
		cmocka_unit_test(test_invalid_peers_exclude_fired),
		cmocka_unit_test(test_strength_orders),
		cmocka_unit_test(test_ctr_within_spread),
		cmocka_unit_test(test_cookieless_within_spread),
		cmocka_unit_test(test_spread_needs_counts),
		cmocka_unit_test(test_huge_honest_not_flagged),
		cmocka_unit_test(test_botnet_everywhere_not_ctr),
		cmocka_unit_test(test_high_ctr_addrs_one_office),
		cmocka_unit_test(test_high_ctr_addrs_farm_lands),
		cmocka_unit_test(test_botnet_cookieless_suffered),
	};

	return cmocka_run_group_tests_name("pubscore", tests, NULL, NULL);
}
