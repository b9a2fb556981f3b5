/* test_inventory.c - the inventory file: a good file loads with every
 * record reachable, each kind of broken line is refused naming file:line,
 * eligibility (size, weight, campaign dates and status) and weighting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"

#define HEAD "adlog-inventory\t1\n"
#define BASE HEAD "version\tv7\npub\t1\tNews\texample.com\n" \
	"camp\t10\t100\t1000\t0\tactive\n" \
	"camp\t11\t100\t1000\t0\tpaused\n" \
	"camp\t12\t100\t1000\t2000\tactive\n" \
	"zone\t5\t1\t300\t250\n"

static struct inventory *load_ok(const char *text)
{
	struct inventory *inv;
	char err[256] = "";

	if (inventory_parse(text, strlen(text), "inv", &inv, err, sizeof(err))) {
		fprintf(stderr, "unexpected: %s\n", err);
		fail();
	}
	return inv;
}

static void expect_refused(const char *text, const char *want)
{
	struct inventory *inv = (void *)1;
	char err[256] = "";

	assert_int_equal(inventory_parse(text, strlen(text), "inv", &inv, err,
					 sizeof(err)), -1);
	assert_null(inv);
	if (!strstr(err, want)) {
		fprintf(stderr, "want '%s' in '%s'\n", want, err);
		fail();
	}
}

static void test_example_file_loads(void **state)
{
	struct inventory *inv;
	char err[256];

	(void)state;
	assert_int_equal(inventory_load("conf/inventory.example", &inv, err,
					 sizeof(err)), 0);
	assert_string_equal(inv->version, "example-1");
	assert_non_null(inventory_ad(inv, 1));
	assert_non_null(inventory_zone(inv, 4));
	assert_null(inventory_ad(inv, 99));
	inventory_free(inv);
}

static void test_lookup_and_fields(void **state)
{
	struct inventory *inv = load_ok(BASE
		"ad\t7\t10\t300\t250\t3\t1\thttps://i.example/7.png\thttps://l.example/?a=7\n"
		"# a comment\n\n"
		"ad\t3\t12\t300\t250\t1\t0\thttp://i.example/3.png\thttp://l.example/3\n");
	const struct inv_ad *a;

	(void)state;
	assert_string_equal(inv->version, "v7");
	a = inventory_ad(inv, 7);
	assert_non_null(a);
	assert_int_equal(a->camp, 10);
	assert_true(a->unsigned_ok);
	assert_int_equal(a->landing_len, strlen("https://l.example/?a=7"));
	assert_memory_equal(a->landing, "https://l.example/?a=7", a->landing_len);
	assert_false(inventory_ad(inv, 3)->unsigned_ok);
	assert_int_equal(inventory_zone(inv, 5)->pub, 1);
	inventory_free(inv);
}

static void test_refusals_name_the_line(void **state)
{
	(void)state;
	expect_refused("adlog-inventory\t2\n", "inv:1:");
	expect_refused("", "inv:1:");
	expect_refused(BASE "zone\t6\t9\t300\t250\n", "inv:8: zone 6: unknown pub 9");
	expect_refused(BASE "ad\t1\t99\t300\t250\t1\t0\thttp://a/\thttp://b/\n",
		       "inv:8: ad 1: unknown camp 99");
	expect_refused(BASE "ad\t1\t10\t300\t250\t1\t0\thttp://a/\tjavascript:x\n",
		       "inv:8: landing URL must start");
	expect_refused(BASE "ad\t1\t10\t300\t250\t1\t0\thttp://a/\thttp://b/\r\n",
		       "inv:8: control byte");
	expect_refused(BASE "ad\t1\t10\t300\t250\t1\t0\thttp://a/\thttp://b/\"x\n",
		       "inv:8: landing URL has a control byte, space or quote");
	expect_refused(BASE "ad\t1\t10\t300\t250\t1\t2\thttp://a/\thttp://b/\n",
		       "inv:8: bad unsigned flag");
	expect_refused(BASE "ad\t1\t10\t300\t250\t-1\t0\thttp://a/\thttp://b/\n",
		       "inv:8: bad weight");
	expect_refused(BASE "ad\t0\t10\t300\t250\t1\t0\thttp://a/\thttp://b/\n",
		       "inv:8: bad ad id");
	expect_refused(BASE "ad\t4294967296\t10\t300\t250\t1\t0\thttp://a/\thttp://b/\n",
		       "inv:8: bad ad id");
	expect_refused(BASE "ad\t1\t10\t300\t250\t1\t0\thttp://a/\n", "inv:8: ad needs 8");
	expect_refused(BASE "zone\t5\t1\t1\t1\n", "inv:8: duplicate zone id 5");
	expect_refused(BASE "camp\t13\t1\t5\t4\tactive\n", "inv:8: campaign ends before");
	expect_refused(BASE "camp\t13\t1\t5\t0\tstopped\n", "inv:8: bad status");
	expect_refused(BASE "version\tv8\n", "inv:8: second version");
	expect_refused(BASE "banner\t1\n", "inv:8: unknown record");
	expect_refused(BASE "zone\t\t1\t1\t1\n", "inv:8: empty field");
	expect_refused(HEAD "pub\t1\ta\tb\npub\t1\tc\td\n", "inv:3: duplicate pub id 1");
}

static void test_pick_respects_eligibility(void **state)
{
	struct inventory *inv = load_ok(BASE
		"ad\t1\t10\t300\t250\t1\t0\thttp://a/\thttp://b/\n"   /* running */
		"ad\t2\t11\t300\t250\t5\t0\thttp://a/\thttp://b/\n"   /* paused */
		"ad\t3\t12\t300\t250\t5\t0\thttp://a/\thttp://b/\n"   /* 1000..2000 s */
		"ad\t4\t10\t300\t250\t0\t0\thttp://a/\thttp://b/\n"   /* weight 0 */
		"ad\t5\t10\t728\t90\t9\t0\thttp://a/\thttp://b/\n"    /* other size */
		"zone\t6\t1\t160\t600\n");
	const struct inv_zone *z = inventory_zone(inv, 5);
	unsigned seen[6] = { 0 };

	(void)state;
	for (uint64_t r = 0; r < 600; r++) {
		const struct inv_ad *a = inventory_pick(inv, z, 1500 * 1000LL, r);

		assert_non_null(a);
		seen[a->id]++;
	}
	/* at 1500 s ads 1 (weight 1) and 3 (weight 5) run: 1:5 */
	assert_int_equal(seen[1], 100);
	assert_int_equal(seen[3], 500);
	/* after camp 12 ends only ad 1 is left */
	assert_int_equal(inventory_pick(inv, z, 2000 * 1000LL, 3)->id, 1);
	/* before any campaign starts, and for a size nobody has: nothing */
	assert_null(inventory_pick(inv, z, 999 * 1000LL, 3));
	assert_null(inventory_pick(inv, inventory_zone(inv, 6), 1500 * 1000LL, 3));
	inventory_free(inv);
}

/* What the writer writes, the reader takes back field for field. */
static void test_writer_reads_back(void **state)
{
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct inventory *inv;
	const struct inv_ad *a;

	(void)state;
	assert_non_null(f);
	assert_int_equal(inventory_write_header(f, "v-1", "a comment"), 0);
	assert_int_equal(inventory_write_pub(f, 3, "News", "news.example,b.example"), 0);
	assert_int_equal(inventory_write_pub(f, 4, "Bare", "-"), 0);
	assert_int_equal(inventory_write_camp(f, 9, 2, 1577836800, 0, false), 0);
	assert_int_equal(inventory_write_zone(f, 5, 3, 300, 250), 0);
	assert_int_equal(inventory_write_ad(f, 11, 9, 300, 250, 7, true,
					    "https://cdn.example/1.png",
					    "https://adv.example/l"), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(inventory_parse(buf, len, "w", &inv, err, sizeof(err)), 0);
	assert_string_equal(inv->version, "v-1");
	assert_string_equal(inventory_pub(inv, 3)->domains, "news.example,b.example");
	assert_string_equal(inventory_pub(inv, 4)->domains, "-");
	assert_false(inventory_camp(inv, 9)->active);
	assert_int_equal(inventory_zone(inv, 5)->pub, 3);
	a = inventory_ad(inv, 11);
	assert_non_null(a);
	assert_true(a->unsigned_ok);
	assert_int_equal(a->weight, 7);
	assert_int_equal(a->landing_len, strlen("https://adv.example/l"));
	inventory_free(inv);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_file_loads),
		cmocka_unit_test(test_lookup_and_fields),
		cmocka_unit_test(test_refusals_name_the_line),
		cmocka_unit_test(test_pick_respects_eligibility),
		cmocka_unit_test(test_writer_reads_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
