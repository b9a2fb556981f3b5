/* test_gen.c - adlog-gen's library driven into memory: every line parses
 * back, the same seed gives the same bytes, and the traffic has the shapes
 * the docs promise (click share, cookieless visitors, in-app browsers,
 * clicks that follow their impression, ids consistent with the network). */
#define _GNU_SOURCE   /* memmem */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "event.h"
#include "eventid.h"
#include "../../gen/gen.h"
#include "../../gen/out.h"
#include "../../gen/world.h"
#include "inventory.h"
#include "spool.h"
#include "utchour.h"

#define HOUR_MS 3600000LL
#define IMP_SET (1u << 18)

struct mem {
	uint64_t hash;            /* XXH64 chain of every line */
	uint64_t lines, rejects, clicks, impressions;
	uint64_t no_uid, uid_new, no_token, valid, ipv6, inapp;
	uint64_t click_without_imp, click_before_imp, bad_ids, out_of_hour;
	uint64_t out_of_order, ref_not_pub;
	int64_t hour_ms, last_ts[GEN_NODES_MAX];
	uint64_t hours_opened, hours_closed;
	uint64_t per_hour[48];
	struct world *w;
	uint64_t *imps;           /* open-addressing set of impression ids */
	int64_t *imp_ts;
};

static void imp_add(struct mem *m, uint64_t id, int64_t ts)
{
	uint32_t i = (uint32_t)(id * 0x9e3779b97f4a7c15ull >> 46);

	while (m->imps[i])
		i = (i + 1) & (IMP_SET - 1);
	m->imps[i] = id;
	m->imp_ts[i] = ts;
}

static int64_t imp_find(const struct mem *m, uint64_t id)
{
	uint32_t i = (uint32_t)(id * 0x9e3779b97f4a7c15ull >> 46);

	while (m->imps[i]) {
		if (m->imps[i] == id)
			return m->imp_ts[i];
		i = (i + 1) & (IMP_SET - 1);
	}
	return -1;
}

static int mem_hour_open(void *ctx, int64_t hour_ms)
{
	struct mem *m = ctx;

	m->hour_ms = hour_ms;
	m->hours_opened++;
	return 0;
}

static int mem_hour_close(void *ctx, int64_t hour_ms)
{
	struct mem *m = ctx;

	assert_int_equal(hour_ms, m->hour_ms);
	m->hours_closed++;
	return 0;
}

static int mem_event(void *ctx, const struct event *in, uint32_t node,
		     uint32_t label)
{
	struct mem *m = ctx;
	char line[EVENT_LINE_MAX];
	struct event ev;
	size_t len = event_render(in, line, sizeof(line)), off;

	assert_int_equal(label, GEN_LABEL_VALID);
	assert_true(len > 0);
	m->hash = XXH64(line, len, m->hash);
	m->lines++;
	if (event_parse(line, len - 1, &ev, &off) != EVENT_OK) {
		m->rejects++;
		return 0;
	}
	if (ev.ts_ms < m->hour_ms || ev.ts_ms >= m->hour_ms + HOUR_MS)
		m->out_of_hour++;
	if (ev.ts_ms < m->last_ts[node])
		m->out_of_order++;
	m->last_ts[node] = ev.ts_ms;
	m->per_hour[(m->hours_opened - 1) % 48]++;
	if (eventid_node(ev.id) != node || eventid_ms(ev.id) < ev.ts_ms)
		m->bad_ids++;
	m->no_uid += !ev.has_uid;
	m->uid_new += !!(ev.flags & EVENT_F_UID_NEW);
	m->ipv6 += ev.ip.family == 6;
	if (memmem(in->ua.ptr, in->ua.len, "MicroMessenger", 14) ||
	    memmem(in->ua.ptr, in->ua.len, "FBAV/", 5) ||
	    memmem(in->ua.ptr, in->ua.len, "Instagram", 9) ||
	    memmem(in->ua.ptr, in->ua.len, "UCBrowser", 9))
		m->inapp++;

	/* ids agree with the network: pub from the zone, camp from the ad */
	const struct world *w = m->w;
	assert_true(ev.zone >= 1 && ev.zone <= w->nzones);
	assert_true(ev.ad >= 1 && ev.ad <= w->nads);
	const struct world_zone *z = &w->zones[ev.zone - 1];
	const struct world_ad *ad = &w->ads[ev.ad - 1];
	assert_int_equal(ev.pub, w->pubs[z->pub].id);
	assert_int_equal(ev.camp, w->camps[ad->camp].id);
	assert_int_equal(z->size, ad->size);
	if (in->ref.len) {
		const char *d = w->pubs[z->pub].domain;
		if (!memmem(in->ref.ptr, in->ref.len, d, strlen(d)))
			m->ref_not_pub++;
	}

	if (ev.type == EVENT_IMPRESSION) {
		m->impressions++;
		imp_add(m, ev.id, ev.ts_ms);
		return 0;
	}
	m->clicks++;
	if (ev.flags & EVENT_F_NO_TOKEN) {
		m->no_token++;
		assert_true(ad->unsigned_ok);
		return 0;
	}
	assert_true(ev.flags & EVENT_F_TOKEN_VALID);
	m->valid++;
	int64_t its = imp_find(m, ev.imp);
	if (its < 0)
		m->click_without_imp++;
	else if (its >= ev.ts_ms)
		m->click_before_imp++;
	return 0;
}

static void run(struct mem *m, const struct gen_opts *o)
{
	struct gen_sink sink = { m, mem_hour_open, mem_event, mem_hour_close };
	struct gen_stats st;
	struct world_params wp = o->world;
	char err[256];

	memset(m, 0, sizeof(*m));
	m->w = calloc(1, sizeof(*m->w));
	m->imps = calloc(IMP_SET, sizeof(*m->imps));
	m->imp_ts = calloc(IMP_SET, sizeof(*m->imp_ts));
	assert_non_null(m->w);
	assert_non_null(m->imps);
	assert_non_null(m->imp_ts);
	wp.seed = o->seed;
	assert_int_equal(world_build(m->w, &wp, err, sizeof(err)), 0);
	assert_int_equal(gen_run(o, &sink, &st, err, sizeof(err)), 0);
	assert_int_equal(st.lines, m->lines);
	assert_int_equal(st.clicks, m->clicks);
	world_release(m->w);
	free(m->w);
	free(m->imps);
	free(m->imp_ts);
	m->w = NULL;
}

static void small_opts(struct gen_opts *o, uint64_t seed)
{
	gen_opts_default(o);
	o->seed = seed;
	o->events = 60000;
	o->hours = 3;
	o->nodes = 3;
}

static void test_parses_back_with_zero_rejects(void **state)
{
	struct gen_opts o;
	struct mem m;

	(void)state;
	small_opts(&o, 7);
	run(&m, &o);
	assert_int_equal(m.lines, 60000);
	assert_int_equal(m.rejects, 0);
	assert_int_equal(m.out_of_hour, 0);
	assert_int_equal(m.out_of_order, 0);
	assert_int_equal(m.bad_ids, 0);
	assert_int_equal(m.hours_opened, 3);
	assert_int_equal(m.hours_closed, 3);
	assert_int_equal(m.ref_not_pub, 0);
}

static void test_same_seed_same_bytes(void **state)
{
	struct gen_opts o;
	struct mem a, b, c;

	(void)state;
	small_opts(&o, 42);
	run(&a, &o);
	run(&b, &o);
	o.seed = 43;
	run(&c, &o);
	assert_true(a.hash == b.hash);
	assert_true(a.hash != c.hash);
}

static void test_traffic_shapes(void **state)
{
	struct gen_opts o;
	struct mem m;

	(void)state;
	small_opts(&o, 1);
	o.events = 200000;
	run(&m, &o);
	double click_share = (double)m.clicks / (double)m.lines;
	print_message("clicks %.3f%%, no uid %.1f%%, uid_new %.1f%%, ipv6 "
		      "%.1f%%, in-app %.1f%%, unsigned clicks %llu\n",
		      100 * click_share, 100.0 * m.no_uid / m.lines,
		      100.0 * m.uid_new / m.lines, 100.0 * m.ipv6 / m.lines,
		      100.0 * m.inapp / m.lines, (unsigned long long)m.no_token);
	assert_true(click_share >= 0.001 && click_share <= 0.01);
	/* as from serve, every line has a uid; a fresh one (UID_NEW) on a
	 * cookie visitor's first sight and on every cookieless request: a
	 * minority, but more than first sights alone (about 10%) */
	assert_int_equal(m.no_uid, 0);
	assert_true(m.uid_new > m.lines * 3 / 20 && m.uid_new < m.lines / 2);
	assert_true(m.inapp > m.lines / 50);
	assert_true(m.ipv6 > m.lines / 50 && m.ipv6 < m.lines / 2);
	assert_true(m.no_token > 0 && m.no_token < m.clicks / 5);
	/* every signed click follows an impression it names */
	assert_int_equal(m.click_without_imp, 0);
	assert_int_equal(m.click_before_imp, 0);
}

static void test_daily_curve(void **state)
{
	struct gen_opts o;
	struct mem m;
	uint64_t lo = UINT64_MAX, hi = 0, sum = 0;

	(void)state;
	gen_opts_default(&o);
	o.events = 48000;
	o.hours = 24;
	run(&m, &o);
	for (int h = 0; h < 24; h++) {
		lo = m.per_hour[h] < lo ? m.per_hour[h] : lo;
		hi = m.per_hour[h] > hi ? m.per_hour[h] : hi;
		sum += m.per_hour[h];
	}
	assert_int_equal(sum, 48000);
	assert_true(hi > lo * 3 / 2);
	assert_int_equal(m.rejects, 0);
}

static void test_hour_names(void **state)
{
	char buf[11];
	uint32_t h;

	(void)state;
	hour_format(hour_of_ms(1767225600000LL), buf);
	assert_string_equal(buf, "2026010100");
	hour_format(hour_of_ms(1709175600000LL + 123), buf); /* 2024-02-29 03:00 */
	assert_string_equal(buf, "2024022903");
	assert_int_equal(hour_parse("2024022903", 10, &h), 0);
	assert_true(hour_start_ms(h) == 1709175600000LL);
	assert_int_equal(hour_parse("2023022903", 10, &h), -EINVAL);
	assert_int_equal(hour_parse("2026013124", 10, &h), -EINVAL);
	assert_int_equal(hour_parse("202601010", 9, &h), -EINVAL);
	assert_int_equal(hour_parse("20260101x0", 10, &h), -EINVAL);
}

static void test_bad_options(void **state)
{
	struct gen_opts o;
	struct mem m = { 0 };
	struct gen_sink sink = { &m, mem_hour_open, mem_event, mem_hour_close };
	struct gen_stats st;
	char err[256];

	(void)state;
	gen_opts_default(&o);
	o.start_ms += 1000;   /* not a whole hour */
	assert_int_equal(gen_run(&o, &sink, &st, err, sizeof(err)), -EINVAL);
	gen_opts_default(&o);
	o.nodes = 0;
	assert_int_equal(gen_run(&o, &sink, &st, err, sizeof(err)), -EINVAL);
	assert_int_equal(m.lines, 0);
}

/* --write-inventory gives a file serve accepts, describing the same
 * network the traffic uses: every zone has an eligible ad. */
static void test_inventory_loads_in_serve(void **state)
{
	struct world_params wp = { .seed = 3, .pubs = 50, .zones = 400,
				   .camps = 20, .ads = 200 };
	struct world w;
	struct inventory *inv = NULL;
	char err[256], *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(world_build(&w, &wp, err, sizeof(err)), 0);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(world_write_inventory(&w, f), 0);
	fclose(f);
	if (inventory_parse(text, len, "gen", &inv, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(inv->npubs, 50);
	assert_int_equal(inv->nzones, 400);
	assert_int_equal(inv->ncamps, 20);
	assert_int_equal(inv->nads, 200);
	for (uint32_t i = 0; i < w.nzones; i++) {
		const struct inv_zone *z = inventory_zone(inv, w.zones[i].id);

		assert_non_null(z);
		assert_int_equal(z->pub, w.pubs[w.zones[i].pub].id);
		assert_non_null(inventory_pick(inv, z, 1767225600000LL, i));
	}
	inventory_free(inv);
	free(text);
	world_release(&w);
}

/* --inventory: traffic uses the file's ids, and only ads serve could show
 * (weight > 0, campaign active and running during the span). */
static const char small_inventory[] =
	"adlog-inventory\t1\n"
	"version\tt1\n"
	"pub\t10\tAlpha\talpha.example,alpha.example.org\n"
	"pub\t20\tBeta\t-\n"
	"camp\t5\t1\t1577836800\t0\tactive\n"
	"camp\t6\t1\t1577836800\t0\tpaused\n"
	"camp\t7\t2\t1577836800\t1600000000\tactive\n"
	"zone\t100\t10\t300\t250\n"
	"zone\t101\t10\t728\t90\n"
	"zone\t200\t20\t300\t250\n"
	"zone\t201\t20\t160\t600\n"
	"ad\t1000\t5\t300\t250\t10\t0\thttps://i.example/a.png\thttps://l.example/\n"
	"ad\t1001\t5\t728\t90\t5\t1\thttps://i.example/b.png\thttps://l.example/\n"
	"ad\t1002\t6\t300\t250\t10\t0\thttps://i.example/c.png\thttps://l.example/\n"
	"ad\t1003\t7\t300\t250\t10\t0\thttps://i.example/d.png\thttps://l.example/\n"
	"ad\t1004\t5\t300\t250\t0\t0\thttps://i.example/e.png\thttps://l.example/\n";

struct inv_seen {
	uint64_t lines, rejects, bad;
	uint64_t zone[4], alpha_ref, beta_ref;
};

static int inv_nop(void *ctx, int64_t hour_ms)
{
	(void)ctx;
	(void)hour_ms;
	return 0;
}

static int inv_event(void *ctx, const struct event *in, uint32_t node,
		     uint32_t label)
{
	struct inv_seen *v = ctx;
	char line[EVENT_LINE_MAX];
	size_t len = event_render(in, line, sizeof(line)), off;
	struct event ev;

	(void)node;
	(void)label;
	v->lines++;
	if (event_parse(line, len - 1, &ev, &off) != EVENT_OK) {
		v->rejects++;
		return 0;
	}
	bool ok = ev.camp == 5 &&
		  ((ev.ad == 1000 && (ev.zone == 100 || ev.zone == 200)) ||
		   (ev.ad == 1001 && ev.zone == 101)) &&
		  ev.pub == (ev.zone < 200 ? 10u : 20u);
	v->bad += !ok;
	v->zone[ev.zone == 100 ? 0 : ev.zone == 101 ? 1 : ev.zone == 200 ? 2 : 3]++;
	if (in->ref.len && memmem(in->ref.ptr, in->ref.len, ".alpha.example/", 15))
		v->alpha_ref++;
	if (in->ref.len && memmem(in->ref.ptr, in->ref.len, ".pub20.example/", 15))
		v->beta_ref++;
	return 0;
}

static void test_inventory_drives_traffic(void **state)
{
	struct inventory *inv = NULL;
	struct inv_seen v = { 0 };
	struct gen_sink sink = { &v, inv_nop, inv_event, inv_nop };
	struct gen_stats st;
	struct gen_opts o;
	char err[256];

	(void)state;
	if (inventory_parse(small_inventory, sizeof(small_inventory) - 1,
			    "small", &inv, err, sizeof(err)))
		fail_msg("%s", err);
	gen_opts_default(&o);
	o.events = 20000;
	o.hours = 2;
	o.inventory = inv;
	assert_int_equal(gen_run(&o, &sink, &st, err, sizeof(err)), 0);
	assert_int_equal(v.lines, 20000);
	assert_int_equal(v.rejects, 0);
	assert_int_equal(v.bad, 0);
	assert_true(v.zone[0] > 0 && v.zone[1] > 0 && v.zone[2] > 0);
	assert_int_equal(v.zone[3], 0);     /* 160x600: no ad of that size */
	assert_true(v.alpha_ref > 0 && v.beta_ref > 0);

	/* a span in which no campaign runs is refused with a message */
	inventory_free(inv);
	const char none[] = "adlog-inventory\t1\n"
		"pub\t1\tA\ta.example\n"
		"camp\t1\t1\t1577836800\t0\tpaused\n"
		"zone\t1\t1\t300\t250\n"
		"ad\t1\t1\t300\t250\t1\t0\thttps://i.example/a\thttps://l.example/\n";
	if (inventory_parse(none, sizeof(none) - 1, "none", &inv, err, sizeof(err)))
		fail_msg("%s", err);
	o.inventory = inv;
	assert_int_equal(gen_run(&o, &sink, &st, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no zone"));
	inventory_free(inv);
}

/* --imperfect into real files: every line is accounted for, the damaged
 * ones are exactly those that do not parse, late lines sit at the top of
 * the next hour's file, some lines are out of order. */
static void test_imperfect_files(void **state)
{
	char dir[] = "/tmp/test_gen_imperfect.XXXXXX";
	struct gen_opts o;
	struct out_opts oo = { .host = "t", .level = OUT_GZIP_LEVEL,
			       .imperfect = true };
	struct out out;
	struct gen_stats st;
	struct gen_sink sink;
	char err[256], path[512], line[4096];
	uint64_t lines = 0, rejects = 0, late = 0, disorder = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	small_opts(&o, 11);
	o.events = 200000;
	oo.dir = dir;
	oo.nodes = o.nodes;
	oo.end_ms = o.start_ms + (int64_t)o.hours * HOUR_MS;
	assert_int_equal(out_init(&out, &oo, err, sizeof(err)), 0);
	sink = out_sink(&out);
	assert_int_equal(gen_run(&o, &sink, &st, err, sizeof(err)), 0);
	assert_int_equal(out_finish(&out), 0);
	for (uint32_t h = 0; h < o.hours; h++)
		for (uint32_t n = 0; n < o.nodes; n++) {
			int64_t hour_ms = o.start_ms + h * HOUR_MS, last = 0;
			FILE *f;

			spool_name_format(path, sizeof(path), dir,
					  hour_of_ms(hour_ms), "t", n, hour_ms,
					  SPOOL_LOG);
			assert_non_null(f = fopen(path, "r"));
			while (fgets(line, sizeof(line), f)) {
				struct event ev;
				size_t len = strlen(line), off;

				lines++;
				if (len && line[len - 1] == '\n')
					len--;
				if (event_parse(line, len, &ev, &off) != EVENT_OK) {
					rejects++;
					continue;
				}
				late += ev.ts_ms < hour_ms;
				disorder += ev.ts_ms < last;
				last = ev.ts_ms;
			}
			fclose(f);
			unlink(path);
		}
	rmdir(dir);
	assert_int_equal(lines, st.lines);
	assert_true(out.malformed > 0);
	assert_int_equal(rejects, out.malformed);
	assert_true(out.late > 0);
	assert_true(late + out.malformed >= out.late);   /* unsigned */
	assert_true(late <= out.late);
	assert_true(out.swapped > 0);
	assert_true(disorder > 0);
	out_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses_back_with_zero_rejects),
		cmocka_unit_test(test_same_seed_same_bytes),
		cmocka_unit_test(test_traffic_shapes),
		cmocka_unit_test(test_daily_curve),
		cmocka_unit_test(test_hour_names),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_inventory_loads_in_serve),
		cmocka_unit_test(test_inventory_drives_traffic),
		cmocka_unit_test(test_imperfect_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
